"""Pinned ML dependencies with known advisories."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import CheckContext, check
from auditor.resources import Dependency


@check(
    id="dependency_vulnerable",
    severity=Severity.HIGH,
    title="Pinned dependency with a known advisory",
    description="A pinned dependency (mlflow, ray, jupyter, torch, transformers, ...) is at a version that an "
    "advisory in the bundled OSV data set (or one given with --advisories) affects. One result per advisory.",
    remediation="Upgrade to a fixed version named in the advisory and re-lock.",
)
def dependency_vulnerable(dep: Dependency, ctx: CheckContext) -> list[Result] | None:
    db = ctx.advisories
    if dep.version is None:
        if db is not None and _known(db, dep.package):
            return [unknown(f"{dep.package} is not pinned to an exact version in {dep.manifest}")]
        return None
    found: dict[str, tuple[str, str, list[str]]] = {}
    if db is not None:
        try:
            for adv in db.match(dep.package, dep.version, dep.ecosystem):
                found[adv.id] = (adv.summary, adv.severity, list(adv.fixed))
        except Exception:
            return [unknown(f"{dep.package} version {dep.version!r} could not be compared")]
    for known in dep.advisories or []:
        found.setdefault(known.id, (known.summary, known.severity, list(known.fixed)))
    if found:
        return [
            fail(
                f"{dep.package} {dep.version}: {aid} ({sev}) {summary}".rstrip()
                + (f"; fixed in {', '.join(fixed)}" if fixed else "; no fixed version"),
                key=aid, advisory=aid, severity=sev, fixed=fixed,
            )
            for aid, (summary, sev, fixed) in sorted(found.items())
        ]
    if db is None and dep.advisories is None:
        return [unknown("no advisory data was loaded")]
    return [passed(f"{dep.package} {dep.version}: no known advisory")]


def _known(db: object, package: str) -> bool:
    try:
        from auditor.advisories import normalize_name

        return normalize_name(package) in db.packages()  # type: ignore[attr-defined]
    except Exception:
        return False
