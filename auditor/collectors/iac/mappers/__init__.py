"""Resolved IaC resource instances into the resource kinds checks judge, per cloud and format."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from auditor.collectors.iac.model import IacResource
from auditor.resources import Resource

ErrorSink = Callable[[str, str, int | None, bool], None]


def map_resources(resources: list[IacResource], on_error: ErrorSink, own_accounts: Sequence[str] = ()) -> list[Resource]:
    """``own_accounts``: AWS account ids of the organisation, never "foreign" in trust policies."""
    from auditor.collectors.iac.mappers.aws_cfn import AwsCloudFormation
    from auditor.collectors.iac.mappers.aws_tf import AwsTerraform
    from auditor.collectors.iac.mappers.azure_tf import AzureTerraform
    from auditor.collectors.iac.mappers.clusters import KubernetesIac
    from auditor.collectors.iac.mappers.gcp_tf import GcpTerraform
    from auditor.collectors.iac.mappers.genai_cfn import GenAICloudFormation
    from auditor.collectors.iac.mappers.genai_tf import GenAITerraform

    # Each scope (a Terraform root module, a template, a plan) is mapped on its own: account-level
    # settings and joins by name never reach into another root module.
    scopes: dict[str, list[IacResource]] = {}
    for res in resources:
        scopes.setdefault(res.scope, []).append(res)
    out: list[Resource] = []
    for scope, members in scopes.items():
        tf = [r for r in members if r.source == "terraform"]
        cfn = [r for r in members if r.source == "cloudformation"]
        mappers: list[Any] = (
            [AwsTerraform(tf, own_accounts), GcpTerraform(tf), AzureTerraform(tf), GenAITerraform(tf)] if tf else []
        )
        if cfn:
            mappers.append(AwsCloudFormation(cfn, own_accounts))
            mappers.append(GenAICloudFormation(cfn))
        if tf or cfn:
            mappers.append(KubernetesIac(members))
        where = scope.split(":", 1)[-1]
        for mapper in mappers:
            for step in mapper.steps():
                try:
                    out.extend(step())
                except Exception as exc:  # one resource family failing must not hide the others
                    on_error(
                        f"{where}: mapping {type(mapper).__name__}.{getattr(step, '__name__', 'step')} failed: "
                        f"{type(exc).__name__}: {exc}",
                        where, None, True,
                    )
    return out
