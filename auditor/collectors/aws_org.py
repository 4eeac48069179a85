"""Many AWS accounts in one scan: a list of accounts, or a whole AWS Organization.

Accounts of an organization are listed through the management account (read-only
``organizations:ListAccounts``); in each member account a named read-only role is assumed via
STS (with the external id its trust policy requires), and one ``AwsCollector`` runs with that
session. Accounts are scanned side by side within a user-set limit. An account that cannot be
reached (role cannot be assumed, profile missing, collector failure) is a recorded, scan-
incomplete collection error for that account; the others go on.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from auditor.collectors.base import CollectionError, CollectionSink, Collector
from auditor.collectors.sdk_limits import DEFAULT_LIMITS
from auditor.config import AwsAccountConfig, AwsSourceConfig, ConfigError, OrganizationConfig, SettingError

if TYPE_CHECKING:
    import boto3

SOURCE = "aws"
GLOBAL_REGION = "us-east-1"  # Organizations and the global STS endpoint answer here

# Builds the per-account collector from an authenticated session; the default is AwsCollector.
CollectorFactory = Callable[["boto3.Session", list[str] | None, str | None, int], Collector]


def _boto3() -> Any:
    try:
        import boto3
    except ImportError as exc:
        raise ConfigError("the aws extra is not installed: pip install 'ml-posture-auditor[aws]'") from exc
    return boto3


def aws_collector(session: boto3.Session, regions: list[str] | None, endpoint_url: str | None, workers: int) -> Collector:
    try:
        from auditor.collectors.aws import AwsCollector  # type: ignore[attr-defined,unused-ignore]
    except ImportError as exc:
        raise ConfigError(f"the AWS collector is not available: {exc}") from exc
    collector: Collector = AwsCollector(session, regions=regions or None, endpoint_url=endpoint_url, max_workers=workers)
    return collector


@dataclass(frozen=True)
class AccountTarget:
    """How to reach one account: a profile, or a role assumed from a base session."""

    account: str
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    regions: tuple[str, ...] | None = None
    base_profile: str | None = None
    session_name: str = "auditor"
    use_base_session: bool = False  # the management account itself: no role to assume


def session_for(target: AccountTarget, sink: CollectionSink, endpoint_url: str | None) -> boto3.Session:
    """An authenticated session in the target account (raises what boto3 raises)."""
    from auditor.collectors.throttle_hooks import attach_boto3, attach_caller, aws_key

    boto3 = _boto3()
    if target.role_arn is None or target.use_base_session:
        own = boto3.Session(profile_name=target.profile or target.base_profile)
        attach_boto3(own, aws_key(target.account))
        return own
    base = boto3.Session(profile_name=target.profile or target.base_profile)
    attach_caller(base, endpoint_url)  # AssumeRole counts against the caller's account, shared by every task
    sts = base.client("sts", region_name=base.region_name or GLOBAL_REGION, endpoint_url=endpoint_url, config=DEFAULT_LIMITS.botocore_config())
    params: dict[str, Any] = {"RoleArn": target.role_arn, "RoleSessionName": target.session_name}
    if target.external_id:
        params["ExternalId"] = target.external_id
    sink.call("sts:AssumeRole")
    creds = sts.assume_role(**params)["Credentials"]
    member = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=base.region_name or GLOBAL_REGION,
    )
    attach_boto3(member, aws_key(target.account))
    return member


def _describe(exc: BaseException) -> str:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code") if hasattr(exc, "response") else None
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{code or type(exc).__name__}: {text}" if text else (code or type(exc).__name__)


class AccountCollector:
    """One account of a multi-account scan: reach it, then run the AWS collector inside it."""

    name: ClassVar[str] = SOURCE

    def __init__(
        self,
        target: AccountTarget,
        *,
        regions: list[str] | None,
        endpoint_url: str | None,
        max_workers: int,
        factory: CollectorFactory = aws_collector,
    ) -> None:
        self.target = target
        self.regions = list(target.regions) if target.regions else regions
        self.endpoint_url = endpoint_url
        self.max_workers = max_workers
        self.factory = factory

    def scope(self) -> str:
        return f"aws-{self.target.account}"

    def _fail(self, sink: CollectionSink, what: str, exc: BaseException) -> None:
        sink.error(
            CollectionError(
                source=SOURCE, account=self.target.account, operation="sts:AssumeRole" if what == "reach" else None,
                message=(
                    f"account {self.target.account} could not be {'reached' if what == 'reach' else 'scanned'}"
                    f"{' with role ' + self.target.role_arn if self.target.role_arn and what == 'reach' else ''}: "
                    f"{_describe(exc)}; the other accounts were scanned"
                ),
                incomplete=True,
            )
        )

    def collect(self, sink: CollectionSink) -> None:
        try:
            session = session_for(self.target, sink, self.endpoint_url)
            collector = self.factory(session, self.regions, self.endpoint_url, self.max_workers)
        except ConfigError:
            raise
        except Exception as exc:  # any SDK failure to reach the account is recorded, never fatal
            self._fail(sink, "reach", exc)
            return
        sink.progress(f"aws {self.target.account}: collecting")
        try:
            collector.collect(sink)
        except Exception as exc:
            self._fail(sink, "scan", exc)


def _wanted(account: str, include: list[str], exclude: list[str]) -> bool:
    if include and not any(fnmatch.fnmatchcase(account, p) for p in include):
        return False
    return not any(fnmatch.fnmatchcase(account, p) for p in exclude)


def list_organization_accounts(
    org: OrganizationConfig, sink: CollectionSink, endpoint_url: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """(management account id, active member accounts) through the management account."""
    from auditor.collectors.throttle_hooks import attach_caller

    boto3 = _boto3()
    session = boto3.Session(profile_name=org.management_profile)
    attach_caller(session, endpoint_url)  # the management account's budget
    sts = session.client("sts", region_name=GLOBAL_REGION, endpoint_url=endpoint_url, config=DEFAULT_LIMITS.botocore_config())
    sink.call("sts:GetCallerIdentity")
    me = sts.get_caller_identity()["Account"]
    client = session.client("organizations", region_name=GLOBAL_REGION, endpoint_url=endpoint_url, config=DEFAULT_LIMITS.botocore_config())
    accounts: list[dict[str, Any]] = []
    for page in client.get_paginator("list_accounts").paginate():
        sink.call("organizations:ListAccounts")
        accounts.extend(page.get("Accounts", []))
    return me, accounts


class OrganizationCollector:
    """A whole AWS Organization: list its accounts, then scan each through an assumed role."""

    name: ClassVar[str] = SOURCE

    def __init__(
        self,
        org: OrganizationConfig,
        *,
        regions: list[str] | None = None,
        endpoint_url: str | None = None,
        max_accounts: int = 8,
        max_workers: int = 16,
        factory: CollectorFactory = aws_collector,
    ) -> None:
        self.org = org
        self.regions = regions
        self.endpoint_url = endpoint_url
        self.max_accounts = max_accounts
        self.max_workers = max_workers
        self.factory = factory
        self.accounts_scanned: list[str] = []
        self._lock = threading.Lock()

    def scope(self) -> str:
        return f"aws-org-{self.org.management_profile or 'default'}"

    def targets(self, sink: CollectionSink) -> list[AccountTarget]:
        try:
            management, accounts = list_organization_accounts(self.org, sink, self.endpoint_url)
        except Exception as exc:
            sink.error(
                CollectionError(
                    source=SOURCE, operation="organizations:ListAccounts",
                    message=f"the organization's accounts could not be listed: {_describe(exc)}",
                    incomplete=True,
                )
            )
            return []
        targets: list[AccountTarget] = []
        for acct in sorted(accounts, key=lambda a: a["Id"]):
            account = acct["Id"]
            if not _wanted(account, self.org.include, self.org.exclude):
                continue
            if account == management and not self.org.include_management:
                continue
            status = acct.get("Status", "ACTIVE")
            if status != "ACTIVE":
                sink.error(
                    CollectionError(
                        source=SOURCE, account=account,
                        message=f"account {account} is {status} in the organization; not scanned",
                    )
                )
                continue
            targets.append(
                AccountTarget(
                    account=account,
                    role_arn=f"arn:aws:iam::{account}:role/{self.org.role_name}",
                    external_id=self.org.external_id,
                    base_profile=self.org.management_profile,
                    session_name=self.org.session_name,
                    use_base_session=account == management,
                )
            )
        return targets

    def collect(self, sink: CollectionSink) -> None:
        targets = self.targets(sink)
        sink.progress(f"aws organization: {len(targets)} accounts to scan")
        run_accounts(
            [
                AccountCollector(
                    t, regions=self.regions, endpoint_url=self.endpoint_url,
                    max_workers=self.max_workers, factory=self.factory,
                )
                for t in targets
            ],
            sink,
            self.max_accounts,
        )
        with self._lock:
            self.accounts_scanned = [t.account for t in targets]


def run_accounts(collectors: list[AccountCollector], sink: CollectionSink, max_accounts: int) -> None:
    """Scan accounts side by side, at most ``max_accounts`` at once; each records its own errors."""
    if not collectors:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(max_accounts, len(collectors))), thread_name_prefix="account") as pool:
        for future in [pool.submit(c.collect, sink) for c in collectors]:
            future.result()


class AccountListCollector:
    """``sources.aws.accounts``: an explicit list of accounts, each by profile or assumed role."""

    name: ClassVar[str] = SOURCE

    def __init__(self, collectors: list[AccountCollector], max_accounts: int) -> None:
        self.collectors = collectors
        self.max_accounts = max_accounts

    def scope(self) -> str:
        return "aws-" + "+".join(c.target.account for c in self.collectors)

    def collect(self, sink: CollectionSink) -> None:
        run_accounts(self.collectors, sink, self.max_accounts)


def account_target(entry: AwsAccountConfig, aws: AwsSourceConfig) -> AccountTarget:
    role_name = entry.role_name or aws.role_name
    role_arn = entry.role_arn or (f"arn:aws:iam::{entry.id}:role/{role_name}" if role_name else None)
    if role_arn is None and entry.profile is None:
        raise ConfigError(
            f"sources.aws.accounts: account {entry.id} needs a profile, a role_name or a role_arn "
            "(or set sources.aws.role_name for all accounts)"
        )
    return AccountTarget(
        account=entry.id,
        profile=entry.profile,
        role_arn=role_arn,
        external_id=entry.external_id or aws.external_id,
        regions=tuple(entry.regions) if entry.regions else None,
        base_profile=aws.profile,
    )


def check_regions(regions: list[str]) -> None:
    """Unknown region names are config errors, found before any account is contacted."""
    if not regions:
        return
    session = _boto3().Session()
    known: set[str] = set()
    for partition in session.get_available_partitions():
        known.update(session.get_available_regions("ec2", partition_name=partition))
    bad = [r for r in regions if r not in known]
    if bad:
        raise SettingError("regions", f"unknown AWS region(s) {', '.join(bad)}")


def collectors_for(
    aws: AwsSourceConfig, *, max_accounts: int, max_workers: int, factory: CollectorFactory = aws_collector
) -> list[Collector]:
    """The multi-account collectors of ``sources.aws`` (empty when it names a single account)."""
    out: list[Collector] = []
    regions = list(aws.regions) or None
    if aws.organization is not None or aws.accounts:
        check_regions([*aws.regions, *(r for a in aws.accounts for r in (a.regions or []))])
    if aws.organization is not None:
        out.append(
            OrganizationCollector(
                aws.organization, regions=regions, endpoint_url=aws.endpoint_url,
                max_accounts=max_accounts, max_workers=max_workers, factory=factory,
            )
        )
    if aws.accounts:
        accounts = [
            AccountCollector(
                account_target(a, aws), regions=regions, endpoint_url=aws.endpoint_url,
                max_workers=max_workers, factory=factory,
            )
            for a in aws.accounts
        ]
        out.append(AccountListCollector(accounts, max_accounts))
    return out
