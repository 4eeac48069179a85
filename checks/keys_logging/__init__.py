"""Checks of the keys_logging family."""
