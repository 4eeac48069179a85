"""``auditor demo``: scan an embedded, emulated ML account and write report.html and report.json."""

from __future__ import annotations

from pathlib import Path

import click


def register(cli: click.Group, scan: click.Group) -> None:
    @cli.command("demo")
    @click.option("--output-dir", "-o", default="demo-output", show_default=True,
                  type=click.Path(file_okay=False, path_type=Path), help="Where report.html and report.json go (overwritten).")
    @click.option("--quiet", "-q", is_flag=True, help="Only print where the reports are.")
    def demo(output_dir: Path, quiet: bool) -> None:
        """Scan a built-in demo ML estate in an emulated AWS account (no cloud account, no network)."""
        from auditor.collectors.base import require_modules

        require_modules(("boto3", "moto"), "the demo extra is not installed: pip install 'ml-posture-auditor[demo]'")
        from auditor.demo import run_demo

        result, paths = run_demo(output_dir, formats=["html", "json"], quiet=quiet)
        if not quiet:
            from auditor.console import print_summary

            print_summary(result)
        for path in paths:
            click.echo(f"wrote {path.resolve()}")
