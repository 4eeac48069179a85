"""``sources.aws`` of auditor.yaml builds the same collector as the CLI options."""

from __future__ import annotations

import pytest

from auditor.collectors.aws import AwsCollector
from auditor.config import ConcurrencyConfig, ConfigError, source_config
from auditor.targets import collectors_for_sources


def test_collectors_from_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    section = source_config("aws", {"regions": "us-east-1, eu-west-1", "endpoint_url": "http://127.0.0.1:1"})
    (collector,) = collectors_for_sources(section, ConcurrencyConfig(per_account=4))
    assert isinstance(collector, AwsCollector)
    assert collector.requested_regions == ["us-east-1", "eu-west-1"]
    assert collector.endpoint_url == "http://127.0.0.1:1" and collector.max_workers == 4
    assert collector.scope() == "aws-unknown"  # nothing read yet


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"regionz": ["us-east-1"]}, r"sources\.aws\.regionz: Extra inputs are not permitted"),
        ({"regions": ["narnia-1"]}, r"sources\.aws\.regions: unknown AWS region.s. narnia-1"),
        ({"read_timeout": "soon"}, r"sources\.aws\.read_timeout: Input should be a valid number"),
        ({"profile": "no-such-profile-for-auditor-tests"}, r"sources\.aws\.profile: no-such-profile"),
    ],
)
def test_bad_config_is_config_error(section: dict, message: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    with pytest.raises(ConfigError, match=message):
        collectors_for_sources(source_config("aws", section))
