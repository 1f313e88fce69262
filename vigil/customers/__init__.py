"""Customers and their channel identities: one person across every channel.

See docs/architecture.md#customers.
"""
