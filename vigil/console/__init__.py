"""The agent console: Django templates and htmx. See docs/architecture.md#console."""
