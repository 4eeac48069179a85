"""Checks of the network family."""
