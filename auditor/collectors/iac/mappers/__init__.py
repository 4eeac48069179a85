"""Resolved IaC resource instances into the resource kinds checks judge, per cloud and format."""

from __future__ import annotations

from collections.abc import Callable

from auditor.collectors.iac.model import IacResource
from auditor.resources import Resource

ErrorSink = Callable[[str, str, int | None, bool], None]


def map_resources(resources: list[IacResource], on_error: ErrorSink) -> list[Resource]:
    from auditor.collectors.iac.mappers.aws_cfn import AwsCloudFormation
    from auditor.collectors.iac.mappers.aws_tf import AwsTerraform
    from auditor.collectors.iac.mappers.azure_tf import AzureTerraform
    from auditor.collectors.iac.mappers.gcp_tf import GcpTerraform

    tf = [r for r in resources if r.source == "terraform"]
    cfn = [r for r in resources if r.source == "cloudformation"]
    out: list[Resource] = []
    for mapper in (AwsTerraform(tf), GcpTerraform(tf), AzureTerraform(tf), AwsCloudFormation(cfn)):
        try:
            out.extend(mapper.map())
        except Exception as exc:  # a mapper bug must not hide the other clouds' results
            on_error(f"{type(mapper).__name__} failed: {type(exc).__name__}: {exc}", "", None, True)
    return out
