"""Fingerprints as data (fingerprints.yaml) and the pure logic that applies them to answers.

Nothing here does I/O: ``identify`` and ``classify`` take a ``fetch(path) -> Reply | None``
coroutine, so the same code runs against live servers and against recorded answers in tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

FINGERPRINTS = Path(__file__).with_name("fingerprints.yaml")


@dataclass(frozen=True)
class Reply:
    """One HTTP answer, as much of it as fingerprints look at."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: str = ""

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):  # RecursionError: a hostile page of 100,000 nested "["
            return _NOT_JSON


_NOT_JSON = object()
Fetch = Callable[[str], Awaitable[Reply | None]]


class Condition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str | None = None
    status: list[int] | None = None
    body_contains: list[str] = Field(default_factory=list)
    body_regex: str | None = None
    header: dict[str, str] = Field(default_factory=dict)
    json_keys: list[str] | None = None
    json_only_keys: list[str] | None = None
    json_list: bool | None = None
    json_equals: dict[str, Any] = Field(default_factory=dict)
    json_match: dict[str, str] = Field(default_factory=dict)

    @field_validator("status", mode="before")
    @classmethod
    def _status_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, int) else value

    def holds(self, reply: Reply | None) -> bool:
        if reply is None:
            return False
        if self.status is not None and reply.status not in self.status:
            return False
        if any(needle not in reply.body for needle in self.body_contains):
            return False
        if self.body_regex is not None and not re.search(self.body_regex, reply.body, re.MULTILINE):
            return False
        for name, needle in self.header.items():
            if needle.lower() not in reply.headers.get(name.lower(), "").lower():
                return False
        return self._json_holds(reply)

    def _json_holds(self, reply: Reply) -> bool:
        wants_json = (
            self.json_keys is not None
            or self.json_only_keys is not None
            or self.json_list is not None
            or self.json_equals
            or self.json_match
        )
        if not wants_json:
            return True
        data = reply.json()
        if data is _NOT_JSON:
            return False
        if self.json_list is not None and isinstance(data, list) != self.json_list:
            return False
        needs_object = self.json_keys is not None or self.json_only_keys is not None or self.json_equals or self.json_match
        if needs_object and not isinstance(data, dict):
            return False
        if self.json_keys is not None and not all(k in data for k in self.json_keys):
            return False
        if self.json_only_keys is not None and set(data) != set(self.json_only_keys):
            return False
        if any(data.get(k) != v for k, v in self.json_equals.items()):
            return False
        return all(isinstance(data.get(k), str) and re.search(rx, data[k]) for k, rx in self.json_match.items())


class Alternative(BaseModel):
    """One way to recognise a service: a single condition or several (``all``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    all: list[Condition]
    guard: str | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Alternative:
        raw = dict(raw)
        guard = raw.pop("guard", None)
        conditions = raw.pop("all", None)
        if conditions is None:
            conditions = [raw]
        elif raw:
            raise ValueError(f"unexpected keys beside 'all': {sorted(raw)}")
        return cls(all=[Condition(**c) for c in conditions], guard=guard)


class Variant(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    when: Condition
    product: str


class VersionSource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    json_key: str | None = Field(default=None, alias="json")
    regex: str | None = None

    def read(self, reply: Reply | None) -> str | None:
        if reply is None or reply.status != 200:
            return None
        text: Any = reply.body
        if self.json_key is not None:
            text = reply.json()
            for part in self.json_key.split("."):
                text = text.get(part) if isinstance(text, dict) else None
            if text is None or isinstance(text, (dict, list)):
                return None
            text = str(text)
        if self.regex is not None:
            found = re.search(self.regex, text, re.MULTILINE)
            text = found.group(1) if found else None
        text = text.strip() if isinstance(text, str) else None
        return text if text and len(text) <= 64 else None


class AuthProbe(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    open: list[Condition] = Field(default_factory=list)
    closed: list[Condition] = Field(default_factory=list)
    guard: list[Condition] = Field(default_factory=list)


class ServiceSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    product: str
    package: str | None = None
    ecosystem: str = "PyPI"
    runs_code: bool = False
    ports: list[int] = Field(default_factory=list)
    verified: bool = False
    match: list[Alternative]
    variants: list[Variant] = Field(default_factory=list)
    version: list[VersionSource] = Field(default_factory=list)
    auth: list[AuthProbe] = Field(default_factory=list)

    @field_validator("match", mode="before")
    @classmethod
    def _alternatives(cls, value: Any) -> Any:
        return [Alternative.parse(v) if isinstance(v, dict) else v for v in value]


@cache
def load_fingerprints(path: Path = FINGERPRINTS) -> tuple[ServiceSpec, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = tuple(ServiceSpec(**entry) for entry in data["services"])
    ids = [s.id for s in specs]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: duplicate service ids")
    return specs


@dataclass(frozen=True)
class Identified:
    spec: ServiceSpec
    guard: str | None = None


@dataclass(frozen=True)
class Classification:
    """What a probe concluded about one identified service."""

    service: str
    product: str
    package: str | None
    ecosystem: str
    runs_code: bool
    version: str | None
    auth_required: bool | None
    auth_detail: str


async def identify(
    fetch: Fetch, specs: tuple[ServiceSpec, ...] | None = None, *, fetched: Collection[str] = ()
) -> Identified | None:
    """The first service whose fingerprint matches, or None (not an ML service we know).

    Alternatives answerable from pages already ``fetched`` (the landing page) go first, so a
    service recognised by its landing page costs no further requests.
    """
    specs = specs or load_fingerprints()
    if fetched:
        for spec in specs:
            for alt in spec.match:
                if all((c.path or "/") in fetched for c in alt.all) and await _all_hold(fetch, alt.all):
                    return Identified(spec, alt.guard)
    for spec in specs:
        for alt in spec.match:
            if await _all_hold(fetch, alt.all):
                return Identified(spec, alt.guard)
    return None


async def _all_hold(fetch: Fetch, conditions: list[Condition]) -> bool:
    for cond in conditions:
        if not cond.holds(await fetch(cond.path or "/")):
            return False
    return True


async def classify(fetch: Fetch, found: Identified) -> Classification:
    spec = found.spec
    product = spec.product
    for variant in spec.variants:
        if variant.when.holds(await fetch(variant.when.path or "/")):
            product = variant.product
            break
    version = None
    for source in spec.version:
        version = source.read(await fetch(source.path))
        if version:
            break
    if found.guard:
        auth: tuple[bool | None, str] = (None, found.guard)
    else:
        auth = await _auth(fetch, spec)
    return Classification(
        service=spec.id,
        product=product,
        package=spec.package,
        ecosystem=spec.ecosystem,
        runs_code=spec.runs_code,
        version=version,
        auth_required=auth[0],
        auth_detail=auth[1],
    )


async def _auth(fetch: Fetch, spec: ServiceSpec) -> tuple[bool | None, str]:
    if not spec.auth:
        return None, "no read-only data endpoint known to test authentication"
    seen = []
    for probe in spec.auth:
        reply = await fetch(probe.path)
        if reply is None:
            seen.append(f"GET {probe.path} failed")
            break
        where = f"GET {probe.path} -> {reply.status}"
        if any(c.holds(reply) for c in probe.guard):
            return None, f"host guard: {where} refuses this Host header, so authentication cannot be judged"
        if any(c.holds(reply) for c in probe.closed):
            return True, f"{where} without credentials"
        if any(c.holds(reply) for c in probe.open):
            return False, f"{where} with data, without credentials"
        seen.append(where)
        if reply.status != 404:
            break
    return None, "no decisive answer: " + "; ".join(seen)
