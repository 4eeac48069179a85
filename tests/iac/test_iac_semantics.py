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
