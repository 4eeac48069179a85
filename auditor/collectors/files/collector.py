"""``FilesCollector``: model files, notebooks, dependency manifests and lineage manifests.

Files are found recursively and recognised by their first bytes (model formats) or by their
well-known names (lock files, requirements). Each file is scanned on its own: a file that cannot
be read or parsed is a collection error for that file, and a model file that could not be
scanned becomes a ModelArtifact with ``code_execution=None`` and ``scan_error`` set, so
"could not scan" stays distinct from clean and from malicious.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

from auditor.collectors.base import CollectionError, CollectionSink
from auditor.collectors.files import deps, sniff
from auditor.collectors.files.models import Limits, Scanner, describe_failure
from auditor.config import ConfigError
from auditor.resources import Dataset, Dependency, KnownAdvisory, ModelArtifact, NotebookFile, Provider, Ref

_GENERIC_CONTAINERS = frozenset({sniff.ZIP, sniff.TAR, sniff.GZIP, sniff.BZIP2, sniff.XZ, sniff.LZMA, sniff.ZLIB,
                                 sniff.HDF5})
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules"})
MAX_TEXT = 64 << 20  # notebooks, manifests and lock files larger than this are not parsed


class FilesCollector:
    name: ClassVar[str] = "files"

    def __init__(
        self,
        paths: Sequence[str | Path],
        *,
        root: str | Path | None = None,
        advisories_dirs: Sequence[str | Path] = (),
        max_file_size: int | None = None,
        hash_models: bool = True,
        trusted_keys: Sequence[str | Path] = (),
        workers: int = 4,
        limits: Limits | None = None,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.root = Path(root) if root else _common_root(self.paths)
        self.max_file_size = max_file_size
        self.hash_models = hash_models
        self.workers = workers
        self.limits = limits or Limits()
        self.user_advisories: Any = None
        if advisories_dirs:
            from auditor.advisories import AdvisoryDB, AdvisoryError
            from auditor.config import ConfigError

            try:
                self.user_advisories = AdvisoryDB.load(list(advisories_dirs))
            except AdvisoryError as exc:
                raise ConfigError(f"--advisories: {exc}") from exc
        self.trusted_keys: set[str] | None = None
        if trusted_keys:
            self.trusted_keys = {_key_fingerprint(Path(k)) for k in trusted_keys}
        self._lock = threading.Lock()
        self._models: list[tuple[str, Path]] = []
        self._covered: set[Path] = set()

    def scope(self) -> str:
        return f"files-{self.root.resolve().name or 'root'}"

    # -- discovery ------------------------------------------------------------------------
    def _rel(self, path: Path) -> str:
        try:
            return Path(os.path.relpath(path.absolute(), self.root.absolute())).as_posix()
        except ValueError:
            return path.as_posix()

    def _walk(self, sink: CollectionSink) -> Iterator[Path]:
        seen_dirs: set[tuple[int, int]] = set()
        for top in self.paths:
            if not top.exists():
                sink.error(CollectionError(source="files", message=f"{top}: no such file or directory",
                                           path=self._rel(top), incomplete=True))
                continue
            if top.is_file():
                yield top
                continue
            stack = [top]
            while stack:
                directory = stack.pop()
                try:
                    st = directory.stat()
                except OSError as exc:
                    sink.error(CollectionError(source="files", message=f"{self._rel(directory)}: not scanned ({exc.strerror})",
                                               path=self._rel(directory), incomplete=True))
                    continue
                key = (st.st_dev, st.st_ino)
                if key in seen_dirs:
                    continue  # a symlink loop or a second path to the same folder
                seen_dirs.add(key)
                try:
                    entries = sorted(os.scandir(directory), key=lambda e: e.name)
                except OSError as exc:
                    # Whatever the folder holds is unseen: the scan is incomplete, never green by omission.
                    sink.error(CollectionError(source="files", message=f"{self._rel(directory)}: folder not scanned: "
                                               f"cannot list ({exc.strerror})", path=self._rel(directory), incomplete=True))
                    continue
                for entry in entries:
                    try:
                        if entry.is_dir():
                            if entry.name not in SKIP_DIRS:
                                stack.append(Path(entry.path))
                        elif entry.is_file():
                            yield Path(entry.path)
                        else:
                            self._special(Path(entry.path), sink)
                    except OSError as exc:
                        sink.error(CollectionError(source="files", message=f"{self._rel(Path(entry.path))}: not scanned "
                                                   f"({exc.strerror})", path=self._rel(Path(entry.path)), incomplete=True))

    def _special(self, path: Path, sink: CollectionSink) -> None:
        """Not a folder nor a regular file: never opened (a pipe blocks, a device never ends), always named."""
        rel = self._rel(path)
        try:
            mode = path.stat().st_mode
        except OSError:
            sink.error(CollectionError(source="files", message=f"{rel}: broken symbolic link: not read", path=rel))
            return
        kind = ("a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
        sink.error(CollectionError(source="files", message=f"{rel}: {kind}: only regular files are read", path=rel,
                                   incomplete=True))

    # -- collection -----------------------------------------------------------------------
    def collect(self, sink: CollectionSink) -> None:
        files = list(self._walk(sink))
        sink.progress(f"files: scanning {len(files)} files under {self.root}")
        # Each file is its own guarded unit with its own output, merged in walk order: one file
        # that fails never cancels another, and a scan gives the same result every time.
        with ThreadPoolExecutor(max_workers=max(1, self.workers)) as pool:
            futures = [pool.submit(self._guarded, path) for path in files]
            outcomes = [future.result() for future in futures]
        manifests: list[Path] = []
        for local, manifest in outcomes:
            sink.add_all(local.resources)
            for error in local.errors:
                sink.error(error)
            if manifest is not None:
                manifests.append(manifest)
        for manifest in manifests:
            self._lineage(manifest, sink)
        self._uncovered_models(sink)

    def _guarded(self, path: Path) -> tuple[CollectionSink, Path | None]:
        local = CollectionSink()
        try:
            return local, self._one(path, local)
        except ConfigError:
            raise  # a missing extra: the whole scan is misconfigured
        except Exception as exc:
            rel = self._rel(path)
            message = f"{rel}: could not be scanned: {describe_failure(exc)}"
            local.error(CollectionError(source="files", message=message, path=rel, incomplete=True))
            return local, None

    def _ref(self, path: Path, line: int | None = None, suffix: str = "") -> Ref:
        rel = self._rel(path)
        return Ref(provider=Provider.FILE, id=rel + suffix, name=path.name + suffix, path=rel, line=line)

    def _one(self, path: Path, sink: CollectionSink) -> Path | None:
        """Scan one file; returns it when it is a lineage manifest (verified after the others)."""
        rel = self._rel(path)
        try:
            size = path.stat().st_size
            with path.open("rb") as f:
                head = f.read(sniff.HEAD)
        except OSError as exc:
            sink.error(CollectionError(source="files", message=f"{rel}: cannot read ({exc.strerror or exc})", path=rel, incomplete=True))
            return None
        kind = deps.manifest_kind(path.name)
        if kind is not None:
            self._dependencies(path, kind, size, sink)
            return None
        if path.suffix.lower() == ".ipynb" or (head.lstrip()[:1] == b"{" and b'"nbformat"' in head and b'"cells"' in head):
            self._notebook(path, size, sink)
            return None
        if head.lstrip()[:1] == b"{" and b"auditor-lineage/" in head:
            return path
        fmt = sniff.sniff(head, path.name)
        if fmt is None:
            return None
        self._model(path, fmt, size, sink)
        return None

    def _model(self, path: Path, fmt: str, size: int, sink: CollectionSink) -> None:
        rel = self._rel(path)
        if self.max_file_size is not None and size > self.max_file_size:
            message = f"{size} bytes exceeds --max-file-size {self.max_file_size}"
            sink.error(CollectionError(source="files", message=f"{rel}: not scanned: {message}", path=rel, incomplete=True))
            sink.add(ModelArtifact(ref=self._ref(path), format=fmt, size=size, scan_error=f"not scanned: {message}"))
            return
        sha = None
        scan = None
        try:
            with path.open("rb") as f:
                scan = Scanner(self.limits).scan_file(f, size, fmt)
            if self.hash_models:
                sha = _sha256(path)
        except Exception as exc:  # the file is unknown, never dropped
            reason = f"cannot read ({exc.strerror or exc})" if isinstance(exc, OSError) else describe_failure(exc)
            sink.error(CollectionError(source="files", message=f"{rel}: {reason}", path=rel, incomplete=True))
            sink.add(ModelArtifact(ref=self._ref(path), format=fmt, size=size, scan_error=reason))
            return
        error = "; ".join(scan.errors) if scan.errors else None
        if not scan.model_content and fmt in _GENERIC_CONTAINERS and not error:
            return  # an ordinary archive or compressed file read to its end (a wheel, a document): not a model
        # An archive that could not be read through (corrupt, encrypted, past a limit) may hold a
        # model: it is reported as one that could not be scanned.
        if error:
            sink.error(CollectionError(source="files", message=f"{rel}: could not be fully scanned: {error}", path=rel, incomplete=True))
        sink.add(
            ModelArtifact(
                ref=self._ref(path),
                format=scan.format,
                sha256=sha,
                size=size,
                pickle_based=scan.pickle_based,
                code_execution=scan.code_execution,
                findings=scan.items,
                scan_error=error,
            )
        )
        with self._lock:
            self._models.append((rel, path.resolve()))

    def _notebook(self, path: Path, size: int, sink: CollectionSink) -> None:
        from auditor.collectors.files.notebooks import notebook_error, scan_notebook

        rel = self._rel(path)
        try:
            if size > MAX_TEXT:
                raise ValueError(f"{size} bytes is larger than the {MAX_TEXT}-byte notebook limit")
            secrets, personal = scan_notebook(path.read_text(encoding="utf-8", errors="replace"))
        except ImportError:
            from auditor.config import ConfigError

            raise ConfigError("the files extra is not installed: pip install 'ml-posture-auditor[files]'") from None
        except Exception as exc:  # nbformat raises many kinds for a malformed notebook
            message = notebook_error(exc)
            sink.error(CollectionError(source="files", message=f"{rel}: notebook could not be parsed: {message}", path=rel, incomplete=True))
            sink.add(NotebookFile(ref=self._ref(path), parse_error=message))
            return
        sink.add(NotebookFile(ref=self._ref(path), secrets=secrets, personal_data=personal))

    def _dependencies(self, path: Path, kind: str, size: int, sink: CollectionSink) -> None:
        rel = self._rel(path)
        try:
            if size > MAX_TEXT:
                raise deps.ManifestError(f"{size} bytes is larger than the {MAX_TEXT}-byte limit")
            pins = deps.parse_manifest(kind, path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, deps.ManifestError) as exc:
            sink.error(CollectionError(source="files", message=f"{rel}: {exc}", path=rel, incomplete=True))
            return
        seen: set[str] = set()
        for pin in pins:
            key = pin.package.lower()
            if key in seen:
                continue
            seen.add(key)
            sink.add(
                Dependency(
                    ref=self._ref(path, pin.line, suffix=f"#{pin.package}"),
                    package=pin.package,
                    version=pin.version,
                    manifest=rel,
                    advisories=self._user_matches(pin),
                )
            )

    def _user_matches(self, pin: deps.Pin) -> list[KnownAdvisory] | None:
        if self.user_advisories is None or pin.version is None:
            return None
        try:
            hits = self.user_advisories.match(pin.package, pin.version)
        except Exception:
            return None
        return [
            KnownAdvisory(id=a.id, summary=a.summary, severity=a.severity, fixed=list(a.fixed), source=a.source or a.origin)
            for a in hits
        ]

    def _lineage(self, path: Path, sink: CollectionSink) -> None:
        from auditor.lineage import is_manifest, verify

        rel = self._rel(path)
        try:
            size = path.stat().st_size
            if size > MAX_TEXT:
                raise ValueError(f"{size} bytes is larger than the {MAX_TEXT}-byte limit for manifests")
            data = json.loads(path.read_text())
            if not is_manifest(data):
                return
            result = verify(path, data, trusted_keys=self.trusted_keys)
        except ConfigError:
            raise
        except Exception as exc:  # any malformed manifest is this manifest's error alone
            reason = describe_failure(exc)
            if isinstance(exc, (KeyError, TypeError, AttributeError)):
                reason = f"a field is missing or has the wrong type ({reason})"
            sink.error(CollectionError(source="files", message=f"{rel}: lineage manifest could not be read: {reason}",
                                       path=rel, incomplete=True))
            sink.add(Dataset(ref=self._ref(path), manifest=rel, signature_detail=f"unreadable: {reason}"))
            return
        with self._lock:
            self._covered.update(result.covered)
        sink.add(
            Dataset(
                ref=self._ref(path),
                manifest=rel,
                signed=result.signed,
                signature_valid=result.signature_valid,
                signature_detail=result.signature_detail,
                hash_mismatches=result.hash_mismatches,
                missing_files=result.missing_files,
            )
        )

    def _uncovered_models(self, sink: CollectionSink) -> None:
        """A model file no lineage manifest in the scan covers: lineage_manifest_unsigned (missing)."""
        for rel, resolved in sorted(self._models):
            if resolved in self._covered:
                continue
            sink.add(
                Dataset(
                    ref=Ref(provider=Provider.FILE, id=f"{rel}#lineage", name=f"{Path(rel).name} lineage", path=rel),
                    manifest=None,
                    signed=False,
                    signature_detail="no lineage manifest covers this model file",
                )
            )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _common_root(paths: list[Path]) -> Path:
    if not paths:
        return Path(".")
    dirs = [str((p if p.is_dir() else p.parent).absolute()) for p in paths]
    try:
        return Path(os.path.commonpath(dirs))
    except ValueError:
        return Path(".")


def _key_fingerprint(path: Path) -> str:
    from cryptography.hazmat.primitives import serialization

    from auditor.config import ConfigError

    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable PEM public key ({exc})") from None
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


__all__ = ["FilesCollector"]
