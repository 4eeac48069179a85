"""``sources.aws`` (or ``scan aws``'s flags): one account, a list of accounts, or an organization."""

from __future__ import annotations

from auditor.collectors.base import Collector
from auditor.config import AwsSourceConfig, ConcurrencyConfig, ConfigError
from auditor.sources.common import sdk_limits


def collectors(aws: AwsSourceConfig, limits: ConcurrencyConfig) -> list[Collector]:
    from auditor.collectors import aws_org

    multi = aws_org.collectors_for(aws, max_accounts=limits.accounts, max_workers=limits.per_account)
    if multi:  # with accounts or an organization, ``profile`` is only the base to assume roles from
        return multi
    try:
        from auditor.collectors.aws import AwsCollector
    except ImportError as exc:
        raise ConfigError("the aws extra is not installed: pip install 'ml-posture-auditor[aws]'") from exc

    return [
        AwsCollector(profile=aws.profile, regions=list(aws.regions) or None, endpoint_url=aws.endpoint_url,
                     max_workers=limits.per_account, limits=sdk_limits(aws))
    ]
