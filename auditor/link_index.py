"""A ``JoinIndex`` over a streamed inventory file that holds no resource in memory.

One pass over the file records, in a scratch SQLite database, where each joinable resource's
line starts and the keys the joins look it up by (an instance's addresses, a rule's id and the
instances it is attached to, an exposure's address and port, a bucket's id, name and ARN, a
role's or workload's id). A lookup reads that one line back and parses it; a small cache keeps
the resources looked up last (a workload's role and buckets are usually next to it). The join
results are kept on disk as well and applied as the inventory is read again, in order, so the
memory a join needs does not grow with the estate.

Which resource wins when two answer to one key is what ``auditor.linking.MemoryIndex`` decides:
the last instance, rule and exposure; the first bucket, role and workload.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic_core import from_json

from auditor.linking import Update, address_key, bucket_keys, bucket_pointer_keys, join_updates, normal_ip
from auditor.linking_genai import needs_joins, needs_linking
from auditor.resources import (
    Bucket,
    ClusterExposure,
    FirewallRule,
    Instance,
    MLWorkload,
    Resource,
    Role,
    Service,
    resource_from_json,
)
from auditor.result_stream import item_at, iter_section_at

# Key spaces of the ``keys`` table.
_SERVICE, _IP, _RULE, _EXPOSURE, _BUCKET, _ROLE, _WORKLOAD, _TO_LINK = range(8)
_PREFIXES = tuple(b'{"kind":"' + kind.encode() + b'"' for kind in
                  ("Service", "Instance", "FirewallRule", "ClusterExposure", "Bucket", "Role", "MLWorkload"))
_CACHED = 4096  # parsed resources kept for repeated lookups
_BATCH = 5000
_R = TypeVar("_R", bound=Resource)


@functools.cache
def _default(model: type[Resource], name: str) -> Any:
    return model.model_fields[name].get_default(call_default_factory=True)


class FileIndex:
    """Build with ``FileIndex(inventory_path, scratch_path)``; close it when done."""

    def __init__(self, path: Path, scratch: Path) -> None:
        self._file = open(path, "rb")  # noqa: SIM115  # closed by close()
        self._db = sqlite3.connect(scratch)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-8000;"
            "CREATE TABLE keys(space INTEGER, key TEXT, seq INTEGER, offset INTEGER);"
            "CREATE TABLE attached(target TEXT, rule TEXT, seq INTEGER);"
            "CREATE TABLE updates(seq INTEGER PRIMARY KEY, data TEXT);"
        )
        self._cache: OrderedDict[int, Resource] = OrderedDict()
        self._build(path)

    # -- building ------------------------------------------------------------------------------

    def _build(self, path: Path) -> None:
        keys: list[tuple[int, str, int, int]] = []
        attached: list[tuple[str, str, int]] = []
        for seq, (offset, line) in enumerate(iter_section_at(path, "inventory")):
            if line.startswith(b'{"kind":"') and not line.startswith(_PREFIXES):
                continue  # a kind no join reads: not even parsed
            try:
                data = from_json(line)  # pydantic's parser: a Python dict, twice as fast as json.loads
            except ValueError:
                continue  # reading the inventory again reports the line, with its number
            if isinstance(data, dict):
                self._keys_of(data, seq, offset, keys, attached)
            if len(keys) >= _BATCH:
                self._db.executemany("INSERT INTO keys VALUES (?,?,?,?)", keys)
                keys.clear()
            if len(attached) >= _BATCH:
                self._db.executemany("INSERT INTO attached VALUES (?,?,?)", attached)
                attached.clear()
        self._db.executemany("INSERT INTO keys VALUES (?,?,?,?)", keys)
        self._db.executemany("INSERT INTO attached VALUES (?,?,?)", attached)
        self._db.executescript("CREATE INDEX keys_by_key ON keys(space, key, seq);"
                               "CREATE INDEX attached_by_target ON attached(target, seq);")

    @staticmethod
    def _keys_of(data: dict[str, Any], seq: int, offset: int, keys: list[tuple[int, str, int, int]],
                 attached: list[tuple[str, str, int]]) -> None:
        kind = data.get("kind")
        ref: dict[str, Any] = data["ref"] if isinstance(data.get("ref"), dict) else {}
        rid, name = str(ref.get("id", "")), str(ref.get("name", ""))

        def add(space: int, key: str) -> None:
            keys.append((space, key, seq, offset))

        def field(model: type[Resource], attr: str) -> Any:
            return data.get(attr, _default(model, attr))

        if kind == "Service":
            add(_SERVICE, "")
        elif kind == "Instance":
            for ip in [*(field(Instance, "private_ips") or []), *(field(Instance, "public_ips") or [])]:
                key = normal_ip(str(ip))
                if key:
                    add(_IP, key)
        elif kind == "FirewallRule":
            add(_RULE, rid)
            attached.extend((str(target), rid, seq) for target in field(FirewallRule, "attached_to") or [])
        elif kind == "ClusterExposure":
            for address in field(ClusterExposure, "addresses") or []:
                for port in field(ClusterExposure, "ports") or []:
                    with contextlib.suppress(TypeError, ValueError):
                        add(_EXPOSURE, f"{address_key(str(address))}\0{int(port)}")
        elif kind == "Bucket" and field(Bucket, "scope") != "container":
            for key in bucket_keys(rid, name, ref.get("cloud")):
                add(_BUCKET, key)
        elif kind == "Role":
            add(_ROLE, rid)
        elif kind == "MLWorkload":
            add(_WORKLOAD, rid)
            if needs_joins(data):
                add(_TO_LINK, "")

    # -- reading -------------------------------------------------------------------------------

    def _at(self, offset: int) -> Resource:
        cached = self._cache.get(offset)
        if cached is not None:
            self._cache.move_to_end(offset)
            return cached
        resource = resource_from_json(item_at(self._file, offset))
        self._cache[offset] = resource
        if len(self._cache) > _CACHED:
            self._cache.popitem(last=False)
        return resource

    def _one(self, space: int, key: str, kind: type[_R], *, last: bool) -> tuple[int, _R] | None:
        """The resource of ``kind`` that answers to ``key`` (the last or the first in the inventory)."""
        order = "DESC" if last else "ASC"
        row = self._db.execute(f"SELECT seq, offset FROM keys WHERE space=? AND key=? ORDER BY seq {order} LIMIT 1",
                               (space, key)).fetchone()
        found = self._at(row[1]) if row else None
        return (row[0], found) if isinstance(found, kind) else None

    def _resource(self, space: int, key: str, kind: type[_R], *, last: bool) -> _R | None:
        found = self._one(space, key, kind, last=last)
        return found[1] if found is not None else None

    def _all(self, space: int) -> Iterator[tuple[int, Resource]]:
        cursor = self._db.execute("SELECT seq, offset FROM keys WHERE space=? ORDER BY seq", (space,))
        while rows := cursor.fetchmany(1000):
            for seq, offset in rows:
                yield seq, self._at(offset)

    def services(self) -> Iterable[tuple[int, Service]]:
        return ((seq, r) for seq, r in self._all(_SERVICE) if isinstance(r, Service))

    def instance_at(self, address: str) -> Instance | None:
        key = normal_ip(address)
        return self._resource(_IP, key, Instance, last=True) if key else None

    def rules_attached_to(self, instance_id: str) -> list[str]:
        rows = self._db.execute("SELECT rule FROM attached WHERE target=? ORDER BY seq", (instance_id,))
        return [row[0] for row in rows]

    def rule(self, rule_id: str) -> FirewallRule | None:
        return self._resource(_RULE, rule_id, FirewallRule, last=True)

    def exposure_at(self, address: str, port: int) -> tuple[int, ClusterExposure] | None:
        return self._one(_EXPOSURE, f"{address_key(address)}\0{port}", ClusterExposure, last=True)

    def linking_workloads(self) -> Iterable[tuple[int, MLWorkload]]:
        return ((seq, r) for seq, r in self._all(_TO_LINK) if isinstance(r, MLWorkload) and needs_linking(r))

    def bucket(self, pointer: str) -> Bucket | None:
        for key in bucket_pointer_keys(pointer):
            found = self._resource(_BUCKET, key, Bucket, last=False)
            if found is not None:
                return found
        return None

    def role(self, role_id: str) -> Role | None:
        return self._resource(_ROLE, role_id, Role, last=False)

    def workload(self, workload_id: str) -> MLWorkload | None:
        return self._resource(_WORKLOAD, workload_id, MLWorkload, last=False)

    # -- the joins' results ----------------------------------------------------------------------

    def join(self) -> None:
        """Run every join (one update per position); their results are kept on disk."""
        batch: list[tuple[int, str]] = []
        for seq, update in join_updates(self):
            batch.append((seq, json.dumps(update)))
            if len(batch) >= _BATCH:
                self._db.executemany("INSERT INTO updates VALUES (?,?)", batch)
                batch.clear()
        self._db.executemany("INSERT INTO updates VALUES (?,?)", batch)
        self._cache.clear()

    def updates(self) -> Iterator[tuple[int, Update]]:
        """The join results in inventory order."""
        cursor = self._db.execute("SELECT seq, data FROM updates ORDER BY seq")
        while rows := cursor.fetchmany(1000):
            for seq, data in rows:
                yield seq, json.loads(data)

    def close(self) -> None:
        self._file.close()
        self._db.close()


def apply_updates(resources: Iterable[Resource], updates: Iterator[tuple[int, Update]]) -> Iterator[Resource]:
    """``resources`` in order, each changed by its update (a merge join on position)."""
    pending = next(updates, None)
    for seq, resource in enumerate(resources):
        if pending is not None and pending[0] == seq:
            resource = resource.model_copy(update=pending[1])
            pending = next(updates, None)
        yield resource
