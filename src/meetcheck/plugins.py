"""Finding, loading and calling plugins.

Load order: blocked names first (``-p no:NAME``, ``MEETCHECK_DISABLE_PLUGINS``), then
installed entry points (group ``meetcheck``), then plugin directories, then the built-ins,
which are registered exactly like third-party plugins. One broken plugin is reported by
name and never stops the others.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy

from meetcheck import hookspecs
from meetcheck.check import validate_check_class
from meetcheck.hookimpl import PROJECT

ENTRY_POINT_GROUP = "meetcheck"
ENV_DISABLE = "MEETCHECK_DISABLE_PLUGINS"
ENV_PLUGINS_DIR = "MEETCHECK_PLUGINS_DIR"
DEFAULT_PLUGINS_DIR = Path("plugins")

BUILTIN_PLUGINS = (
    "meetcheck.checks.system",
    "meetcheck.checks.network",
    "meetcheck.checks.links",
    "meetcheck.checks.registration",
    "meetcheck.checks.channels",
    "meetcheck.checks.audio",
    "meetcheck.i18n.core",
    "meetcheck.selftest",
    "meetcheck.report.text",
    "meetcheck.report.jsonreport",
    "meetcheck.report.html",
    "meetcheck.report.junit",
    "meetcheck.report.progress",
    "meetcheck.commands.batch",
    "meetcheck.commands.check",
    "meetcheck.commands.demo",
    "meetcheck.commands.mic",
    "meetcheck.commands.plugins",
    "meetcheck.commands.profiles",
    "meetcheck.commands.report",
    "meetcheck.commands.serve",
)


@dataclass
class PluginError:
    """A plugin that failed to import, to register, or inside a hook."""

    plugin: str
    stage: str
    message: str

    def __str__(self) -> str:
        return f"plugin {self.plugin!r} failed {self.stage}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"plugin": self.plugin, "stage": self.stage, "message": self.message}


@dataclass
class PluginInfo:
    name: str
    source: str  # builtin | entrypoint | directory
    version: str
    location: str = ""
    checks: list[str] = field(default_factory=list)
    reporters: list[str] = field(default_factory=list)
    catalogs: list[str] = field(default_factory=list)


def _short_exc(exc: BaseException, where: str = "") -> str:
    """One line naming the exception and where it happened (``where`` overrides the frame)."""
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg} ({exc.filename}, line {exc.lineno})"
    if not where:
        frames = traceback.extract_tb(exc.__traceback__)
        where = f"{frames[-1].filename}, line {frames[-1].lineno}" if frames else ""
    text = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return f"{type(exc).__name__}: {text}" + (f" ({where})" if where else "")


def _stem(hook_name: str) -> str:
    """A hook name without the shared prefix, so suggestions compare what differs."""
    return hook_name.removeprefix(f"{PROJECT}_")


def parse_blocked(values: Iterable[str]) -> set[str]:
    """Turn ``-p no:NAME`` values and the environment variable into a set of names."""
    blocked: set[str] = set()
    for value in values:
        if not value.startswith("no:") or not value[3:]:
            from meetcheck.errors import InputError

            raise InputError(f"-p {value}: expected 'no:NAME' to block a plugin")
        blocked.add(value[3:])
    env = os.environ.get(ENV_DISABLE, "")
    blocked.update(n.strip() for n in env.split(",") if n.strip())
    return blocked


class Plugins:
    """The pluggy manager plus what meetcheck learned while loading plugins."""

    def __init__(
        self,
        blocked: Iterable[str] = (),
        plugins_dirs: Iterable[Path] = (),
        use_default_dir: bool = True,
        builtins: Iterable[str] = BUILTIN_PLUGINS,
        entry_points: bool = True,
    ) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.errors: list[PluginError] = []
        self._reported = 0
        self.info: dict[str, PluginInfo] = {}
        self._checks: dict[str, type] | None = None
        self._reporters: dict[str, Any] | None = None
        self._options: list[tuple[str, Any]] | None = None
        self._profiles: dict[str, Path] | None = None
        self._tables: dict[str, Any] | None = None
        self._catalogs: dict[str, Any] | None = None
        for name in blocked:
            self.pm.set_blocked(name)
        if entry_points:
            self._load_entry_points()
        dirs = list(plugins_dirs)
        env_dir = os.environ.get(ENV_PLUGINS_DIR)
        if env_dir:
            dirs.append(Path(env_dir))
        if use_default_dir and DEFAULT_PLUGINS_DIR.is_dir():
            dirs.append(DEFAULT_PLUGINS_DIR)
        seen: set[Path] = set()
        for d in dirs:
            if d.resolve() not in seen:
                seen.add(d.resolve())
                self._load_directory(d)
        for modname in builtins:
            self._load_module(modname, modname.removeprefix("meetcheck."), "builtin", "")
        self._check_pending()

    # -- loading ---------------------------------------------------------------------
    def _register(self, obj: Any, name: str, source: str, version: str, location: str) -> None:
        if self.pm.is_blocked(name):
            return
        where = str(getattr(obj, "__file__", None) or location)  # not pluggy's own line
        taken = self.info.get(name)
        if taken is not None:
            message = f"the name is taken by the {taken.source} plugin {taken.location} ({where})"
            self.errors.append(PluginError(name, "to register", message))
            return
        try:
            self.pm.register(obj, name=name)
        except Exception as exc:  # PluginValidationError, the same module twice, ...
            self.errors.append(PluginError(name, "to register", _short_exc(exc, where)))
            return
        self.info[name] = PluginInfo(name, source, version, location)

    def _load_module(self, modname: str, name: str, source: str, version: str) -> None:
        if self.pm.is_blocked(name):
            return
        try:
            module = importlib.import_module(modname)
        except Exception as exc:
            self.errors.append(PluginError(name, "to import", _short_exc(exc)))
            return
        if not version:
            from meetcheck import __version__

            version = __version__
        self._register(module, name, source, version, modname)

    def _load_entry_points(self) -> None:
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if self.pm.is_blocked(ep.name):
                continue
            try:
                obj = ep.load()
            except Exception as exc:
                self.errors.append(PluginError(ep.name, "to import", _short_exc(exc)))
                continue
            version = ep.dist.version if ep.dist else "unknown"
            self._register(obj, ep.name, "entrypoint", version, ep.value)

    def _load_directory(self, directory: Path) -> None:
        if not directory.is_dir():
            from meetcheck.errors import InputError

            raise InputError(f"{directory}: plugins directory does not exist")
        for path in sorted(directory.glob("*.py")):
            name = path.stem
            if name.startswith("_") or self.pm.is_blocked(name):
                continue
            modname = f"meetcheck_plugins.{name}"
            try:
                spec = importlib.util.spec_from_file_location(modname, path)
                assert spec and spec.loader
                module = importlib.util.module_from_spec(spec)
                sys.modules[modname] = module
                spec.loader.exec_module(module)
            except Exception as exc:
                sys.modules.pop(modname, None)
                self.errors.append(PluginError(name, "to import", _short_exc(exc)))
                continue
            version = str(getattr(module, "__version__", "unknown"))
            self._register(module, name, "directory", version, str(path))

    def _check_pending(self) -> None:
        """Unregister plugins that implement hooks meetcheck does not define (often a typo),
        or that wrap a hook: meetcheck calls each implementation itself, so that one
        plugin's failure never stops another's, and a wrapper would silently do nothing."""
        callers = {n: c for n, c in vars(self.pm.hook).items() if not n.startswith("_")}
        known = sorted(n for n, c in callers.items() if c.has_spec())
        problems: dict[str, list[str]] = {}
        rejected: dict[str, object] = {}
        for hook_name, caller in callers.items():
            for impl in caller.get_hookimpls():
                code = getattr(impl.function, "__code__", None)
                where = f" ({code.co_filename}, line {code.co_firstlineno})" if code else ""
                if impl.hookwrapper or getattr(impl, "wrapper", False):
                    problems.setdefault(impl.plugin_name, []).append(
                        f"{hook_name} is a hook wrapper, which meetcheck does not support: "
                        f"implement the hook plainly{where}"
                    )
                    rejected[impl.plugin_name] = impl.plugin
                    continue
                if caller.has_spec() or impl.optionalhook:
                    continue
                close = difflib.get_close_matches(_stem(hook_name), map(_stem, known), n=1)
                hint = f" (did you mean '{PROJECT}_{close[0]}'?)" if close else ""
                problems.setdefault(impl.plugin_name, []).append(
                    f"unknown hook {hook_name!r}{hint}{where}"
                )
                rejected[impl.plugin_name] = impl.plugin
        for name, texts in problems.items():
            self.pm.unregister(rejected[name])
            self.info.pop(name, None)
            self.errors.append(PluginError(name, "validation", "; ".join(texts)))

    # -- calling ---------------------------------------------------------------------
    def call(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call every implementation of a hook, isolating failures per plugin.

        The order is pluggy's (``get_hookimpls`` lists it backwards): ``tryfirst`` first,
        ``trylast`` last, otherwise the most recently registered first.
        """
        caller = getattr(self.pm.hook, hook_name)
        results = []
        for impl in reversed(caller.get_hookimpls()):
            args = {a: kwargs[a] for a in impl.argnames}
            try:
                results.append(impl.function(**args))
            except Exception as exc:
                error = PluginError(impl.plugin_name, f"in {hook_name}", _short_exc(exc))
                self.errors.append(error)
        return results

    def _call_each(self, hook_name: str, arg: str, make: Callable[[str], Any]) -> None:
        """Call a hook plugin by plugin, built-ins first, so a clash is blamed on the
        newcomer; ``make(plugin)`` gives the hook's one argument for that plugin."""
        caller = getattr(self.pm.hook, hook_name)
        impls = sorted(caller.get_hookimpls(), key=lambda i: not self._is_builtin(i.plugin_name))
        for impl in impls:
            try:
                impl.function(**{arg: make(impl.plugin_name)})
            except Exception as exc:
                error = PluginError(impl.plugin_name, f"in {hook_name}", _short_exc(exc))
                self.errors.append(error)

    def _register_each(
        self, hook_name: str, add: Callable[..., None], arg: str = "register"
    ) -> None:
        """Call a register hook; ``add(plugin, *args)`` failing is reported against the
        plugin at its own line, and the plugin's other objects still register."""

        def make(plugin: str) -> Callable[..., None]:
            def register(*args: Any, **kwargs: Any) -> None:
                try:
                    add(plugin, *args, **kwargs)
                except Exception as exc:
                    frame = sys._getframe(1)
                    where = f"{frame.f_code.co_filename}, line {frame.f_lineno}"
                    error = PluginError(plugin, f"in {hook_name}", _short_exc(exc, where))
                    self.errors.append(error)

            return register

        self._call_each(hook_name, arg, make)

    def _collect(self, hook_name: str, validate: Any, key: Any, kind: str) -> dict[str, Any]:
        """Objects a register hook hands over, by key; a bad or duplicate one is skipped."""
        found: dict[str, Any] = {}
        owner: dict[str, str] = {}

        def add(plugin: str, obj: Any) -> None:
            validate(obj)
            k = key(obj)
            if k in found:
                raise ValueError(f"{kind} {k!r} is already registered by plugin {owner[k]!r}")
            found[k], owner[k] = obj, plugin
            info = self.info.get(plugin)
            if info is not None:
                getattr(info, kind + "s").append(k)

        self._register_each(hook_name, add)
        return dict(sorted(found.items()))

    def register_commands(self, group: Any) -> None:
        """Let every plugin add its commands to ``group``, built-ins first, so a plugin
        that reuses a built-in command's name is the one refused."""

        def make(plugin: str) -> Any:
            group.adding_for = plugin
            return group

        self._call_each("meetcheck_register_commands", "cli", make)
        group.adding_for = ""

    def options(self) -> list[tuple[str, Any]]:
        """(plugin, click option) pairs that plugins add to the commands that run checks."""
        if self._options is None:
            import click

            options: list[tuple[str, Any]] = []
            taken: dict[str, str] = {}

            def add(plugin: str, *decls: str, **attrs: Any) -> None:
                option = click.Option(list(decls), **attrs)
                names = {option.name or "", *option.opts, *option.secondary_opts}
                clash = sorted(n for n in names if n in taken)
                if clash:
                    raise ValueError(f"option {clash[0]} is already defined by {taken[clash[0]]!r}")
                taken.update(dict.fromkeys(names, plugin))
                options.append((plugin, option))

            self._register_each("meetcheck_add_options", add, arg="add")
            self._options = options
        return self._options

    def named_profiles(self) -> dict[str, Path]:
        """Shipped profiles, then the ones plugins contribute; a taken name is refused."""
        if self._profiles is None:
            from meetcheck.profile import shipped_profiles

            profiles = dict(shipped_profiles())

            def add(plugin: str, name: str, path: Any) -> None:
                if not isinstance(name, str) or not name or "/" in name or "\\" in name:
                    raise ValueError(f"profile name {name!r} must be a plain word")
                if name in profiles:
                    raise ValueError(f"profile {name!r} is already defined")
                if not Path(path).is_file():
                    raise ValueError(f"profile {name!r}: no file {path}")
                profiles[name] = Path(path)

            self._register_each("meetcheck_register_profiles", add)
            self._profiles = profiles
        return self._profiles

    def plugin_tables(self) -> dict[str, Any]:
        """``[plugins.NAME]`` validators by table name."""
        if self._tables is None:
            tables: dict[str, Any] = {}

            def add(plugin: str, name: str, validate: Any) -> None:
                if name in tables:
                    raise ValueError(f"table [plugins.{name}] is already claimed")
                if not callable(validate):
                    raise TypeError(f"the validator for [plugins.{name}] is not callable")
                tables[name] = validate

            self._register_each("meetcheck_register_plugin_tables", add)
            self._tables = tables
        return self._tables

    def configure_profile(self, data: dict[str, Any], source: str) -> None:
        """Let plugins adjust a resolved profile; it is validated again afterwards."""
        self.call("meetcheck_configure_profile", profile=data, source=source)

    def extend_command(self, command: Any) -> Any:
        """A copy of ``command`` with the plugins' options; a clash is the plugin's error."""
        import copy

        params = list(command.params)
        taken = {n for p in params for n in (p.name, *p.opts, *getattr(p, "secondary_opts", ()))}
        for plugin, option in self.options():
            names = {option.name, *option.opts, *option.secondary_opts}
            if names & taken:
                clash = sorted(names & taken)[0]
                message = f"ValueError: option {clash} is one of meetcheck {command.name}'s own"
                self.errors.append(PluginError(plugin, "in meetcheck_add_options", message))
                continue
            params.append(option)
            taken |= names
        extended = copy.copy(command)
        extended.params = params
        return extended

    def _is_builtin(self, name: str) -> bool:
        info = self.info.get(name)
        return info is not None and info.source == "builtin"

    def checks(self) -> dict[str, type]:
        """All registered check classes by id, in id order."""
        if self._checks is None:
            self._checks = self._collect(
                "meetcheck_register_checks", validate_check_class, lambda c: c.id, "check"
            )
        return self._checks

    def catalogs(self) -> dict[str, Any]:
        """Message catalogs by gettext domain (``meetcheck_register_catalogs``), for
        rendering a saved report again in another language."""
        if self._catalogs is None:
            from meetcheck.i18n.catalog import validate_catalog

            self._catalogs = self._collect(
                "meetcheck_register_catalogs", validate_catalog, lambda c: c.domain, "catalog"
            )
        return self._catalogs

    def reporters(self) -> dict[str, Any]:
        """All registered reporters by format name."""
        if self._reporters is None:
            from meetcheck.report.reporter import validate_reporter

            self._reporters = self._collect(
                "meetcheck_register_reporters", validate_reporter, lambda r: r.name, "reporter"
            )
        return self._reporters

    def hooks_of(self, name: str) -> list[str]:
        plugin = self.pm.get_plugin(name)
        if plugin is None:
            return []
        return sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])

    def new_errors(self) -> list[PluginError]:
        """Errors not returned by an earlier call, so the CLI warns once about each."""
        fresh = self.errors[self._reported :]
        self._reported = len(self.errors)
        return fresh

    def versions(self) -> list[dict[str, str]]:
        return [
            {"name": i.name, "version": i.version, "source": i.source}
            for i in sorted(self.info.values(), key=lambda i: i.name)
        ]
