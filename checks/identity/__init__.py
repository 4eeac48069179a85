"""Checks of the identity family."""
