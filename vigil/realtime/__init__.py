"""Live updates over WebSocket: initial state, ordered events, resync.

See docs/architecture.md#real-time.
"""
