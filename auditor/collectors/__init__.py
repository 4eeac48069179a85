"""Collectors: the only code that talks to the outside world or knows a provider's API shapes."""
