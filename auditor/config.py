"""``auditor.yaml``: schema, loading and suppressions.

Validated on load with pydantic; unknown keys are errors (a typo must not silently disable a
suppression). Errors name the file, the key path and, where YAML gives it, the line.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from auditor.findings import Severity, Suppression


class ConfigError(Exception):
    """A usage or configuration error: exit code 2."""


class SettingError(ConfigError):
    """One setting of a source that is well formed but cannot be used (a path that does not
    exist, a target that does not parse). ``key`` is the setting's name in ``sources.<source>``;
    whoever reports it names it as the user wrote it (a key of auditor.yaml or a flag)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


# How a source's setting is named in an error: (source, key path) -> the user's spelling.
SettingNamer = Callable[[str, str], str]


def config_key(source: str, key: str) -> str:
    """The name of a setting in auditor.yaml: ``sources.aws.regions``."""
    return f"sources.{source}.{key}" if key else f"sources.{source}"


def split_multi(values: Iterable[str] | None) -> list[str]:
    """Multi-valued settings accept both repetition and commas: ``--regions a,b --regions c``."""
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SuppressionRule(Strict):
    check: str = Field(description="check id, or a prefix ending in '*'")
    resource: str = Field(default="*", description="glob matched against the resource id and name")
    reason: str
    expires: date | None = None

    @field_validator("reason")
    @classmethod
    def _reason_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a suppression needs a reason")
        return value

    def matches(self, check_id: str, resource_id: str, resource_name: str) -> bool:
        check_ok = self.check == check_id or (self.check.endswith("*") and check_id.startswith(self.check[:-1]))
        if not check_ok:
            return False
        return fnmatch.fnmatchcase(resource_id, self.resource) or fnmatch.fnmatchcase(resource_name, self.resource)

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today

    def as_suppression(self, source: str = "config") -> Suppression:
        return Suppression(
            check=self.check, resource=self.resource, reason=self.reason, expires=self.expires, source=source
        )


class ChecksConfig(Strict):
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict, description="check id -> severity override")
    options: dict[str, dict[str, Any]] = Field(default_factory=dict, description="check id -> options")
    dirs: list[str] = Field(default_factory=list, description="extra folders of user checks")


def _str_list(value: Any) -> Any:
    """A setting that takes one value or a list: a lone string (or number) becomes a list."""
    if value is None:
        return []
    if isinstance(value, str | int | float):
        return [str(value)]
    if isinstance(value, list):
        return [str(v) if isinstance(v, int | float) else v for v in value]
    return value


StrList = Annotated[list[str], BeforeValidator(_str_list)]


def _comma_list(value: Any) -> Any:
    """A list setting whose values may also be joined by commas (``regions: us-east-1, eu-west-1``)."""
    value = _str_list(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return split_multi(value)
    return value


CommaList = Annotated[list[str], BeforeValidator(_comma_list)]


def _service_urls(value: Any) -> Any:
    """``sources.gcp.endpoints``: a mapping, or ``service=URL`` strings, -> {service: URL}."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        value = [f"{k}={v}" for k, v in value.items()]
    out: dict[str, str] = {}
    for item in _str_list(value):
        service, sep, url = str(item).partition("=")
        if not sep or not service.strip() or not url.strip():
            raise ValueError(f"expected service=URL, got {item!r}")
        if not url.strip().startswith(("http://", "https://")):
            raise ValueError(f"{service.strip()} URL must start with http:// or https://, got {url.strip()!r}")
        out[service.strip()] = url.strip()
    return out


ServiceUrls = Annotated[dict[str, str], BeforeValidator(_service_urls)]


def parse_size(value: str | int) -> int:
    """``500M``, ``2G`` or a number of bytes."""
    if isinstance(value, int):
        return value
    text = value.strip().upper()
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    try:
        if text[-1:] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise ValueError(f"expected a size such as 500M or 2G, got {value!r}") from None


def _size(value: str | int | None) -> str | int | None:
    if value is not None:
        parse_size(value)
    return value


_ACCOUNT_ID = r"^[0-9]{12}$"


class OrganizationConfig(Strict):
    """A whole AWS Organization: accounts listed through the management account, then a named
    read-only role assumed in each (with an external id)."""

    management_profile: str | None = Field(
        default=None, description="profile of the management (or delegated administrator) account"
    )
    role_name: str = Field(description="read-only role to assume in every member account")
    external_id: str | None = Field(default=None, description="sts:ExternalId the role's trust policy requires")
    include: list[str] = Field(default_factory=list, description="only these account ids (globs allowed)")
    exclude: list[str] = Field(default_factory=list, description="skip these account ids (globs allowed)")
    include_management: bool = Field(default=True, description="also scan the management account itself")
    session_name: str = "auditor"


class AwsAccountConfig(Strict):
    """One AWS account: through its own profile, or by assuming a role from the base profile."""

    id: str = Field(pattern=_ACCOUNT_ID)
    profile: str | None = None
    role_name: str | None = Field(default=None, description="role to assume (default: aws.role_name)")
    role_arn: str | None = Field(default=None, description="full role ARN, instead of role_name")
    external_id: str | None = None
    regions: list[str] | None = Field(default=None, description="override aws.regions for this account")


class AwsSourceConfig(Strict):
    """``sources.aws``: one account (``profile``), a list of ``accounts``, or an ``organization``."""

    profile: str | None = None
    regions: CommaList = Field(default_factory=list, description="empty: every enabled region")
    endpoint_url: str | None = Field(default=None, description="for tests and emulators only")
    role_name: str | None = Field(default=None, description="default role for entries of accounts")
    external_id: str | None = None
    accounts: list[AwsAccountConfig] = Field(default_factory=list)
    organization: OrganizationConfig | None = None
    # the SDK client limits of docs/limits.md (single-account scans; account lists and
    # organizations use the defaults)
    connect_timeout: float | None = Field(default=None, gt=0, description="seconds to connect to a cloud API")
    read_timeout: float | None = Field(default=None, gt=0, description="seconds to wait for each answer")
    max_attempts: int | None = Field(default=None, ge=1, description="attempts per API call, the first included")


def _alias(*names: str) -> Any:
    return Field(default_factory=list, validation_alias=AliasChoices(*names))


class SourceSection(Strict):
    """A source's section of auditor.yaml. Its keys are the names of that source's command-line
    options (``--own-account`` is ``own_accounts``), so a flag and a key are validated alike."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SdkLimitsSection(SourceSection):
    connect_timeout: float | None = Field(default=None, gt=0, description="seconds to connect to a cloud API")
    read_timeout: float | None = Field(default=None, gt=0, description="seconds to wait for each answer")
    max_attempts: int | None = Field(default=None, ge=1, description="attempts per API call, the first included")


class GcpSourceConfig(SdkLimitsSection):
    """``sources.gcp``: projects (default: every project the credentials see)."""

    projects: CommaList = _alias("projects", "project")
    endpoints: ServiceUrls | None = Field(
        default=None, validation_alias=AliasChoices("endpoints", "endpoint"),
        description="service -> URL overrides (a mapping, or service=URL strings)",
    )
    ca_bundle: str | None = None
    regions: CommaList = _alias("regions", "region")


class AzureSourceConfig(SdkLimitsSection):
    """``sources.azure``: subscriptions (default: every subscription visible)."""

    subscriptions: CommaList = _alias("subscriptions", "subscription")
    cloud: Literal["public", "usgov", "china"] = "public"
    resource_manager_url: str | None = None
    ca_bundle: str | None = None


class IacSourceConfig(SourceSection):
    """``sources.iac``: Terraform and CloudFormation roots."""

    paths: StrList = _alias("paths", "path")
    var_files: StrList = _alias("var_files", "var_file")
    root: str | None = None
    own_accounts: CommaList = _alias("own_accounts", "own_account")
    skip_paths: StrList = _alias("skip_paths", "skip_path")
    max_file_size: float | None = Field(default=None, gt=0, description="MiB")

    @model_validator(mode="after")
    def _has_paths(self) -> IacSourceConfig:
        if not self.paths:
            raise ValueError("'paths' is required")
        return self


class EndpointsSourceConfig(SourceSection):
    """``sources.endpoints``: URLs, host:port, hosts or CIDR ranges to probe (GET and HEAD only)."""

    targets: CommaList = Field(default_factory=list)
    targets_file: str | None = None
    max_hosts: int | None = Field(default=None, ge=1)
    concurrency: int | None = Field(default=None, ge=1)
    per_host: int | None = Field(default=None, ge=1)
    timeout: float | None = Field(default=None, gt=0)
    ca_bundle: str | None = None
    host_header: str | None = None
    read_timeout: float | None = Field(default=None, gt=0)
    target_timeout: float | None = Field(default=None, gt=0)
    max_body: int | None = Field(default=None, gt=0)
    max_decompression_ratio: float | None = Field(default=None, gt=0)


class FilesSourceConfig(SourceSection):
    """``sources.files``: model files, notebooks, dependency and lineage manifests."""

    paths: StrList = Field(default_factory=list)
    root: str | None = None
    advisories: StrList = Field(default_factory=list)
    max_file_size: Annotated[str | int | None, AfterValidator(_size)] = Field(default=None, description="e.g. 500M or 2G")
    no_hash: bool = False
    trusted_keys: StrList = Field(default_factory=list)
    workers: int | None = Field(default=None, ge=1)
    max_archive_depth: int | None = Field(default=None, ge=1, description="archives nested deeper are not read")
    max_archive_members: int | None = Field(default=None, ge=1, description="members of one zip read at most")
    max_compression_ratio: int | None = Field(
        default=None, ge=1, description="a member is read up to this many times its compressed size"
    )


class K8sSourceConfig(SdkLimitsSection):
    """``sources.k8s``: kubeconfig contexts (default: the current one)."""

    contexts: CommaList = _alias("contexts", "context")
    namespaces: CommaList = _alias("namespaces", "namespace")
    kubeconfig: str | None = None
    page_size: int | None = Field(default=None, ge=1, le=5000)


class SourcesConfig(Strict):
    """What to scan: one typed section per source, validated on load with file and line."""

    aws: AwsSourceConfig | None = None
    gcp: GcpSourceConfig | None = None
    azure: AzureSourceConfig | None = None
    iac: IacSourceConfig | None = None
    endpoints: EndpointsSourceConfig | None = None
    files: FilesSourceConfig | None = None
    k8s: K8sSourceConfig | None = None

    def configured(self) -> list[str]:
        return [name for name in type(self).model_fields if getattr(self, name) is not None]


def source_config(source: str, settings: Mapping[str, Any], name_of: SettingNamer = config_key) -> SourcesConfig:
    """``sources`` holding one source's settings (command-line values or a mapping), validated as
    auditor.yaml's section is; each error names its setting through ``name_of``."""
    try:
        return SourcesConfig.model_validate({source: dict(settings)})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = name_of(source, ".".join(str(p) for p in err["loc"][1:]))
            lines.append(f"{where}: {err['msg']}" if where else err["msg"])
        raise ConfigError("\n  ".join(lines)) from None


class ConcurrencyConfig(Strict):
    accounts: int = Field(default=8, ge=1, le=256, description="accounts/projects/sources scanned at once")
    per_account: int = Field(default=16, ge=1, le=256, description="regions x services in flight per account")


def _rate_or_off(value: Any) -> Any:
    """``off`` (YAML reads it as false), ``false`` or 0: no throttle."""
    if value is False or (isinstance(value, str) and value.strip().lower() in ("off", "false", "none")):
        return 0
    return value


class ThrottleConfig(Strict):
    """``distributed.throttle``: API requests per account, project or subscription, shared by every
    thread and worker that scans it (through the broker's Redis when there is one)."""

    requests_per_second: Annotated[float, BeforeValidator(_rate_or_off)] = Field(
        default=20, ge=0, description="per account, project or subscription; 0 or off: no limit"
    )
    burst: int | None = Field(default=None, ge=1, description="requests sent at once before the rate applies [2 s worth]")
    cooldown: float = Field(
        default=10, gt=0, description="seconds at half rate after the cloud throttled, then as long to recover"
    )


class DistributedConfig(Strict):
    """``auditor worker`` and ``scan --distributed``: Celery over Redis or Valkey, the store shared."""

    broker: str | None = Field(default=None, description="redis:// or valkey URL (AUDITOR_BROKER_URL overrides)")
    visibility_timeout: int = Field(
        default=7200, ge=10, description="seconds before an unacknowledged task is redelivered: above the longest scan"
    )
    max_tasks_per_child: int = Field(default=20, ge=1, description="recycle a worker process after this many targets")
    concurrency: int = Field(default=2, ge=1, le=256, description="targets one worker scans at once")
    throttle: ThrottleConfig = Field(default_factory=ThrottleConfig)


class NotifyTarget(Strict):
    """Where to send the diff after a scan: a summary file or a Slack-compatible webhook."""

    file: str | None = None
    webhook: str | None = None
    format: Literal["md", "json"] | None = Field(default=None, description="for files; default from the extension")

    @model_validator(mode="after")
    def _one_target(self) -> NotifyTarget:
        if (self.file is None) == (self.webhook is None):
            raise ValueError("give exactly one of file or webhook")
        if self.webhook is not None and not self.webhook.startswith(("http://", "https://")):
            raise ValueError("webhook must be an http:// or https:// URL")
        return self


class OutputsConfig(Strict):
    formats: list[str] = Field(default_factory=list, description="html, json, sarif, junit, csv, md")
    output_dir: str | None = None
    fail_on: str | None = Field(default=None, description="critical|high|medium|low|info|none")
    fail_on_new: bool | None = Field(
        default=None, description="exit 1 only on failures absent from the previous stored scan of the scope"
    )
    allow_partial: bool | None = None
    notify: list[NotifyTarget] = Field(default_factory=list)


class AuditorConfig(Strict):
    """The whole configuration file. Sections for sources are added by their features."""

    version: int = Field(default=1, description="format of this file; this auditor reads version 1")
    checks: ChecksConfig = Field(default_factory=ChecksConfig)
    suppressions: list[SuppressionRule] = Field(default_factory=list)
    frameworks: list[str] | None = None
    framework_scopes: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="framework id -> scope (tags, accounts, projects, subscriptions)"
    )
    name: str | None = Field(default=None, description="scope name of an estate scan, for history and diff")
    sources: SourcesConfig = Field(default_factory=SourcesConfig)
    outputs: OutputsConfig = Field(default_factory=OutputsConfig)
    store: str | None = Field(default=None, description="scan history: SQLite path or database URL")
    concurrency: ConcurrencyConfig = Field(default_factory=ConcurrencyConfig)
    distributed: DistributedConfig = Field(default_factory=DistributedConfig)

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != 1:
            raise ValueError(f"version {value} is not a config format this auditor reads (it reads version 1)")
        return value

    def digest(self) -> str:
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


class _ConfigLoader(yaml.SafeLoader):
    """SafeLoader whose impossible dates (``2099-13-45``) are YAML errors with a line, not a crash."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[arg-type]
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid date ({exc})", node.start_mark
            ) from None


_ConfigLoader.add_constructor("tag:yaml.org,2002:timestamp", _ConfigLoader.construct_yaml_timestamp)


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of a pydantic error location in the YAML text."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(key):
                    line, node = int(k.start_mark.line) + 1, v
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = int(node.start_mark.line) + 1
        else:
            break
    return line


def load_config(path: str | Path | None) -> AuditorConfig:
    if path is None:
        return AuditorConfig()
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read config: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{file}:{bad_line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None
    try:
        data = yaml.load(text, Loader=_ConfigLoader) or {}  # a SafeLoader subclass: no Python tags
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            problem = getattr(exc, "problem", None) or str(exc)
            raise ConfigError(f"{file}:{mark.line + 1}: invalid YAML: {problem}") from None
        raise ConfigError(f"{file}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: the top level must be a mapping")
    try:
        return AuditorConfig.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc) or "(top level)"
            line = _line_of(text, loc)
            at = f"{file}:{line}" if line else str(file)
            lines.append(f"{at}: {where}: {err['msg']}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from exc


STARTER_CONFIG = """\
# auditor.yaml: the whole estate in one file. Run it with:  auditor scan --config auditor.yaml
# Every key is optional; unknown keys are errors, so a typo never silently does nothing.
version: 1

# Name of this estate in the scan history (auditor history / auditor diff compare scans by it).
name: production

sources:
  aws:
    # One account through a profile (the SDK's credential chain: profiles, SSO, environment) ...
    profile: security-audit
    regions: [us-east-1, eu-west-1]          # empty or absent: every enabled region
    # ... or a list of accounts, each through its own profile or by assuming a role:
    # role_name: AuditorReadOnly
    # external_id: change-me
    # accounts:
    #   - id: "111111111111"
    #   - id: "222222222222"
    #     profile: other-account
    # ... or a whole AWS Organization, listed through the management account:
    # organization:
    #   management_profile: org-management
    #   role_name: AuditorReadOnly             # the read-only role in every member account
    #   external_id: change-me
    #   include: []                            # only these account ids (globs allowed)
    #   exclude: ["999999999999"]
  # gcp:
  #   project: [ml-prod, ml-dev]
  # azure:
  #   subscription: [00000000-0000-0000-0000-000000000000]
  # iac:
  #   paths: [infra/]
  # endpoints:
  #   targets: [https://mlflow.internal.example:5000]
  # files:
  #   paths: [models/, notebooks/]

# Compliance frameworks to map findings to (default: all).
frameworks: [gdpr, hipaa, ccpa]

checks:
  severity: {}                               # check id -> critical|high|medium|low|info
  #   notebook_root_access: medium
  exclude: []

suppressions: []
#  - check: bucket_public_read
#    resource: "arn:aws:s3:::public-website-*"
#    reason: public website assets, reviewed by security
#    expires: 2027-06-30                      # after this date it stops suppressing

concurrency:
  accounts: 8                                # accounts/projects scanned at once
  per_account: 16                            # regions x services in flight per account

# Scan history (new/resolved findings, trends): an SQLite file or a PostgreSQL URL.
# Default: a file in your user data directory. The AUDITOR_STORE variable overrides this.
# store: postgresql://auditor@db.internal/auditor

outputs:
  formats: [html, json]
  output_dir: auditor-reports
  fail_on: high                              # exit 1 on a new unsuppressed failure at or above
  fail_on_new: true                          # "new": absent from the previous stored scan of this estate
  notify: []
  #  - file: auditor-changes.md              # Markdown (or .json) summary of what changed
  #  - webhook: https://hooks.slack.com/services/...   # Slack-compatible POST
"""


def write_starter(path: str | Path) -> Path:
    """Write the commented starter file; never overwrites."""
    file = Path(path)
    try:
        with file.open("x", encoding="utf-8") as handle:
            handle.write(STARTER_CONFIG)
    except FileExistsError:
        raise ConfigError(f"{file} already exists; not overwriting it") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot write: {exc.strerror or exc}") from exc
    return file
