"""Built-in checks, grouped by resource family. Installed as ``auditor.checks``."""
