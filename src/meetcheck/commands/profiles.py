"""``meetcheck profiles list|show|validate``."""

from __future__ import annotations

import json

import click

from meetcheck.hookimpl import hookimpl


@click.group()
def profiles() -> None:
    """List, show and validate profiles."""


@profiles.command("list")
@click.pass_context
def profiles_list(ctx: click.Context) -> None:
    """List the profiles shipped with meetcheck and its plugins."""
    from meetcheck.cli import plugin_warnings, plugins_of
    from meetcheck.readable import visible
    from meetcheck.tomlfile import load_toml

    plugins = plugins_of(ctx)
    named = plugins.named_profiles()
    plugin_warnings(plugins)
    for name, path in named.items():
        raw = load_toml(str(path), "profile")
        line = f"{name:<24} {raw.get('version', ''):<8} {raw.get('description', '')}"
        click.echo(visible(line))


@profiles.command("show")
@click.argument("profile_ref", metavar="NAME|PATH")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def profiles_show(ctx: click.Context, profile_ref: str, as_json: bool) -> None:
    """Print the fully resolved profile (after extends)."""
    from meetcheck.cli import plugins_of
    from meetcheck.profile import load_profile

    plugins = plugins_of(ctx)
    profile = load_profile(profile_ref, plugins.checks(), plugins)
    data = dict(profile.data)
    data.pop("extends", None)
    data["resolved_from"] = profile.chain
    data["digest"] = profile.digest
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        import tomli_w

        click.echo(tomli_w.dumps(data), nl=False)


@profiles.command("validate")
@click.argument("profile_refs", nargs=-1, required=True, metavar="NAME|PATH...")
@click.pass_context
def profiles_validate(ctx: click.Context, profile_refs: tuple[str, ...]) -> None:
    """Validate profiles against the installed checks (exit 2 on the first bad one)."""
    from meetcheck.cli import plugins_of
    from meetcheck.profile import load_profile
    from meetcheck.readable import visible

    plugins = plugins_of(ctx)
    for ref in profile_refs:
        profile = load_profile(ref, plugins.checks(), plugins)
        unlisted = sorted(set(plugins.checks()) - set(profile.checks))
        note = f"; not mentioned (advisory): {', '.join(unlisted)}" if unlisted else ""
        line = f"ok: {ref}: {profile.name} {profile.version}, {len(profile.checks)} checks{note}"
        click.echo(visible(line))


@hookimpl
def meetcheck_register_commands(cli: click.Group) -> None:
    cli.add_command(profiles)
