"""The IaC scan on public repositories nobody here wrote, beside Checkov, in the same run.

    python bench/iac_public.py --checkov /tmp/ckv/bin/checkov DIR [DIR ...]

Each DIR is an extracted public repository (bridgecrewio/terragoat, bridgecrewio/cfngoat,
nccgroup/sadcloud, tenable/KaiMonkey were used for docs/iac.md). For each, the auditor CLI
(`scan iac DIR --no-store -f json`) and Checkov (`-d DIR --framework terraform cloudformation
--compact -o json`) run in fresh processes; the table gives what each reports and its wall and
CPU time (children's rusage). The auditor's resource blocks are counted in-process (every
resource instance read from Terraform and CloudFormation, before mapping).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc, wall, cpu


def blocks_read(folder: Path) -> int:
    """Resource instances the collector reads (data sources left out), before mapping."""
    sys.path.insert(0, str(ROOT))
    from auditor.collectors.iac.cloudformation import load_template
    from auditor.collectors.iac.discovery import discover
    from auditor.collectors.iac.terraform.project import TerraformProject

    root = folder.resolve()
    found = discover([root])
    tf = found.of("terraform") + found.of("terraform_json")
    resources = TerraformProject(root, lambda *a: None).resources(tf, []) if tf else []
    for path in found.of("cloudformation"):
        resources += load_template(path, path.relative_to(root).as_posix(), lambda *a: None)
    return sum(1 for r in resources if not r.type.startswith("data."))


def auditor_row(folder: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "auditor", "scan", "iac", str(folder), "--no-store", "-f", "json", "-o", out,
               "--fail-on", "none", "-q"]
        proc, wall, cpu = timed(cmd)
        result = json.loads(next(Path(out).glob("*.json")).read_text())
    statuses = Counter(f["status"] for f in result["findings"])
    errors = result["collection_errors"]
    return {
        "exit": proc.returncode,
        "blocks": blocks_read(folder),
        "modelled": len(result["inventory"] or []),
        "fail": statuses["fail"],
        "unknown": statuses["unknown"],
        "pass": statuses["pass"],
        "errors": sum(1 for e in errors if e["incomplete"]),
        "notes": sum(1 for e in errors if not e["incomplete"]),
        "wall": wall,
        "cpu": cpu,
    }


def checkov_row(checkov: str, folder: Path) -> dict[str, object]:
    cmd = [checkov, "-d", str(folder), "--framework", "terraform", "cloudformation", "--compact", "-o", "json", "--quiet"]
    proc, wall, cpu = timed(cmd)
    data = json.loads(proc.stdout or "[]")
    reports = data if isinstance(data, list) else [data]
    total: Counter[str] = Counter()
    for report in reports:
        for key in ("passed", "failed", "parsing_errors", "resource_count"):
            total[key] += int((report.get("summary") or {}).get(key, 0))
    return {"resources": total["resource_count"], "failed": total["failed"], "passed": total["passed"],
            "parsing_errors": total["parsing_errors"], "wall": wall, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--checkov", help="path of a checkov executable (installed outside the checkout)")
    args = parser.parse_args()
    print("| repository | auditor: resources read / modelled | auditor: fail / unknown / pass | auditor: collection errors (notes) "
          "| auditor CPU | Checkov: resources / failed / passed / parsing errors | Checkov CPU | CPU ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for folder in args.dirs:
        ours = auditor_row(folder)
        theirs = checkov_row(args.checkov, folder) if args.checkov else None
        ckv = (f"{theirs['resources']} / {theirs['failed']} / {theirs['passed']} / {theirs['parsing_errors']}"
               if theirs else "—")
        ckv_cpu = f"{theirs['cpu']:.2f} s" if theirs else "—"
        ratio = f"{float(theirs['cpu']) / max(float(ours['cpu']), 0.01):.1f}x" if theirs else "—"  # type: ignore[arg-type]
        print(f"| {folder.name} | {ours['blocks']} / {ours['modelled']} | {ours['fail']} / {ours['unknown']} / {ours['pass']} "
              f"| {ours['errors']} ({ours['notes']}) | {ours['cpu']:.2f} s | {ckv} | {ckv_cpu} | {ratio} |")


if __name__ == "__main__":
    main()
