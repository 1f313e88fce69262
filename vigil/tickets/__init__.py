"""Tickets, messages, attachments, the activity log, the status machine and ingestion.

See docs/architecture.md#tickets.
"""
