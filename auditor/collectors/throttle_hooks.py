"""Where the clouds' SDKs meet the shared request budget (``auditor.throttle``).

- AWS: botocore events on a boto3 session, before its clients are made (clients copy the
  session's handlers): ``before-send`` takes a token for every HTTP attempt, retries included;
  ``needs-retry`` sees every answer and reports throttling ones.
- GCP and Azure: a requests adapter in front of the SDK's HTTP session; the key is read from the
  request's URL (``/projects/<id>``, ``/subscriptions/<id>``), and HTTP 429 is the throttle signal.

Each hook does nothing when no budget is installed, so collectors attach them unconditionally.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

from auditor import throttle

THROTTLE_STATUS = 429
_ATTACHED = "_auditor_throttle_key"


def aws_key(account: str) -> str:
    return f"aws:{account}"


def attach_boto3(session: Any, key: str) -> None:
    """Every client made from ``session`` from now on draws from ``key``'s budget."""
    if getattr(session, _ATTACHED, None) == key:
        return
    events = session.events  # boto3.Session: the botocore session's emitter, copied into each new client

    def before_send(**_: Any) -> None:
        budget = throttle.active()
        if budget is not None:
            budget.acquire(key)

    def needs_retry(**kwargs: Any) -> None:
        budget = throttle.active()
        if budget is not None and kwargs.get("response") is not None and is_aws_throttle(**kwargs):
            budget.throttled(key)

    events.register("before-send", before_send, unique_id=f"auditor-throttle-send-{id(session)}")
    events.register("needs-retry", needs_retry, unique_id=f"auditor-throttle-retry-{id(session)}")
    setattr(session, _ATTACHED, key)


def is_aws_throttle(**needs_retry: Any) -> bool:
    """botocore's own verdict on a needs-retry event (its adaptive retry mode slows down on the
    same): a throttling error code, a modeled throttling error, or a 429 the model does not cover."""
    return bool(_aws_detector().is_throttling_error(**needs_retry))


@functools.cache
def _aws_detector() -> Any:
    from botocore.retries.standard import RetryEventAdapter, ThrottlingErrorDetector

    return ThrottlingErrorDetector(RetryEventAdapter())


_callers: dict[str, str] = {}
_callers_lock = threading.Lock()


def caller_key(session: Any, endpoint_url: str | None = None, fallback: str | None = None) -> str:
    """The budget key of the account ``session``'s credentials belong to (STS GetCallerIdentity,
    once per process and access key), or ``aws:profile:<name>`` when it cannot be asked."""
    default = f"aws:profile:{fallback or getattr(session, 'profile_name', None) or 'default'}"
    try:
        creds = session.get_credentials()
        access_key = creds.access_key if creds is not None else None
    except Exception:
        return default
    if not access_key:
        return default
    with _callers_lock:
        known = _callers.get(access_key)
    if known is not None:
        return known
    from auditor.collectors.sdk_limits import DEFAULT_LIMITS

    try:  # a plain client of its own: the hooks are attached once the key is known
        sts = session.client("sts", region_name=session.region_name or "us-east-1", endpoint_url=endpoint_url,
                             config=DEFAULT_LIMITS.botocore_config())
        key = aws_key(sts.get_caller_identity()["Account"])
    except Exception:
        return default
    with _callers_lock:
        _callers[access_key] = key
    return key


def attach_caller(session: Any, endpoint_url: str | None = None) -> None:
    """Attach ``session`` to the budget of its own account (base credentials: AssumeRole,
    Organizations, a single-account scan through a profile). Free when no budget is installed."""
    if throttle.active() is None or getattr(session, _ATTACHED, None):
        return
    attach_boto3(session, caller_key(session, endpoint_url))


_GCP_PROJECT = re.compile(r"/projects/([^/:]+)")
_AZURE_SUBSCRIPTION = re.compile(r"/subscriptions/([^/?]+)", re.IGNORECASE)


def gcp_key(url: str) -> str:
    """``gcp:<project>`` from a REST URL's path or ``project=`` query (Cloud Storage), else the
    credentials' own budget ``gcp:-``."""
    parts = urlsplit(url)
    match = _GCP_PROJECT.search(parts.path)
    if match:
        return f"gcp:{match.group(1)}"
    project = parse_qs(parts.query).get("project")
    return f"gcp:{project[0]}" if project else "gcp:-"


def azure_key(url: str) -> str:
    match = _AZURE_SUBSCRIPTION.search(urlsplit(url).path)
    return f"azure:{match.group(1).lower()}" if match else "azure:-"


def gated_send(send: Any, request: Any, key_of: Any, *args: Any, **kwargs: Any) -> Any:
    """``send(request, ...)`` after taking a token from the request's key; a 429 answer is reported."""
    budget = throttle.active()
    if budget is None:
        return send(request, *args, **kwargs)
    key = key_of(str(request.url))
    budget.acquire(key)
    response = send(request, *args, **kwargs)
    if getattr(response, "status_code", None) == THROTTLE_STATUS:
        budget.throttled(key)
    return response
