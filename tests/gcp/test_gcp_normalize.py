"""GCP normalizers on JSON shaped exactly like the REST APIs' answers."""

from __future__ import annotations

from typing import Any

from auditor.collectors.gcp import normalize as n

P = "ml-research-prod"


def gcs(**over: Any) -> dict[str, Any]:
    """A storage#bucket resource as buckets.list?projection=full returns it."""
    item: dict[str, Any] = {
        "kind": "storage#bucket",
        "selfLink": "https://www.googleapis.com/storage/v1/b/ml-data",
        "id": "ml-data",
        "name": "ml-data",
        "projectNumber": "123456789012",
        "metageneration": "4",
        "location": "US-CENTRAL1",
        "storageClass": "STANDARD",
        "etag": "CAQ=",
        "timeCreated": "2025-03-01T10:00:00.000Z",
        "updated": "2025-03-04T10:00:00.000Z",
        "softDeletePolicy": {"retentionDurationSeconds": "604800", "effectiveTime": "2025-03-01T10:00:00.000Z"},
        "iamConfiguration": {
            "bucketPolicyOnly": {"enabled": True, "lockedTime": "2025-05-30T10:00:00.000Z"},
            "uniformBucketLevelAccess": {"enabled": True, "lockedTime": "2025-05-30T10:00:00.000Z"},
            "publicAccessPrevention": "inherited",
        },
        "locationType": "region",
        "rpo": "DEFAULT",
    }
    item.update(over)
    return item


LEGACY_ACL = [
    {"kind": "storage#bucketAccessControl", "id": "ml-data/project-owners-123456789012", "selfLink": "...",
     "bucket": "ml-data", "entity": "project-owners-123456789012", "role": "OWNER",
     "projectTeam": {"projectNumber": "123456789012", "team": "owners"}, "etag": "CAQ="},
    {"kind": "storage#bucketAccessControl", "id": "ml-data/allUsers", "bucket": "ml-data", "entity": "allUsers", "role": "READER", "etag": "CAQ="},
]
PRIVATE_POLICY = {"version": 1, "etag": "CAQ=", "resourceId": "projects/_/buckets/ml-data", "kind": "storage#policy", "bindings": [
    {"role": "roles/storage.legacyBucketOwner", "members": ["projectEditor:ml-research-prod", "projectOwner:ml-research-prod"]},
    {"role": "roles/storage.legacyBucketReader", "members": ["projectViewer:ml-research-prod"]},
]}


def test_private_bucket_with_defaults() -> None:
    b = n.gcs_bucket(P, gcs(), PRIVATE_POLICY, data_access_logged=False)
    assert (b.public_read, b.public_write, b.public_access_block) == (False, False, False)
    assert b.encryption == "provider_managed" and b.versioning is True  # the 7-day soft delete default
    assert b.acls_enabled is False and b.access_logging is False
    assert b.ref.region == "us-central1" and b.ref.id == "//storage.googleapis.com/ml-data"


def test_public_binding_read_and_write() -> None:
    policy = {**PRIVATE_POLICY, "bindings": [*PRIVATE_POLICY["bindings"],
                                           {"role": "roles/storage.objectViewer", "members": ["allUsers"]},
                                           {"role": "roles/storage.objectCreator", "members": ["allAuthenticatedUsers"]}]}
    b = n.gcs_bucket(P, gcs(), policy)
    assert b.public_read is True and b.public_write is True
    assert "roles/storage.objectViewer to allUsers" in b.public_via
    role = n.bucket_policy_role(P, "ml-data", policy)
    assert role.public_members == ["allAuthenticatedUsers (roles/storage.objectCreator)", "allUsers (roles/storage.objectViewer)"]


def test_public_access_prevention_enforced_blocks_everything() -> None:
    item = gcs(iamConfiguration={"uniformBucketLevelAccess": {"enabled": False}, "publicAccessPrevention": "enforced"}, acl=LEGACY_ACL)
    policy = {**PRIVATE_POLICY, "bindings": [{"role": "roles/storage.objectViewer", "members": ["allUsers"]}]}
    b = n.gcs_bucket(P, item, policy)
    assert (b.public_read, b.public_write, b.public_access_block) == (False, False, True)
    assert "enforced" in b.public_via


def test_legacy_acl_only_counts_without_uniform_access() -> None:
    with_acl = n.gcs_bucket(P, gcs(iamConfiguration={"uniformBucketLevelAccess": {"enabled": False}}, acl=LEGACY_ACL, defaultObjectAcl=[]), PRIVATE_POLICY)
    assert with_acl.public_read is True and with_acl.public_write is False and with_acl.acls_enabled is True
    ubla = n.gcs_bucket(P, gcs(acl=LEGACY_ACL), PRIVATE_POLICY)
    assert ubla.public_read is False  # ACLs are ignored once uniform access is on


def test_default_object_acl_makes_new_objects_public() -> None:
    item = gcs(iamConfiguration={"uniformBucketLevelAccess": {"enabled": False}}, acl=LEGACY_ACL[:1],
               defaultObjectAcl=[{"kind": "storage#objectAccessControl", "entity": "allUsers", "role": "READER"}])
    b = n.gcs_bucket(P, item, PRIVATE_POLICY)
    assert b.public_read is True and "default object ACL" in b.public_via


def test_unreadable_parts_are_unknown_never_private() -> None:
    assert n.gcs_bucket(P, gcs(), None).public_read is None
    # uniform access off and no acl in the answer: the caller could not read the ACLs
    no_acl = n.gcs_bucket(P, gcs(iamConfiguration={"uniformBucketLevelAccess": {"enabled": False}}), PRIVATE_POLICY)
    assert no_acl.public_read is None and no_acl.public_write is None
    assert n.gcs_bucket(P, gcs(), PRIVATE_POLICY, data_access_logged=None).access_logging is None


def test_cmek_versioning_logging() -> None:
    item = gcs(encryption={"defaultKmsKeyName": "projects/p/locations/us/keyRings/r/cryptoKeys/k"},
               versioning={"enabled": False}, softDeletePolicy={"retentionDurationSeconds": "0"},
               logging={"logBucket": "ml-logs", "logObjectPrefix": "ml-data"})
    b = n.gcs_bucket(P, item, PRIVATE_POLICY, log_targets=frozenset({"ml-data"}))
    assert b.encryption == "customer_managed" and b.kms_key.endswith("/k")
    assert b.versioning is False and b.access_logging is True and b.is_log_target is True


POLICY = {
    "version": 3,
    "etag": "BwYBnF3WbBE=",
    "bindings": [
        {"role": "roles/owner", "members": ["user:lead@example.com"]},
        {"role": "roles/editor", "members": ["serviceAccount:123456789012-compute@developer.gserviceaccount.com",
                                             "serviceAccount:trainer@ml-research-prod.iam.gserviceaccount.com"]},
        {"role": "roles/storage.objectAdmin", "members": ["serviceAccount:pipeline@ml-research-prod.iam.gserviceaccount.com"]},
        {"role": "roles/viewer", "members": ["allUsers"],
         "condition": {"title": "expires", "expression": "request.time < timestamp('2027-01-01T00:00:00Z')"}},
    ],
    "auditConfigs": [{"service": "allServices", "auditLogConfigs": [{"logType": "ADMIN_READ"}, {"logType": "DATA_READ"},
                                                                   {"logType": "DATA_WRITE", "exemptedMembers": ["user:bot@example.com"]}]}],
}
ACCOUNTS = [{"name": f"projects/{P}/serviceAccounts/trainer@ml-research-prod.iam.gserviceaccount.com", "projectId": P,
             "uniqueId": "1045", "email": "trainer@ml-research-prod.iam.gserviceaccount.com", "etag": "MDEwMjE5MjA=",
             "oauth2ClientId": "1045"},
            {"name": f"projects/{P}/serviceAccounts/idle@ml-research-prod.iam.gserviceaccount.com", "projectId": P,
             "uniqueId": "1046", "email": "idle@ml-research-prod.iam.gserviceaccount.com", "disabled": True}]
KEYS = {"trainer@ml-research-prod.iam.gserviceaccount.com": [
    {"name": f"projects/{P}/serviceAccounts/trainer@ml-research-prod.iam.gserviceaccount.com/keys/abc123",
     "validAfterTime": "2024-01-02T03:04:05Z", "validBeforeTime": "9999-12-31T23:59:59Z", "keyAlgorithm": "KEY_ALG_RSA_2048",
     "keyOrigin": "GOOGLE_PROVIDED", "keyType": "USER_MANAGED"},
    {"name": ".../keys/def456", "validAfterTime": "2024-02-02T03:04:05Z", "keyType": "USER_MANAGED", "disabled": True}],
    "idle@ml-research-prod.iam.gserviceaccount.com": None}


def test_project_roles() -> None:
    roles = {r.ref.name: r for r in n.project_roles(P, POLICY, ACCOUNTS, KEYS)}
    assert roles["lead@example.com"].is_admin and roles["lead@example.com"].principal_type == "user"
    trainer = roles["trainer@ml-research-prod.iam.gserviceaccount.com"]
    assert trainer.is_admin and trainer.ref.id.startswith("//iam.googleapis.com/")
    assert [(k.id, k.active) for k in trainer.access_keys] == [("abc123", True), ("def456", False)]
    assert trainer.access_keys[0].created.year == 2024
    # the default compute SA belongs to the project but is not listed as ours: keys unknown
    compute = roles["123456789012-compute@developer.gserviceaccount.com"]
    assert compute.is_admin and compute.access_keys is None
    assert roles["idle@ml-research-prod.iam.gserviceaccount.com"].access_keys is None  # listing failed
    assert roles["idle@ml-research-prod.iam.gserviceaccount.com"].tags == {"disabled": "true"}
    assert roles["pipeline@ml-research-prod.iam.gserviceaccount.com"].wildcard_data_access is True
    assert roles["allUsers"].public_members == ["allUsers (roles/viewer)"]  # conditional grants still count
    assert n.audit_trail(P, POLICY).enabled is True


def test_audit_trail_partial_config_fails() -> None:
    trail = n.audit_trail(P, {"auditConfigs": [{"service": "storage.googleapis.com", "auditLogConfigs": [{"logType": "DATA_READ"}]}]})
    assert trail.enabled is False and "storage.googleapis.com [DATA_READ]" in trail.detail
    assert n.audit_trail(P, {"bindings": []}).enabled is False
    assert n.storage_reads_logged({"auditConfigs": [{"service": "storage.googleapis.com", "auditLogConfigs": [{"logType": "DATA_READ"}]}]})


def test_firewall_rules() -> None:
    rule = {"kind": "compute#firewall", "id": "1", "name": "mixed", "network": "https://www.googleapis.com/compute/v1/projects/p/global/networks/default",
            "priority": 1000, "sourceRanges": ["0.0.0.0/0"], "direction": "INGRESS", "disabled": False,
            "allowed": [{"IPProtocol": "tcp", "ports": ["22", "8000-8002"]}, {"IPProtocol": "udp"}, {"IPProtocol": "icmp"}]}
    fw = n.firewall_rule("p", rule)
    assert [(p.protocol, p.start, p.end) for p in fw.world_open_ports] == [("tcp", 22, 22), ("tcp", 8000, 8002), ("udp", 0, 65535)]
    assert fw.attached_to == ["all instances in the network"]
    assert n.firewall_rule("p", {**rule, "allowed": [{"IPProtocol": "all"}]}).world_open_ports[0].protocol == "all"
    assert n.firewall_rule("p", {**rule, "disabled": True}).world_open_ports == []
    assert n.firewall_rule("p", {**rule, "direction": "EGRESS", "destinationRanges": ["0.0.0.0/0"]}).world_open_ports == []
    assert n.firewall_rule("p", {**rule, "sourceRanges": ["10.0.0.0/8"]}).world_open_ports == []
    ipv6 = n.firewall_rule("p", {**rule, "sourceRanges": ["::/0"], "targetTags": ["ray"]})
    assert ipv6.world_open_ports and ipv6.attached_to == ["tag:ray"]


def test_instance_joins_rules_by_network_and_tag() -> None:
    net = "https://www.googleapis.com/compute/v1/projects/p/global/networks/default"
    rules = [{"name": "tagged", "network": net, "targetTags": ["ray"], "direction": "INGRESS"},
             {"name": "other-tag", "network": net, "targetTags": ["web"], "direction": "INGRESS"},
             {"name": "other-net", "network": net.replace("default", "vpc2"), "direction": "INGRESS"},
             {"name": "by-sa", "network": net, "targetServiceAccounts": ["ray@p.iam.gserviceaccount.com"], "direction": "INGRESS"}]
    inst = {"name": "ray-head", "zone": "https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a",
            "tags": {"items": ["ray"]}, "serviceAccounts": [{"email": "ray@p.iam.gserviceaccount.com", "scopes": []}],
            "networkInterfaces": [{"network": net, "networkIP": "10.0.0.2",
                                   "accessConfigs": [{"type": "ONE_TO_ONE_NAT", "natIP": "34.1.2.3"}]}]}
    i = n.compute_instance("p", inst, rules)
    assert i.public_ips == ["34.1.2.3"] and i.private_ips == ["10.0.0.2"] and i.ref.region == "us-central1-a"
    assert [r.rsplit("/", 1)[-1] for r in i.firewall_rules] == ["tagged", "by-sa"]


def test_workbench_instance() -> None:
    item = {"name": f"projects/{P}/locations/us-central1-a/instances/wb", "state": "ACTIVE",
            "gceSetup": {"machineType": "e2-standard-4", "bootDisk": {"diskEncryption": "CMEK", "kmsKey": "k1"},
                         "dataDisks": [{"diskEncryption": "GMEK"}],
                         "metadata": {"post-startup-script": "gs://b/s.sh", "proxy-mode": "service_account",
                                      "startup-script": "curl -H 'Authorization: token ghp_abcdefghijklmnopqrstuvwxyz0123456789' https://api.github.com"}}}
    nb = n.workbench_instance(P, item)
    assert nb.direct_internet_access is True and nb.root_access is True
    assert nb.customer_managed_key is False  # one data disk is Google-managed
    assert nb.private_network is False
    assert [h.kind for h in nb.startup_secrets] == ["github_token"]
    assert "abcdefghijklmnopqrstuvwxyz0123456789" not in nb.model_dump_json()
    locked = n.workbench_instance(P, {**item, "gceSetup": {"disablePublicIp": True, "metadata": {"notebook-disable-root": "TRUE"},
                                                           "bootDisk": {"diskEncryption": "CMEK", "kmsKey": "k1"},
                                                           "networkInterfaces": [{"network": "projects/p/global/networks/ml"}]}})
    assert (locked.direct_internet_access, locked.root_access, locked.customer_managed_key, locked.private_network) == (False, False, True, True)
    assert locked.startup_secrets == []


def test_vertex_endpoint_and_kms() -> None:
    e = n.vertex_endpoint(P, {"name": "projects/1/locations/europe-west4/endpoints/9", "displayName": "ep", "network": "projects/1/global/networks/ml"})
    assert e.public_access is False and e.customer_managed_key is False and e.ref.region == "europe-west4"
    k = n.kms_key(P, {"name": "projects/p/locations/global/keyRings/r/cryptoKeys/k", "purpose": "ENCRYPT_DECRYPT",
                      "primary": {"state": "DISABLED"}, "rotationPeriod": "7776000s"})
    assert k.rotation_enabled is True and k.enabled is False and k.customer_managed is True
    assert not n.rotatable({"purpose": "ASYMMETRIC_DECRYPT"}) and n.rotatable({"purpose": "ENCRYPT_DECRYPT"})


def test_vertex_workspace_behind_vpc_service_controls() -> None:
    enforced = [{"name": "accessPolicies/1/servicePerimeters/ml", "status": {
        "resources": ["projects/42", "projects/43"], "restrictedServices": ["storage.googleapis.com", "aiplatform.googleapis.com"]}}]
    dry_run = [{"name": "accessPolicies/1/servicePerimeters/ml", "status": {"resources": ["projects/42"], "restrictedServices": []},
                "spec": {"resources": ["projects/42"], "restrictedServices": ["aiplatform.googleapis.com"]}, "useExplicitDryRunSpec": True}]
    assert n.vertex_workspace(P, "42", "organizations/1", enforced).public_access is False
    assert n.vertex_workspace(P, "44", "organizations/1", enforced).public_access is True  # another project
    assert n.vertex_workspace(P, "42", "organizations/1", dry_run).public_access is True
    assert n.vertex_workspace(P, "42", None, []).public_access is True  # no organization, no perimeter
    assert n.vertex_workspace(P, "42", "organizations/1", None).public_access is None
