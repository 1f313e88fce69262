"""Template tags of the agent console."""
