"""The result JSON: the one artifact everything else derives from (schema in docs/)."""

from __future__ import annotations

from auditor.result import ScanResult

EXTENSION = ".json"


def render(result: ScanResult) -> str:
    return result.to_json(indent=2) + "\n"
