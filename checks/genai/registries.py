"""Container registries serving model images."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import RegistryRepository


@check(
    id="ml_registry_public",
    severity=Severity.HIGH,
    title="Container or model registry is public",
    description="An ECR repository policy, an Azure container registry (anonymous pull or public network "
    "access), an Artifact Registry repository (allUsers / allAuthenticatedUsers binding) or a SageMaker "
    "model package group policy lets anyone pull, or push, the images or models that are served. Other "
    "accounts named in a repository policy are shown as evidence.",
    remediation="AWS: remove Principal '*' statements from the ECR repository or model package group "
    "policy. Azure: disable "
    "anonymous pull and public network access on the registry. GCP: remove allUsers and "
    "allAuthenticatedUsers from the repository's IAM policy.",
    references=(
        "https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html",
        "https://learn.microsoft.com/en-us/azure/container-registry/anonymous-pull-access",
        "https://cloud.google.com/artifact-registry/docs/access-control",
    ),
)
def ml_registry_public(repo: RegistryRepository) -> Result:
    if repo.public is None:
        return unknown("access policy could not be read", foreign_accounts=repo.foreign_accounts)
    what = "model registry" if repo.registry_type == "model" else "repository"
    if repo.public:
        return fail(f"{what} is public" + (f" ({repo.public_via})" if repo.public_via else ""),
                    public_via=repo.public_via)
    return passed(f"{what} is not public", foreign_accounts=repo.foreign_accounts or [])


@check(
    id="ml_registry_scan_on_push_off",
    severity=Severity.MEDIUM,
    title="Container registry repository does not scan images on push",
    description="Images pushed to an ECR repository are not scanned for vulnerabilities on push (neither "
    "the repository setting nor an account registry scanning rule covers it), so a serving image with "
    "known CVEs enters production unnoticed.",
    remediation="AWS: set imageScanningConfiguration.scanOnPush=true, or an enhanced-scanning rule in the "
    "registry scanning configuration. Azure: enable Defender for Containers. GCP: enable the Container "
    "Scanning API.",
    references=("https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html",),
    clouds=("aws",),
)
def ml_registry_scan_on_push_off(repo: RegistryRepository) -> Result | None:
    if repo.registry_type != "container":
        return None  # model registries hold model packages, not images to scan
    if repo.scan_on_push is None:
        return unknown("image scanning configuration could not be read")
    if not repo.scan_on_push:
        return fail("images are not scanned on push")
    return passed("images are scanned on push")
