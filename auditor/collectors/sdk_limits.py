"""Time limits and retry counts for every cloud SDK client (boto3, google-cloud-*, azure-core).

One home for them so that an endpoint that accepts a connection and never answers ends every
source the same way: each attempt is cut at ``read_timeout``, at most ``max_attempts`` are made,
and the failure is a collection error that names the limit (docs/limits.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 4
CONFIG_KEYS = ("connect_timeout", "read_timeout", "max_attempts")  # the same in sources.aws|gcp|azure|k8s


@dataclass(frozen=True)
class SdkLimits:
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_attempts: int = DEFAULT_MAX_ATTEMPTS  # the first attempt included

    @property
    def timeout(self) -> tuple[float, float]:
        """(connect, read) as requests and google-auth take it."""
        return (self.connect_timeout, self.read_timeout)

    @property
    def retries(self) -> int:
        """Retries after the first attempt (urllib3, azure-core)."""
        return max(0, self.max_attempts - 1)

    def hint(self) -> str:
        """Appended to an error caused by a time-out, so the reader knows which limit it was."""
        return (
            f" (limits: connect {self.connect_timeout:g} s, read {self.read_timeout:g} s, {self.max_attempts} attempts;"
            " --connect-timeout, --read-timeout, --max-attempts)"
        )

    def botocore_config(self, **extra: Any) -> Any:
        from botocore.config import Config

        return Config(
            # total_max_attempts counts the first attempt, as max_attempts does here (botocore's own
            # max_attempts counts retries only: 4 would make 5 attempts)
            retries={"mode": "adaptive", "total_max_attempts": self.max_attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            **extra,
        )


DEFAULT_LIMITS = SdkLimits()
TIMEOUT_WORDS = ("timeout", "timed out", "time-out", "read timed out", "connecttimeout", "readtimeout")


def is_timeout(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in TIMEOUT_WORDS)


def timed_adapter(limits: SdkLimits, budget_key: Any = None, **kwargs: Any) -> Any:
    """A requests ``HTTPAdapter`` that sends every request with the limits' (connect, read)
    time-outs, whatever the library above it asked for (google-auth's token refresh waits 120 s,
    some GAPIC methods not at all). With ``budget_key`` (URL -> key), each request also draws
    from the shared request budget (``auditor.throttle``)."""
    import requests.adapters

    class TimedAdapter(requests.adapters.HTTPAdapter):
        def send(self, request: Any, *args: Any, **send_kwargs: Any) -> Any:
            send_kwargs["timeout"] = limits.timeout
            if budget_key is None:
                return super().send(request, *args, **send_kwargs)
            from auditor.collectors.throttle_hooks import gated_send

            return gated_send(super().send, request, budget_key, *args, **send_kwargs)

    return TimedAdapter(**kwargs)
