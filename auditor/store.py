"""Scan history in a real database: SQLite by default, PostgreSQL by URL.

Every scan is written in one transaction (its row, then all its findings), so a scan that is
interrupted leaves nothing behind. Concurrent writers are safe: SQLite runs in WAL mode with a
busy timeout and takes the write lock up front (``BEGIN IMMEDIATE``), PostgreSQL serialises
nothing we need beyond its own row locking. The schema is versioned with Alembic; opening a store
upgrades it to the newest revision under a lock, so two first scans at once do not race.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.config import ConfigError
from auditor.findings import Status
from auditor.result import HistoryInfo, ScanResult, TrendPoint

if TYPE_CHECKING:
    from auditor.history import ScanView

STORE_ENV = "AUDITOR_STORE"
TREND_POINTS = 30
_PG_MIGRATION_LOCK = 0x6175646974  # "audit": one advisory lock id for schema upgrades
# The newest migration's revision. A store already there opens without importing Alembic
# (half a second of a CI scan's start-up); a test keeps this equal to the migrations' head.
SCHEMA_HEAD = "0004"
# Open failures listed with their first-seen date in a result's history (the oldest first): the
# report shows the oldest; a list of every failing fingerprint would grow with the estate.
FIRST_SEEN_LISTED = 1000
# New and resolved fingerprints listed in a result's history (counted in full): a night that adds
# an account or a check can make hundreds of thousands new. ``--fail-on-new`` asks the store then.
CHANGES_LISTED = 1000


def default_store_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_path("auditor", appauthor=False)) / "history.sqlite"


def resolve_store_url(cli_value: str | None, config_value: str | None) -> str:
    """Where to store: ``--store``, else ``$AUDITOR_STORE``, else ``store:`` in the config,
    else the per-user SQLite file."""
    for value in (cli_value, os.environ.get(STORE_ENV), config_value):
        if value and value.strip():
            return normalise_url(value.strip())
    return normalise_url(str(default_store_path()))


def normalise_url(value: str) -> str:
    """A bare path means an SQLite file; ``postgresql://`` uses the psycopg 3 driver."""
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().resolve())
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def redact_url(url: str) -> str:
    """The URL without its password, for messages (the one URL redaction, ``auditor.redaction``)."""
    from auditor.redaction import redact_url as redact

    return redact(url)


@dataclass(frozen=True)
class StoredScan:
    id: str
    scope: str
    sources: list[str]
    started: datetime
    finished: datetime
    duration_seconds: float
    incomplete: bool
    counts: dict[str, Any]
    digest: str

    @property
    def usable_baseline(self) -> bool:
        """False for a scan that collected nothing: comparing with it would make every failure new."""
        return not (self.incomplete and not self.counts.get("resources"))


class Store:
    """A scan-history database. Use :func:`open_store`."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine, event

        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(url, connect_args={"timeout": 60, "isolation_level": None})

            @event.listens_for(self.engine, "connect")
            def _on_connect(dbapi_conn: Any, _record: Any) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=60000")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.close()

            @event.listens_for(self.engine, "begin")
            def _on_begin(conn: Any) -> None:
                # Writers take the lock at BEGIN: a deferred transaction that upgrades from read
                # to write can fail with "database is locked" despite the busy timeout.
                mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
                conn.exec_driver_sql(f"BEGIN {mode}")
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
        self._tables()

    # -- schema ---------------------------------------------------------------------------
    def _tables(self) -> None:
        from sqlalchemy import (
            Boolean,
            Column,
            DateTime,
            Float,
            Integer,
            LargeBinary,
            MetaData,
            String,
            Table,
            Text,
        )
        from sqlalchemy.types import JSON

        md = MetaData()
        self.scans = Table(
            "scans", md,
            Column("id", String(64), primary_key=True),
            Column("scope", String(512)),
            Column("sources", JSON),
            Column("started", DateTime(timezone=True)),
            Column("finished", DateTime(timezone=True)),
            Column("duration_seconds", Float),
            Column("incomplete", Boolean),
            Column("counts", JSON),
            Column("digest", String(64)),
            Column("tool_version", String(32)),
            Column("result_gz", LargeBinary),
            Column("stored", DateTime(timezone=True)),
        )
        self.parts = Table(
            "scan_parts", md,
            Column("scan_id", String(64), primary_key=True),
            Column("part", Integer, primary_key=True),
            Column("data", LargeBinary),
        )
        self.findings = Table(
            "findings", md,
            Column("scan_id", String(64), primary_key=True),
            Column("fingerprint", String(64), primary_key=True),
            Column("check_id", String(128)),
            Column("resource_id", Text),
            Column("status", String(16)),
            Column("severity", String(16)),
            Column("suppressed", Boolean),
        )

    @contextmanager
    def _write(self) -> Iterator[Any]:
        """One write transaction (the SQLite write lock taken at BEGIN)."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    def up_to_date(self) -> bool:
        """The schema is at SCHEMA_HEAD (read with a plain query, no Alembic import)."""
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.connect() as conn:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD
        except SQLAlchemyError:
            return False  # no version table yet: a new store

    def migrate(self) -> None:
        """Bring the schema to the newest revision, under a lock shared by all writers."""
        if self.up_to_date():
            return
        from alembic import command
        from alembic.config import Config
        from sqlalchemy import text

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "store_migrations"))
        with self._write() as conn:
            if not self.is_sqlite and conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def schema_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    # -- writing --------------------------------------------------------------------------
    def save(self, result: ScanResult) -> None:
        """Store one scan and its findings in a single transaction."""
        summary = result.summary()
        row = {
            "id": result.scan.id,
            "scope": result.scan.scope,
            "sources": list(result.scan.sources),
            "started": result.scan.started,
            "finished": result.scan.finished,
            "duration_seconds": result.scan.duration_seconds,
            "incomplete": result.scan.incomplete,
            "counts": summary,
            "digest": result.digest,
            "tool_version": result.tool.version,
            "result_gz": None,  # the result goes to scan_parts, compressed as it is read
            "stored": datetime.now(UTC),
        }
        with self._write() as conn:
            conn.execute(self.scans.insert(), [row])
            for part, data in enumerate(_compressed_parts(result)):
                conn.execute(self.parts.insert(), [{"scan_id": result.scan.id, "part": part, "data": data}])
            batch: list[dict[str, Any]] = []
            for f in result.findings:  # streamed from the result file; written in batches
                # Passes live only in the stored result JSON: history needs what did not pass, and
                # leaving passes out keeps the table (and every query over it) several times smaller.
                if f.status == Status.PASS:
                    continue
                batch.append(
                    {
                        "scan_id": result.scan.id,
                        "fingerprint": f.fingerprint,
                        "check_id": f.check_id,
                        "resource_id": f.resource_id,
                        "status": f.status.value,
                        "severity": f.severity.value,
                        "suppressed": f.suppressed,
                    }
                )
                if len(batch) >= 5000:
                    self._insert_findings(conn, batch)
                    batch = []
            self._insert_findings(conn, batch)

    def _insert_findings(self, conn: Any, rows: Sequence[dict[str, Any]]) -> None:
        """One row per fingerprint, the first one kept: the database drops a repeat (two results
        with one fingerprint), so no set of every fingerprint is held here."""
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        statement = insert(self.findings).on_conflict_do_nothing(index_elements=["scan_id", "fingerprint"])
        for start in range(0, len(rows), 5000):
            conn.execute(statement, list(rows[start : start + 5000]))

    # -- reading --------------------------------------------------------------------------
    def _stored(self, row: Any) -> StoredScan:
        return StoredScan(
            id=row.id,
            scope=row.scope,
            sources=list(row.sources or []),
            started=_aware(row.started),
            finished=_aware(row.finished),
            duration_seconds=float(row.duration_seconds),
            incomplete=bool(row.incomplete),
            counts=dict(row.counts or {}),
            digest=row.digest,
        )

    def list_scans(self, scope: str | None = None, limit: int | None = None) -> list[StoredScan]:
        """Scans newest first, optionally of one scope."""
        from sqlalchemy import select

        cols = [c for c in self.scans.c if c.name != "result_gz"]
        query = select(*cols).order_by(self.scans.c.started.desc(), self.scans.c.stored.desc())
        if scope is not None:
            query = query.where(self.scans.c.scope == scope)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [self._stored(r) for r in conn.execute(query)]

    def previous_baseline(self, scope: str, newest_first: Sequence[StoredScan] | None = None) -> StoredScan | None:
        """The newest scan of a scope that a later one may be compared with: any scan that read
        something. One that collected nothing (stored incomplete, no resources) never is."""
        for candidate in newest_first if newest_first is not None else self.list_scans(scope):
            if candidate.usable_baseline:
                return candidate
        if newest_first is not None and len(newest_first) >= TREND_POINTS - 1:
            return self.previous_baseline(scope)  # every recent one was empty: look further back
        return None

    def scopes(self) -> list[str]:
        """Every scope the store holds scans of, sorted."""
        from sqlalchemy import select

        with self.engine.connect() as conn:
            return sorted({r[0] for r in conn.execute(select(self.scans.c.scope).distinct())})

    def find_scan(self, prefix: str) -> StoredScan:
        """A scan by id or unambiguous id prefix."""
        from sqlalchemy import select

        cols = [c for c in self.scans.c if c.name != "result_gz"]
        query = select(*cols).where(self.scans.c.id.like(prefix.replace("%", "") + "%")).limit(2)
        with self.engine.connect() as conn:
            rows = list(conn.execute(query))
        if not rows:
            raise ConfigError(f"no scan {prefix!r} in the store {redact_url(self.url)}")
        if len(rows) > 1:
            raise ConfigError(f"scan id prefix {prefix!r} is ambiguous; give more characters")
        return self._stored(rows[0])

    def load_result(self, scan_id: str) -> ScanResult:
        import json

        from auditor.result_stream import result_from_data

        return result_from_data(json.loads(self._result_document(scan_id)), f"stored scan {scan_id}")

    def _result_document(self, scan_id: str) -> bytes:
        """The stored result document: from its parts, or (scans stored before 0004) its one value."""
        from sqlalchemy import select

        with self.engine.connect() as conn:
            found = conn.execute(select(self.scans.c.id, self.scans.c.result_gz).where(self.scans.c.id == scan_id)).first()
            if found is None:
                raise ConfigError(f"no scan {scan_id!r} in the store {redact_url(self.url)}")
            if found.result_gz is not None:
                return zlib.decompress(found.result_gz)
            unpacker = zlib.decompressobj()
            out = [unpacker.decompress(row.data) for row in conn.execute(
                select(self.parts.c.data).where(self.parts.c.scan_id == scan_id).order_by(self.parts.c.part))]
        return b"".join([*out, unpacker.flush()])

    def load_view(self, scan_id: str) -> ScanView:
        """What a diff needs of a stored scan, without validating the whole result."""
        import json

        from auditor.history import view_of_json

        return view_of_json(json.loads(self._result_document(scan_id)), f"stored scan {scan_id}")

    def failing_fingerprints(self, scan_id: str) -> set[str]:
        """Unsuppressed failures of one scan."""
        from sqlalchemy import select

        f = self.findings.c
        query = select(f.fingerprint).where(f.scan_id == scan_id, f.status == Status.FAIL.value, f.suppressed.is_(False))
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(query)}

    def failing_among(self, scan_id: str, fingerprints: Sequence[str]) -> set[str]:
        """Which of ``fingerprints`` were unsuppressed failures of one scan (a batch at a time:
        what ``--fail-on-new`` asks when the result lists only the first new failures)."""
        from sqlalchemy import select

        f = self.findings.c
        found: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(fingerprints), 500):
                query = select(f.fingerprint).where(
                    f.scan_id == scan_id, f.status == Status.FAIL.value, f.suppressed.is_(False),
                    f.fingerprint.in_(fingerprints[start:start + 500]))
                found.update(r[0] for r in conn.execute(query))
        return found

    def history_for(self, result: ScanResult) -> HistoryInfo:
        """How ``result`` relates to the stored scans of its scope (computed before it is saved).

        The set differences run in the database: the scan's failing fingerprints go, in batches
        as they stream from the result file, into a temporary table of this connection, and the
        queries compare it with the baseline's rows; nothing is ever committed."""
        scope = result.scan.scope
        previous = self.list_scans(scope, limit=TREND_POINTS - 1)
        # A scan that read nothing never serves as the baseline: everything would look new.
        baseline = self.previous_baseline(scope, previous)
        with self.engine.connect() as conn:
            now = self._failing_now(conn, result)
            (new, new_count), (resolved, resolved_count), first = self._compare(
                conn, now, scope, baseline.id if baseline else None, result.scan.started)
            conn.rollback()  # the temporary table goes with the transaction
        trend = [
            TrendPoint(scan_id=s.id, started=s.started, failing_by_severity=dict(s.counts.get("failures_by_severity", {})))
            for s in reversed(previous)
        ]
        trend.append(
            TrendPoint(
                scan_id=result.scan.id,
                started=result.scan.started,
                failing_by_severity=dict(result.summary()["failures_by_severity"]),
            )
        )
        # Built without validation: the values come typed from the store, and validating would
        # copy a dictionary with an entry per failing fingerprint.
        return HistoryInfo.model_construct(
            previous_scan_id=baseline.id if baseline else None,
            new=new,
            new_count=new_count,
            resolved=resolved,
            resolved_count=resolved_count,
            first_seen=first,
            trend=trend,
        )

    def _failing_now(self, conn: Any, result: ScanResult) -> Any:
        """A temporary table of ``result``'s unsuppressed failures (one row per finding; the
        queries read it with DISTINCT), written in batches while the findings stream."""
        from sqlalchemy import Column, MetaData, String, Table

        now = Table("auditor_failing_now", MetaData(), Column("fingerprint", String(64), index=True),
                    prefixes=["TEMPORARY"])
        now.create(conn)
        batch: list[dict[str, str]] = []
        for f in result.findings:
            if f.active_failure:
                batch.append({"fingerprint": f.fingerprint})
                if len(batch) >= 5000:
                    conn.execute(now.insert(), batch)
                    batch = []
        if batch:
            conn.execute(now.insert(), batch)
        return now

    def _compare(
        self, conn: Any, now: Any, scope: str, baseline: str | None, started: datetime
    ) -> tuple[tuple[list[str], int | None], tuple[list[str], int | None], dict[str, datetime]]:
        """New (failing now, not in the baseline; none without a baseline, where every failure is
        new) and resolved (the reverse), each as its first CHANGES_LISTED fingerprints and its
        count; and the FIRST_SEEN_LISTED oldest open failures with the start of the first stored
        scan of the scope they failed in (``started`` for those failing here for the first time)."""
        from sqlalchemy import exists, func, select

        f, s, n = self.findings.c, self.scans.c, now.c
        failing_in_baseline = (f.scan_id == baseline, f.status == Status.FAIL.value, f.suppressed.is_(False))
        new: tuple[list[str], int | None] = ([], None)
        resolved: tuple[list[str], int | None] = ([], None)
        if baseline is not None:
            new_q = select(n.fingerprint).distinct().where(
                ~exists().where(f.fingerprint == n.fingerprint, *failing_in_baseline))
            resolved_q = select(f.fingerprint).distinct().where(
                *failing_in_baseline, ~exists().where(n.fingerprint == f.fingerprint))
            new, resolved = (
                ([r[0] for r in conn.execute(q.order_by(q.selected_columns[0]).limit(CHANGES_LISTED))],
                 int(conn.execute(select(func.count()).select_from(q.subquery())).scalar() or 0))
                for q in (new_q, resolved_q)
            )
        failed_before_in_scope = (
            select(f.fingerprint)
            .select_from(self.findings.join(self.scans, f.scan_id == s.id))
            .where(s.scope == scope, f.status == Status.FAIL.value, f.fingerprint == n.fingerprint)
        )
        first_q = (
            select(f.fingerprint, func.min(s.started).label("first"))
            .select_from(self.findings.join(self.scans, f.scan_id == s.id))
            .where(s.scope == scope, f.status == Status.FAIL.value, exists().where(n.fingerprint == f.fingerprint))
            .group_by(f.fingerprint)
            .order_by(func.min(s.started), f.fingerprint)
            .limit(FIRST_SEEN_LISTED)
        )
        # One datetime object per scan start, shared: a first-seen date is one of a few scans'.
        starts: dict[datetime, datetime] = {}
        first = {fp: starts.setdefault(when, _aware(when)) for fp, when in conn.execute(first_q) if when is not None}
        if len(first) < FIRST_SEEN_LISTED:  # then the failures seen here for the first time
            fresh_q = (select(n.fingerprint).distinct().where(~failed_before_in_scope.exists())
                       .order_by(n.fingerprint).limit(FIRST_SEEN_LISTED - len(first)))
            first.update((r[0], started) for r in conn.execute(fresh_q))
        return new, resolved, first


PART_BYTES = 4 << 20  # compressed bytes per stored part


def _compressed_parts(result: ScanResult) -> Iterator[bytes]:
    """The result document compressed, in parts of at most PART_BYTES (a streamed result is read
    from its file in chunks: nothing the size of the result is held)."""
    packer = zlib.compressobj(6)
    pending = bytearray()

    def chunks() -> Iterator[bytes]:
        source = result.source
        if source is None:
            yield result.to_json(indent=None).encode("utf-8")
            return
        with open(source, "rb") as f:
            while chunk := f.read(1 << 20):
                yield chunk

    for chunk in chunks():
        pending += packer.compress(chunk)
        while len(pending) >= PART_BYTES:
            yield bytes(pending[:PART_BYTES])
            del pending[:PART_BYTES]
    pending += packer.flush()
    while pending:
        yield bytes(pending[:PART_BYTES])
        del pending[:PART_BYTES]


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL (None for other databases and in-memory stores)."""
    if not url.startswith("sqlite") or "///" not in url:
        return None
    path = url.split("///", 1)[1].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def check_sqlite_file(path: Path) -> None:
    """Refuse a damaged SQLite store before anything reads or writes it: ``PRAGMA quick_check``
    over a read-only connection (so a refused store is never touched)."""
    import sqlite3

    shown = redact_url(normalise_url(str(path)))
    hint = "restore it from a backup or move it aside, or pass --no-store"
    from contextlib import closing
    from urllib.parse import quote

    try:
        with closing(sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=60)) as db:
            rows = [str(r[0]) for r in db.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"the scan store {shown} is not a readable SQLite database ({exc}); {hint}") from exc
    if rows != ["ok"]:
        rows = [" ".join(r.split()) for r in rows]  # one line: SQLite's report spans several
        raise ConfigError(
            f"the scan store {shown} is corrupted (SQLite quick_check: {'; '.join(rows)[:300]}); "
            f"it was not used or written; {hint}"
        )


_CHECKED: set[tuple[str, int, int]] = set()  # SQLite files found sound in this process, unchanged since


def _known_revisions() -> set[str]:
    folder = Path(__file__).parent / "store_migrations" / "versions"
    return {p.name.split("_", 1)[0] for p in folder.glob("[0-9]*_*.py")}


def _refuse_newer_schema(store: Store) -> None:
    """A store written by a newer auditor names the revision it needs instead of failing inside Alembic."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with store.engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return  # no version table: a new, empty store
    if revision is not None and str(revision) not in _known_revisions():
        from auditor import __version__

        raise ConfigError(
            f"the scan store {redact_url(store.url)} has schema revision {revision}, written by a newer auditor; "
            f"auditor {__version__} reads revisions up to {SCHEMA_HEAD}: upgrade auditor to use this store "
            "(it was not changed)"
        )


def _holds_history(store: Store) -> bool:
    from sqlalchemy import inspect

    return inspect(store.engine).has_table("scans")


def open_store(url: str, *, migrate: bool = True, create: bool = True) -> Store:
    """Open (and by default create or upgrade) the store at ``url``; errors are ConfigErrors.

    ``create=False`` is for read-only commands (history, diff): a store that does not exist is
    an error, never a new empty database. An SQLite file is checked for damage first."""
    try:
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            "the store extra is not installed: pip install 'ml-posture-auditor[store]' (or pass --no-store)"
        ) from exc
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    file = sqlite_path(url)
    if file is not None and not create and not file.is_file():
        raise ConfigError(f"the scan store {file} does not exist (check --store, AUDITOR_STORE or the config's store:)")
    if file is not None and file.is_file():
        stamp = (str(file.resolve()), file.stat().st_size, file.stat().st_mtime_ns)
        if stamp not in _CHECKED:  # a scan opens its store twice (before the work, then to record)
            check_sqlite_file(file)
            _CHECKED.add(stamp)
    store: Store | None = None
    try:
        store = Store(url)
        _refuse_newer_schema(store)
        if not create and not _holds_history(store):
            raise ConfigError(f"the scan store {redact_url(url)} holds no scan history (run a scan first)")
        if migrate:
            store.migrate()
    except ConfigError:
        if store is not None:
            store.close()
        raise
    except ArgumentError as exc:
        raise ConfigError(f"store URL {redact_url(url)!r} is not valid: {exc}") from exc
    except (SQLAlchemyError, OSError, ImportError) as exc:
        if store is not None:
            store.close()
        raise ConfigError(f"cannot open the scan store {redact_url(url)}: {_short(exc)}") from exc
    return store


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__

