"""Write docs/result-schema.json from the ScanResult model (``--check``: fail if it is stale).

The schema is versioned with ``auditor.result.SCHEMA_VERSION``; a test keeps the file in sync.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from auditor.result import SCHEMA_VERSION, ScanResult

TARGET = Path(__file__).resolve().parent.parent / "docs" / "result-schema.json"


def schema_text() -> str:
    schema = ScanResult.model_json_schema(mode="serialization")
    # In a result file a finding leaves out its severity when it is its check's (stated once in
    # the catalog); the in-memory Finding always has one.
    finding = schema["$defs"]["Finding"]
    finding["required"] = [name for name in finding["required"] if name != "severity"]
    finding["properties"]["severity"]["description"] = (
        "absent when equal to the severity of the check in `checks`; present where this finding's weight differs"
    )
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Auditor scan result, schema version {SCHEMA_VERSION}",
        "description": (
            "The result JSON every report derives from. Additions bump the minor version, "
            "incompatible changes the major; schema_version in each document says which it follows."
        ),
        **{k: v for k, v in schema.items() if k != "title"},
    }
    return json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = schema_text()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.name} is stale: run python scripts/gen_result_schema.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
