"""The result JSON: the one artifact everything else derives from (schema in docs/)."""

from __future__ import annotations

from auditor.result import ScanResult

EXTENSION = ".json"


def render(result: ScanResult) -> str:
    """The streamed result document (``auditor.result_stream``); it ends with a newline."""
    return result.to_json()
