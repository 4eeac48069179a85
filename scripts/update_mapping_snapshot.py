"""Rewrite tests/compliance/mapping_snapshot.txt: the resolved check -> controls table.

Run after editing auditor/compliance/frameworks/*.yaml and commit the diff with the change, so
every mapping change shows in review.
"""

from __future__ import annotations

from pathlib import Path

from auditor.compliance import resolved_table

SNAPSHOT = Path(__file__).resolve().parent.parent / "tests" / "compliance" / "mapping_snapshot.txt"

if __name__ == "__main__":
    SNAPSHOT.write_text(resolved_table(), encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(Path.cwd()) if SNAPSHOT.is_relative_to(Path.cwd()) else SNAPSHOT}")
