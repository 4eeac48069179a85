"""Redaction of everything a result carries as free text (auditor.redaction)."""

from __future__ import annotations

import shlex

import pytest

from auditor.collectors.base import CollectionError
from auditor.findings import Finding, Severity, Status
from auditor.redaction import redact, redact_command, redact_errors, redact_finding, redact_resource
from auditor.resources import Bucket, Provider, Ref

KEY_ID = "AKIAZ7QX3VJ5N2LW4PTY"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKY"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2
SLACK_HOOK = "https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"


def test_text_without_a_secret_is_returned_as_is() -> None:
    text = "bucket mlr-public-datasets is readable by allUsers (asia-east1)"
    assert redact(text) is text


@pytest.mark.parametrize("secret", [KEY_ID, GITHUB, SLACK_HOOK])
def test_a_secret_keeps_only_a_prefix_and_a_hash(secret: str) -> None:
    out = redact(f"line 3: unexpected token near {secret} here")
    assert secret not in out
    assert "[sha256:" in out and secret[:4] in out


def test_notify_webhook_url_is_cut_to_scheme_and_host() -> None:
    command = f"auditor scan iac infra --notify {SLACK_HOOK} --notify=https://chat.example.test/hooks/abc?token=s3cr3tvalue99"
    out = redact_command(command)
    assert "T01ABCDEF" not in out and "Zx9Yw8" not in out and "s3cr3tvalue99" not in out
    assert shlex.split(out) == ["auditor", "scan", "iac", "infra", "--notify", "https://hooks.slack.com/…",
                                "--notify=https://chat.example.test/…"]


def test_any_url_in_the_command_loses_its_password_and_token_parameters() -> None:
    command = "auditor scan endpoints http://admin:hunter2hunter2@127.0.0.1:5000/ --store postgresql://u:pa55word@db/audit " \
              "--baseline https://127.0.0.1/r.json?X-Amz-Signature=abcdef0123456789&X-Amz-Expires=60"
    out = redact_command(command)
    for secret in ("hunter2hunter2", "pa55word", "abcdef0123456789"):
        assert secret not in out
    assert "http://admin:…@127.0.0.1:5000/" in shlex.split(out) and "X-Amz-Expires=60" in out


def test_secret_option_values_are_redacted() -> None:
    out = redact_command("auditor scan x --api-token abcdefgh12345678 --password=correcthorsebattery")
    assert "abcdefgh12345678" not in out and "correcthorsebattery" not in out


def _bucket(name: str, tags: dict[str, str]) -> Bucket:
    return Bucket(ref=Ref(provider=Provider.TERRAFORM, id=f"aws_s3_bucket.{name}", name=name, path="main.tf", line=3),
                  tags=tags, public_read=True, public_via=f"ACL public-read on {name}")


def test_resource_names_ids_and_tags_are_redacted() -> None:
    bucket = _bucket(GITHUB, {"Owner": KEY_ID, "db_password": "correct-horse-battery", "team": "ml-platform"})
    out = redact_resource(bucket)
    dumped = out.model_dump_json()
    for secret in (GITHUB, KEY_ID, "correct-horse-battery"):
        assert secret not in dumped
    assert out.tags["team"] == "ml-platform" and out.public_read is True
    assert isinstance(out, Bucket) and out.ref.path == "main.tf"


def test_a_resource_without_secrets_is_the_same_object() -> None:
    bucket = _bucket("mlr-datasets", {"team": "ml-platform", "data-classification": "phi"})
    assert redact_resource(bucket) is bucket


def test_a_lone_surrogate_does_not_stop_redaction() -> None:
    bucket = _bucket("x\ud800", {"Owner": KEY_ID})
    out = redact_resource(bucket)
    assert KEY_ID not in out.tags["Owner"]


def test_collection_error_quoting_a_secret_line() -> None:
    error = CollectionError(source="iac", path="main.tf", line=4,
                            message=f'main.tf:4: unexpected "=" in: aws_secret_access_key = "{SECRET_KEY}"', incomplete=True)
    [out] = redact_errors([error])
    assert SECRET_KEY not in out.message and out.incomplete and out.path == "main.tf"


def test_finding_text_is_redacted_and_the_rest_kept() -> None:
    finding = Finding.model_construct(
        check_id="bucket_public_read", title="t", severity=Severity.CRITICAL, status=Status.FAIL,
        message=f"readable by anyone via ACL on {KEY_ID}", key="", resource_id=f"aws_s3_bucket.{GITHUB}",
        resource_kind="Bucket", resource_name=GITHUB, provider="terraform", evidence={"name": KEY_ID},
        remediation="r", controls={}, suppression=None, fingerprint="f" * 16,
    )
    out = redact_finding(finding)
    assert KEY_ID not in out.message and GITHUB not in out.resource_id and KEY_ID not in str(out.evidence)
    assert out.fingerprint == "f" * 16 and out.status == Status.FAIL and out.title == "t"


def test_a_lone_surrogate_becomes_a_replacement_character_every_output_can_carry() -> None:
    bucket = _bucket("x\udcff", {"team": "ml"})
    out = redact_resource(bucket)
    assert out.ref.name == "x\ufffd"
    out.model_dump_json()  # writable


def test_a_secret_cut_short_after_its_key_name_is_still_redacted() -> None:
    cut = SECRET_KEY[:18]  # an error excerpt that stops mid-value no longer matches the 40-character pattern
    out = redact(f"nb.ipynb: not a notebook (starts with: aws_secret_access_key = {cut}")
    assert cut not in out and "aws_secret_access_key = wJal…[sha256:" in out
    assert "hunter2hunter2" not in redact("db_password: hunter2hunter2")
    assert redact("secret_kind=aws_secret_access_key token_auth: enabled") == "secret_kind=aws_secret_access_key token_auth: enabled"


def test_the_literal_trigger_finds_exactly_the_texts_holding_a_literal() -> None:
    import random

    from auditor.redaction import _ANY_LITERAL, _LITERALS

    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyz_- .:0123456789"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(3000)]
    texts += [f"{rng.choice(texts)}{literal}{rng.choice(texts)}" for literal in _LITERALS]
    texts += [literal[:-1] for literal in _LITERALS]  # one letter short: no literal
    for text in texts:
        assert bool(_ANY_LITERAL.search(text)) == any(literal in text for literal in _LITERALS), text
