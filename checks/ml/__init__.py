"""Checks of the ml family."""
