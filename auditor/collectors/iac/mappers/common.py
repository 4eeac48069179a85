"""Helpers every IaC mapper shares: locations, tri-state reading of resolved values."""

from __future__ import annotations

from typing import Any

from auditor.collectors.iac.model import IacResource
from auditor.collectors.iac.values import Unknown, collect_refs
from auditor.resources import Cloud, Provider, Ref


def tag_map(value: Any) -> dict[str, str]:
    """Tags or labels as strings; an unknown or non-mapping value gives none."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if isinstance(v, str | int | float | bool)}
    return {}


def tags_of(attrs: dict[str, Any], key: str = "tags") -> dict[str, str]:
    return tag_map(attrs.get(key))


def make_ref(res: IacResource, cloud: Cloud, name: Any = None) -> Ref:
    display = name if isinstance(name, str) and name else res.name
    return Ref(
        provider=Provider.TERRAFORM if res.source == "terraform" else Provider.CLOUDFORMATION,
        cloud=cloud,
        id=res.address,
        name=display,
        path=res.path,
        line=res.line,
        end_line=res.end_line,
    )


def blocks(value: Any) -> list[dict[str, Any]] | None:
    """Nested blocks as a list of dicts; None when they are unknown (a dynamic block on an unknown set)."""
    if value is None:
        return []
    if isinstance(value, Unknown):
        return None
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        if any(isinstance(v, Unknown) for v in value):
            return None
        return [v for v in value if isinstance(v, dict)]
    return None


def first(value: Any) -> dict[str, Any] | Unknown | None:
    items = blocks(value)
    if items is None:
        return Unknown("block is unknown")
    return items[0] if items else None


# Unknowns that may still resolve to nothing: a conditional whose condition is unknown.
_MAYBE_ABSENT = ("condition is unknown", "Fn::If on unknown condition")


def is_set(value: Any) -> bool | None:
    """Whether an argument has a value. A present but unresolved value (a reference to another
    resource, a parameter, ``Fn::ImportValue``, a variable without default) counts as set: a KMS
    key id, a subnet id, a key parameter are set whatever they resolve to. Only a conditional on
    an unknown condition, which may yield null, stays unknown."""
    if value is None or value == "" or value == []:
        return False
    if isinstance(value, Unknown):
        return None if value.reason.startswith(_MAYBE_ABSENT) else True
    return True


def as_bool(value: Any, default: bool | None = None) -> bool | None:
    if value is None:
        return default
    if isinstance(value, Unknown):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "enabled", "yes", "1"):
            return True
        if low in ("false", "disabled", "no", "0"):
            return False
        return None
    if isinstance(value, int):
        return bool(value)
    return None


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def targets(value: Any, by_name: dict[str, list[str]], addresses: set[str]) -> list[str] | None:
    """Which resources (addresses) a reference or a literal name points at; None if unknown."""
    if isinstance(value, str):
        if value in by_name:
            return by_name[value]
        return [a for a in addresses if value == a] or []
    if isinstance(value, Unknown) and value.owner in addresses:
        return [value.owner]  # ``aws_s3_bucket.x.bucket``: that bucket, whatever its name renders to
    if isinstance(value, Unknown) and not value.refs and _names_undeclared(value):
        return []  # it names a resource that is not declared: certainly none of these
    refs = collect_refs(value)
    hit = [a for a in addresses if a in refs]
    if hit:
        return hit
    return None if isinstance(value, Unknown) else []


# How the Terraform and CloudFormation evaluators say a reference names nothing declared.
_UNDECLARED = ("is not declared in this module",)
_UNDECLARED_PREFIX = ("Ref to undeclared ",)


def _names_undeclared(value: Unknown) -> bool:
    return value.reason.endswith(_UNDECLARED) or value.reason.startswith(_UNDECLARED_PREFIX)


def index_by_name(resources: list[IacResource], attr: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for res in resources:
        value = res.attrs.get(attr)
        if isinstance(value, str):
            out.setdefault(value, []).append(res.address)
    return out


class ByType:
    """A project's IaC resources indexed by resource type: the base of each cloud's mapper."""

    def __init__(self, resources: list[IacResource]) -> None:
        self.by_type: dict[str, list[IacResource]] = {}
        for res in resources:
            self.by_type.setdefault(res.type, []).append(res)

    def of(self, rtype: str) -> list[IacResource]:
        return self.by_type.get(rtype, [])

    def _attached(self, rtype: str, attr: str, owners: list[IacResource], name_attr: str) -> dict[str, list[tuple[IacResource, bool]]]:
        """Split resources of ``rtype`` per owner address. Those whose owner cannot be told are
        listed under ``""``: they may apply to any owner."""
        by_name = index_by_name(owners, name_attr)
        addresses = {o.address for o in owners}
        out: dict[str, list[tuple[IacResource, bool]]] = {}
        for res in self.of(rtype):
            hit = targets(res.attrs.get(attr), by_name, addresses)
            if hit is None:
                out.setdefault("", []).append((res, False))
            for address in hit or []:
                out.setdefault(address, []).append((res, True))
        return out
