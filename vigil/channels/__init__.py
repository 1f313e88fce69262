"""Channel adapters and the accounts that configure them. See docs/architecture.md#channels.

Each channel kind lives in its own sub-package (email/, chat/, telegram/, webform/) and is the
only code that knows that channel; everything else talks to the ChannelAdapter contract.
"""
