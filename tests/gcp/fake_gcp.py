"""A local GCP estate: gcp-storage-emulator for Cloud Storage and a loopback server speaking the
REST APIs of Resource Manager, IAM, Compute, Notebooks, Vertex AI, Cloud KMS and GKE.

The JSON answers follow the public REST references field for field (names, nesting, paging by
``pageToken``/``nextPageToken``, aggregatedList's zone map), so the collector meets the same
shapes it meets in a real project. Used by the tests, the demo-data recorder and the benchmark.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from gcp.loopback import LoopbackServer, NotFound, Query, Recorded, paged

# -- the estate --------------------------------------------------------------------------------


@dataclass
class GcsBucketSpec:
    name: str
    ubla: bool = True
    pap: str = "inherited"
    kms: str | None = None
    versioning: bool = False
    soft_delete_seconds: int | None = None  # None keeps the 7-day default
    log_bucket: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    acl_public: list[tuple[str, str]] = field(default_factory=list)  # (entity, role)
    bindings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ProjectSpec:
    project_id: str
    iam_policy: dict[str, Any] = field(default_factory=dict)
    service_accounts: list[dict[str, Any]] = field(default_factory=list)
    sa_keys: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    firewalls: list[dict[str, Any]] = field(default_factory=list)
    instances: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # zone -> instances
    workbench: list[dict[str, Any]] = field(default_factory=list)
    endpoints: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # region -> endpoints
    kms: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)  # location -> ring -> keys
    buckets: list[GcsBucketSpec] = field(default_factory=list)
    project_number: str = "123456789012"
    parent: str | None = None  # organizations/N or folders/N
    folders: dict[str, str] = field(default_factory=dict)  # folders/N -> its parent
    access_policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # policy name -> perimeters (org-wide)
    clusters: list[dict[str, Any]] = field(default_factory=list)  # GKE clusters, every location
    missing_zones: list[str] = field(default_factory=list)  # locations clusters.list could not reach
    index_endpoints: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # region -> Vector Search endpoints
    indexes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # region -> Vector Search indexes
    repositories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # region -> Artifact Registry
    datasets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # region -> Vertex AI datasets
    feature_online_stores: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # region -> feature online stores
    featurestores: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # region -> legacy featurestores
    repository_policies: dict[str, dict[str, Any]] = field(default_factory=dict)  # repository name -> IAM policy


def ml_team_project(project: str = "ml-research-prod") -> ProjectSpec:
    """A realistic ML team's project: some resources hardened, some misconfigured."""
    p = f"projects/{project}"
    sa = lambda name: f"{name}@{project}.iam.gserviceaccount.com"  # noqa: E731
    ring = f"{p}/locations/us/keyRings/mlr-ring"
    cmek = f"{ring}/cryptoKeys/data-key"
    return ProjectSpec(
        project_id=project,
        iam_policy={
            "version": 1,
            "etag": "BwXhqDVrLx0=",
            "bindings": [
                {"role": "roles/owner", "members": ["user:lead@example.com"]},
                {"role": "roles/editor", "members": [f"serviceAccount:{sa('trainer')}"]},
                {"role": "roles/storage.admin", "members": [f"serviceAccount:{sa('pipeline')}"]},
                {"role": "roles/aiplatform.user", "members": ["group:ml-team@example.com", f"serviceAccount:{sa('notebook')}"]},
                {"role": "roles/viewer", "members": ["allAuthenticatedUsers"]},
            ],
            "auditConfigs": [
                {"service": "storage.googleapis.com", "auditLogConfigs": [{"logType": "DATA_WRITE"}]},
            ],
        },
        service_accounts=[
            {
                "name": f"{p}/serviceAccounts/{sa(n)}",
                "projectId": project,
                "uniqueId": str(104000000000000000000 + i),
                "email": sa(n),
                "displayName": n,
                "etag": "MDEwMjE5MjA=",
                "oauth2ClientId": str(104000000000000000000 + i),
            }
            for i, n in enumerate(("trainer", "pipeline", "notebook"))
        ],
        sa_keys={
            sa("trainer"): [
                {
                    "name": f"{p}/serviceAccounts/{sa('trainer')}/keys/3f2a9c0e1b7d4e5f60718293a4b5c6d7e8f90123",
                    "validAfterTime": "2025-01-10T09:12:44Z",
                    "validBeforeTime": "9999-12-31T23:59:59Z",
                    "keyAlgorithm": "KEY_ALG_RSA_2048",
                    "keyOrigin": "GOOGLE_PROVIDED",
                    "keyType": "USER_MANAGED",
                }
            ],
            sa("pipeline"): [
                {
                    "name": f"{p}/serviceAccounts/{sa('pipeline')}/keys/9a8b7c6d5e4f30211f0e9d8c7b6a5f4e3d2c1b0a",
                    "validAfterTime": "2026-11-01T08:00:00Z",
                    "validBeforeTime": "9999-12-31T23:59:59Z",
                    "keyAlgorithm": "KEY_ALG_RSA_2048",
                    "keyOrigin": "GOOGLE_PROVIDED",
                    "keyType": "USER_MANAGED",
                }
            ],
        },
        firewalls=[
            _fw(project, "default-allow-internal", ["10.128.0.0/9"], [{"IPProtocol": "all"}]),
            _fw(project, "default-allow-ssh", ["0.0.0.0/0"], [{"IPProtocol": "tcp", "ports": ["22"]}]),
            _fw(project, "allow-ssh-from-iap", ["35.235.240.0/20"], [{"IPProtocol": "tcp", "ports": ["22"]}]),
            _fw(project, "allow-jupyter-world", ["0.0.0.0/0"], [{"IPProtocol": "tcp", "ports": ["8888"]}], tags=["jupyter"]),
            _fw(project, "allow-ray-dashboard", ["0.0.0.0/0", "::/0"], [{"IPProtocol": "tcp", "ports": ["8265", "10001"]}], tags=["ray-head"]),
            _fw(project, "allow-https-lb", ["130.211.0.0/22", "35.191.0.0/16"], [{"IPProtocol": "tcp", "ports": ["443"]}]),
        ],
        instances={
            "us-central1-a": [
                _instance(project, "us-central1-a", "ray-head-1", "10.128.0.5", "34.121.40.17", ["ray-head"]),
                _instance(project, "us-central1-a", "batch-worker-1", "10.128.0.9", None, ["worker"]),
            ]
        },
        workbench=[
            {
                "name": f"{p}/locations/us-central1-a/instances/wb-alice",
                "creator": "alice@example.com",
                "state": "ACTIVE",
                "gceSetup": {
                    "machineType": "e2-standard-4",
                    "serviceAccounts": [{"email": sa("notebook")}],
                    "bootDisk": {"diskSizeGb": "150", "diskType": "PD_BALANCED", "diskEncryption": "GMEK"},
                    "dataDisks": [{"diskSizeGb": "100", "diskType": "PD_BALANCED", "diskEncryption": "GMEK"}],
                    "networkInterfaces": [{"network": f"{p}/global/networks/default", "subnet": f"{p}/regions/us-central1/subnetworks/default", "nicType": "GVNIC"}],
                    "metadata": {
                        "post-startup-script": "gs://mlr-training-data/setup/startup.sh",
                        "startup-script": "#!/bin/bash\nexport HF_TOKEN=hf_Qw3rTy8uIoP1aSdFgHjKlZxCvBnM0987654\npip install -r /home/jupyter/requirements.txt\n",
                    },
                },
                "labels": {"team": "research", "owner": "alice"},
                "createTime": "2026-03-02T10:00:00Z",
            },
            {
                "name": f"{p}/locations/us-central1-b/instances/wb-secure",
                "creator": "lead@example.com",
                "state": "STOPPED",
                "gceSetup": {
                    "machineType": "n1-standard-8",
                    "disablePublicIp": True,
                    "bootDisk": {"diskEncryption": "CMEK", "kmsKey": cmek},
                    "dataDisks": [{"diskEncryption": "CMEK", "kmsKey": cmek}],
                    "networkInterfaces": [{"network": f"{p}/global/networks/ml-vpc", "subnet": f"{p}/regions/us-central1/subnetworks/ml-private"}],
                    "metadata": {"notebook-disable-root": "true", "post-startup-script": "gs://mlr-training-data/setup/hardened.sh"},
                },
                "labels": {"team": "platform"},
            },
        ],
        endpoints={
            "us-central1": [
                {
                    "name": "projects/123456789012/locations/us-central1/endpoints/4417290000000000001",
                    "displayName": "fraud-scoring-endpoint",
                    "etag": "AMEw9yN=",
                    "createTime": "2026-05-01T12:00:00Z",
                    "labels": {"model": "fraud-xgb"},
                },
                {
                    "name": "projects/123456789012/locations/us-central1/endpoints/4417290000000000002",
                    "displayName": "churn-private-endpoint",
                    "encryptionSpec": {"kmsKeyName": cmek},
                    "privateServiceConnectConfig": {"enablePrivateServiceConnect": True, "projectAllowlist": [project]},
                },
            ]
        },
        # Vector Search for retrieval: the index answers on a public endpoint
        index_endpoints={"us-central1": [{
            "name": "projects/123456789012/locations/us-central1/indexEndpoints/5521000000000000001",
            "displayName": "rag-search-public", "publicEndpointEnabled": True,
            "publicEndpointDomainName": "1234.us-central1-123456789012.vdb.vertexai.goog",
            "deployedIndexes": [{"id": "docs_v1", "index": "projects/123456789012/locations/us-central1/indexes/6631000000000000001"}],
        }]},
        indexes={"us-central1": [{
            "name": "projects/123456789012/locations/us-central1/indexes/6631000000000000001", "displayName": "support-docs",
            "deployedIndexes": [{"indexEndpoint": "projects/123456789012/locations/us-central1/indexEndpoints/5521000000000000001",
                                 "deployedIndexId": "docs_v1"}],
        }]},
        kms={
            "us": {
                ring: [
                    {"name": f"{ring}/cryptoKeys/data-key", "purpose": "ENCRYPT_DECRYPT", "rotationPeriod": "7776000s",
                     "nextRotationTime": "2027-01-01T00:00:00Z", "primary": {"name": f"{ring}/cryptoKeys/data-key/cryptoKeyVersions/3", "state": "ENABLED"}},
                    {"name": f"{ring}/cryptoKeys/legacy-features-key", "purpose": "ENCRYPT_DECRYPT",
                     "primary": {"name": f"{ring}/cryptoKeys/legacy-features-key/cryptoKeyVersions/1", "state": "ENABLED"}},
                    {"name": f"{ring}/cryptoKeys/model-signing", "purpose": "ASYMMETRIC_SIGN",
                     "versionTemplate": {"algorithm": "EC_SIGN_P256_SHA256", "protectionLevel": "SOFTWARE"}},
                ]
            }
        },
        parent="folders/314159265358",
        folders={"folders/314159265358": "organizations/271828182845"},
        access_policies={"accessPolicies/7351": [
            {"name": "accessPolicies/7351/servicePerimeters/data_perimeter", "title": "data_perimeter",
             "perimeterType": "PERIMETER_TYPE_REGULAR",
             # BigQuery is fenced; Vertex AI only in the dry-run spec, which enforces nothing
             "status": {"resources": ["projects/123456789012"], "restrictedServices": ["bigquery.googleapis.com"]},
             "spec": {"resources": ["projects/123456789012"], "restrictedServices": ["bigquery.googleapis.com", "aiplatform.googleapis.com"]},
             "useExplicitDryRunSpec": True},
        ]},
        clusters=[
            # the Ray cluster's control plane: public, no authorized networks
            gke_cluster(project, "us-central1", "ray-gke"),
            # training: public endpoint limited to the office range
            gke_cluster(project, "us-central1-a", "training-gke", authorized=["203.0.113.0/24"]),
            # serving: private endpoint only
            gke_cluster(project, "us-central1", "serving-gke", private_endpoint=True, authorized=["10.0.0.0/8"]),
        ],
        buckets=[
            GcsBucketSpec("mlr-training-data", pap="enforced", kms=cmek, versioning=True, log_bucket="mlr-access-logs", labels={"data-classification": "pii"}),
            GcsBucketSpec("mlr-access-logs", pap="enforced"),
            GcsBucketSpec("mlr-public-datasets", bindings=[{"role": "roles/storage.objectViewer", "members": ["allUsers"]}]),
            GcsBucketSpec("mlr-model-artifacts", ubla=False, acl_public=[("allAuthenticatedUsers", "WRITER")]),
            GcsBucketSpec("mlr-scratch", soft_delete_seconds=0),
        ],
    )


def gke_cluster(project: str, location: str, name: str, *, private_endpoint: bool = False,
                authorized: list[str] | None = None) -> dict[str, Any]:
    """A cluster as ``projects.locations.clusters.list`` answers it (v1), trimmed to the fields
    around the control plane; ``authorized`` turns master authorized networks on."""
    digest = zlib.crc32(name.encode())
    public_ip = f"34.{digest % 200 + 20}.{digest % 250}.{digest % 240 + 10}"
    item: dict[str, Any] = {
        "name": name,
        "location": location,
        "zone": location,
        "selfLink": f"https://container.googleapis.com/v1/projects/{project}/locations/{location}/clusters/{name}",
        "status": "RUNNING",
        "currentMasterVersion": "1.33.5-gke.1201000",
        "network": "default",
        "subnetwork": "default",
        "endpoint": "172.16.0.2" if private_endpoint else public_ip,
        "resourceLabels": {"team": "ml-platform"},
        "controlPlaneEndpointsConfig": {
            "dnsEndpointConfig": {"endpoint": f"gke-{digest:08x}.{location}.gke.goog", "allowExternalTraffic": False},
            "ipEndpointsConfig": {"enabled": True, "enablePublicEndpoint": not private_endpoint, "globalAccess": False,
                                  "privateEndpoint": "172.16.0.2", **({} if private_endpoint else {"publicEndpoint": public_ip})},
        },
    }
    if private_endpoint:
        item["privateClusterConfig"] = {"enablePrivateNodes": True, "enablePrivateEndpoint": True,
                                        "masterIpv4CidrBlock": "172.16.0.0/28", "privateEndpoint": "172.16.0.2"}
    if authorized is not None:
        item["masterAuthorizedNetworksConfig"] = {
            "enabled": True, "cidrBlocks": [{"displayName": f"range-{i}", "cidrBlock": c} for i, c in enumerate(authorized)]}
    return item


def _fw(project: str, name: str, ranges: list[str], allowed: list[dict[str, Any]], *, tags: list[str] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": "compute#firewall",
        "id": str(zlib.crc32(name.encode()) * 1000003),
        "name": name,
        "network": f"https://www.googleapis.com/compute/v1/projects/{project}/global/networks/default",
        "priority": 1000,
        "sourceRanges": ranges,
        "allowed": allowed,
        "direction": "INGRESS",
        "disabled": False,
        "selfLink": f"https://www.googleapis.com/compute/v1/projects/{project}/global/firewalls/{name}",
    }
    if tags:
        item["targetTags"] = tags
    return item


def _instance(project: str, zone: str, name: str, ip: str, nat: str | None, tags: list[str]) -> dict[str, Any]:
    nic: dict[str, Any] = {
        "kind": "compute#networkInterface",
        "network": f"https://www.googleapis.com/compute/v1/projects/{project}/global/networks/default",
        "networkIP": ip,
        "name": "nic0",
    }
    if nat:
        nic["accessConfigs"] = [{"kind": "compute#accessConfig", "type": "ONE_TO_ONE_NAT", "name": "External NAT", "natIP": nat, "networkTier": "PREMIUM"}]
    return {
        "kind": "compute#instance",
        "id": str(zlib.crc32(name.encode()) * 1000003),
        "name": name,
        "zone": f"https://www.googleapis.com/compute/v1/projects/{project}/zones/{zone}",
        "status": "RUNNING",
        "tags": {"items": tags, "fingerprint": "42WmSpB8rSM="},
        "networkInterfaces": [nic],
        "labels": {"team": "research"},
    }


# -- the servers -------------------------------------------------------------------------------


class FakeGcp:
    """The REST fake plus the storage emulator, seeded from ProjectSpecs."""

    def __init__(self, projects: list[ProjectSpec], *, page_size: int = 2, ssl_context: Any = None) -> None:
        self.projects = {p.project_id: p for p in projects}
        self.page_size = page_size
        self.api = LoopbackServer(ssl_context=ssl_context)  # https for the REST APIs when given
        self.storage_requests: list[Recorded] = []
        self.storage_denied_policies: set[str] = set()  # bucket names whose getIamPolicy answers 403
        self._register()

    # every request that reached either server
    @property
    def requests(self) -> list[Recorded]:
        return [*self.api.requests, *self.storage_requests]

    def endpoints(self) -> dict[str, str]:
        base = self.api.url
        return {
            "cloudresourcemanager": base,
            "iam": base,
            "compute": base,
            "notebooks": base,
            "aiplatform": base,
            "cloudkms": base,
            "accesscontextmanager": base,
            "container": base,
            "artifactregistry": base,
            "storage": self.storage_url,
        }

    def adc_file(self, path: Any) -> Any:
        """Write a service-account ADC key file (throwaway RSA key) whose token_uri is this fake.

        (An authorized_user file would not do: google-auth always sends those to Google's endpoint.)
        """
        import json

        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        path.write_text(json.dumps({
            "type": "service_account", "project_id": "ml-research-prod",
            "private_key_id": "0" * 40, "private_key": pem.decode(),
            "client_email": "auditor@ml-research-prod.iam.gserviceaccount.com", "client_id": "1",
            "token_uri": f"{self.api.url}/token",
        }))
        return path

    def _project(self, pid: str) -> ProjectSpec:
        if pid not in self.projects:
            raise NotFound
        return self.projects[pid]

    def _page(self, items: list[Any], key: str, query: Query) -> dict[str, Any]:
        size = int(query.get("pageSize") or query.get("maxResults") or self.page_size)
        page, token = paged(items, query, min(size, self.page_size))
        out: dict[str, Any] = {key: page}
        if token:
            out["nextPageToken"] = token
        return out

    def _register(self) -> None:
        r = self.api.route
        # OAuth 2.0 token endpoint for an authorized_user ADC file whose token_uri points here.
        r("POST", r"/token", lambda m, q, b: {"access_token": "ya29.loopback-test-token", "expires_in": 3600, "token_type": "Bearer"})
        r("GET", r"/v3/projects:search", lambda m, q, b: self._page(
            [{"name": f"projects/{1000 + i}", "projectId": pid, "state": "ACTIVE", "displayName": pid}
             for i, pid in enumerate(sorted(self.projects))], "projects", q))
        r("GET", r"/v3/projects/([^/:]+)", lambda m, q, b: {
            "name": f"projects/{self._project(m[1]).project_number}", "projectId": m[1], "state": "ACTIVE",
            **({"parent": self._project(m[1]).parent} if self._project(m[1]).parent else {})})
        r("GET", r"/v3/folders/([^/]+)", self._folder)
        r("GET", r"/v1/accessPolicies", lambda m, q, b: self._page(
            [{"name": name, "parent": q.get("parent"), "title": "org policy"} for p in self.projects.values()
             for name in p.access_policies if p.parent and self._org_of(p) == q.get("parent")], "accessPolicies", q))
        r("GET", r"/v1/accessPolicies/([^/]+)/servicePerimeters", lambda m, q, b: self._page(
            next((v for p in self.projects.values() for k, v in p.access_policies.items() if k == f"accessPolicies/{m[1]}"), []),
            "servicePerimeters", q))
        r("POST", r"/v3/projects/([^/]+):getIamPolicy", lambda m, q, b: copy.deepcopy(self._project(m[1]).iam_policy))
        r("GET", r"/v1/projects/([^/]+)/serviceAccounts", lambda m, q, b: self._page(self._project(m[1]).service_accounts, "accounts", q))
        r("GET", r"/v1/projects/([^/]+)/serviceAccounts/([^/]+)/keys", lambda m, q, b: {
            "keys": [k for k in self._project(m[1]).sa_keys.get(m[2], []) if q.get("keyTypes") in (None, k["keyType"])]})
        r("GET", r"/compute/v1/projects/([^/]+)/global/firewalls", lambda m, q, b: {
            "kind": "compute#firewallList", **self._page(self._project(m[1]).firewalls, "items", q)})
        r("GET", r"/compute/v1/projects/([^/]+)/aggregated/instances", self._aggregated)
        r("GET", r"/v2/projects/([^/]+)/locations/-/instances", lambda m, q, b: self._page(self._project(m[1]).workbench, "instances", q))
        r("GET", r"/v1/projects/([^/]+)/locations/([^/]+)/endpoints", lambda m, q, b: self._page(
            self._project(m[1]).endpoints.get(m[2], []), "endpoints", q))
        r("GET", r"/v1/projects/([^/]+)/locations/-/clusters", self._clusters)
        for kind, key in (("indexEndpoints", "index_endpoints"), ("indexes", "indexes"), ("repositories", "repositories"),
                          ("datasets", "datasets"), ("featureOnlineStores", "feature_online_stores"),
                          ("featurestores", "featurestores")):
            r("GET", rf"/v1/projects/([^/]+)/locations/([^/]+)/{kind}", lambda m, q, b, kind=kind, key=key: self._page(
                getattr(self._project(m[1]), key).get(m[2], []), kind, q))
        r("GET", r"/v1/(projects/([^/]+)/locations/[^/]+/repositories/[^/]+):getIamPolicy", lambda m, q, b: copy.deepcopy(
            self._project(m[2]).repository_policies.get(m[1], {"etag": "BwY="})))
        r("GET", r"/v1/projects/([^/]+)/locations", lambda m, q, b: self._page(
            [{"name": f"projects/{m[1]}/locations/{loc}", "locationId": loc} for loc in ("us", "europe-west4", "global")], "locations", q))
        r("GET", r"/v1/projects/([^/]+)/locations/([^/]+)/keyRings", lambda m, q, b: self._page(
            [{"name": ring, "createTime": "2025-06-01T00:00:00Z"} for ring in self._project(m[1]).kms.get(m[2], {})], "keyRings", q))
        r("GET", r"/v1/projects/([^/]+)/locations/([^/]+)/keyRings/([^/]+)/cryptoKeys", lambda m, q, b: self._page(
            self._project(m[1]).kms.get(m[2], {}).get(f"projects/{m[1]}/locations/{m[2]}/keyRings/{m[3]}", []), "cryptoKeys", q))

    def _clusters(self, m: Any, q: Query, b: Any) -> dict[str, Any]:
        # proto3 JSON: empty repeated fields are left out, so a project without clusters answers {}
        spec = self._project(m[1])
        out: dict[str, Any] = {"clusters": copy.deepcopy(spec.clusters)} if spec.clusters else {}
        if spec.missing_zones:
            out["missingZones"] = list(spec.missing_zones)
        return out

    def _folder(self, m: Any, q: Query, b: Any) -> dict[str, Any]:
        name = f"folders/{m[1]}"
        for p in self.projects.values():
            if name in p.folders:
                return {"name": name, "parent": p.folders[name], "displayName": "ml", "state": "ACTIVE"}
        raise NotFound

    def _org_of(self, p: ProjectSpec) -> str | None:
        parent = p.parent
        while parent and parent.startswith("folders/"):
            parent = p.folders.get(parent)
        return parent

    def _aggregated(self, m: Any, q: Query, b: Any) -> dict[str, Any]:
        zones = sorted(self._project(m[1]).instances.items())
        page, token = paged(zones, q, 1)  # one zone per page, to exercise paging
        out: dict[str, Any] = {"kind": "compute#instanceAggregatedList",
                               "items": {f"zones/{z}": {"instances": insts} for z, insts in page}}
        if not page:
            out["items"] = {"zones/us-east1-b": {"warning": {"code": "NO_RESULTS_ON_PAGE", "message": "There are no results for scope 'zones/us-east1-b' on this page."}}}
        if token:
            out["nextPageToken"] = token
        return out

    # -- storage emulator ----------------------------------------------------------------------

    def _start_storage(self) -> None:
        from gcp_storage_emulator import server as emu

        self._emu = emu.create_server("127.0.0.1", 0, in_memory=True)
        # In memory the emulator still re-serialises every bucket to its metadata file on each
        # write (quadratic for a 1,000-bucket estate); nothing reads it back, so skip it.
        self._emu._storage._write_config_to_file = lambda: None
        self._emu.start()
        self.storage_url = f"http://127.0.0.1:{self._emu._api._httpd.server_address[1]}"

    def seed_storage(self) -> None:
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        for spec in self.projects.values():
            client = storage.Client(project=spec.project_id, credentials=AnonymousCredentials(),
                                    client_options={"api_endpoint": self.storage_url})
            for b in spec.buckets:
                bucket = client.create_bucket(b.name)
                bucket.iam_configuration.uniform_bucket_level_access_enabled = b.ubla
                bucket.iam_configuration.public_access_prevention = b.pap
                bucket.versioning_enabled = b.versioning
                if b.kms:
                    bucket.default_kms_key_name = b.kms
                if b.log_bucket:
                    bucket.enable_logging(b.log_bucket)
                if b.labels:
                    bucket.labels = b.labels
                if b.soft_delete_seconds is not None:
                    bucket.soft_delete_policy.retention_duration_seconds = b.soft_delete_seconds
                bucket.patch()
                if b.acl_public:
                    for entity, role in b.acl_public:
                        target = bucket.acl.all() if entity == "allUsers" else bucket.acl.all_authenticated()
                        target.grant(role)
                    bucket.acl.save()
                if b.bindings:
                    policy = bucket.get_iam_policy(requested_policy_version=3)
                    for binding in b.bindings:
                        policy.bindings.append({"role": binding["role"], "members": set(binding["members"])})
                    bucket.set_iam_policy(policy)

    @contextlib.contextmanager
    def recording_storage(self) -> Iterator[None]:
        """Record every request the emulator serves from now on (seeding excluded)."""
        from gcp_storage_emulator import server as emu

        original = emu.Router.handle
        lock = threading.Lock()
        fake = self

        def handle(router: Any, method: str) -> Any:
            handler = router._request_handler
            path, _, _ = handler.path.partition("?")
            with lock:
                fake.storage_requests.append(Recorded(method, path, {}, handler.headers.get("Authorization")))
            return original(router, method)

        emu.Router.handle = handle
        try:
            yield
        finally:
            emu.Router.handle = original

    def _scope_bucket_list_to_project(self) -> None:
        """The emulator lists every bucket whatever ``?project=`` says; real GCS lists the project's own."""
        from gcp_storage_emulator import server as emu
        from gcp_storage_emulator.handlers import buckets as emu_buckets

        owner = {b.name: p.project_id for p in self.projects.values() for b in p.buckets}
        original, original_iam = emu_buckets.ls, emu_buckets.get_iam_policy
        fake = self

        def ls(request: Any, response: Any, storage: Any, *args: Any, **kwargs: Any) -> None:
            project = request.query.get("project", [None])[0]
            items = [b for name, b in storage.buckets.items() if project is None or owner.get(name) == project]
            response.json({"kind": "storage#buckets", "items": items})

        def get_iam_policy(request: Any, response: Any, storage: Any, *args: Any, **kwargs: Any) -> None:
            if request.params.get("bucket_name") in fake.storage_denied_policies:
                response.status = HTTPStatus.FORBIDDEN
                response.json({"error": {"code": 403, "message": "caller does not have storage.buckets.getIamPolicy access"}})
                return
            original_iam(request, response, storage, *args, **kwargs)

        swap = {original: ls, original_iam: get_iam_policy}
        self._original_handlers = emu.HANDLERS
        emu.HANDLERS = tuple(
            (rx, {m: swap.get(fn, fn) for m, fn in handlers.items()}) for rx, handlers in emu.HANDLERS
        )

    def start(self) -> FakeGcp:
        self.api.start()
        self._scope_bucket_list_to_project()
        self._start_storage()
        self.seed_storage()
        return self

    def stop(self) -> None:
        from gcp_storage_emulator import server as emu

        self.api.stop()
        self._emu.stop()
        emu.HANDLERS = self._original_handlers

    def __enter__(self) -> FakeGcp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
