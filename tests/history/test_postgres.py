"""The scan store on a real PostgreSQL server: the same guarantees as on SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from auditor.store import normalise_url, open_store

from . import pg
from .factory import finding, scan
from .test_store import KILL_MID_SAVE, ROOT, WRITER, history_matches_set_arithmetic

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    if pg.bin_dir() is None:
        reason = "PostgreSQL is not installed (scripts/setup.d/20-postgresql.sh installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with pg.cluster() as url:
        yield url


@pytest.fixture
def fresh_url(pg_url: str) -> str:
    """Each test starts from an empty schema."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(normalise_url(pg_url))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS run_findings, run_targets, runs, findings, scan_parts, scans, alembic_version CASCADE")
    engine.dispose()
    return pg_url


def test_migrate_save_and_history_on_postgresql(fresh_url: str) -> None:
    store = open_store(normalise_url(fresh_url))
    assert store.engine.dialect.name == "postgresql"
    assert store.schema_revision() == "0004"
    a, b = finding("bucket_public_read", "arn:a"), finding("bucket_tls", "arn:b")
    first = scan([a, b], day=0)
    store.save(first)
    second = scan([a], day=1)
    history = store.history_for(second)
    assert history.previous_scan_id == first.scan.id
    assert history.resolved == [b.fingerprint] and history.new == []
    assert history.first_seen[a.fingerprint] == first.scan.started
    store.save(second)
    assert store.load_result(second.scan.id) == second
    with pytest.raises(Exception, match=r"duplicate|unique"):
        store.save(scan([b], day=2, scan_id=first.scan.id))
    assert len(store.list_scans()) == 2
    store.close()


def test_killed_writer_and_concurrent_writers_on_postgresql(fresh_url: str) -> None:
    url = normalise_url(fresh_url)
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(ROOT), url=url, tag=tag)])
        for tag in ("a", "b")
    ]
    killed = subprocess.run([sys.executable, "-c", KILL_MID_SAVE.format(root=str(ROOT), url=url)], timeout=120)
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    assert killed.returncode == -9
    store = open_store(url)
    scans = store.list_scans()
    assert len(scans) == 10  # both writers' scans, nothing of the killed one
    assert all(len(store.failing_fingerprints(s.id)) == 800 for s in scans)
    store.close()


def test_history_in_the_store_equals_the_set_arithmetic_on_postgresql(fresh_url: str) -> None:
    """The temporary table and the set-difference queries on PostgreSQL give the plain answer."""
    store = open_store(normalise_url(fresh_url))
    try:
        history_matches_set_arithmetic(store)
    finally:
        store.close()
