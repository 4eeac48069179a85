"""``auditor frameworks list`` and ``auditor frameworks show ID``."""

from __future__ import annotations

import json

import click

from auditor.config import ConfigError


def register(cli: click.Group, scan: click.Group) -> None:
    cli.add_command(frameworks_group)


@click.group("frameworks")
def frameworks_group() -> None:
    """Compliance frameworks and the checks that give evidence for their controls."""


@frameworks_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def frameworks_list(as_json: bool) -> None:
    """List the frameworks with their version and control counts by kind."""
    from auditor.compliance.loader import select

    rows = []
    for fw in select(None):  # core frameworks first
        kinds = {k: sum(1 for c in fw.controls if c.kind == k) for k in ("technical", "partial", "manual")}
        rows.append({"id": fw.framework, "name": fw.name, "version": fw.version, "controls": len(fw.controls), **kinds})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['id']:<12} {row['controls']:>3} controls "
            f"({row['technical']} technical, {row['partial']} partial, {row['manual']} manual)  "
            f"{row['name']} [{row['version']}]"
        )


@frameworks_group.command("show")
@click.argument("framework_id")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def frameworks_show(framework_id: str, as_json: bool) -> None:
    """Show every control of a framework: citation, kind, intent and the checks mapped to it."""
    from auditor.compliance import load_all

    frameworks = load_all()
    if framework_id not in frameworks:
        raise ConfigError(f"unknown framework {framework_id!r}; choose from {', '.join(frameworks)}")
    fw = frameworks[framework_id]
    if as_json:
        click.echo(fw.model_dump_json(indent=2))
        return
    click.echo(f"{fw.name}\nversion: {fw.version}\nsource: {fw.source}\n")
    section = None
    for control in fw.controls:
        if control.section != section:
            section = control.section
            click.echo(f"== {section}")
        click.echo(f"{control.id}  [{control.ref}]  {control.title}  ({control.kind})")
        click.echo(f"    {control.intent}")
        if control.checks:
            label = "supporting checks" if control.kind == "manual" else "checks"
            click.echo(f"    {label}: {', '.join(control.checks)}")
    if fw.why_not:
        click.echo("\n== Checks deliberately not mapped")
        for check_id, reason in sorted(fw.why_not.items()):
            click.echo(f"{check_id}: {reason}")
