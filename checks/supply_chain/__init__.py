"""Checks of the supply_chain family."""
