"""Bounds on what one IaC scan reads and expands (documented in docs/limits.md).

Reaching one is a collection error naming the file (and line), never a silent skip: the scan is
marked incomplete and everything else is still judged.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IacLimits:
    # a file over this size is refused before any parser sees it (--max-file-size, MiB)
    max_file_bytes: int = 8 * 1024 * 1024
    # instances one count/for_each (or range()) may expand to
    max_instances: int = 10_000
    # nested blocks in an HCL file, nested values in JSON/YAML
    max_nesting: int = 100
    # local module calls nested in each other
    max_module_depth: int = 20
    # YAML nodes after aliases are expanded (billion laughs)
    max_yaml_nodes: int = 1_000_000
    # expressions evaluated for one Terraform root module (bounds hostile for-expressions)
    max_eval_steps: int = 2_000_000
    # a string or collection built by a template or function (literals are bounded by the file size)
    max_string_chars: int = 8 * 1024 * 1024
    max_collection_items: int = 1_000_000
    # seconds the HCL parser may spend on one file (its error recovery is slow on garbage)
    max_parse_seconds: float = 10.0
