"""A whole AWS Organization (several moto accounts) scanned through AssumeRole, in-process and
through ``auditor scan --config``; one account that cannot be reached does not stop the rest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws

from auditor.cli.main import cli
from auditor.collectors.aws_org import OrganizationCollector, collectors_for
from auditor.collectors.base import CollectionSink
from auditor.config import AwsSourceConfig, ConfigError, OrganizationConfig, load_config
from auditor.estate import build_collectors
from auditor.result import ScanResult
from auditor.store import normalise_url, open_store

MANAGEMENT = "123456789012"  # moto's default account is the organization's management account
UNREACHABLE = "222222222222"


def assumed(account: str) -> boto3.Session:
    creds = boto3.client("sts", "us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/AuditorReadOnly", RoleSessionName="seed"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"], region_name="us-east-1",
    )


@pytest.fixture
def organization(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """An organization with three member accounts, each holding buckets of its own. A profile
    whose STS endpoint refuses connections stands for an account whose role cannot be assumed."""
    aws_config = tmp_path / "aws-config"
    aws_config.write_text(
        "[profile unreachable]\nregion = us-east-1\naws_access_key_id = testing\naws_secret_access_key = testing\n"
        "services = refused-sts\n\n[services refused-sts]\nsts =\n  endpoint_url = http://127.0.0.1:9\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_config))
    # Bucket checks only: loading AWS's ~1,000 managed policies into every account costs minutes.
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "false")
    with mock_aws():
        org = boto3.client("organizations", "us-east-1")
        org.create_organization(FeatureSet="ALL")
        members = [
            org.create_account(AccountName=f"ml-{i}", Email=f"ml-{i}@example.com")["CreateAccountStatus"]["AccountId"]
            for i in range(3)
        ]
        boto3.client("s3", "us-east-1").create_bucket(Bucket=f"mgmt-{MANAGEMENT}")
        for account in members:
            s3 = assumed(account).client("s3")
            for name in ("training-data", "models"):
                s3.create_bucket(Bucket=f"{name}-{account}")
        yield members


def _buckets_by_account(resources) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in resources:
        if r.kind == "Bucket":
            out.setdefault(r.ref.account, set()).add(r.ref.name)
    return out


def test_organization_collector_assumes_the_role_in_each_member(organization: list[str]) -> None:
    members = organization
    org = OrganizationConfig(role_name="AuditorReadOnly", external_id="ext-42", exclude=[members[2]])
    collector = OrganizationCollector(org, regions=["us-east-1"], max_accounts=2, max_workers=4)
    sink = CollectionSink()
    collector.collect(sink)
    assert [e for e in sink.errors if e.incomplete] == []
    by_account = _buckets_by_account(sink.resources)
    assert by_account == {
        MANAGEMENT: {f"mgmt-{MANAGEMENT}"},
        members[0]: {f"training-data-{members[0]}", f"models-{members[0]}"},
        members[1]: {f"training-data-{members[1]}", f"models-{members[1]}"},
    }
    assert sink.api_calls["sts:AssumeRole"] == 2  # members only; the management account uses its own session
    assert sink.api_calls["organizations:ListAccounts"] >= 1
    assert sorted(collector.accounts_scanned) == sorted([MANAGEMENT, members[0], members[1]])


def test_unlistable_organization_is_an_incomplete_error(organization: list[str]) -> None:
    org = OrganizationConfig(role_name="AuditorReadOnly", management_profile="unreachable")
    sink = CollectionSink()
    OrganizationCollector(org, regions=["us-east-1"]).collect(sink)
    assert sink.resources == []
    assert len(sink.errors) == 1 and sink.errors[0].incomplete
    assert "could not be listed" in sink.errors[0].message


def test_account_list_needs_a_way_in() -> None:
    aws = AwsSourceConfig.model_validate({"accounts": [{"id": "333333333333"}]})
    with pytest.raises(ConfigError, match="333333333333 needs a profile, a role_name or a role_arn"):
        collectors_for(aws, max_accounts=2, max_workers=2)


def test_missing_source_module_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor import sources

    monkeypatch.setattr(sources, "SOURCES", tuple(s for s in sources.SOURCES if s != "azure"))
    cfg = tmp_path / "a.yaml"
    cfg.write_text("sources:\n  azure: {subscription: [x]}\n")
    with pytest.raises(ConfigError, match=r"sources\.azure: this auditor has no azure source"):
        build_collectors(load_config(cfg))
    cfg.write_text("sources: {}\n")
    with pytest.raises(ConfigError, match="no sources"):
        build_collectors(load_config(cfg))


def _config(tmp_path: Path, members: list[str]) -> Path:
    cfg = tmp_path / "auditor.yaml"
    cfg.write_text(
        f"""
name: ml-org
sources:
  aws:
    regions: [us-east-1]
    organization:
      role_name: AuditorReadOnly
      external_id: ext-42
      exclude: ["{members[2]}"]
    accounts:
      - id: "{UNREACHABLE}"
        profile: unreachable
        role_name: AuditorReadOnly
concurrency:
  accounts: 3
  per_account: 4
checks:
  include: ["bucket_*"]
outputs:
  formats: [json]
  output_dir: {tmp_path / "reports"}
  notify:
    - file: {tmp_path / "changes.md"}
"""
    )
    return cfg


def _latest(folder: Path) -> ScanResult:
    return ScanResult.load(sorted(folder.glob("auditor-*.json"))[-1])


def test_scan_config_whole_organization_with_history_and_diff(organization: list[str], tmp_path: Path,
                                                              store_path: Path) -> None:
    members = organization
    cfg = _config(tmp_path, members)
    runner = CliRunner()
    first = runner.invoke(cli, ["scan", "--config", str(cfg), "-q"], standalone_mode=False)
    # One account could not be reached: recorded, the others scanned, and the run says incomplete.
    assert isinstance(first.exception, SystemExit) and first.exception.code == 3
    result = _latest(tmp_path / "reports")
    assert result.scan.scope == "estate-ml-org" and result.scan.incomplete
    unreachable = [e for e in result.collection_errors if e.account == UNREACHABLE]
    assert len(unreachable) == 1 and unreachable[0].incomplete
    assert "could not be reached" in unreachable[0].message and "127.0.0.1:9" in unreachable[0].message
    accounts = {item["ref"]["account"] for item in result.inventory if item["kind"] == "Bucket"}
    assert accounts == {MANAGEMENT, members[0], members[1]}
    assert result.history is not None and result.history.previous_scan_id is None

    # Overnight a member account removes a bucket; the second scan (partial allowed) records the change.
    s3 = assumed(members[0]).client("s3")
    s3.delete_bucket(Bucket=f"models-{members[0]}")
    second = runner.invoke(cli, ["scan", "--config", str(cfg), "-q", "--allow-partial", "--fail-on", "none"],
                           standalone_mode=False)
    assert second.exit_code == 0, second.output
    latest = _latest(tmp_path / "reports")
    assert latest.history is not None and latest.history.previous_scan_id == result.scan.id
    gone = {f.fingerprint for f in result.findings if f.active_failure and f.resource_name == f"models-{members[0]}"}
    assert gone and set(latest.history.resolved) == gone
    assert len(latest.history.trend) == 2

    store = open_store(normalise_url(str(store_path)))
    assert [s.id for s in store.list_scans("estate-ml-org")] == [latest.scan.id, result.scan.id]
    store.close()
    summary = (tmp_path / "changes.md").read_text()
    assert f"**0 new**, **{len(gone)} resolved**" in summary

    diff = runner.invoke(cli, ["diff", "--format", "json"], catch_exceptions=False)
    data = json.loads(diff.output)
    assert {c["fingerprint"] for c in data["resolved"]} == gone
    assert data["new"]["id"] == latest.scan.id


def test_no_store_leaves_no_history(organization: list[str], tmp_path: Path, store_path: Path) -> None:
    cfg = _config(tmp_path, organization)
    res = CliRunner().invoke(cli, ["scan", "--config", str(cfg), "-q", "--no-store", "--allow-partial"],
                             standalone_mode=False)
    assert res.exit_code in (0, 1), res.output
    assert not store_path.exists()
    assert _latest(tmp_path / "reports").history is None


def test_scan_group_rejects_options_before_a_source() -> None:
    res = CliRunner().invoke(cli, ["scan", "--no-store", "aws"], standalone_mode=False)
    assert res.exception is not None and "after the source name" in str(res.exception)
    res = CliRunner().invoke(cli, ["scan"], standalone_mode=False)
    assert res.exception is not None and "--config" in str(res.exception)


def test_unknown_region_is_a_config_error_before_any_call() -> None:
    aws = AwsSourceConfig.model_validate(
        {"regions": ["us-east-1", "mars-north-1"], "organization": {"role_name": "AuditorReadOnly"}}
    )
    with pytest.raises(ConfigError, match="mars-north-1"):
        collectors_for(aws, max_accounts=2, max_workers=2)


def test_single_account_and_other_sources_go_through_their_own_modules(tmp_path: Path) -> None:
    from auditor.collectors.aws import AwsCollector

    cfg = tmp_path / "auditor.yaml"
    cfg.write_text("sources:\n  aws:\n    regions: [eu-west-1]\nconcurrency:\n  per_account: 5\n")
    collectors = build_collectors(load_config(cfg))
    assert len(collectors) == 1 and isinstance(collectors[0], AwsCollector)
    assert collectors[0].max_workers == 5 and collectors[0].requested_regions == ["eu-west-1"]
