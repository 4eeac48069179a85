"""Checks of the services family."""
