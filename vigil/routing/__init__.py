"""Routing: triage of inbound messages, queues, assignment. See docs/architecture.md#routing."""
