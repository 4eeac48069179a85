"""The console names failures; tables are never cut when output is not a terminal; a progress
bar on a terminal, one plain line per target in CI."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from auditor.console import Progress
from auditor.engine import collect
from auditor.findings import Finding
from auditor.registry import Registry

from .conftest import Auditor, public_bucket_tf


def test_failing_findings_follow_the_summary_capped_with_a_count(auditor: Auditor, tmp_path: Path) -> None:
    names = [f"acme-ml-s{i:02d}-access-logs-with-a-rather-long-name" for i in range(25)]
    public_bucket_tf(tmp_path / "infra", names)
    res = auditor("scan", "iac", "infra", "--no-store", "--fail-on", "critical", "-o", "out")
    assert res.code == 1
    lines = res.out.splitlines()
    header = lines.index("25 failing finding(s) at or above critical:")
    listed = lines[header + 1 : header + 21]
    assert all(line.split()[:2] == ["critical", "bucket_public_read"] for line in listed)
    assert f"{names[0]}  (main.tf:1)" in listed[0]  # severity, check, resource, file:line; never cut
    assert lines[header + 21].strip() == "… and 5 more (see the reports)"
    quiet = auditor("scan", "iac", "infra", "--no-store", "--fail-on", "critical", "-o", "out", "-q")
    assert quiet.code == 1
    assert "critical" in quiet.out and "25 resources" in quiet.out  # the summary stays
    assert "failing finding(s)" not in quiet.out and "bucket_public_read" not in quiet.out


def test_tables_are_never_cut_when_piped(auditor: Auditor) -> None:
    res = auditor("checks", "list")
    ids = Registry.default().ids()
    assert [i for i in ids if f"│ {i} " not in res.out] == []  # every id whole on its row
    assert "…" not in res.out


def _collectors(n: int) -> list[object]:
    class One:
        name = "demo"

        def __init__(self, i: int) -> None:
            self.i = i

        def scope(self) -> str:
            return f"target-{self.i}"

        def collect(self, sink: object) -> None:
            return None

    return [One(i) for i in range(n)]


def test_one_plain_line_per_target_in_ci() -> None:
    stream = io.StringIO()
    with Progress(stream=stream) as progress:
        collect(_collectors(3), progress=progress)  # type: ignore[arg-type]
    lines = stream.getvalue().splitlines()
    assert sorted(line.split("] ", 1)[1].split(":")[0] for line in lines) == ["target-0", "target-1", "target-2"]
    assert lines[-1].endswith("collected (3/3)")


def test_a_progress_bar_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    with Progress(stream=stream) as progress:
        collect(_collectors(2), progress=progress)  # type: ignore[arg-type]
        bar = progress._bar
        assert bar is not None
        task = bar.tasks[0]
        assert (task.completed, task.total) == (2, 2)
    assert "collected (" not in stream.getvalue()  # no CI lines on a terminal


def _failure(n: int, severity: str) -> Finding:
    from auditor.findings import Severity, Status, fingerprint

    rid = f"arn:aws:s3:::bucket-{n:07d}"
    return Finding(
        check_id="bucket_public_read", title="t", severity=Severity(severity), status=Status.FAIL,
        resource_id=rid, resource_name=f"bucket-{n:07d}", resource_kind="Bucket", provider="aws",
        fingerprint=fingerprint("bucket_public_read", rid),
    )


def test_the_failure_list_is_a_bounded_fold_with_exact_counts() -> None:
    from auditor.console import console_for, print_failures, worst_failures

    held: list[int] = []

    def stream() -> Iterator[Finding]:  # 30,000 failures, three of them critical, met last
        for n in range(30_000):
            yield _failure(n, "critical" if n >= 29_997 else "medium")

    shown, total = worst_failures(stream(), 20)
    assert total == 30_000 and len(shown) == 20
    assert [f.resource_name for f in shown[:3]] == ["bucket-0029997", "bucket-0029998", "bucket-0029999"]
    assert [f.resource_name for f in shown[3:5]] == ["bucket-0000000", "bucket-0000001"]
    from auditor.bounded import SmallestN

    fold: SmallestN[Finding] = SmallestN(20)
    for f in stream():
        fold.add((-f.severity.rank, f.check_id, f.resource_id, f.fingerprint), f)
        held.append(len(fold._items))
    assert max(held) < 40  # never more than twice what it lists
    assert fold.seen == 30_000 and fold.omitted == 29_980
    out = io.StringIO()
    print_failures(shown, "medium", total=total, console=console_for(out))
    lines = out.getvalue().splitlines()
    assert lines[0] == "30000 failing finding(s) at or above medium:"
    assert lines[1].split()[:2] == ["critical", "bucket_public_read"] and len(lines) == 22
    assert lines[-1].strip() == "… and 29980 more (see the reports)"
