"""Usage errors (exit 2) that name the file, line or value: config files, check ids, targets."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from .conftest import Auditor, public_bucket_tf


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"version: 1\nname: caf\xe9\n", "auditor.yaml:2: not UTF-8 text (byte 0xe9)"),
        (
            b"suppressions:\n  - check: bucket_public_read\n    reason: reviewed\n    expires: 2099-13-45\n",
            "auditor.yaml:4: invalid YAML: '2099-13-45' is not a valid date",
        ),
        (b"version: 2\n", "auditor.yaml:1: version: Value error, version 2 is not a config format this auditor reads"),
        (
            b"suppressions:\n  - check: bucket_publc_read\n    reason: typo\n",
            "suppressions[0].check: unknown check id 'bucket_publc_read' (did you mean bucket_public_read?)",
        ),
        (b"checks:\n  severity:\n    no_such_check: low\n", "checks.severity.no_such_check: unknown check id 'no_such_check'"),
    ],
)
def test_config_mistakes_are_usage_errors_naming_file_and_line(
    auditor: Auditor, tmp_path: Path, content: bytes, message: str
) -> None:
    public_bucket_tf(tmp_path / "infra")
    (tmp_path / "auditor.yaml").write_bytes(content)
    res = auditor("scan", "iac", "infra", "--config", "auditor.yaml", "--no-store")
    assert res.code == 2, res.out + res.err
    assert message in res.err
    assert "Traceback" not in res.err


def test_a_suppression_by_prefix_of_real_checks_is_accepted(auditor: Auditor, tmp_path: Path) -> None:
    public_bucket_tf(tmp_path / "infra")
    (tmp_path / "auditor.yaml").write_text("suppressions:\n  - check: 'bucket_*'\n    reason: sandbox\n")
    assert auditor("scan", "iac", "infra", "--config", "auditor.yaml", "--no-store", "-o", "out").code == 0


@pytest.mark.parametrize("target", ["999.1.1.1:80", "127.1:8888", "http://999.1.1.1/"])
def test_an_invalid_address_is_a_usage_error_and_never_resolved(
    auditor: Auditor, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    asked: list[object] = []
    real = socket.getaddrinfo

    def recording(host: object, *args: object, **kwargs: object) -> object:
        asked.append(host)
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    res = auditor("scan", "endpoints", target, "--no-store")
    assert res.code == 2
    assert "is not a valid IP address" in res.err
    assert asked == []
