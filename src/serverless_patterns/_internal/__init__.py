"""Private helpers shared by the constructs: errors, validation, defaults and naming.

Nothing here is public API; constructs import from these modules directly.
"""
