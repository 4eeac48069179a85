"""The curated advisory data set (OSV format) and version matching.

One data set serves two checks: ``service_vulnerable_version`` (a version read from a probed
ML service) and ``dependency_vulnerable`` (a version pinned in a lock or requirements file).

The bundled files in ``data/*.json`` are curated by hand from CVE records, PyPA (PYSEC) and
GitHub (GHSA) advisories: one package per rule, only the package whose version is actually
read, withdrawn and mis-attributed entries left out, and each entry tagged with whether it can
be exploited through the network service (``network_exploitable``) or only through the client
library / local use. A user's own OSV export can be loaded beside them with ``AdvisoryDB.load``.

OSV shapes accepted in a file: one OSV object, a list of them, or
``{"data_date": "YYYY-MM-DD", "advisories": [...]}`` (the bundled layout). The fields this
project adds live in ``database_specific`` (``severity``, ``network_exploitable``, ``source``,
``note``), as OSV intends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Advisory", "AdvisoryDB", "AdvisoryError", "AffectedRange", "InvalidVersion", "normalize_name"]

DATA_DIR = Path(__file__).parent / "data"
SeverityLabel = Literal["critical", "high", "medium", "low"]
_SEVERITIES = ("critical", "high", "medium", "low")


class AdvisoryError(Exception):
    """An advisory file that cannot be read; the message names the file."""


def normalize_name(name: str, ecosystem: str = "PyPI") -> str:
    """PEP 503 normalisation for PyPI names (``Jupyter_Server`` == ``jupyter-server``)."""
    if ecosystem.lower() == "pypi":
        return re.sub(r"[-_.]+", "-", name).lower()
    return name


class AffectedRange(BaseModel):
    """One OSV range: ordered ``introduced`` / ``fixed`` / ``last_affected`` / ``limit`` events."""

    model_config = ConfigDict(frozen=True)

    type: str = "ECOSYSTEM"
    events: list[dict[str, str]]

    def contains(self, version: Version) -> bool:
        """OSV evaluation: walk the events in version order, toggling "vulnerable"."""
        vulnerable = False
        for kind, value in sorted(self._parsed(), key=lambda e: (e[1], _EVENT_ORDER[e[0]])):
            if kind == "introduced":
                if version >= value:
                    vulnerable = True
            elif version > value or (version == value and kind != "last_affected"):
                vulnerable = False  # fixed / limit exclude their own version; last_affected includes it
        return vulnerable

    def _parsed(self) -> list[tuple[str, Version]]:
        out = []
        for event in self.events:
            for kind, raw in event.items():
                if kind not in _EVENT_ORDER:
                    continue
                out.append((kind, Version("0") if raw == "0" else Version(raw)))
        return out


_EVENT_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}


class Advisory(BaseModel):
    """One advisory for one package (an OSV entry naming two packages becomes two of these)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="OSV id: CVE-…, GHSA-…, PYSEC-…")
    aliases: list[str] = Field(default_factory=list)
    package: str
    ecosystem: str = "PyPI"
    summary: str = ""
    severity: SeverityLabel = "medium"
    network_exploitable: bool | None = Field(
        default=None, description="exploitable through the network service (True) or only as a library/locally (False)"
    )
    fixed: list[str] = Field(default_factory=list, description="versions that fix it; empty when none exists")
    source: str = Field(default="", description="the record the range was taken from: CVE, GHSA or PYSEC id")
    ranges: list[AffectedRange] = Field(default_factory=list)
    versions: list[str] = Field(default_factory=list, description="explicitly listed affected versions")
    withdrawn: str | None = Field(default=None, description="withdrawal date; withdrawn entries never match")
    note: str | None = Field(default=None, description="curation note, e.g. an uncertain range")
    origin: str = Field(default="", description="file the entry was loaded from")

    def affects(self, version: str) -> bool:
        """True when ``version`` is affected. Raises InvalidVersion for an unparseable version."""
        if self.withdrawn:
            return False
        if version in self.versions:
            return True
        parsed = Version(version)
        if any(_same_version(parsed, v) for v in self.versions):
            return True
        return any(r.contains(parsed) for r in self.ranges if r.type in ("ECOSYSTEM", "SEMVER"))


def _same_version(parsed: Version, raw: str) -> bool:
    try:
        return Version(raw) == parsed
    except InvalidVersion:
        return False


class AdvisoryDB:
    """Advisories indexed by (ecosystem, normalised package name)."""

    def __init__(self, advisories: Iterable[Advisory], data_date: str = "") -> None:
        self.advisories: list[Advisory] = list(advisories)
        self.data_date = data_date
        self._index: dict[tuple[str, str], list[Advisory]] = {}
        for adv in self.advisories:
            key = (adv.ecosystem.lower(), normalize_name(adv.package, adv.ecosystem))
            self._index.setdefault(key, []).append(adv)

    def __len__(self) -> int:
        return len(self.advisories)

    @property
    def withdrawn(self) -> list[Advisory]:
        return [a for a in self.advisories if a.withdrawn]

    # -- loading ----------------------------------------------------------------------------
    @classmethod
    def load_default(cls) -> AdvisoryDB:
        """The bundled, curated data (every ``data/*.json``)."""
        return cls.load([DATA_DIR])

    @classmethod
    def load(cls, paths: Sequence[str | Path]) -> AdvisoryDB:
        """OSV files or directories of them (e.g. an OSV export). Raises AdvisoryError naming the file."""
        advisories: list[Advisory] = []
        dates: list[str] = []
        for path in _json_files(paths):
            entries, date = _read_file(path)
            advisories.extend(entries)
            if date:
                dates.append(date)
        return cls(advisories, max(dates) if dates else "")

    def merged(self, other: AdvisoryDB) -> AdvisoryDB:
        """This data plus ``other``; an entry of ``other`` replaces ours for the same id or alias and package."""
        replaced = set()
        for adv in other.advisories:
            for name in (adv.id, *adv.aliases):
                replaced.add((name, adv.ecosystem.lower(), normalize_name(adv.package, adv.ecosystem)))
        kept = [
            a
            for a in self.advisories
            if not any(
                (name, a.ecosystem.lower(), normalize_name(a.package, a.ecosystem)) in replaced
                for name in (a.id, *a.aliases)
            )
        ]
        return AdvisoryDB([*kept, *other.advisories], max(self.data_date, other.data_date))

    # -- matching ---------------------------------------------------------------------------
    def match(self, package: str, version: str, ecosystem: str = "PyPI") -> list[Advisory]:
        """Advisories affecting ``package`` at ``version``, most severe first.

        Raises ``InvalidVersion`` when the version cannot be parsed (callers report "unknown").
        """
        candidates = self._index.get((ecosystem.lower(), normalize_name(package, ecosystem)), [])
        if not candidates:
            return []
        hits = [a for a in candidates if a.affects(version)]
        return sorted(hits, key=lambda a: (_SEVERITIES.index(a.severity), a.id))

    def packages(self, ecosystem: str = "PyPI") -> set[str]:
        return {name for (eco, name) in self._index if eco == ecosystem.lower()}


def _json_files(paths: Sequence[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.rglob("*.json")))
        elif path.is_file():
            files.append(path)
        else:
            raise AdvisoryError(f"{path}: no such advisory file or directory")
    return files


def _read_file(path: Path) -> tuple[list[Advisory], str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AdvisoryError(f"{path}: not a readable OSV JSON file ({exc})") from exc
    date = ""
    if isinstance(data, dict) and "advisories" in data:
        date = str(data.get("data_date", ""))
        records = data["advisories"]
    elif isinstance(data, list):
        records = data
    else:
        records = [data]
    out: list[Advisory] = []
    modified: list[str] = []
    for index, record in enumerate(records):
        try:
            out.extend(from_osv(record, origin=path.name))
        except (KeyError, TypeError, ValueError, InvalidVersion) as exc:
            ident = record.get("id", f"#{index}") if isinstance(record, dict) else f"#{index}"
            raise AdvisoryError(f"{path}: advisory {ident} is malformed: {exc}") from exc
        if isinstance(record, dict) and record.get("modified"):
            modified.append(str(record["modified"])[:10])
    return out, date or (max(modified) if modified else "")


def from_osv(record: dict[str, Any], origin: str = "") -> list[Advisory]:
    """One OSV record -> one Advisory per affected package."""
    if not isinstance(record, dict) or "id" not in record:
        raise ValueError("an OSV record needs an 'id'")
    top = record.get("database_specific") or {}
    out = []
    for affected in record.get("affected") or []:
        pkg = affected["package"]
        specific = {**top, **(affected.get("database_specific") or {}), **(affected.get("ecosystem_specific") or {})}
        ranges = [
            AffectedRange(type=r.get("type", "ECOSYSTEM"), events=r["events"])
            for r in affected.get("ranges") or []
            if r.get("type", "ECOSYSTEM") in ("ECOSYSTEM", "SEMVER")
        ]
        for r in ranges:
            r._parsed()  # validate versions now, so a bad file fails at load naming the entry
        fixed = [v for r in ranges for e in r.events for k, v in e.items() if k == "fixed"]
        out.append(
            Advisory(
                id=record["id"],
                aliases=list(record.get("aliases") or []),
                package=pkg["name"],
                ecosystem=pkg.get("ecosystem", "PyPI"),
                summary=record.get("summary") or (record.get("details") or "")[:200],
                severity=_severity(specific),
                network_exploitable=specific.get("network_exploitable"),
                fixed=fixed,
                source=str(specific.get("source") or record["id"]),
                ranges=ranges,
                versions=[str(v) for v in affected.get("versions") or []],
                withdrawn=record.get("withdrawn"),
                note=specific.get("note"),
                origin=origin,
            )
        )
    return out


def _severity(specific: dict[str, Any]) -> SeverityLabel:
    """GHSA-style ``database_specific.severity`` (``HIGH``, ``MODERATE``...); medium when absent."""
    raw = str(specific.get("severity") or "").lower()
    if raw == "moderate":
        raw = "medium"
    return raw if raw in _SEVERITIES else "medium"  # type: ignore[return-value]
