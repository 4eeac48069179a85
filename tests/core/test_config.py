from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import ConfigError, load_config


def test_valid_config_loads(tmp_path: Path) -> None:
    path = tmp_path / "auditor.yaml"
    path.write_text(
        "checks:\n  severity:\n    bucket_versioning_off: low\n"
        "suppressions:\n  - check: bucket_public_read\n    resource: 'arn:aws:s3:::site-*'\n"
        "    reason: public website\n    expires: 2027-01-31\n"
    )
    cfg = load_config(path)
    assert cfg.checks.severity["bucket_versioning_off"].value == "low"
    rule = cfg.suppressions[0]
    assert rule.matches("bucket_public_read", "arn:aws:s3:::site-www", "site-www")
    assert not rule.matches("bucket_public_read", "arn:aws:s3:::data", "data")


def test_errors_name_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "auditor.yaml"
    path.write_text("checks:\n  severity:\n    bucket_versioning_off: urgent\nsupressions: []\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert f"{path}:3: checks.severity.bucket_versioning_off" in text
    assert f"{path}:4: supressions" in text


def test_suppression_needs_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "auditor.yaml"
    path.write_text("suppressions:\n  - check: bucket_public_read\n    reason: '  '\n")
    with pytest.raises(ConfigError, match="needs a reason"):
        load_config(path)


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("checks: [\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")
