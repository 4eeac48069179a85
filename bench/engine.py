"""Benchmark: ``auditor evaluate`` alone on a large saved inventory (bounded memory).

Runs ``auditor demo`` once (the 122-resource AWS, GCP, Azure and Kubernetes demo estate), replicates its
inventory to N resources with distinct ids and names, writes it as a streamed inventory file,
then runs ``auditor evaluate FILE -f json --no-store`` in a fresh process per size and records
wall time, peak RSS (``ru_maxrss`` of the child), findings and result bytes per finding.

Targets (docs/performance.md): 100,000 resources in <= 10 s and <= 400 MB peak; 1,000,000
complete with <= 500 MB peak and time linear in size; result bytes per finding at most a third
of schema 1's (595 MB / 327,000 findings = 1,820 bytes).

Run: ``python bench/engine.py [--sizes 100000,1000000] [--json figures.json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
V1_BYTES_PER_FINDING = 595e6 / 327_000  # the measurement, on the demo of that day


def schema1_bytes(path: Path) -> int:
    """What schema 1.1 would have written for the same scan: every finding with its check's title,
    remediation and controls and every field, the inventory with every field, the whole document
    indented by 2 (ScanResult.to_json). Computed one item at a time from the streamed file."""
    from auditor.result import ScanResult
    from auditor.result_stream import read_tail

    def pretty(value: Any, depth: int) -> int:
        text = json.dumps(value, indent=2, ensure_ascii=False)
        return len(text.encode()) + (text.count("\n") + 1) * 2 * depth + 2  # nested indentation, ",\n"

    result = ScanResult.load(path)
    total = 0
    for f in result.findings:
        total += pretty(f.model_dump(mode="json") | {"title": f.title, "remediation": f.remediation,
                                                      "controls": f.controls}, 2)
    for item in result.inventory:
        total += pretty(item, 2)
    tail = read_tail(path)
    tail.pop("totals", None)
    return total + pretty(tail, 0)


def demo_inventory(work: Path) -> list[dict[str, Any]]:
    out = work / "demo"
    subprocess.run([sys.executable, "-m", "auditor", "demo", "-o", str(out), "-q"], check=True, cwd=work,
                   stdout=subprocess.DEVNULL)
    from auditor.result import ScanResult

    return list(ScanResult.load(out / "report.json").inventory)


def _suffix(value: Any, n: int) -> Any:
    return f"{value}-r{n}" if isinstance(value, str) and value else value


def replicated(items: list[dict[str, Any]], size: int) -> Iterator[dict[str, Any]]:
    """``size`` resources: the demo's, again and again, each copy with its own ids and names."""
    for n in range(size):
        item = items[n % len(items)]
        copy = n // len(items)
        if copy == 0:
            yield item
            continue
        ref = dict(item["ref"])
        ref["id"] = _suffix(ref["id"], copy)
        ref["name"] = _suffix(ref.get("name"), copy)
        yield {**item, "ref": ref}


def write_inventory(items: list[dict[str, Any]], size: int, path: Path) -> None:
    """The streamed inventory layout (one resource per line), as ``--save-inventory`` writes it."""
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"schema_version":"2.0","kind":"auditor-inventory","sources":["aws","gcp","azure"],'
                  f'"scope":"bench-{size}","collected":null,\n"inventory":[\n')
        for n, item in enumerate(replicated(items, size)):
            out.write(("" if n == 0 else ",\n") + json.dumps(item, separators=(",", ":")))
        out.write('\n],\n"collection_errors":[],"api_calls":{}}\n')


def measure(inventory: Path, work: Path) -> dict[str, Any]:
    result = work / f"{inventory.stem}-result.json"
    result.unlink(missing_ok=True)
    start = time.perf_counter()
    # A fresh wrapper process per run: ru_maxrss of children is a running maximum.
    code = (
        "import resource, subprocess, sys;"
        "p = subprocess.run(sys.argv[1:]);"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(u.ru_maxrss, round(u.ru_utime + u.ru_stime, 2));"
        "sys.exit(p.returncode)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, sys.executable, "-m", "auditor", "evaluate", str(inventory), "-f", "json",
         "--output", str(result), "-q", "--fail-on", "none", "--no-store", "--force"],
        capture_output=True, text=True, env={**os.environ, "AUDITOR_WORK_DIR": str(work)},
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"auditor evaluate failed ({proc.returncode}): {proc.stderr[-2000:]}")
    peak_kib, cpu = proc.stdout.strip().splitlines()[-1].split()
    from auditor.result import ScanResult
    from auditor.result_stream import verify_result_digest

    loaded = ScanResult.load(result)
    findings = loaded.summary()["findings"]
    size = result.stat().st_size
    figures = {
        "resources": loaded.summary()["resources"],
        "findings": findings,
        "wall_seconds": round(wall, 2),
        "cpu_seconds": float(cpu),  # user + system: what the run costs whatever else the machine does
        "load_average": round(os.getloadavg()[0], 1),
        "peak_rss_mib": round(int(peak_kib) / 1024, 1),
        "result_bytes": size,
        "bytes_per_finding": round(size / max(findings, 1), 1),
        "vs_schema_1_measured": round(size / max(findings, 1) / V1_BYTES_PER_FINDING, 3),
        "vs_schema_1_same_scan": round(size / schema1_bytes(result), 3),
        "digest_verifies": verify_result_digest(result),
    }
    result.unlink()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated resource counts")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    rows = []
    with tempfile.TemporaryDirectory(prefix="auditor-bench-engine-") as tmp:
        work = Path(tmp)
        items = demo_inventory(work)
        print(f"demo inventory: {len(items)} resources", file=sys.stderr)
        for size in sizes:
            inventory = work / f"inventory-{size}.json"
            write_inventory(items, size, inventory)
            figures = measure(inventory, work)
            inventory.unlink()
            rows.append(figures)
            print(json.dumps(figures), flush=True)
    if len(rows) > 1:
        base = rows[0]
        for row in rows[1:]:
            ratio = (row["cpu_seconds"] / base["cpu_seconds"]) / (row["resources"] / base["resources"])
            print(f"CPU time per resource at {row['resources']:,} vs {base['resources']:,}: {ratio:.2f}x", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
