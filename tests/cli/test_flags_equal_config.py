"""A ``scan <source>`` flag and the same key of auditor.yaml build equal collectors, and a bad value
is refused with the same message, naming the flag on the command line and the key in the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from auditor.cli.main import cli
from auditor.collectors.base import Collector
from auditor.config import ConfigError, load_config
from auditor.targets import collectors_for_sources

ACCOUNT_A, ACCOUNT_B = "111122223333", "444455556666"


def _scan(args: list[str], monkeypatch: pytest.MonkeyPatch, options_seen: list[Any] | None = None) -> tuple[list[Collector], Any]:
    """Run ``auditor scan ...`` up to the point the collectors are handed to the pipeline."""
    seen: list[Collector] = []

    def hand_over(collectors: list[Collector], options: Any, sources: list[str]) -> int:
        seen.extend(collectors)
        if options_seen is not None:
            options_seen.append(options)
        return 0

    monkeypatch.setattr("auditor.pipeline.run_scan", hand_over)
    result = CliRunner().invoke(cli, ["scan", *args, "--no-store", "-q"])
    return seen, result


def _from_yaml(tmp_path: Path, document: dict[str, Any]) -> list[Collector]:
    path = tmp_path / "auditor.yaml"
    path.write_text(yaml.safe_dump(document))
    config = load_config(path)
    return collectors_for_sources(config.sources, config.concurrency)


def _settings(collector: Collector) -> dict[str, Any]:
    """What a collector will do: its public attributes, without live handles (sessions, credentials)."""
    out: dict[str, Any] = {"kind": type(collector).__name__}
    for key, value in vars(collector).items():
        if key.startswith("_") or key in {"session", "credential", "credentials"}:
            continue
        out[key] = value
    session = getattr(collector, "session", None)
    if session is not None:
        out["profile"] = session.profile_name
        out["session_region"] = session.region_name
    return out


def _files(tmp_path: Path) -> dict[str, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.bin").write_bytes(b"\x00" * 16)
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    (tmp_path / "prod.tfvars").write_text('env = "prod"\n')
    (tmp_path / "targets.txt").write_text("# one per line\n127.0.0.1:9999\n")
    (tmp_path / "ca.pem").write_text("not read until a certificate is judged\n")
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    (tmp_path / "lineage.pub").write_bytes(
        key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp_path / "aws-config").write_text("[profile audit]\nregion = eu-west-1\n")
    (tmp_path / "kubeconfig").write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "dev",
        "clusters": [{"name": n, "cluster": {"server": f"https://127.0.0.1:{p}"}} for n, p in (("dev", 6443), ("prod", 6444))],
        "users": [{"name": "auditor", "user": {"token": "not-a-secret"}}],
        "contexts": [{"name": n, "context": {"cluster": n, "user": "auditor"}} for n in ("dev", "prod")],
    }))
    (tmp_path / "adc.json").write_text(_service_account_key())
    return {name: tmp_path / name for name in ("models", "infra", "prod.tfvars", "targets.txt", "ca.pem", "lineage.pub",
                                                "kubeconfig")}


def _service_account_key() -> str:
    """Application Default Credentials (a throwaway key): loading them makes no request."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return json.dumps({"type": "service_account", "project_id": "ml-prod", "private_key_id": "0" * 40,
                       "private_key": pem.decode(), "client_email": "auditor@ml-prod.iam.gserviceaccount.com",
                       "client_id": "1", "token_uri": "http://127.0.0.1:9/token"})


def _cases(p: dict[str, Path]) -> list[tuple[str, list[str], dict[str, Any]]]:
    """(source, its flags, the auditor.yaml that says the same), every setting away from its default."""
    sdk_flags = ["--connect-timeout", "2", "--read-timeout", "7", "--max-attempts", "2"]
    sdk_keys = {"connect_timeout": 2, "read_timeout": 7, "max_attempts": 2}
    return [
        ("aws", ["--profile", "audit", "--regions", "us-east-1,eu-west-1", "--regions", "ap-south-1",
                 "--endpoint-url", "http://127.0.0.1:9", "--max-workers", "3", *sdk_flags],
         {"sources": {"aws": {"profile": "audit", "regions": ["us-east-1", "eu-west-1", "ap-south-1"],
                              "endpoint_url": "http://127.0.0.1:9", **sdk_keys}},
          "concurrency": {"per_account": 3}}),
        ("gcp", ["--project", "ml-prod,ml-dev", "--endpoint", "storage=http://127.0.0.1:9/storage",
                 "--ca-bundle", str(p["ca.pem"]), "--region", "europe-west4", *sdk_flags],
         {"sources": {"gcp": {"projects": "ml-prod, ml-dev", "endpoints": {"storage": "http://127.0.0.1:9/storage"},
                              "ca_bundle": str(p["ca.pem"]), "region": "europe-west4", **sdk_keys}}}),
        ("azure", ["--subscription", "sub-a", "--subscription", "sub-b", "--cloud", "usgov",
                   "--resource-manager-url", "https://127.0.0.1:9", "--ca-bundle", str(p["ca.pem"]), *sdk_flags],
         {"sources": {"azure": {"subscriptions": "sub-a,sub-b", "cloud": "usgov",
                                "resource_manager_url": "https://127.0.0.1:9", "ca_bundle": str(p["ca.pem"]),
                                **sdk_keys}}}),
        ("iac", [str(p["infra"]), "--var-file", str(p["prod.tfvars"]), "--root", str(p["infra"].parent),
                 "--own-account", f"{ACCOUNT_A},{ACCOUNT_B}", "--skip-path", "vendor/*", "--max-file-size", "2"],
         {"sources": {"iac": {"paths": [str(p["infra"])], "var_file": str(p["prod.tfvars"]),
                              "root": str(p["infra"].parent), "own_accounts": [ACCOUNT_A, ACCOUNT_B],
                              "skip_paths": ["vendor/*"], "max_file_size": 2}}}),
        ("endpoints", ["127.0.0.1:8888,127.0.0.2/31", "--targets-file", str(p["targets.txt"]), "--max-hosts", "16",
                       "--concurrency", "5", "--per-host", "2", "--timeout", "1.5", "--ca-bundle", str(p["ca.pem"]),
                       "--read-timeout", "6", "--target-timeout", "20", "--max-body", "4096",
                       "--max-decompression-ratio", "30", "--host-header", "mlflow.internal"],
         {"sources": {"endpoints": {"targets": ["127.0.0.1:8888", "127.0.0.2/31"], "targets_file": str(p["targets.txt"]),
                                    "max_hosts": 16, "concurrency": 5, "per_host": 2, "timeout": 1.5,
                                    "ca_bundle": str(p["ca.pem"]), "read_timeout": 6, "target_timeout": 20,
                                    "max_body": 4096, "max_decompression_ratio": 30,
                                    "host_header": "mlflow.internal"}}}),
        ("files", [str(p["models"]), "--root", str(p["models"].parent), "--max-file-size", "2G", "--no-hash",
                   "--max-archive-depth", "2", "--max-archive-members", "50", "--max-compression-ratio", "30",
                   "--trusted-key", str(p["lineage.pub"])],
         {"sources": {"files": {"paths": [str(p["models"])], "root": str(p["models"].parent), "max_file_size": "2G",
                                "no_hash": True, "max_archive_depth": 2, "max_archive_members": 50,
                                "max_compression_ratio": 30, "trusted_keys": [str(p["lineage.pub"])]}}}),
        ("k8s", ["--context", "dev,prod", "--namespace", "ml", "--namespace", "serving", "--kubeconfig",
                 str(p["kubeconfig"]), "--page-size", "50", *sdk_flags],
         {"sources": {"k8s": {"contexts": ["dev", "prod"], "namespace": "ml,serving", "kubeconfig": str(p["kubeconfig"]),
                              "page_size": 50, **sdk_keys}}}),
    ]


@pytest.fixture()
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    made = _files(tmp_path)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "adc.json"))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))  # never the developer's gcloud config
    for name in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL", "STORAGE_EMULATOR_HOST",
                 "KUBECONFIG"):
        monkeypatch.delenv(name, raising=False)
    return made


@pytest.mark.parametrize("source", ["aws", "gcp", "azure", "iac", "endpoints", "files", "k8s"])
def test_flags_and_config_keys_build_equal_collectors(
    source: str, paths: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (flags, document) = next((f, d) for s, f, d in _cases(paths) if s == source)
    from_flags, result = _scan([source, *flags], monkeypatch)
    assert result.exit_code == 0, result.output
    from_file = _from_yaml(tmp_path, document)
    assert from_flags and [_settings(c) for c in from_flags] == [_settings(c) for c in from_file]
    # the settings reached the collector: nothing above is a comparison of two sets of defaults
    default, _ = _scan([source, *_required(source, paths)], monkeypatch)
    assert [_settings(c) for c in default] != [_settings(c) for c in from_flags]


def _required(source: str, p: dict[str, Path]) -> list[str]:
    return {"iac": [str(p["infra"])], "endpoints": ["127.0.0.1:8888"], "files": [str(p["models"])],
            "k8s": ["--kubeconfig", str(p["kubeconfig"])]}.get(source, [])


@pytest.mark.parametrize(
    ("source", "flags", "section", "flag", "message"),
    [
        ("aws", ["--regions", "narnia-1"], {"regions": "narnia-1"}, "--regions", "unknown AWS region(s) narnia-1"),
        ("aws", ["--read-timeout", "0"], {"read_timeout": 0}, None, None),  # click refuses the flag first
        ("gcp", ["--endpoint", "storage"], {"endpoint": ["storage"]}, "--endpoint",
         "Value error, expected service=URL, got 'storage'"),
        ("gcp", ["--endpoint", "storag=https://storage.internal"], {"endpoints": {"storag": "https://storage.internal"}},
         "--endpoint", "unknown GCP endpoint service(s) storag"),
        ("azure", ["--resource-manager-url", "arm.internal"], {"resource_manager_url": "arm.internal"},
         "--resource-manager-url", "must start with https://, got 'arm.internal'"),
        ("endpoints", [], {"targets": []}, "TARGETS", "no targets given"),
        ("endpoints", ["10.0.0.0/8"], {"targets": "10.0.0.0/8"}, "TARGETS", "10.0.0.0/8"),
        ("files", ["MODELS", "--max-file-size", "lots"], {"paths": ["MODELS"], "max_file_size": "lots"},
         "--max-file-size", "Value error, expected a size such as 500M or 2G, got 'lots'"),
        ("files", ["MODELS", "--max-archive-members", "0"], {"paths": ["MODELS"], "max_archive_members": 0},
         "--max-archive-members", "Input should be greater than or equal to 1"),
    ],
)
def test_a_bad_value_names_the_flag_or_the_key(
    source: str, flags: list[str], section: dict[str, Any], flag: str | None, message: str | None,
    paths: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    models = str(paths["models"])
    flags = [models if f == "MODELS" else f for f in flags]
    section = {k: ([models] if v == ["MODELS"] else v) for k, v in section.items()}
    _, result = _scan([source, *flags], monkeypatch)
    # a ConfigError leaves the command as exit code 2 (auditor.__main__); click's own refusals exit 2 here
    assert isinstance(result.exception, ConfigError) or result.exit_code == 2, result.output
    said = str(result.exception) if isinstance(result.exception, ConfigError) else result.output
    key = next(iter(k for k in section if k not in ("paths",)), "targets")
    if flag is None:  # the flag's own type refuses it; the key is refused by the section's model
        with pytest.raises(ConfigError, match=rf"sources\.{source}\.{key}: "):
            _from_yaml(tmp_path, {"sources": {source: section}})
        return
    assert said.startswith(f"{flag}: ") and message in said, said
    with pytest.raises(ConfigError) as caught:
        _from_yaml(tmp_path, {"sources": {source: section}})
    assert f"sources.{source}.{key}: {said.removeprefix(f'{flag}: ')}" in str(caught.value)  # the same words


def test_config_file_with_source_flags_keeps_the_documented_precedence(
    paths: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``scan <source> --config``: outputs.* are defaults the command line overrides (docs/operations.md);
    the command's flags name what is scanned, the file's ``sources`` section is for ``scan --config``."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    config = tmp_path / "auditor.yaml"
    config.write_text(yaml.safe_dump({
        "sources": {"iac": {"paths": [str(elsewhere)], "max_file_size": 1}},
        "outputs": {"formats": ["md"], "fail_on": "low", "allow_partial": True},
    }))
    options: list[Any] = []
    (collector,), result = _scan(["iac", str(paths["infra"]), "--config", str(config), "--format", "json"],
                                 monkeypatch, options)
    assert result.exit_code == 0, result.output
    assert collector.paths == [paths["infra"]]  # type: ignore[attr-defined]
    assert collector.limits.max_file_bytes == 8 * 1024 * 1024  # type: ignore[attr-defined]  # the default
    (given,) = options
    assert given.formats == ["json"]  # the flag wins
    assert given.fail_on.value == "low" and given.allow_partial  # the file fills what no flag gave
