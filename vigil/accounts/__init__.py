"""Agents, teams, roles, presence and API tokens. See docs/architecture.md#accounts."""
