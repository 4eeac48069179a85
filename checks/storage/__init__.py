"""Checks of the storage family."""
