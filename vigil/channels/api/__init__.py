"""The REST API as a channel: tickets and messages created by integrations and the portal."""
