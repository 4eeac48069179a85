"""The check ids of the published catalog (docs: checks reference), by evidence family.

Frameworks may name only these ids (or ids of checks the registry actually holds). The family
codes are the ones the framework files use in their ``families`` notes.
"""

from __future__ import annotations

FAMILIES: dict[str, tuple[str, ...]] = {
    "PUB": (
        "bucket_public_read", "bucket_public_write", "bucket_public_access_block_off", "bucket_network_open",
        "role_public_binding", "key_policy_public", "ml_workspace_public_network", "ml_tracking_server_public",
        "notebook_direct_internet", "network_ml_port_open_to_world", "network_admin_port_open_to_world",
        "service_exposed_to_world",
    ),
    "EAR": (
        "bucket_unencrypted", "bucket_not_customer_key", "notebook_not_customer_key",
        "ml_endpoint_not_customer_key", "key_rotation_off",
    ),
    "EIT": (
        "bucket_tls_not_enforced", "bucket_tls_outdated", "service_no_tls", "service_weak_tls",
        "ml_training_traffic_unencrypted",
    ),
    "IAM": (
        "role_admin_access", "role_trusts_any_principal", "role_cross_account_no_external_id",
        "role_wildcard_data_access", "user_stale_access_key", "user_console_without_mfa", "key_policy_public",
        "bucket_acls_enabled", "notebook_root_access",
    ),
    "NET": ("notebook_no_private_network", "ml_training_no_network_isolation", "ml_workspace_public_network"),
    "LOG": ("audit_logging_off", "bucket_access_logging_off", "ml_invocation_logging_off"),
    "INT": ("bucket_versioning_off", "dataset_hash_mismatch", "lineage_manifest_unsigned", "bucket_public_write"),
    "EPT": ("service_unauthenticated", "service_code_execution_exposed"),
    "VUL": ("service_vulnerable_version", "dependency_vulnerable"),
    "MDL": ("model_code_execution", "model_unsafe_format"),
    "SEC": ("notebook_secret", "notebook_startup_secret", "notebook_personal_data"),
}

CATALOG_CHECK_IDS: frozenset[str] = frozenset(
    {
        # storage
        "bucket_public_read", "bucket_public_write", "bucket_public_access_block_off", "bucket_unencrypted",
        "bucket_not_customer_key", "bucket_tls_not_enforced", "bucket_tls_outdated", "bucket_versioning_off",
        "bucket_access_logging_off", "bucket_acls_enabled", "bucket_network_open",
        # identity
        "role_admin_access", "role_trusts_any_principal", "role_cross_account_no_external_id",
        "role_wildcard_data_access", "role_public_binding", "user_console_without_mfa", "user_stale_access_key",
        # notebook servers
        "notebook_direct_internet", "notebook_root_access", "notebook_not_customer_key",
        "notebook_no_private_network", "notebook_startup_secret",
        # managed ML
        "ml_endpoint_not_customer_key", "ml_training_no_network_isolation", "ml_training_traffic_unencrypted",
        "ml_tracking_server_public", "ml_invocation_logging_off", "ml_workspace_public_network",
        # ML services on the network
        "service_unauthenticated", "service_code_execution_exposed", "service_no_tls", "service_weak_tls",
        "service_vulnerable_version", "service_exposed_to_world",
        # network
        "network_ml_port_open_to_world", "network_admin_port_open_to_world",
        # keys and logging
        "key_policy_public", "key_rotation_off", "audit_logging_off",
        # supply chain
        "model_code_execution", "model_unsafe_format", "notebook_secret", "notebook_personal_data",
        "dependency_vulnerable", "dataset_hash_mismatch", "lineage_manifest_unsigned",
    }
)
