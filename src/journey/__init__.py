"""Journey: a customer-journey experience dashboard over an interaction store."""

__version__ = "0.1.0"
