"""Record the GCP and Azure demo inventories.

Runs the real GCP and Azure collectors against the local test estates (gcp-storage-emulator and
the loopback REST/ARM fakes from the test suite: an ML team's project and subscription with a mix
of hardened and misconfigured resources) and writes what they collected, in the inventory format
of ``--save-inventory``, to ``auditor/demo_data/{gcp,azure}.inventory.json``. ``auditor demo``
evaluates those files with the same engine, so the demo shows three clouds without an emulator
or a test server at run time.

    .venv/bin/python scripts/record_demo_data.py
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "azure")]

from auditor.collectors.base import CollectionSink  # noqa: E402
from auditor.result import InventoryFile, inventory_to_list  # noqa: E402

OUT = ROOT / "auditor" / "demo_data"


def _write(name: str, source: str, scope: str, sink: CollectionSink, collected: datetime) -> Path:
    if sink.errors:
        raise SystemExit(f"{source}: the recording had collection errors: {sink.errors}")
    inventory = InventoryFile(
        sources=[source], scope=scope, collected=collected,
        inventory=inventory_to_list(sorted(sink.resources, key=lambda r: (r.kind, r.ref.id))),
        collection_errors=[], api_calls=dict(sorted(sink.api_calls.items())),
    )
    path = OUT / name
    path.write_text(inventory.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


def record_gcp() -> Path:
    from gcp.fake_gcp import FakeGcp, ml_team_project
    from google.auth.credentials import AnonymousCredentials

    from auditor.collectors.gcp import GcpCollector

    with FakeGcp([ml_team_project("acme-ml-research")], page_size=50) as fake:
        collector = GcpCollector(["acme-ml-research"], credentials=AnonymousCredentials(), endpoints=fake.endpoints(), regions=["us-central1"])
        sink = CollectionSink()
        started = datetime.now(UTC).replace(microsecond=0)
        collector.collect(sink)
    return _write("gcp.inventory.json", "gcp", collector.scope(), sink, started)


def record_azure() -> Path:
    import trustme
    from fake_arm import FakeArm, StaticTokenCredential, ml_team_subscription

    from auditor.collectors.azure import AzureCollector

    with FakeArm([ml_team_subscription()], trustme.CA(), page_size=50) as fake, tempfile.TemporaryDirectory() as tmp:
        ca = fake.write_ca(Path(tmp) / "ca.pem")
        sub = next(iter(fake.subs))
        collector = AzureCollector([sub], credential=StaticTokenCredential(), resource_manager_url=fake.arm.url, ca_bundle=str(ca))
        sink = CollectionSink()
        started = datetime.now(UTC).replace(microsecond=0)
        collector.collect(sink)
    return _write("azure.inventory.json", "azure", collector.scope(), sink, started)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for path in (record_gcp(), record_azure()):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
