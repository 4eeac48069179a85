"""Alembic migrations of the scan-history store (run programmatically by ``auditor.store``)."""
