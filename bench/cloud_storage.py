"""Benchmark: live-scan a local GCP project and Azure subscription of 1,000 buckets / storage
accounts each, with the real collectors, and report scan time and API calls per resource.

GCP storage is served by gcp-storage-emulator (the other GCP APIs by the loopback REST fake,
nearly empty); Azure by the loopback ARM fake over https. Both are the test suite's servers.

    .venv/bin/python bench/cloud_storage.py [--count 1000] [--workers 8]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "azure")]

from auditor.collectors.base import CollectionSink  # noqa: E402


def bench_gcp(count: int, workers: int) -> dict[str, float]:
    from gcp.fake_gcp import FakeGcp, GcsBucketSpec, ProjectSpec
    from google.auth.credentials import AnonymousCredentials

    from auditor.collectors.gcp import GcpCollector

    buckets = [
        GcsBucketSpec(f"bench-{i:04d}", pap="enforced" if i % 3 else "inherited", versioning=bool(i % 2),
                      bindings=[{"role": "roles/storage.objectViewer", "members": ["allUsers"]}] if i % 50 == 0 else [])
        for i in range(count)
    ]
    project = ProjectSpec("bench-project", iam_policy={"bindings": []}, buckets=buckets)
    t0 = time.perf_counter()
    with FakeGcp([project], page_size=500) as fake:
        seeded = time.perf_counter() - t0
        collector = GcpCollector(["bench-project"], credentials=AnonymousCredentials(), endpoints=fake.endpoints(),
                                 regions=["us-central1"], max_workers=workers)
        sink = CollectionSink()
        start = time.perf_counter()
        collector.collect(sink)
        elapsed = time.perf_counter() - start
    assert not sink.errors, sink.errors
    n_buckets = sum(1 for r in sink.resources if r.kind == "Bucket")
    storage_calls = sum(v for k, v in sink.api_calls.items() if k.startswith("storage:"))
    return {"buckets": n_buckets, "seconds": elapsed, "seed_seconds": seeded, "calls": sum(sink.api_calls.values()),
            "storage_calls": storage_calls, "calls_per_bucket": storage_calls / n_buckets}


def bench_azure(count: int, workers: int) -> dict[str, float]:
    import trustme
    from fake_arm import (
        FakeArm,
        StaticTokenCredential,
        SubscriptionSpec,
        account_json,
        blob_service_json,
        container_json,
        encryption_json,
    )

    from auditor.collectors.azure import AzureCollector

    sub = "11111111-2222-4333-8444-555555555555"
    spec = SubscriptionSpec(sub, "bench")
    for i in range(count):
        acc = account_json(sub, f"rg-{i % 20:02d}", f"bench{i:04d}", "westeurope", {
            "allowBlobPublicAccess": bool(i % 2), "minimumTlsVersion": "TLS1_2", "supportsHttpsTrafficOnly": True,
            "encryption": encryption_json(), "networkAcls": {"defaultAction": "Deny" if i % 4 else "Allow"}})
        spec.storage_accounts.append(acc)
        spec.blob_services[acc["id"]] = blob_service_json(acc["id"], bool(i % 3), True)
        spec.containers[acc["id"]] = [container_json(acc["id"], "data", "Blob" if i % 10 == 0 else "None"), container_json(acc["id"], "models", "None")]
    with FakeArm([spec], trustme.CA(), page_size=100) as fake, tempfile.TemporaryDirectory() as tmp:
        ca = fake.write_ca(Path(tmp) / "ca.pem")
        collector = AzureCollector([sub], credential=StaticTokenCredential(), resource_manager_url=fake.arm.url,
                                   ca_bundle=str(ca), max_workers=workers)
        sink = CollectionSink()
        start = time.perf_counter()
        collector.collect(sink)
        elapsed = time.perf_counter() - start
    assert not sink.errors, sink.errors[:3]
    accounts = sum(1 for r in sink.resources if r.kind == "Bucket" and getattr(r, "scope", "") == "account")
    storage_ops = ("storageAccounts.list", "blobServices.get", "blobContainers.list", "blobDiagnosticSettings.list")
    storage_calls = sum(v for k, v in sink.api_calls.items() if k.removeprefix("arm:") in storage_ops)
    return {"accounts": accounts, "containers": sum(1 for r in sink.resources if getattr(r, "scope", "") == "container"),
            "seconds": elapsed, "calls": sum(sink.api_calls.values()), "storage_calls": storage_calls,
            "calls_per_account": storage_calls / accounts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    gcp = bench_gcp(args.count, args.workers)
    print(f"GCP:   {gcp['buckets']:.0f} buckets in {gcp['seconds']:.2f} s "
          f"({gcp['buckets'] / gcp['seconds']:.0f} buckets/s); {gcp['storage_calls']:.0f} storage calls "
          f"= {gcp['calls_per_bucket']:.3f} per bucket; {gcp['calls']:.0f} calls in all (seeding took {gcp['seed_seconds']:.1f} s)")
    az = bench_azure(args.count, args.workers)
    print(f"Azure: {az['accounts']:.0f} storage accounts + {az['containers']:.0f} containers in {az['seconds']:.2f} s "
          f"({az['accounts'] / az['seconds']:.0f} accounts/s); {az['storage_calls']:.0f} storage calls "
          f"= {az['calls_per_account']:.3f} per account; {az['calls']:.0f} calls in all")


if __name__ == "__main__":
    main()
