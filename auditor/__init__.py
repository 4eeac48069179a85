"""Posture and compliance auditor for AI/ML infrastructure."""

__version__ = "0.1.0"
