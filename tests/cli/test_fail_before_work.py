"""Fail before the work: outputs, formats and the store are checked before the first API call,
and no traceback ever reaches the user."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import Auditor, public_bucket_tf


@pytest.fixture
def recording_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server standing where AWS would be: it records every request it gets."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            seen.append(f"{self.command} {self.path}")
            self.send_response(500)
            self.end_headers()

        do_GET = do_POST = _any

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--output", "r.html", "-f", "json"], "a json report is written to a file ending in .json"),
        (["--output", "r.txt"], "cannot tell the format from its name"),
        (["-o", "a-file/reports"], "a-file is not a folder"),
        (["--output", "a-file/r.json", "-f", "json"], "a-file is not a folder"),
        (["--save-inventory", "a-file/inv.json"], "a-file is not a folder"),
        (["--store", "a-file/h.sqlite"], "cannot open the scan store"),
        (["-f", "pdf"], "unknown format 'pdf'"),
    ],
)
def test_bad_outputs_and_store_stop_the_scan_before_any_api_call(
    auditor: Auditor, tmp_path: Path, recording_endpoint: tuple[str, list[str]], args: list[str], message: str
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    url, seen = recording_endpoint
    res = auditor("scan", "aws", "--endpoint-url", url, "--regions", "us-east-1", *args)
    assert res.code == 2, res.err
    assert message in res.err
    assert "Traceback" not in res.err
    assert seen == []  # not one API call was made


def test_output_takes_its_format_from_the_file_name(auditor: Auditor, tmp_path: Path) -> None:
    public_bucket_tf(tmp_path / "infra")
    res = auditor("scan", "iac", "infra", "--output", "scan.sarif", "--no-store")
    assert res.code == 1
    assert '"version": "2.1.0"' in (tmp_path / "scan.sarif").read_text()


def test_an_unexpected_error_is_one_line_with_its_own_exit_code(
    auditor: Auditor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    public_bucket_tf(tmp_path / "infra")

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the disk caught fire")

    # Any bug inside the auditor will do; loading the check catalog is on every scan's path.
    monkeypatch.setattr("auditor.registry.Registry.default", classmethod(broken))
    res = auditor("scan", "iac", "infra", "--no-store")
    assert res.code == 4
    assert "Traceback" not in res.err
    line = next(x for x in res.err.splitlines() if x.startswith("internal error"))
    assert "RuntimeError: the disk caught fire" in line and "--debug" in line
    debug = auditor("scan", "iac", "infra", "--no-store", "--debug")
    assert debug.code == 4 and "Traceback (most recent call last)" in debug.err
