"""Terraform JSON syntax and ``terraform show -json`` plan files."""

from __future__ import annotations


def test_tf_json(scan_project) -> None:
    scan = scan_project("tfjson")
    assert not scan.errors
    logs = scan.resources["aws_s3_bucket.logs"]
    assert (logs.ref.path, logs.ref.line, logs.ref.name) == ("main.tf.json", 5, "logs-dev")
    row = scan.of("aws_s3_bucket.logs")
    assert (row["bucket_public_read"], row["bucket_public_access_block_off"], row["bucket_acls_enabled"]) == ("fail", "fail", "fail")
    versioning = [f for f in scan.findings if f.check_id == "bucket_versioning_off"]
    assert versioning[0].suppression is not None and versioning[0].suppression.reason == "log bucket, written once"


def test_plan_json(scan_project) -> None:
    scan = scan_project("plan")
    assert not scan.errors
    row = scan.of("aws_s3_bucket.b")
    # split resources whose bucket is known only after apply are joined through the configuration's references
    assert (row["bucket_versioning_off"], row["bucket_public_access_block_off"]) == ("pass", "fail")
    nb = scan.of("module.nb.aws_sagemaker_notebook_instance.this[0]")
    assert (nb["notebook_direct_internet"], nb["notebook_root_access"]) == ("fail", "pass")
    bucket = scan.resources["aws_s3_bucket.b"]
    assert bucket.ref.path == "plan.json" and bucket.ref.line == 7


def test_values_of_the_wrong_type_do_not_crash_or_pass(scan_project) -> None:
    scan = scan_project("odd")
    assert not scan.errors
    assert scan.of("aws_s3_bucket.odd")["bucket_public_read"] == "unknown"
    assert scan.of("aws_iam_role.odd")["role_trusts_any_principal"] == "unknown"
    assert scan.of("aws_security_group.odd")["network_admin_port_open_to_world"] == "unknown"
    assert scan.of("google_workbench_instance.odd")["notebook_direct_internet"] == "unknown"
    assert scan.of("azurerm_network_security_group.odd")["network_admin_port_open_to_world"] == "unknown"
    # a single string where a list is expected is read as that one value
    assert scan.of("google_compute_firewall.odd")["network_admin_port_open_to_world"] != "pass"
