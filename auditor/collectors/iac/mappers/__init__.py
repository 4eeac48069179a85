"""Resolved IaC resource instances into the resource kinds checks judge, per cloud and format."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from auditor.collectors.iac.model import IacResource
from auditor.resources import Resource

ErrorSink = Callable[[str, str, int | None, bool], None]


def map_resources(resources: list[IacResource], on_error: ErrorSink, own_accounts: Sequence[str] = ()) -> list[Resource]:
    """``own_accounts``: AWS account ids of the organisation, never "foreign" in trust policies."""
    from auditor.collectors.iac.mappers.aws_cfn import AwsCloudFormation
    from auditor.collectors.iac.mappers.aws_tf import AwsTerraform
    from auditor.collectors.iac.mappers.azure_tf import AzureTerraform
    from auditor.collectors.iac.mappers.gcp_tf import GcpTerraform

    tf = [r for r in resources if r.source == "terraform"]
    cfn = [r for r in resources if r.source == "cloudformation"]
    out: list[Resource] = []
    for mapper in (AwsTerraform(tf, own_accounts), GcpTerraform(tf), AzureTerraform(tf), AwsCloudFormation(cfn, own_accounts)):
        for step in mapper.steps():
            try:
                out.extend(step())
            except Exception as exc:  # one resource family failing must not hide the others
                on_error(
                    f"mapping {type(mapper).__name__}.{getattr(step, '__name__', 'step')} failed: {type(exc).__name__}: {exc}",
                    "", None, True,
                )
    return out
