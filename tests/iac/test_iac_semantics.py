"""What real-world IaC means: joins by reference, users and groups, declared public grants,
knowable unknowns, ML types, Azure rule priority and built-in roles (issue 12)."""

from __future__ import annotations

from auditor.resources import Bucket


def test_joins_by_name_attribute_survive_random_suffixes(scan_project) -> None:
    scan = scan_project("joins_random")
    assert not scan.errors
    datasets = scan.of("aws_s3_bucket.datasets")
    assert datasets["bucket_public_read"] == "fail"
    assert datasets["bucket_public_access_block_off"] == "fail"
    # the bucket whose name derives from the first keeps its own, fully-on block
    logs = scan.of("aws_s3_bucket.datasets_logs")
    assert (logs["bucket_public_read"], logs["bucket_public_access_block_off"]) == ("pass", "pass")
    # network rules joined by `.name`: default Deny is not open
    assert scan.of("azurerm_storage_account.features")["bucket_network_open"] == "pass"
    container = scan.resources["azurerm_storage_container.public_samples"]
    assert isinstance(container, Bucket) and container.parent == "azurerm_storage_account.features"
    assert scan.of("azurerm_storage_container.public_samples")["bucket_public_read"] == "fail"


def test_declared_public_grants_never_pass_on_an_assumed_default(scan_project) -> None:
    scan = scan_project("public_grants")
    assert not scan.errors
    failing_read = (
        "aws_s3_bucket.legacy_site", "aws_s3_bucket.shared_models", "aws_s3_bucket.open_policy",
        "public.yaml#WebsiteBucket", "google_storage_bucket.gcs_acl", "google_storage_bucket.gcs_predefined",
        "google_storage_bucket.gcs_objects", "azurerm_storage_container.external",
    )
    for address in failing_read:
        assert scan.of(address)["bucket_public_read"] == "fail", address
    for address in ("aws_s3_bucket.shared_models", "google_storage_bucket.gcs_predefined"):
        assert scan.of(address)["bucket_public_write"] == "fail", address
    for address in ("aws_s3_bucket.guarded", "aws_s3_bucket.plain", "google_storage_bucket.gcs_enforced"):
        assert scan.of(address)["bucket_public_read"] == "pass", address
        assert scan.of(address)["bucket_public_access_block_off"] == "pass", address
    # the grant is the evidence, and the message says what would block it and that it is not declared
    legacy = next(f for f in scan.findings if f.check_id == "bucket_public_read" and f.resource_id == "aws_s3_bucket.legacy_site")
    assert "ACL grants READ to AllUsers" in legacy.message and "no public access block is declared" in legacy.message
    assert "block_public_acls" in legacy.message
    assert "ACL grants READ to AllUsers" in str(legacy.evidence)
    assert scan.of("aws_s3_bucket.legacy_site")["bucket_public_access_block_off"] == "fail"
    policy = scan.resources["aws_s3_bucket.open_policy"]
    assert isinstance(policy, Bucket) and "Principal *" in (policy.public_via or "")
    gcs = scan.resources["google_storage_bucket.gcs_acl"]
    assert isinstance(gcs, Bucket) and 'public_access_prevention = "enforced" would block it' in (gcs.public_via or "")
    external = scan.resources["azurerm_storage_container.external"]
    assert isinstance(external, Bucket) and "allow_nested_items_to_be_public = false" in (external.public_via or "")


def test_iam_users_and_groups_are_modelled(scan_project) -> None:
    scan = scan_project("iam_users")
    assert not scan.errors
    expected = {
        # inline `*` on `*`, joined by `.name`
        "aws_iam_user.ci": ("fail", "pass"),
        # ReadOnlyAccess, plus an s3:* customer policy through aws_iam_policy_attachment users
        "aws_iam_user.analyst": ("pass", "fail"),
        "aws_iam_group.platform": ("fail", "pass"),
        # Allow NotAction ec2:Describe* on *
        "aws_iam_group.data": ("fail", "fail"),
        "aws_iam_group.readers": ("pass", "fail"),
        # a member of an admin group is admin
        "aws_iam_user.oncall": ("fail", "pass"),
        "users.yaml#BuildUser": ("fail", "pass"),
        "users.yaml#OpsGroup": ("fail", "pass"),
        "users.yaml#ViewerGroup": ("fail", "fail"),
        "users.yaml#Auditor": ("fail", "pass"),
        "users.yaml#Reader": ("pass", "pass"),
    }
    for address, (admin, data) in expected.items():
        row = scan.of(address)
        assert (row["role_admin_access"], row["role_wildcard_data_access"]) == (admin, data), address
        # live-only credential checks do not apply to code
        assert "user_console_without_mfa" not in row and "user_stale_access_key" not in row, address
    assert "AdministratorAccess" in (scan.resources["aws_iam_user.oncall"].admin_via or "")  # type: ignore[attr-defined]
    assert "except ec2:Describe*" in (scan.resources["aws_iam_group.data"].admin_via or "")  # type: ignore[attr-defined]


def test_azure_nsg_priority_and_builtin_admin_roles(scan_project) -> None:
    scan = scan_project("azure_priority")
    assert not scan.errors
    # SSH allowed at 200 is shadowed by the Deny at 100; 443 from an unresolved CIDR can open no judged port
    jumpbox = scan.of("azurerm_network_security_group.jumpbox")
    assert (jumpbox["network_admin_port_open_to_world"], jumpbox["network_ml_port_open_to_world"]) == ("pass", "pass")
    # the Deny comes later (priority 4000): Jupyter stays open
    assert scan.of("azurerm_network_security_group.notebooks")["network_ml_port_open_to_world"] == "fail"
    expected = {
        "azurerm_role_assignment.pipeline_contributor": "fail",
        "azurerm_role_assignment.pipeline_uaa": "fail",
        "azurerm_role_assignment.pipeline_rg_owner": "pass",  # resource-group scope
        "azurerm_role_assignment.team_contributor": "pass",  # a group, not a service principal
        "azurerm_role_assignment.pipeline_reader": "pass",
    }
    for address, status in expected.items():
        assert scan.of(address)["role_admin_access"] == status, address
    via = scan.resources["azurerm_role_assignment.pipeline_uaa"].admin_via  # type: ignore[attr-defined]
    assert "User Access Administrator" in via and "azurerm_user_assigned_identity.pipeline" in via


def test_knowable_unknowns_are_answered(scan_project) -> None:
    scan = scan_project("knowable")
    assert not scan.errors
    # "serviceAccount:${...}" can never be allUsers
    assert scan.of("google_project_iam_member.vertex_user")["role_public_binding"] == "pass"
    assert scan.of("google_storage_bucket.artifacts")["bucket_public_read"] == "pass"
    # aws:kms with a key parameter: encrypted with a customer key, like any present key reference
    feature = scan.of("stack.yaml#FeatureBucket")
    assert (feature["bucket_unencrypted"], feature["bucket_not_customer_key"]) == ("pass", "pass")
    notebook = scan.of("stack.yaml#ResearchNotebook")
    assert (notebook["notebook_no_private_network"], notebook["notebook_not_customer_key"]) == ("pass", "pass")
    # an unresolved CIDR on 443 cannot open SSH, RDP or an ML port; on 22 it stays unknown
    for address in ("aws_security_group.api", "google_compute_firewall.https"):
        row = scan.of(address)
        assert (row["network_admin_port_open_to_world"], row["network_ml_port_open_to_world"]) == ("pass", "pass"), address
    assert scan.of("aws_security_group.bastion")["network_admin_port_open_to_world"] == "unknown"


def test_gcp_service_account_kms_iam_and_custom_roles(scan_project) -> None:
    scan = scan_project("gcp_iam")
    assert not scan.errors
    checks = ("role_admin_access", "role_public_binding", "role_wildcard_data_access")
    expected = {
        "google_service_account_iam_member.token_for_anyone": ("pass", "fail", "pass"),
        "google_service_account_iam_binding.act_as": ("pass", "pass", "pass"),
        "google_kms_crypto_key_iam_member.decrypt_for_all": ("pass", "fail", "pass"),
        "google_kms_key_ring_iam_binding.ring_admins": ("pass", "pass", "pass"),
        # custom roles by reference (.id, .name) and by literal name
        "google_project_iam_member.pipeline_admin": ("fail", "pass", "pass"),
        "google_project_iam_member.data_rw": ("pass", "pass", "fail"),
        "google_project_iam_member.viewer": ("pass", "pass", "pass"),
    }
    for address, row in expected.items():
        got = scan.of(address)
        assert tuple(got[c] for c in checks) == row, address
    assert "setIamPolicy" in (scan.resources["google_project_iam_member.pipeline_admin"].admin_via or "")  # type: ignore[attr-defined]


def test_sagemaker_studio_profiles_apps_lifecycle_and_domain_key(scan_project) -> None:
    scan = scan_project("sagemaker_studio")
    assert not scan.errors
    checks = ("notebook_direct_internet", "notebook_no_private_network", "notebook_not_customer_key", "notebook_startup_secret")
    expected = {
        # VpcOnly domain with a KMS key; the domain's default lifecycle script is clean
        "aws_sagemaker_user_profile.alice": ("pass", "pass", "pass", "pass"),
        # its own JupyterServer lifecycle configuration exports AWS keys
        "aws_sagemaker_user_profile.bob": ("pass", "pass", "pass", "fail"),
        # an app of an undeclared profile on a default (public, provider-key) domain
        "aws_sagemaker_app.sandbox_lab": ("fail", "fail", "fail", "pass"),
        # CloudFormation: key from a parameter, token in a !Base64 Studio lifecycle configuration
        "studio.yaml#Analyst": ("pass", "pass", "pass", "fail"),
    }
    for address, row in expected.items():
        got = scan.of(address)
        assert tuple(got[c] for c in checks) == row, address
    assert scan.of("aws_sagemaker_domain.sandbox")["ml_workspace_public_network"] == "fail"


def test_azure_ml_compute_clusters(scan_project) -> None:
    scan = scan_project("azure_ml_cluster")
    assert not scan.errors
    checks = ("notebook_direct_internet", "notebook_root_access", "notebook_no_private_network", "notebook_not_customer_key")
    expected = {
        "azurerm_machine_learning_compute_cluster.gpu": ("fail", "fail", "fail", "fail"),
        "azurerm_machine_learning_compute_cluster.private": ("pass", "pass", "pass", "fail"),
    }
    for address, row in expected.items():
        got = scan.of(address)
        assert tuple(got[c] for c in checks) == row, address


def test_split_resources_naming_undeclared_buckets_are_not_ambiguous(scan_project) -> None:
    scan = scan_project("undeclared_refs")
    for address in ("aws_s3_bucket.mybucket", "template.yaml#SiteBucket"):
        row = scan.of(address)
        assert (row["bucket_public_read"], row["bucket_public_access_block_off"], row["bucket_tls_not_enforced"]) == (
            "pass", "pass", "fail"), address
