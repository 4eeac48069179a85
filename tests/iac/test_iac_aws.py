"""Terraform AWS projects: exact findings per resource (check id, Terraform address, status)."""

from __future__ import annotations

from auditor.resources import Bucket, Notebook, Role

BUCKET_CHECKS = (
    "bucket_public_read", "bucket_public_write", "bucket_public_access_block_off", "bucket_unencrypted",
    "bucket_not_customer_key", "bucket_tls_not_enforced", "bucket_versioning_off", "bucket_access_logging_off",
    "bucket_acls_enabled",
)


def _row(*statuses: str) -> dict[str, str]:
    return dict(zip(BUCKET_CHECKS, statuses, strict=True))


def test_s3_split_resources_tfvars_count_and_for_each(scan_project) -> None:
    scan = scan_project("aws_s3")
    assert not scan.errors
    P, F, U = "pass", "fail", "unknown"
    expected = {
        # hardened only through split resources joined by reference; SSE-KMS with a key; TLS-only heredoc policy
        "aws_s3_bucket.hardened": _row(P, P, P, P, P, P, P, P, P),
        # a log target needs no logging of its own
        "aws_s3_bucket.logs": _row(P, P, P, P, F, F, F, P, P),
        # split resources joined by literal name; jsonencode policy with an interpolated ARN is public
        "aws_s3_bucket.public": _row(F, P, F, P, F, F, F, F, P),
        'aws_s3_bucket.team["nlp"]': _row(P, P, P, P, F, F, P, F, P),
        'aws_s3_bucket.team["vision"]': _row(P, P, P, P, F, F, F, F, P),
        "aws_s3_bucket.scratch[0]": _row(F, F, F, P, F, F, F, F, F),
        "aws_s3_bucket.scratch[1]": _row(F, F, F, P, F, F, F, F, F),
        # policy from file(): unknown, never pass
        "aws_s3_bucket.from_file": _row(U, U, F, P, F, U, F, F, P),
    }
    for address, row in expected.items():
        assert {c: s for c, s in scan.of(address).items() if c in BUCKET_CHECKS} == row, address
    bucket = scan.resources["aws_s3_bucket.public"]
    assert isinstance(bucket, Bucket)
    assert bucket.ref.provider == "terraform" and bucket.ref.cloud == "aws"
    assert (bucket.ref.path, bucket.ref.line, bucket.ref.name) == ("main.tf", 78, "ml-public-demo")
    assert "s3:GetObject" in (bucket.public_via or "")
    assert scan.resources["aws_s3_bucket.hardened"].ref.name == "ml-dev-training-data"  # tfvars + locals


def test_s3_var_file_overrides_tfvars(scan_project, tmp_path) -> None:
    prod = tmp_path / "prod.tfvars"
    prod.write_text('env = "prod"\n')
    scan = scan_project("aws_s3", var_files=(str(prod),))
    assert scan.resources["aws_s3_bucket.hardened"].ref.name == "ml-prod-training-data"
    # in prod the block restricts public buckets, so the unreadable policy cannot make it public
    assert scan.of("aws_s3_bucket.from_file")["bucket_public_read"] == "pass"
    assert scan.of("aws_s3_bucket.from_file")["bucket_public_access_block_off"] == "pass"
    assert scan.of("aws_s3_bucket.from_file")["bucket_tls_not_enforced"] == "unknown"


def test_account_level_block_protects_every_bucket(scan_project) -> None:
    scan = scan_project("aws_s3_account")
    for address in ("aws_s3_bucket.models", "aws_s3_bucket.weak_block"):
        row = scan.of(address)
        assert row["bucket_public_read"] == "pass", address
        assert row["bucket_public_access_block_off"] == "pass", address
    models = scan.resources["aws_s3_bucket.models"]
    assert isinstance(models, Bucket)
    # the policy_document data source was rendered: the policy itself is public, the account block stops it
    assert models.public_read is False and models.public_access_block is True


def test_iam_roles(scan_project) -> None:
    scan = scan_project("aws_iam")
    checks = ("role_admin_access", "role_trusts_any_principal", "role_cross_account_no_external_id", "role_wildcard_data_access")
    expected = {
        "aws_iam_role.training": ("pass", "pass", "pass", "fail"),
        "aws_iam_role.open_admin": ("fail", "fail", "pass", "pass"),
        "aws_iam_role.org_reader": ("pass", "pass", "pass", "pass"),
        "aws_iam_role.partner": ("fail", "pass", "fail", "pass"),
        "aws_iam_role.templated": ("unknown", "unknown", "unknown", "unknown"),
    }
    for address, row in expected.items():
        got = scan.of(address)
        assert tuple(got[c] for c in checks) == row, address
    partner = scan.resources["aws_iam_role.partner"]
    assert isinstance(partner, Role) and partner.untrusted_accounts == ["111122223333"]


def test_sagemaker(scan_project) -> None:
    scan = scan_project("aws_sagemaker")
    nb_checks = ("notebook_direct_internet", "notebook_root_access", "notebook_not_customer_key",
                 "notebook_no_private_network", "notebook_startup_secret")
    expected = {
        "aws_sagemaker_notebook_instance.defaults": ("fail", "fail", "fail", "fail", "fail"),
        "aws_sagemaker_notebook_instance.hardened": ("pass", "pass", "pass", "pass", "pass"),
        # a required variable is given a value: the subnet is set, whatever it resolves to
        "aws_sagemaker_notebook_instance.unknown_subnet": ("pass", "pass", "fail", "pass", "pass"),
    }
    for address, row in expected.items():
        got = scan.of(address)
        assert tuple(got[c] for c in nb_checks) == row, address
    leaky = scan.resources["aws_sagemaker_notebook_instance.defaults"]
    assert isinstance(leaky, Notebook) and leaky.startup_secrets
    assert all("wJalrXUtnFEMI/K7MDENG" not in s.redacted for s in leaky.startup_secrets)
    assert scan.of("aws_sagemaker_model.isolated") == {"ml_training_no_network_isolation": "pass"}
    assert scan.of("aws_sagemaker_model.open") == {"ml_training_no_network_isolation": "fail"}
    assert scan.of("aws_sagemaker_endpoint_configuration.plain") == {"ml_endpoint_not_customer_key": "fail"}
    assert scan.of("aws_sagemaker_endpoint_configuration.cmk") == {"ml_endpoint_not_customer_key": "pass"}
    assert scan.of("aws_sagemaker_domain.studio") == {"ml_workspace_public_network": "fail"}
    assert scan.of("aws_sagemaker_domain.vpc_only") == {"ml_workspace_public_network": "pass"}


def test_security_groups(scan_project) -> None:
    scan = scan_project("aws_network")
    expected = {
        # dynamic ingress over a local list with the CIDR from a variable default
        "aws_security_group.bastion": ("fail", "pass"),
        # a self rule does not hide the later IPv6 world-open 8000-9000 range
        "aws_security_group.notebooks": ("pass", "fail"),
        "aws_security_group.mlflow": ("pass", "fail"),
        "aws_security_group.internal": ("pass", "pass"),
        "aws_security_group.office": ("unknown", "unknown"),
    }
    for address, row in expected.items():
        got = scan.of(address)
        assert (got["network_admin_port_open_to_world"], got["network_ml_port_open_to_world"]) == row, address
    ports = {(r.protocol, r.start, r.end) for r in scan.resources["aws_security_group.bastion"].world_open_ports}
    assert ports == {("tcp", 22, 22), ("tcp", 3389, 3389)}


def test_keys_and_trails(scan_project) -> None:
    scan = scan_project("aws_keys_trail")
    assert scan.of("aws_kms_key.rotated") == {"key_rotation_off": "pass", "key_policy_public": "pass"}
    assert scan.of("aws_kms_key.default") == {"key_rotation_off": "fail", "key_policy_public": "pass"}
    # asymmetric keys cannot rotate: never a failure
    assert scan.of("aws_kms_key.signing")["key_rotation_off"] != "fail"
    assert scan.of("aws_kms_key.public_policy") == {"key_rotation_off": "pass", "key_policy_public": "fail"}
    assert scan.of("aws_cloudtrail.org") == {"audit_logging_off": "pass"}
    assert scan.of("aws_cloudtrail.single") == {"audit_logging_off": "fail"}
    trail = scan.resources["aws_cloudtrail.single"]
    assert trail.scope == "trail"


def test_local_module_with_count_and_for_each(scan_project) -> None:
    scan = scan_project("module_root")
    raw = scan.of('module.datasets["raw"].aws_s3_bucket.this')
    curated = scan.of('module.datasets["curated"].aws_s3_bucket.this')
    site = scan.of("module.site[0].aws_s3_bucket.this")
    # !var.public_read inside the module renders per instance: no false positive on the hardened one
    assert (raw["bucket_public_read"], raw["bucket_public_access_block_off"], raw["bucket_versioning_off"]) == ("fail", "fail", "fail")
    assert (curated["bucket_public_read"], curated["bucket_public_access_block_off"], curated["bucket_versioning_off"]) == ("pass", "pass", "pass")
    # a root-level policy joined through a module output
    assert curated["bucket_tls_not_enforced"] == "pass"
    assert raw["bucket_tls_not_enforced"] == "fail"
    assert (site["bucket_public_read"], site["bucket_versioning_off"]) == ("fail", "fail")
    bucket = scan.resources["module.site[0].aws_s3_bucket.this"]
    assert (bucket.ref.path, bucket.ref.line) == ("modules/bucket/main.tf", 12)
    # the remote module is reported, not silently skipped, and does not make the scan incomplete
    remote = [e for e in scan.errors if "module.remote" in e.message]
    assert len(remote) == 1 and not remote[0].incomplete and remote[0].path == "main.tf" and remote[0].line == 18


def test_inline_ignore_in_terraform(tmp_path, scan_project) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "a" {\n'
        '  # auditor:ignore bucket_versioning_off versioning is handled by the backup job\n'
        '  bucket = "a"\n'
        "}\n\n"
        "// auditor:ignore bucket_access_logging_off CloudTrail data events cover it\n"
        'resource "aws_s3_bucket" "b" {\n'
        '  bucket = "b"\n'
        "}\n"
    )
    from auditor.collectors.base import CollectionSink
    from auditor.collectors.iac import IacCollector

    sink = CollectionSink()
    IacCollector([str(tmp_path)]).collect(sink)
    by_id = {r.ref.id: r for r in sink.resources}
    assert [(i.check, i.reason, i.line) for i in by_id["aws_s3_bucket.a"].ignores] == [
        ("bucket_versioning_off", "versioning is handled by the backup job", 2)
    ]
    assert [(i.check, i.line) for i in by_id["aws_s3_bucket.b"].ignores] == [("bucket_access_logging_off", 6)]




def test_split_resource_with_unknown_bucket_makes_its_field_unknown(tmp_path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "name" {}\n'
        'resource "aws_s3_bucket" "a" {\n  bucket = "a"\n}\n'
        'resource "aws_s3_bucket_versioning" "v" {\n  bucket = var.name\n'
        '  versioning_configuration {\n    status = "Enabled"\n  }\n}\n'
    )
    from auditor.collectors.base import CollectionSink
    from auditor.collectors.iac import IacCollector

    sink = CollectionSink()
    IacCollector([str(tmp_path)]).collect(sink)
    (bucket,) = sink.resources
    # the versioning resource may be this bucket's: unknown, not "off"
    assert bucket.versioning is None
    assert bucket.access_logging is False
