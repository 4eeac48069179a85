"""Checks of the notebooks family."""
