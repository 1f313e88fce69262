"""The live-chat channel: widget socket, sessions, uploads. See docs/architecture.md#live-chat."""
