"""CloudTrail: one account-wide summary (some multi-region trail is logging).

``DescribeTrails`` in the home region with shadow trails included lists the multi-region and
organization trails that cover every region; each one's status is read in its home region.
"""

from __future__ import annotations

import threading
from typing import Any

from auditor.collectors.aws.runtime import Scan
from auditor.resources import AuditTrail, Ref

PERMISSIONS = ("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus")
OPERATIONS = {"cloudtrail": frozenset({"DescribeTrails", "GetTrailStatus"})}


def summarize_trails(
    trails: list[dict[str, Any]] | None, logging: dict[str, bool | None], account: str, region: str
) -> AuditTrail:
    """Enabled when some multi-region trail logs; unknown when that hinges on an unread status."""
    ref = Ref(
        provider="aws", cloud="aws", account=account, region=None,
        id=f"arn:aws:cloudtrail::{account}:account-trail-summary", name=f"CloudTrail ({account})",
    )
    if trails is None:
        return AuditTrail(ref=ref, scope="account", enabled=None, detail="trails could not be listed")
    multi = [t for t in trails if t.get("IsMultiRegionTrail")]
    on = [t["Name"] for t in multi if logging.get(t["TrailARN"]) is True]
    unread = [t["Name"] for t in multi if logging.get(t["TrailARN"]) is None]
    if on:
        return AuditTrail(ref=ref, scope="account", enabled=True, multi_region=True,
                          detail=f"multi-region trail(s) logging: {', '.join(sorted(on))}")
    if unread:
        return AuditTrail(ref=ref, scope="account", enabled=None, multi_region=True,
                          detail=f"status of multi-region trail(s) {', '.join(sorted(unread))} could not be read")
    if multi:
        detail = f"multi-region trail(s) {', '.join(sorted(t['Name'] for t in multi))} not logging"
    elif trails:
        detail = f"only single-region trail(s): {', '.join(sorted(t['Name'] for t in trails))}"
    else:
        detail = "no CloudTrail trail"
    return AuditTrail(ref=ref, scope="account", enabled=False, multi_region=bool(multi), detail=detail)


class CloudTrailCollection:
    def __init__(self, scan: Scan) -> None:
        self.scan = scan
        self.trails: list[dict[str, Any]] | None = None
        self.logging: dict[str, bool | None] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        self.scan.tasks.submit("cloudtrail", self._trails)

    def _trails(self) -> None:
        scan = self.scan
        response, failure = scan.call("cloudtrail", scan.home_region, "DescribeTrails", incomplete=True, includeShadowTrails=True)
        if failure is not None:
            return
        self.trails = list(response.get("trailList") or [])
        for trail in self.trails:
            if trail.get("IsMultiRegionTrail"):
                scan.tasks.submit("cloudtrail status", self._status, trail)

    def _status(self, trail: dict[str, Any]) -> None:
        region = str(trail.get("HomeRegion") or self.scan.home_region)
        status, _ = self.scan.call("cloudtrail", region, "GetTrailStatus", resource=trail["TrailARN"], Name=trail["TrailARN"])
        with self._lock:
            self.logging[trail["TrailARN"]] = None if status is None else bool(status.get("IsLogging"))

    def finish(self) -> None:
        self.scan.sink.add(summarize_trails(self.trails, self.logging, self.scan.account, self.scan.home_region))
