"""``auditor demo``: scan an embedded, emulated ML account and write report.html and report.json."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.config import ConfigError


def _available_formats() -> list[str]:
    """HTML when its renderer is installed, always JSON."""
    import importlib.util

    formats = ["json"]
    if importlib.util.find_spec("auditor.reports.html") is not None:
        formats.insert(0, "html")
    return formats


def register(cli: click.Group, scan: click.Group) -> None:
    @cli.command("demo")
    @click.option("--output-dir", "-o", default="demo-output", show_default=True,
                  type=click.Path(file_okay=False, path_type=Path), help="Where report.html and report.json go (overwritten).")
    @click.option("--quiet", "-q", is_flag=True, help="Only print where the reports are.")
    def demo(output_dir: Path, quiet: bool) -> None:
        """Scan a built-in demo ML estate in an emulated AWS account (no cloud account, no network)."""
        try:
            from auditor.demo import run_demo
        except ImportError as exc:
            raise ConfigError("the demo extra is not installed: pip install 'ml-posture-auditor[demo]'") from exc
        try:
            import moto  # noqa: F401
        except ImportError as exc:
            raise ConfigError("the demo extra is not installed: pip install 'ml-posture-auditor[demo]'") from exc
        result, paths = run_demo(output_dir, formats=_available_formats(), quiet=quiet)
        if not quiet:
            from auditor.console import print_summary

            print_summary(result)
        for path in paths:
            click.echo(f"wrote {path.resolve()}")
