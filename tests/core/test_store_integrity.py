"""The history store refuses a damaged file or a newer schema with a clear message and never
writes into it."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from history.factory import finding, scan

from auditor.config import ConfigError
from auditor.store import normalise_url, open_store


def _store_with_scans(path: Path, n: int = 6) -> None:
    store = open_store(normalise_url(str(path)))
    for day in range(n):
        store.save(scan([finding("bucket_public_read", f"arn:aws:s3:::b{day}-{i}") for i in range(40)], day=day))
    store.close()
    with sqlite3.connect(path) as db:  # fold the WAL into the file
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_store_with_damaged_pages_is_refused_and_not_written(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    _store_with_scans(path)
    page = 4096
    data = bytearray(path.read_bytes())
    assert len(data) > 6 * page
    data[3 * page + 8 : 4 * page] = b"\xa5" * (page - 8)  # a b-tree page overwritten, header page intact
    path.write_bytes(bytes(data))
    before = _digest(path)
    with pytest.raises(ConfigError, match=r"is corrupted \(SQLite quick_check: .*it was not used or written"):
        open_store(normalise_url(str(path)))
    assert _digest(path) == before
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    path.write_bytes(b"this is not SQLite" * 300)
    with pytest.raises(ConfigError, match="is not a readable SQLite database"):
        open_store(normalise_url(str(path)))
    assert path.read_bytes() == b"this is not SQLite" * 300


def test_a_store_from_a_newer_schema_names_the_version_it_needs(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    _store_with_scans(path, 1)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = '0042'")
    before = _digest(path)
    with pytest.raises(ConfigError) as err:
        open_store(normalise_url(str(path)))
    assert "schema revision 0042, written by a newer auditor" in str(err.value)
    assert "reads revisions up to 0004" in str(err.value)
    assert _digest(path) == before


def test_the_cli_reports_a_damaged_store_as_a_usage_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "history.sqlite"
    path.write_bytes(b"garbage" * 1000)
    proc = subprocess.run([sys.executable, "-m", "auditor", "history", "--store", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "not a readable SQLite database" in proc.stderr and "Traceback" not in proc.stderr
