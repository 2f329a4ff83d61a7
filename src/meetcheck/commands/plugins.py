"""``meetcheck plugins``: what is loaded, what each plugin adds, and what failed."""

from __future__ import annotations

import json
from typing import Any

import click

from meetcheck.hookimpl import hookimpl


def _check_lines(described: dict[str, Any]) -> list[str]:
    lines = [f"    {described['id']}: {described['title']}"]
    for name, m in described["metrics"].items():
        direction = "higher is worse" if m["higher_is_worse"] else "lower is worse"
        unit = f" {m['unit']}" if m["unit"] else ""
        lines.append(f"      metric {name}{unit} ({direction})")
    for name, o in described["options"].items():
        lines.append(f"      option {name} = {o['default']!r}  {o['description']}".rstrip())
    return lines


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def plugins_cmd(ctx: click.Context, as_json: bool) -> None:
    """List loaded plugins with their hooks, checks, reporters and commands.

    Exits 1 when a plugin failed to load or register, so CI notices.
    """
    from meetcheck.cli import plugins_of

    plugins = plugins_of(ctx)
    checks = plugins.checks()
    plugins.reporters()
    catalogs = plugins.catalogs()
    owners = ctx.find_root().obj["commands"].owners
    rows = []
    for info in sorted(plugins.info.values(), key=lambda i: (i.source != "builtin", i.name)):
        rows.append(
            {
                "name": info.name,
                "version": info.version,
                "source": info.source,
                "location": info.location,
                "hooks": plugins.hooks_of(info.name),
                "checks": info.checks,
                "reporters": info.reporters,
                "commands": sorted(c for c, owner in owners.items() if owner == info.name),
                "catalogs": {d: catalogs[d].languages() for d in info.catalogs if d in catalogs},
            }
        )
    errors = [e.to_dict() for e in plugins.errors]
    if as_json:
        described = [c.describe() for c in checks.values()]
        click.echo(json.dumps({"plugins": rows, "checks": described, "errors": errors}, indent=2))
    else:
        for row in rows:
            click.echo(f"{row['name']} {row['version']} ({row['source']})")
            click.echo(f"  hooks: {', '.join(row['hooks']) or '-'}")
            if row["checks"]:
                click.echo("  checks:")
                for cid in row["checks"]:
                    click.echo("\n".join(_check_lines(checks[cid].describe())))
            if row["reporters"]:
                click.echo(f"  reporters: {', '.join(row['reporters'])}")
            if row["commands"]:
                click.echo(f"  commands: {', '.join(row['commands'])}")
            for domain, languages in row["catalogs"].items():
                click.echo(f"  catalog {domain}: {', '.join(languages)}")
        for e in plugins.errors:
            click.echo(f"error: {e}")
    ctx.exit(1 if errors else 0)


@hookimpl
def meetcheck_register_commands(cli: click.Group) -> None:
    cli.add_command(plugins_cmd)
