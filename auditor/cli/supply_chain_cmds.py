"""``auditor lineage keygen|record|verify`` and ``auditor bom``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from auditor.config import ConfigError


def register(cli: click.Group, scan: click.Group) -> None:
    @cli.group("lineage")
    def lineage() -> None:
        """Signed lineage manifests: the data files a model was built from, by SHA-256."""

    @lineage.command("keygen")
    @click.option("--key", "-k", "key", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Private key file to write (PEM).")
    @click.option("--public", type=click.Path(dir_okay=False, path_type=Path), help="Public key file (default KEY.pub).")
    @click.option("--force", is_flag=True)
    def keygen(key: Path, public: Path | None, force: bool) -> None:
        """Create an Ed25519 signing key."""
        from auditor.lineage import LineageError
        from auditor.lineage import keygen as make

        try:
            pub = make(key, public, force=force)
        except (LineageError, OSError) as exc:
            raise ConfigError(str(exc)) from exc
        click.echo(f"wrote {key} (private, keep it secret) and {pub}", err=True)

    @lineage.command("record")
    @click.option("--data", "data_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--model", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--key", "key", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path))
    def record(data_dir: Path, model: Path, key: Path, output: Path) -> None:
        """Hash every data file and the model, sign, and write the manifest."""
        from auditor.lineage import LineageError
        from auditor.lineage import record as write

        try:
            manifest = write(data_dir, model, key, output)
        except (LineageError, OSError) as exc:
            raise ConfigError(str(exc)) from exc
        click.echo(f"wrote {output}: {len(manifest['data']['files'])} data files and the model, signed", err=True)

    @lineage.command("verify")
    @click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--trusted-key", "trusted_keys", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def verify(manifest: Path, trusted_keys: tuple[Path, ...]) -> None:
        """Check a manifest's signature and every hash. Exit 0 ok, 1 mismatch or bad signature."""
        from auditor.collectors.files.collector import _key_fingerprint
        from auditor.lineage import LineageError
        from auditor.lineage import verify as check

        trusted = {_key_fingerprint(k) for k in trusted_keys} if trusted_keys else None
        try:
            result = check(manifest, trusted_keys=trusted)
        except LineageError as exc:
            raise ConfigError(str(exc)) from exc
        click.echo(f"signature: {result.signature_detail}")
        for path in result.hash_mismatches:
            click.echo(f"changed: {path}")
        for path in result.missing_files:
            click.echo(f"missing: {path}")
        ok = result.signature_valid and not result.hash_mismatches and not result.missing_files
        sys.exit(0 if ok else 1)

    @cli.command("bom")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
    @click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--no-hash", is_flag=True, help="Skip model hashes.")
    @click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
    def bom(paths: tuple[Path, ...], output: Path, no_hash: bool, force: bool) -> None:
        """Write an ML-BOM (CycloneDX 1.6 JSON): models, datasets and dependencies under PATHS."""
        from auditor.bom import build_bom

        if output.exists() and not force:  # checked before any file is read
            raise ConfigError(f"{output} exists; pass --force to overwrite it or choose another path")
        try:
            text = build_bom([str(p) for p in paths], hash_models=not no_hash)
        except ImportError as exc:
            raise ConfigError("the files extra is not installed: pip install 'ml-posture-auditor[files]'") from exc
        output.write_text(text)
        count = len(json.loads(text).get("components", []))
        click.echo(f"wrote {output}: {count} components", err=True)
