"""Terraform Google and azurerm (v3 and v4 attribute names) projects: exact findings per resource."""

from __future__ import annotations

from auditor.resources import Bucket


def test_gcp(scan_project) -> None:
    scan = scan_project("gcp")
    assert not scan.errors
    hardened = scan.of("google_storage_bucket.hardened")
    assert set(hardened.values()) == {"pass"} and "bucket_public_read" in hardened
    public = scan.of("google_storage_bucket.public")
    assert (public["bucket_public_read"], public["bucket_public_write"], public["bucket_public_access_block_off"],
            public["bucket_acls_enabled"], public["bucket_not_customer_key"], public["bucket_unencrypted"]) == (
        "fail", "pass", "fail", "fail", "fail", "pass")
    # public access prevention wins over the allUsers binding on the bucket...
    assert scan.of("google_storage_bucket.prevented")["bucket_public_read"] == "pass"
    # ...but the binding itself is still reported
    assert scan.of("google_storage_bucket_iam_binding.prevented")["role_public_binding"] == "fail"
    assert scan.of("google_storage_bucket_iam_member.public_read")["role_public_binding"] == "fail"
    assert scan.of("google_project_iam_member.editor") == {
        "role_admin_access": "fail", "role_public_binding": "pass", "role_wildcard_data_access": "pass"}
    assert scan.of("google_project_iam_binding.viewer")["role_public_binding"] == "fail"
    nb = ("notebook_direct_internet", "notebook_root_access", "notebook_not_customer_key", "notebook_no_private_network", "notebook_startup_secret")
    assert tuple(scan.of("google_workbench_instance.defaults")[c] for c in nb) == ("fail", "fail", "fail", "fail", "pass")
    assert tuple(scan.of("google_workbench_instance.hardened")[c] for c in nb) == ("pass",) * 5
    assert tuple(scan.of("google_notebooks_instance.legacy")[c] for c in nb) == ("fail", "fail", "fail", "fail", "fail")
    fw = ("network_admin_port_open_to_world", "network_ml_port_open_to_world")
    assert tuple(scan.of("google_compute_firewall.jupyter")[c] for c in fw) == ("pass", "fail")
    assert tuple(scan.of("google_compute_firewall.egress")[c] for c in fw) == ("pass", "pass")
    assert tuple(scan.of("google_compute_firewall.ssh_range")[c] for c in fw) == ("fail", "pass")
    assert scan.of("google_kms_crypto_key.data") == {"key_rotation_off": "pass"}
    assert scan.of("google_kms_crypto_key.norotate") == {"key_rotation_off": "fail"}


def test_azure_v3_names_and_defaults(scan_project) -> None:
    scan = scan_project("azure_v3")
    assert not scan.errors
    defaults = scan.of("azurerm_storage_account.defaults")
    # provider defaults: nested items public (v3), HTTPS only, TLS 1.2, network rules Allow
    assert (defaults["bucket_public_access_block_off"], defaults["bucket_tls_not_enforced"], defaults["bucket_tls_outdated"],
            defaults["bucket_network_open"], defaults["bucket_public_read"]) == ("fail", "pass", "pass", "fail", "fail")
    weak = scan.of("azurerm_storage_account.weak")
    assert (weak["bucket_tls_not_enforced"], weak["bucket_tls_outdated"], weak["bucket_public_read"]) == ("fail", "fail", "pass")
    container = scan.resources["azurerm_storage_container.public"]
    assert isinstance(container, Bucket) and container.scope == "container"
    assert container.parent == "azurerm_storage_account.defaults"  # joined through the v3 storage_account_name
    assert scan.of("azurerm_storage_container.public")["bucket_public_read"] == "fail"
    assert scan.of("azurerm_machine_learning_workspace.ws") == {"ml_endpoint_not_customer_key": "fail", "ml_workspace_public_network": "fail"}
    ci = scan.of("azurerm_machine_learning_compute_instance.ci")
    assert (ci["notebook_direct_internet"], ci["notebook_no_private_network"], ci["notebook_not_customer_key"]) == ("fail", "fail", "fail")
    nsg = scan.resources["azurerm_network_security_group.nsg"]
    ports = {(p.protocol, p.start, p.end) for p in nsg.world_open_ports}
    assert ports == {("tcp", 8265, 8265), ("tcp", 10001, 10001), ("tcp", 3389, 3389), ("udp", 3389, 3389)}
    assert scan.of("azurerm_network_security_group.nsg") == {
        "network_admin_port_open_to_world": "fail", "network_ml_port_open_to_world": "fail"}
    assert scan.of("azurerm_role_assignment.sp_owner") == {"role_admin_access": "fail"}
    assert scan.of("azurerm_role_assignment.rg_contributor") == {"role_admin_access": "pass"}
    assert scan.of("azurerm_key_vault_key.norotate") == {"key_rotation_off": "fail"}


def test_azure_v4_names_hardened(scan_project) -> None:
    scan = scan_project("azure_v4")
    assert not scan.errors
    account = scan.of("azurerm_storage_account.hardened")
    assert len(account) == 10 and set(account.values()) == {"pass"}
    container = scan.resources["azurerm_storage_container.private"]
    assert container.parent == "azurerm_storage_account.hardened"  # joined through the v4 storage_account_id
    assert scan.of("azurerm_machine_learning_workspace.ws") == {"ml_endpoint_not_customer_key": "pass", "ml_workspace_public_network": "pass"}
    ci = scan.of("azurerm_machine_learning_compute_instance.ci")
    assert (ci["notebook_direct_internet"], ci["notebook_no_private_network"], ci["notebook_not_customer_key"]) == ("pass", "pass", "pass")
    assert scan.of("azurerm_key_vault_key.rotated") == {"key_rotation_off": "pass"}
    assert scan.of("azurerm_monitor_diagnostic_setting.activity") == {"audit_logging_off": "pass"}
    assert "azurerm_monitor_diagnostic_setting.blob_logs" not in scan.resources  # resource-level setting, not an audit trail


def test_gcp_authoritative_policies(scan_project) -> None:
    scan = scan_project("gcp")
    assert scan.of("google_storage_bucket.policy_public")["bucket_public_read"] == "fail"
    assert scan.of('google_project_iam_policy.project["roles/owner"]') == {
        "role_admin_access": "fail", "role_public_binding": "pass", "role_wildcard_data_access": "pass"}
    assert scan.of('google_project_iam_policy.project["roles/storage.admin"]')["role_wildcard_data_access"] == "fail"
    assert scan.of('google_storage_bucket_iam_policy.policy_public["roles/storage.objectViewer"]')["role_public_binding"] == "fail"
