"""The scan store on SQLite: schema, saving, history, interruption and concurrent writers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from auditor.config import ConfigError
from auditor.findings import Severity, Status
from auditor.result import ScanResult
from auditor.store import (
    CHANGES_LISTED,
    FIRST_SEEN_LISTED,
    Store,
    default_store_path,
    normalise_url,
    open_store,
    resolve_store_url,
)

from .factory import finding, scan

ROOT = Path(__file__).resolve().parents[2]


def test_urls_and_default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert normalise_url(str(tmp_path / "h.db")) == f"sqlite:///{tmp_path / 'h.db'}"
    assert normalise_url("postgresql://u:p@127.0.0.1:5/db") == "postgresql+psycopg://u:p@127.0.0.1:5/db"
    monkeypatch.delenv("AUDITOR_STORE")
    assert default_store_path().name == "history.sqlite"
    assert "auditor" in str(default_store_path())
    assert resolve_store_url(None, None) == normalise_url(str(default_store_path()))
    assert resolve_store_url(None, str(tmp_path / "cfg.db")).endswith("cfg.db")
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "env.db"))
    assert resolve_store_url(None, str(tmp_path / "cfg.db")).endswith("env.db")
    assert resolve_store_url(str(tmp_path / "cli.db"), str(tmp_path / "cfg.db")).endswith("cli.db")


def test_bad_store_url_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not valid|cannot open"):
        open_store("nosuchdialect://x/y")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="cannot open the scan store"):
        open_store(normalise_url(str(tmp_path / "file" / "sub" / "h.db")))


def test_schema_is_versioned_and_upgrade_is_idempotent(store_path: Path) -> None:
    url = normalise_url(str(store_path))
    store = open_store(url)
    assert store.schema_revision() == "0004"
    store.close()
    again = open_store(url)  # a second open runs no migration and keeps the data
    assert again.schema_revision() == "0004"
    with sqlite3.connect(store_path) as db:
        tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
        assert {"scans", "findings", "alembic_version"} <= tables
        assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_save_list_and_history(store_path: Path) -> None:
    store = open_store(normalise_url(str(store_path)))
    a = finding("bucket_public_read", "arn:a")
    b = finding("bucket_unencrypted", "arn:b", severity=Severity.MEDIUM)
    c = finding("bucket_tls", "arn:c", severity=Severity.LOW)
    passing = finding("bucket_public_read", "arn:ok", status=Status.PASS)
    muted = finding("bucket_logging", "arn:m", suppressed=True)
    first = scan([a, b, passing, muted], day=0)
    assert store.history_for(first).previous_scan_id is None
    store.save(first)
    other = scan([c], scope="aws-222222222222", day=1)
    store.save(other)
    second = scan([a, c, passing, muted], day=2)
    history = store.history_for(second)
    assert history.previous_scan_id == first.scan.id
    assert history.new == [c.fingerprint]  # c failed only in another scope before
    assert history.resolved == [b.fingerprint]
    assert history.first_seen[a.fingerprint] == first.scan.started
    assert history.first_seen[c.fingerprint] == second.scan.started
    assert muted.fingerprint not in history.first_seen and muted.fingerprint not in history.new
    assert [p.scan_id for p in history.trend] == [first.scan.id, second.scan.id]
    assert history.trend[0].failing_by_severity["medium"] == 1
    assert history.trend[1].failing_by_severity == {"critical": 0, "high": 1, "medium": 0, "low": 1, "info": 0}
    store.save(second)
    assert [s.id for s in store.list_scans("aws-111111111111")] == [second.scan.id, first.scan.id]
    assert len(store.list_scans()) == 3
    assert store.failing_fingerprints(second.scan.id) == {a.fingerprint, c.fingerprint}
    with sqlite3.connect(store_path) as db:  # passes live only in the stored result JSON
        rows = db.execute("select fingerprint, status, suppressed from findings where scan_id = ?", (first.scan.id,))
        assert sorted(rows) == sorted([(a.fingerprint, "fail", 0), (b.fingerprint, "fail", 0), (muted.fingerprint, "fail", 1)])
    loaded = store.load_result(second.scan.id)
    assert loaded == second and loaded.verify_digest()
    assert store.find_scan(second.scan.id[:8]).id == second.scan.id
    with pytest.raises(ConfigError, match="no scan"):
        store.find_scan("zzzz")


def test_a_failed_save_leaves_nothing_behind(store_path: Path) -> None:
    store = open_store(normalise_url(str(store_path)))
    good = scan([finding("bucket_public_read", "arn:a")], day=0)
    store.save(good)
    dup_id = scan([finding("bucket_public_read", "arn:b")], day=1, scan_id=good.scan.id)
    with pytest.raises(Exception, match=r"UNIQUE|unique|Integrity"):
        store.save(dup_id)  # the scan row conflicts: the whole transaction rolls back
    assert [s.id for s in store.list_scans()] == [good.scan.id]
    assert store.failing_fingerprints(good.scan.id) == {finding("bucket_public_read", "arn:a").fingerprint}


KILL_MID_SAVE = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from auditor import store as store_mod
    from tests.history.factory import finding, scan

    original = store_mod.Store._insert_findings

    def insert_then_die(self, conn, rows):
        original(self, conn, rows[: len(rows) // 2])  # half the findings are written ...
        os.kill(os.getpid(), signal.SIGKILL)          # ... and the process dies mid-transaction

    store_mod.Store._insert_findings = insert_then_die
    store = store_mod.open_store({url!r})
    store.save(scan([finding("bucket_public_read", f"arn:{{i}}") for i in range(2000)], day=5))
    """
)


def test_a_scan_killed_while_saving_leaves_the_store_consistent(store_path: Path) -> None:
    url = normalise_url(str(store_path))
    store = open_store(url)
    earlier = scan([finding("bucket_public_read", "arn:a")], day=0)
    store.save(earlier)
    store.close()
    proc = subprocess.run([sys.executable, "-c", KILL_MID_SAVE.format(root=str(ROOT), url=url)], timeout=120)
    assert proc.returncode == -9
    store = open_store(url)
    assert [s.id for s in store.list_scans()] == [earlier.scan.id]
    with sqlite3.connect(store_path) as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert db.execute("select count(*) from findings").fetchone()[0] == 1
    store.save(scan([finding("bucket_public_read", "arn:b")], day=6))  # and it takes new scans
    assert len(store.list_scans()) == 2


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from auditor.store import open_store
    from tests.history.factory import finding, scan

    store = open_store({url!r})
    for n in range(5):
        store.save(scan([finding("bucket_public_read", f"arn:{tag}-{{n}}-{{i}}") for i in range(800)], day=n))
    """
)


def test_concurrent_writers_all_land(store_path: Path) -> None:
    """Two (here three) scan processes on a fresh store at once: migration and saves serialise."""
    url = normalise_url(str(store_path))
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(ROOT), url=url, tag=tag)])
        for tag in ("a", "b", "c")
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0]
    store = open_store(url)
    scans = store.list_scans()
    assert len(scans) == 15
    assert all(len(store.failing_fingerprints(s.id)) == 800 for s in scans)


def test_concurrent_threads_share_one_store(store_path: Path) -> None:
    store = open_store(normalise_url(str(store_path)))
    results = [scan([finding("bucket_public_read", f"arn:{i}-{j}") for j in range(50)], day=i) for i in range(12)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(store.save, results))
    assert {s.id for s in store.list_scans()} == {r.scan.id for r in results}


def test_store_file_is_created_with_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "h.sqlite"
    open_store(normalise_url(str(path))).close()
    assert path.exists()
    assert os.path.getsize(path) > 0


def test_schema_head_constant_matches_the_migrations() -> None:
    """Opening a current store skips Alembic by comparing with SCHEMA_HEAD: keep them equal."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from auditor import store as store_module

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(store_module.__file__).parent / "store_migrations"))
    assert ScriptDirectory.from_config(cfg).get_current_head() == store_module.SCHEMA_HEAD


def _reference_history(stored: list, result, scope: str) -> tuple[list[str], list[str], dict]:
    """What history_for must answer, computed the plain way (every fingerprint in a Python set)."""
    def failing(r) -> set[str]:
        return {f.fingerprint for f in r.findings if f.active_failure}

    same = [r for r in stored if r.scan.scope == scope]
    baseline = max(same, key=lambda r: r.scan.started) if same else None
    now, before = failing(result), failing(baseline) if baseline else set()
    first: dict = {}
    for r in sorted(same, key=lambda r: r.scan.started):
        for f in r.findings:
            if f.status == Status.FAIL and f.fingerprint in now:
                first.setdefault(f.fingerprint, r.scan.started)
    for fp in now:
        first.setdefault(fp, result.scan.started)
    return sorted(now - before), sorted(before - now), dict(sorted(first.items()))


def test_history_computed_in_the_store_equals_the_set_arithmetic(store_path: Path) -> None:
    """The set differences run in SQL over a temporary table; the answer is the one plain set
    arithmetic gives, across batches (more than 5,000 failures), duplicates, suppressions, passes
    and scans of another scope."""
    history_matches_set_arithmetic(open_store(normalise_url(str(store_path))))


def history_matches_set_arithmetic(store: Store) -> None:
    """Shared with the PostgreSQL tests."""
    def day_scan(day: int, ids: range, *, scope: str = "aws-111111111111", muted: range = range(0)) -> ScanResult:
        findings = [finding("bucket_public_read", f"arn:{i}", suppressed=i in muted) for i in ids]
        findings += [finding("bucket_unencrypted", f"arn:{i}", status=Status.PASS) for i in ids[:50]]
        findings.append(findings[0])  # the same fingerprint twice
        return scan(findings, day=day, scope=scope)

    stored = [
        day_scan(0, range(0, 4000)),
        day_scan(1, range(3000, 9000), scope="aws-222222222222"),
        day_scan(2, range(1000, 6000), muted=range(1000, 1500)),
    ]
    for r in stored:
        store.save(r)
    current = day_scan(3, range(2000, 8000), muted=range(7000, 7100))
    history = store.history_for(current)
    new, resolved, first = _reference_history(stored, current, "aws-111111111111")
    assert history.previous_scan_id == stored[2].scan.id
    assert len(new) > 1000 and len(resolved) >= 500
    oldest = dict(sorted(first.items(), key=lambda item: (item[1], item[0]))[:FIRST_SEEN_LISTED])
    assert len(first) > FIRST_SEEN_LISTED
    assert history.first_seen == oldest
    assert len(new) > CHANGES_LISTED and history.new == new[:CHANGES_LISTED] and history.new_count == len(new)
    assert history.resolved == resolved[:CHANGES_LISTED] and history.resolved_count == len(resolved)
    assert not history.lists_every_new
    assert store.failing_among(stored[2].scan.id, new[:700] + resolved[:700]) == set(resolved[:700])
    assert set(store.failing_fingerprints(stored[2].scan.id)) == {
        f.fingerprint for f in stored[2].findings if f.active_failure
    }
    # the temporary table went with its transaction: the pooled connection serves the next comparison
    assert store.history_for(current) == history


def test_a_large_result_is_stored_in_parts_and_reads_back_whole(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.store as store_module

    monkeypatch.setattr(store_module, "PART_BYTES", 64)  # a few parts even for a small scan
    store = open_store(normalise_url(str(store_path)))
    result = scan([finding("bucket_public_read", f"arn:{n}") for n in range(30)], day=0)
    store.save(result)
    with sqlite3.connect(store_path) as db:
        parts = db.execute("select count(*), max(length(data)) from scan_parts").fetchone()
        assert db.execute("select result_gz from scans").fetchone()[0] is None
    assert parts[0] > 3 and parts[1] <= 64
    assert store.load_result(result.scan.id) == result
    store.close()


def test_a_store_from_before_the_parts_keeps_its_scans_readable(store_path: Path) -> None:
    """A 0003 store with a scan saved as one compressed value: upgraded, the scan still loads."""
    import json
    import zlib

    from alembic import command
    from alembic.config import Config

    url = normalise_url(str(store_path))
    store = Store(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "auditor" / "store_migrations"))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    old = scan([finding("bucket_public_read", "arn:a")], day=0)
    with sqlite3.connect(store_path) as db:
        db.execute("insert into scans values (?,?,?,?,?,?,?,?,?,?,?,?)", (
            old.scan.id, old.scan.scope, json.dumps(old.scan.sources), old.scan.started.isoformat(),
            old.scan.finished.isoformat(), 1.0, False, json.dumps(old.summary()), old.digest, "0",
            zlib.compress(old.to_json(indent=None).encode()), old.scan.finished.isoformat()))
    store.close()
    upgraded = open_store(url)
    assert upgraded.schema_revision() == "0004"
    assert upgraded.load_result(old.scan.id) == old
    upgraded.close()


def test_first_seen_lists_the_oldest_open_failures_then_the_fresh_ones(store_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.store as store_module

    monkeypatch.setattr(store_module, "FIRST_SEEN_LISTED", 5)
    store = open_store(normalise_url(str(store_path)))
    f = {name: finding("bucket_public_read", f"arn:{name}") for name in "abcdefg"}
    store.save(scan([f["a"], f["b"]], day=0))
    day1 = scan([f["a"], f["b"], f["c"]], day=1)
    store.save(day1)
    current = scan(list(f.values()), day=2)
    history = store.history_for(current)
    day0 = store.list_scans()[-1].started
    fresh = sorted(f[n].fingerprint for n in "defg")[:2]  # the rest: first seen in this scan, not listed
    assert history.first_seen == {f["a"].fingerprint: day0, f["b"].fingerprint: day0,
                                  f["c"].fingerprint: day1.scan.started, **dict.fromkeys(fresh, current.scan.started)}
    assert history.new == sorted(f[n].fingerprint for n in "defg")
    first_ever = open_store(normalise_url(str(store_path.with_name("other.db")))).history_for(current)
    assert first_ever.previous_scan_id is None and first_ever.new == []  # no previous scan: every failure is new
