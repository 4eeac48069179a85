"""Command line. ``main.py`` builds the group; each source or feature adds its commands from its own module."""
