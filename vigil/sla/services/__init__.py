"""Writes of the SLA app. See docs/architecture.md#slas."""
