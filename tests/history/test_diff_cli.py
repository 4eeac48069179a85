"""diff correctness, the history/diff/init commands, config validation and notifications."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from auditor.cli.main import cli
from auditor.config import STARTER_CONFIG, ConfigError, load_config
from auditor.findings import Severity
from auditor.history import diff_results, to_markdown, to_slack
from auditor.notify import NotifyError, notify
from auditor.store import normalise_url, open_store

from .factory import control, finding, scan

A = finding("bucket_public_read", "arn:aws:s3:::a", severity=Severity.CRITICAL)
B = finding("bucket_unencrypted", "arn:aws:s3:::b", severity=Severity.MEDIUM)
C = finding("bucket_tls", "arn:aws:s3:::c", severity=Severity.LOW)
MUTED = finding("bucket_logging", "arn:aws:s3:::m", suppressed=True)


def _pair():
    old = scan([A, B, MUTED], day=0, controls=[control("art32", "pass"), control("art25", "fail"), control("art30", "incomplete")])
    new = scan([A, C, MUTED], day=1, controls=[control("art32", "fail"), control("art25", "pass"), control("art30", "incomplete")])
    return old, new


def test_diff_results_new_resolved_open_and_regressions() -> None:
    old, new = _pair()
    d = diff_results(old, new)
    assert [c.fingerprint for c in d.new_findings] == [C.fingerprint]
    assert [c.fingerprint for c in d.resolved] == [B.fingerprint]
    assert [c.fingerprint for c in d.still_open] == [A.fingerprint]
    assert [(r.control_id, r.before, r.after) for r in d.regressions] == [("art32", "pass", "fail")]
    assert [(r.control_id, r.before, r.after) for r in d.improvements] == [("art25", "fail", "pass")]
    md = to_markdown(d)
    assert "**1 new**, **1 resolved**, 1 still open; 1 control regressions" in md
    assert "`bucket_tls`" in md and "art32" in md
    slack = to_slack(d)
    assert slack["text"].startswith("Auditor aws-111111111111: 1 new, 1 resolved")
    assert any("bucket_tls" in b["text"]["text"] for b in slack["blocks"])  # type: ignore[index]


def _stored(store_path: Path):
    old, new = _pair()
    store = open_store(normalise_url(str(store_path)))
    store.save(old)
    store.save(new)
    store.save(scan([B], scope="aws-222222222222", day=3))
    store.close()
    return old, new


def test_diff_command_defaults_to_last_two_scans_of_a_scope(store_path: Path) -> None:
    old, new = _stored(store_path)
    runner = CliRunner()
    res = runner.invoke(cli, ["diff", "--scope", "aws-111111111111", "--format", "json"], catch_exceptions=False)
    data = json.loads(res.output)
    assert (data["old"]["id"], data["new"]["id"]) == (old.scan.id, new.scan.id)
    assert data["counts"] == {"new": 1, "resolved": 1, "still_open": 1, "regressions": 1, "improvements": 1}
    # Without --scope while the store holds two scopes: the user must choose.
    res = runner.invoke(cli, ["diff"], standalone_mode=False)
    assert isinstance(res.exception, ConfigError) and "choose one with --scope" in str(res.exception)
    assert "aws-111111111111" in str(res.exception) and "aws-222222222222" in str(res.exception)
    res = runner.invoke(cli, ["diff", "--scope", "aws-222222222222"], standalone_mode=False)
    assert isinstance(res.exception, ConfigError) and "diff needs two" in str(res.exception)
    # One id: that scan against the one before it (by prefix).
    res = runner.invoke(cli, ["diff", new.scan.id[:10], "--format", "md"], catch_exceptions=False)
    assert "**1 new**" in res.output
    res = runner.invoke(cli, ["diff", old.scan.id, new.scan.id], catch_exceptions=False)
    assert "1 new, 1 resolved, 1 still open, 1 control regressions" in res.output
    assert "bucket_tls" in res.output


def test_diff_of_two_result_files_needs_no_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "absent" / "never.sqlite"))
    old, new = _pair()
    (tmp_path / "old.json").write_text(old.to_json())
    (tmp_path / "new.json").write_text(new.to_json())
    res = CliRunner().invoke(cli, ["diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--format", "json"],
                             catch_exceptions=False)
    assert json.loads(res.output)["counts"]["resolved"] == 1
    assert not (tmp_path / "absent").exists()


def test_history_command_lists_scans(store_path: Path) -> None:
    old, new = _stored(store_path)
    res = CliRunner().invoke(cli, ["history", "--json", "--scope", "aws-111111111111"], catch_exceptions=False)
    rows = json.loads(res.output)
    assert [r["id"] for r in rows] == [new.scan.id, old.scan.id]
    assert rows[0]["counts"]["failures_by_severity"]["low"] == 1
    res = CliRunner().invoke(cli, ["history"], catch_exceptions=False)
    assert "3 scan(s)" in res.output and new.scan.id[:8] in res.output


def test_notify_to_files_and_a_loopback_webhook(tmp_path: Path, httpserver: HTTPServer) -> None:
    d = diff_results(*_pair())
    assert "wrote" in notify(d, str(tmp_path / "out" / "changes.md"))
    assert (tmp_path / "out" / "changes.md").read_text().startswith("## Auditor: changes")
    notify(d, str(tmp_path / "changes.json"))
    assert json.loads((tmp_path / "changes.json").read_text())["counts"]["new"] == 1
    received: list[dict] = []

    def handler(request: Request) -> Response:
        received.append(json.loads(request.get_data()))
        return Response("ok")

    httpserver.expect_request("/hooks/T000/B000/secret", method="POST").respond_with_handler(handler)
    url = httpserver.url_for("/hooks/T000/B000/secret")
    message = notify(d, url)
    assert "secret" not in message and "T000" not in message and "127.0.0.1" in message
    assert received and received[0]["text"].startswith("Auditor aws-111111111111: 1 new")
    httpserver.expect_request("/broken", method="POST").respond_with_data("no", status=500)
    with pytest.raises(NotifyError, match="HTTP 500"):
        notify(d, httpserver.url_for("/broken"))
    with pytest.raises(NotifyError, match="could not be reached"):
        notify(d, "http://127.0.0.1:9/hook")


def test_diff_command_notifies_config_targets(store_path: Path, tmp_path: Path, httpserver: HTTPServer) -> None:
    _stored(store_path)
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    cfg = tmp_path / "auditor.yaml"
    cfg.write_text(f"outputs:\n  notify:\n    - webhook: {httpserver.url_for('/hook')}\n    - file: {tmp_path / 's.md'}\n")
    res = CliRunner().invoke(cli, ["diff", "--scope", "aws-111111111111", "--config", str(cfg), "--format", "json"],
                             catch_exceptions=False)
    assert res.exit_code == 1  # one new failure and one control regression
    assert len(httpserver.log) == 1 and json.loads(httpserver.log[0][0].get_data())["text"].startswith("Auditor")
    assert "**1 new**" in (tmp_path / "s.md").read_text()


def test_config_errors_name_file_line_and_key(tmp_path: Path) -> None:
    cfg = tmp_path / "auditor.yaml"
    cfg.write_text(
        "name: prod\n"
        "sources:\n"
        "  aws:\n"
        "    regions: [us-east-1]\n"
        "    organization:\n"
        "      role_nam: Auditor\n"
        "    accounts:\n"
        "      - id: '12345'\n"
        "concurrency:\n"
        "  accounts: 0\n"
        "outputs:\n"
        "  notify:\n"
        "    - webhook: ftp://x\n"
    )
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    text = str(err.value)
    assert f"{cfg}:6: sources.aws.organization.role_nam: Extra inputs are not permitted" in text
    assert f"{cfg}:5: sources.aws.organization.role_name: Field required" in text
    assert f"{cfg}:8: sources.aws.accounts.0.id:" in text
    assert f"{cfg}:10: concurrency.accounts:" in text
    assert f"{cfg}:13: outputs.notify.0:" in text and "http" in text


def test_init_writes_a_valid_commented_starter_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "auditor.yaml"
    runner = CliRunner()
    res = runner.invoke(cli, ["init", str(target)], catch_exceptions=False)
    assert res.exit_code == 0 and target.read_text() == STARTER_CONFIG
    config = load_config(target)
    assert config.name == "production" and config.sources.aws is not None
    assert config.sources.aws.regions == ["us-east-1", "eu-west-1"]
    assert target.read_text().count("#") > 20
    target.write_text("mine: true\n")
    res = runner.invoke(cli, ["init", str(target)], standalone_mode=False)
    assert isinstance(res.exception, ConfigError) and "already exists" in str(res.exception)
    assert target.read_text() == "mine: true\n"


def test_diff_names_a_file_that_is_not_a_result(tmp_path: Path) -> None:
    old, _ = _pair()
    (tmp_path / "old.json").write_text(old.to_json())
    (tmp_path / "junk.json").write_text('{"hello": 1}')
    res = CliRunner().invoke(cli, ["diff", str(tmp_path / "old.json"), str(tmp_path / "junk.json")], standalone_mode=False)
    assert isinstance(res.exception, ConfigError)
    assert "junk.json" in str(res.exception) and "not an auditor result" in str(res.exception)


def test_diff_from_json_matches_diff_from_models(store_path: Path) -> None:
    """The store's fast path (raw JSON) and the model path give the same diff."""
    old, new = _stored(store_path)
    store = open_store(normalise_url(str(store_path)))
    from auditor.history import diff_views

    fast = diff_views(store.load_view(old.scan.id), store.load_view(new.scan.id))
    assert fast == diff_results(old, new)
    rows = store.failing_fingerprints(new.scan.id)
    assert rows == {A.fingerprint, C.fingerprint}
    store.close()
