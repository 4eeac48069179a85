"""The result file as a stream: written while findings are produced, read back one item at a time.

Layout (schema version 2), one JSON document whose long arrays hold one item per line::

    {"schema_version":"2.1","tool":{...},"checks":{...},
    "findings":[
    {...finding...},
    {...finding...}
    ],
    "inventory":[
    {...resource...}
    ],
    "scan":{...},"collection_errors":[...],"controls":[...],...,"totals":{...},
    "digest":"<sha256>"}

Compact JSON never contains a raw newline, so a reader finds every part by its line. The digest
is the SHA-256 of every byte before the last line: computed while writing, verified by hashing
the file (``verify_result_digest``), reproducible without loading anything. Any other JSON
layout (a version-1 result, a reformatted file) is read whole and converted.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from auditor.findings import Finding
from auditor.resources import Resource
from auditor.result import SCHEMA_VERSION, CheckInfo, ScanResult

HEAD_FIELDS = {"schema_version", "tool", "checks"}
TAIL_FIELDS = {"scan", "collection_errors", "controls", "frameworks", "changes", "history", "totals"}
_DIGEST_LINE = re.compile(rb'"digest":"([0-9a-f]{64})"\}\n\Z')
_DIGEST_LINE_LEN = len(b'"digest":""}\n') + 64
_CHUNK = 1 << 20


class StreamWriter:
    """Writes the layout above to any binary file, hashing every byte it writes."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.hash = hashlib.sha256()
        self._first = True

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.hash.update(data)

    def head(self, fields_json: bytes) -> None:
        """``fields_json`` is a compact JSON object; its members open the document."""
        self._write(fields_json[:-1] + b",\n")

    def open_section(self, name: str) -> None:
        self._write(b'"' + name.encode() + b'":[\n')
        self._first = True

    def item(self, item_json: bytes) -> None:
        self._write(item_json if self._first else b",\n" + item_json)
        self._first = False

    def items(self, items_json: Iterable[bytes]) -> None:
        for item in items_json:
            self.item(item)

    def close_section(self) -> None:
        self._write(b"\n],\n")

    def finish(self, fields_json: bytes, *, digest: bool) -> str:
        """Write the closing members (a compact JSON object's) and, with ``digest``, the digest
        line; returns the digest ('' without)."""
        members = fields_json[1:-1]
        if not digest:
            self._write(members + b"}\n")
            return ""
        self._write(members + b",\n")
        value = self.hash.hexdigest()
        self.out.write(b'"digest":"' + value.encode() + b'"}\n')
        return value


# -- writing a whole result ------------------------------------------------------------------
def catalog_of(result: ScanResult) -> dict[str, CheckInfo]:
    """The result's check catalog, completed from its findings when it was built without one."""
    catalog = dict(result.checks)
    for finding in result.findings:
        if finding.check_id not in catalog:
            catalog[finding.check_id] = CheckInfo(
                title=finding.title, remediation=finding.remediation, severity=finding.severity,
                controls=finding.controls,
            )
    return catalog


def head_json(result: ScanResult) -> bytes:
    return result.model_dump_json(include=HEAD_FIELDS).encode()


def tail_json(result: ScanResult) -> bytes:
    return result.model_dump_json(include=TAIL_FIELDS).encode()


def write_result(result: ScanResult, out: IO[bytes], *, digest: bool = True) -> str:
    """Serialize ``result`` (lists or streams) in the streamed layout; returns its digest."""
    if set(catalog_of(result)) != set(result.checks):
        result = result.model_copy(update={"checks": catalog_of(result)})
    writer = StreamWriter(out)
    writer.head(head_json(result))
    writer.open_section("findings")
    catalog = result.checks
    writer.items(finding_json(f, catalog) for f in result.findings)
    writer.close_section()
    writer.open_section("inventory")
    writer.items(_item_json(item) for item in result.inventory)
    writer.close_section()
    return writer.finish(tail_json(result), digest=digest)


_SEVERITY = {"severity"}


def finding_json(finding: Finding, catalog: Mapping[str, CheckInfo]) -> bytes:
    """One findings line: fields at their default left out, and the severity too when it is the
    check's (the catalog states it once; a finding keeps its own only where it differs)."""
    info = catalog.get(finding.check_id)
    same = info is not None and info.severity == finding.severity
    return finding.model_dump_json(exclude_defaults=True, exclude=_SEVERITY if same else None).encode()


def _item_json(item: dict[str, Any]) -> bytes:
    """An inventory item as the streamed evaluation writes it (fields at their default left out)."""
    from auditor.resources import resource_from_dict

    try:
        resource = resource_from_dict(item)
    except ValueError:
        return json.dumps(item, separators=(",", ":"), ensure_ascii=False).encode()
    return resource_json(resource)


def resource_json(resource: Resource) -> bytes:
    """One inventory line: the kind, then the fields not at their default (they come back on reading)."""
    body = resource.model_dump_json(exclude_defaults=True).encode()
    return b'{"kind":' + json.dumps(resource.kind).encode() + b"," + body[1:]


class _HashOnly(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(data)


def digest_of(result: ScanResult) -> str:
    """The digest ``result`` gets when written (nothing is kept in memory)."""
    return write_result(result, _HashOnly())  # type: ignore[arg-type]


def result_bytes(result: ScanResult, *, digest: str | None = None) -> bytes:
    """The whole document in memory (small results, tests): with the given digest, or an empty one."""
    buffer = io.BytesIO()
    write_result(result, buffer)
    data = buffer.getvalue()
    cut = len(data) - _DIGEST_LINE_LEN
    return data[:cut] + b'"digest":"' + (digest or "").encode() + b'"}\n'


def save_result(result: ScanResult, path: Path) -> ScanResult:
    """Write ``result`` to ``path``; the returned result streams from that file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        write_result(result, out)
    return open_result(path)


# -- reading -----------------------------------------------------------------------------------
def is_streamed(path: Path) -> bool:
    """The file has the line layout (a version-2 result or inventory as this module writes it;
    a streamed evaluation writes the findings before the inventory)."""
    try:
        with open(path, "rb") as f:
            first = f.readline(64 << 20)
            second = f.readline(64)
    except OSError:
        return False
    return (
        first.startswith(b'{"schema_version":"2.')
        and first.endswith(b",\n")
        and second in (b'"inventory":[\n', b'"findings":[\n')
    )


def read_head(path: Path) -> dict[str, Any]:
    with open(path, "rb") as f:
        first = f.readline()
    data: dict[str, Any] = json.loads(first[:-2] + b"}")
    return data


def tail_offset(path: Path) -> int:
    """Where the closing members start (just after the last array section)."""
    size = os.path.getsize(path)
    span = 64 << 10
    with open(path, "rb") as f:
        while True:
            start = max(0, size - span)
            f.seek(start)
            buffer = f.read(size - start)
            at = buffer.rfind(b"\n],\n")
            if at >= 0:
                return start + at + 4
            if start == 0:
                raise ValueError(f"{path}: truncated result file (no end of its last array)")
            span *= 4


def read_tail(path: Path) -> dict[str, Any]:
    with open(path, "rb") as f:
        f.seek(tail_offset(path))
        data: dict[str, Any] = json.loads(b"{" + f.read())
    return data


def iter_section(path: Path, name: str) -> Iterator[bytes]:
    """The items of one array section, as JSON bytes, one at a time."""
    for _offset, item in iter_section_at(path, name):
        yield item


def iter_section_at(path: Path, name: str) -> Iterator[tuple[int, bytes]]:
    """The items of one array section with the byte offset of each line (to read it again later)."""
    marker = b'"' + name.encode() + b'":[\n'
    offset = 0
    with open(path, "rb", buffering=_CHUNK) as f:
        for line in f:
            offset += len(line)
            if line == marker:
                break
        else:
            return
        for line in f:
            at = offset
            offset += len(line)
            if line.startswith(b"]"):
                return
            item = line.rstrip(b"\r\n")
            if item.endswith(b","):
                item = item[:-1]
            if item:
                yield at, item


def item_at(f: IO[bytes], offset: int) -> bytes:
    """The item on the line starting at ``offset`` (as ``iter_section_at`` reported it)."""
    f.seek(offset)
    item = f.readline().rstrip(b"\r\n")
    return item[:-1] if item.endswith(b",") else item


def recorded_digest(path: Path) -> str | None:
    with open(path, "rb") as f:
        f.seek(max(0, os.path.getsize(path) - _DIGEST_LINE_LEN))
        match = _DIGEST_LINE.search(f.read())
    return match.group(1).decode() if match else None


def matches_file(result: ScanResult, path: Path) -> bool:
    """The in-memory parts of a streamed result (head and closing members) are what its file holds."""
    with open(path, "rb") as f:
        head = f.readline()
        f.seek(tail_offset(path))
        tail = f.read()
    members = tail[: len(tail) - _DIGEST_LINE_LEN]
    return head == head_json(result)[:-1] + b",\n" and members == tail_json(result)[1:-1] + b",\n"


def verify_result_digest(path: str | Path) -> bool:
    """The digest on the file's last line is the SHA-256 of every byte before it."""
    path = Path(path)
    recorded = recorded_digest(path)
    if recorded is None:
        return False
    remaining = os.path.getsize(path) - _DIGEST_LINE_LEN
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while remaining > 0:
            chunk = f.read(min(_CHUNK, remaining))
            if not chunk:
                return False
            digest.update(chunk)
            remaining -= len(chunk)
    return digest.hexdigest() == recorded


class _Stream:
    """Re-iterable and counted like a list; indexing reads the file up to the item (for small
    results and tests: a large result is meant to be iterated once)."""

    _count: int | None

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError

    def __len__(self) -> int:
        if self._count is None:
            self._count = sum(1 for _ in self)
        return self._count

    def __bool__(self) -> bool:
        return len(self) > 0

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += len(self)
        for n, item in enumerate(self):
            if n == index:
                return item
        raise IndexError(index)


class FindingStream(_Stream):
    """The findings of a result file, re-iterable, read one line at a time."""

    def __init__(self, path: Path, catalog: Mapping[str, CheckInfo], count: int | None = None) -> None:
        self.path = path
        self.catalog = catalog
        self._count = count

    def __iter__(self) -> Iterator[Finding]:
        for line in iter_section(self.path, "findings"):
            yield finding_from_dict(json.loads(line), self.catalog)



class InventoryStream(_Stream):
    """The inventory of a result or inventory file, re-iterable, one resource dict at a time."""

    def __init__(self, path: Path, count: int | None = None) -> None:
        self.path = path
        self._count = count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        from auditor.resources import resource_from_dict, resource_to_dict

        for line in iter_section(self.path, "inventory"):
            item = json.loads(line)
            try:  # every field, defaults included, as the inventory form always has
                yield resource_to_dict(resource_from_dict(item))
            except ValueError:
                yield item



def finding_from_dict(data: dict[str, Any], catalog: Mapping[str, CheckInfo]) -> Finding:
    """A finding with its check's metadata filled in from the catalog (version 2 stores it once)."""
    info = catalog.get(data.get("check_id", ""))
    if info is not None:
        data.setdefault("severity", info.severity)
        data.setdefault("title", info.title)
        data.setdefault("remediation", info.remediation)
        data.setdefault("controls", info.controls)
    return Finding.model_validate(data)


def open_result(path: Path) -> ScanResult:
    """A result file: streamed from disk when it has the line layout, else read whole (a
    version-1 result is converted to version 2: its check metadata moves into the catalog)."""
    if is_streamed(path):
        head, tail = read_head(path), read_tail(path)
        if "scan" not in tail:
            raise ValueError(f"{path}: an inventory file, not a scan result")
        meta = ScanResult.model_validate({**head, **tail})
        totals = meta.totals or {}
        result = ScanResult.model_construct(
            **{name: getattr(meta, name) for name in type(meta).model_fields if name not in ("findings", "inventory")},
            findings=FindingStream(path, meta.checks, totals.get("findings")),  # type: ignore[arg-type]
            inventory=InventoryStream(path, totals.get("resources")),  # type: ignore[arg-type]
        )
        result._source = path
        return result
    return result_from_data(json.loads(path.read_text(encoding="utf-8")), str(path))


def result_from_data(data: Any, origin: str) -> ScanResult:
    """A result from a parsed document of any schema version."""
    if not isinstance(data, dict) or "scan" not in data:
        raise ValueError(f"{origin}: not an auditor result")
    major = str(data.get("schema_version") or "1").split(".", 1)[0]
    if major == "1":
        result = ScanResult.model_validate({**data, "schema_version": SCHEMA_VERSION, "digest": ""})
        result = result.model_copy(update={"checks": catalog_of(result)})
        return result.with_digest()  # a converted document: its digest is the version-2 one
    catalog = {k: CheckInfo.model_validate(v) for k, v in (data.get("checks") or {}).items()}
    findings = [finding_from_dict(dict(f), catalog) for f in data.get("findings") or []]
    return ScanResult.model_validate({**data, "findings": []}).model_copy(update={"findings": findings})


def rewrite_tail(result: ScanResult) -> ScanResult:
    """Replace a streamed file's closing members (history attached after the findings were
    written) and its digest; the findings themselves are not rewritten."""
    path = result.source
    assert path is not None
    offset = tail_offset(path)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        remaining = offset
        while remaining > 0:
            chunk = f.read(min(_CHUNK, remaining))
            digest.update(chunk)
            remaining -= len(chunk)
    with open(path, "r+b") as f:
        f.seek(offset)
        f.truncate()
        writer = StreamWriter(f)
        writer.hash = digest
        value = writer.finish(tail_json(result), digest=True)
    updated = result.model_copy(update={"digest": value})
    updated._source = path
    return updated
