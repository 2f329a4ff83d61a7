"""Profiles: the recommended practices as versioned thresholds with sources.

A profile is TOML, may ``extend`` another and override single values, and is validated
against the registered checks before anything runs, so a typo never silently disables
a threshold.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from meetcheck.check import Check, Option, Threshold
from meetcheck.errors import InputError
from meetcheck.plugintables import read_plugin_tables
from meetcheck.redact import redact_text
from meetcheck.tomlfile import Validator, is_number, is_url, load_toml, type_name

DEFAULT_TIMEOUT_S = 30.0
MAX_TIMEOUT_S = 3600.0  # an hour: longer is a typo, and would hold a run for good
TOP_KEYS = {
    "name", "version", "description", "audience", "extends", "defaults", "checks", "plugins",
    "batch",
}  # fmt: skip
DEFAULT_KEYS = {"timeout", "required"}
# [batch]: how ``meetcheck batch`` judges a delegation (see meetcheck.batch.readiness).
BATCH_KEYS = {"delegation_rule", "source"}
DELEGATION_RULES = ("both", "any")
CHECK_KEYS = {"enabled", "required", "timeout", "thresholds", "options"}
THRESHOLD_KEYS = {"warn", "fail", "source", "note"}


def profiles_dir() -> Path:
    """Shipped profiles: inside the installed package, or the repository's ``profiles/``."""
    packaged = Path(str(resources.files("meetcheck"))) / "profiles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "profiles"


def shipped_profiles() -> dict[str, Path]:
    return {p.stem: p for p in sorted(profiles_dir().glob("*.toml"))}


class ProfileHooks(Protocol):
    """What plugins add to profiles (``meetcheck.plugins.Plugins`` provides it)."""

    def named_profiles(self) -> dict[str, Path]: ...

    def configure_profile(self, data: dict[str, Any], source: str) -> None: ...

    def plugin_tables(self) -> dict[str, Any]: ...


@dataclass
class CheckSettings:
    """What one profile says about one check, after inheritance."""

    id: str
    enabled: bool = True
    required: bool = False
    timeout: float = DEFAULT_TIMEOUT_S
    thresholds: dict[str, Threshold] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    listed: bool = False


@dataclass
class Profile:
    name: str
    version: str
    description: str
    source: str
    chain: list[str]
    data: dict[str, Any]
    checks: dict[str, CheckSettings]
    plugins: dict[str, Any] = field(default_factory=dict)  # [plugins.NAME], as validated

    @functools.cached_property
    def digest(self) -> str:
        """Identifies the resolved rules, so two reports can be compared fairly (computed
        once: a batch run writes it into a thousand reports)."""
        blob = json.dumps(self.data, sort_keys=True, default=str).encode()
        return "sha256:" + hashlib.sha256(blob).hexdigest()[:16]

    def settings_for(self, check: type[Check]) -> CheckSettings:
        return self.checks.get(check.id) or _unlisted(check, self.data)


def _unlisted(check: type[Check], data: dict[str, Any]) -> CheckSettings:
    defaults = data.get("defaults", {})
    return CheckSettings(
        id=check.id,
        required=False,
        timeout=float(defaults.get("timeout", DEFAULT_TIMEOUT_S)),
        options=check.option_defaults(),
    )


def _resolve_source(
    ref: str, relative_to: Path | None, named: dict[str, Path] | None = None
) -> str:
    if ref.endswith(".toml") or "/" in ref or "\\" in ref:
        if relative_to is not None and not Path(ref).is_absolute():
            candidate = relative_to.parent / ref
            if candidate.exists():
                return str(candidate)
        return ref
    if relative_to is not None:
        sibling = relative_to.parent / f"{ref}.toml"
        if sibling.exists():
            return str(sibling)
    shipped = named if named is not None else shipped_profiles()
    if ref in shipped:
        return str(shipped[ref])
    names = ", ".join(shipped) or "none"
    raise InputError(f"profile {ref!r} not found (named profiles: {names})")


def _resolve_remote_parent(ref: str, named: dict[str, Path] | None = None) -> str:
    """What a profile fetched from a URL may extend: a shipped profile or another URL.

    Never a local path: whoever serves the profile must not choose which of the user's
    files meetcheck opens.
    """
    if is_url(ref):
        return ref
    if ref and not any(c in ref for c in "/\\:") and not ref.endswith(".toml"):
        return _resolve_source(ref, None, named)
    raise InputError(
        f"a profile fetched from a URL may extend only a shipped profile or an http(s) URL, "
        f"not {ref!r} (local paths are refused)"
    )


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _flatten_checks(
    v: Validator, table: dict[str, Any], known: dict[str, type[Check]], prefix: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """Accept both ``[checks."network.stun"]`` and ``[checks.network.stun]``."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        cid = ".".join(prefix + (key,))
        path = ("checks", cid) if not prefix else ("checks", *prefix, key)
        if not isinstance(value, dict):
            v.fail(path, f"expected a table for a check, got {type_name(value)}")
        if cid in known:
            out[cid] = value
        elif any(k.startswith(cid + ".") for k in known) and not (set(value) & CHECK_KEYS):
            out.update(_flatten_checks(v, value, known, prefix + (key,)))
        else:
            close = [k for k in known if k.split(".")[-1] == cid.split(".")[-1]]
            hint = (
                f" (did you mean {close[0]!r}?)"
                if close
                else " (is the plugin that provides it blocked or not installed?)"
            )
            v.fail(("checks", cid), f"unknown check id{hint}")
    return out


def _validate_file(v: Validator, raw: dict[str, Any], known: dict[str, type[Check]]) -> None:
    v.known_keys((), raw, TOP_KEYS)
    v.finite((), raw)
    for key in ("name", "version", "description", "audience", "extends"):
        if key in raw:
            v.expect((key,), raw[key], "string")
    if "defaults" in raw:
        v.expect(("defaults",), raw["defaults"], "table")
        v.known_keys(("defaults",), raw["defaults"], DEFAULT_KEYS)
        if "timeout" in raw["defaults"]:
            _timeout(v, ("defaults", "timeout"), raw["defaults"]["timeout"])
        if "required" in raw["defaults"]:
            v.expect(("defaults", "required"), raw["defaults"]["required"], "boolean")
    if "batch" in raw:
        v.expect(("batch",), raw["batch"], "table")
        v.known_keys(("batch",), raw["batch"], BATCH_KEYS)
        rule = raw["batch"].get("delegation_rule", "both")
        if rule not in DELEGATION_RULES:
            v.fail(("batch", "delegation_rule"), f"expected one of {', '.join(DELEGATION_RULES)}")
        if "source" in raw["batch"]:
            v.expect(("batch", "source"), raw["batch"]["source"], "string")
    if "checks" in raw:
        v.expect(("checks",), raw["checks"], "table")
        raw["checks"] = _flatten_checks(v, raw["checks"], known, ())
        for cid, section in raw["checks"].items():
            _validate_section(v, cid, section, known[cid])


def _timeout(v: Validator, path: tuple[str, ...], value: Any) -> None:
    v.expect(path, value, "number")
    if value <= 0:
        v.fail(path, f"must be greater than 0, got {value!r}")
    if value > MAX_TIMEOUT_S:
        v.fail(path, f"must be at most {MAX_TIMEOUT_S:g} s, got {value!r}")


def _validate_section(v: Validator, cid: str, section: dict[str, Any], check: type[Check]) -> None:
    base = ("checks", cid)
    v.known_keys(base, section, CHECK_KEYS)
    for key in ("enabled", "required"):
        if key in section:
            v.expect(base + (key,), section[key], "boolean")
    if "timeout" in section:
        _timeout(v, base + ("timeout",), section["timeout"])
    thresholds = section.get("thresholds", {})
    v.expect(base + ("thresholds",), thresholds, "table")
    for metric, spec in thresholds.items():
        mpath = base + ("thresholds", metric)
        if metric not in check.metrics:
            known = ", ".join(sorted(check.metrics)) or "none"
            v.fail(mpath, f"unknown metric for check {cid} (known: {known})")
        v.expect(mpath, spec, "table")
        v.known_keys(mpath, spec, THRESHOLD_KEYS)
        for key in ("warn", "fail"):
            if key in spec:
                v.expect(mpath + (key,), spec[key], "number")
        for key in ("source", "note"):
            if key in spec:
                v.expect(mpath + (key,), spec[key], "string")
    options = section.get("options", {})
    v.expect(base + ("options",), options, "table")
    for name, value in options.items():
        opath = base + ("options", name)
        if name not in check.options:
            known = ", ".join(sorted(check.options)) or "none"
            v.fail(opath, f"unknown option for check {cid} (known: {known})")
        _check_option_type(v, opath, value, check.options[name])


def _check_option_type(v: Validator, path: tuple[str, ...], value: Any, opt: Option) -> None:
    types = opt.type if isinstance(opt.type, tuple) else (opt.type,)
    ok = any(
        (t is float and is_number(value))
        or (t is int and isinstance(value, int) and not isinstance(value, bool))
        or (t not in (int, float) and isinstance(value, t))
        for t in types
    )
    if not ok:
        want = " or ".join(t.__name__ for t in types)
        v.fail(path, f"expected {want}, got {type_name(value)} {value!r}")
    if isinstance(value, list) and opt.item_type is not None:
        for i, item in enumerate(value):
            if not isinstance(item, opt.item_type):
                v.fail(path, f"item {i} should be {opt.item_type.__name__}, got {item!r}")
    for item in value if isinstance(value, list) else [value]:
        if is_number(item):
            _check_bounds(v, path, item, opt)
    if opt.choices is not None:
        for item in value if isinstance(value, list) else [value]:
            if item not in opt.choices:
                known = ", ".join(map(str, opt.choices))
                v.fail(path, f"unknown value {item!r} (known: {known})")


def _check_bounds(v: Validator, path: tuple[str, ...], value: float, opt: Option) -> None:
    if not math.isfinite(value):
        v.fail(path, f"expected a finite number, got {value!r}")
    low, high = opt.min, opt.max
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            v.fail(path, f"must be from {low:g} to {high:g}, got {value!r}")
        if low is not None:
            v.fail(path, f"must be at least {low:g}, got {value!r}")
        v.fail(path, f"must be at most {high:g}, got {value!r}")


def _check_directions(v: Validator, data: dict[str, Any], known: dict[str, type[Check]]) -> None:
    for cid, section in data.get("checks", {}).items():
        for metric, spec in section.get("thresholds", {}).items():
            warn, fail = spec.get("warn"), spec.get("fail")
            if warn is None or fail is None:
                continue
            worse = known[cid].metrics[metric].higher_is_worse
            path = ("checks", cid, "thresholds", metric, "warn")
            if worse and warn > fail:
                v.fail(path, f"warn ({warn}) is looser than fail ({fail}); higher is worse here")
            if not worse and warn < fail:
                v.fail(path, f"warn ({warn}) is looser than fail ({fail}); lower is worse here")


def _load_raw(
    source: str,
    known: dict[str, type[Check]],
    seen: list[str],
    named: dict[str, Path] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    key = str(Path(source).resolve()) if not source.startswith("http") else source
    if key in seen:
        cycle = " -> ".join(Path(s).stem for s in seen + [key])
        raise InputError(f"{source}: extends: cycle in profile inheritance ({cycle})")
    raw = load_toml(source, "profile")
    v = Validator(source)
    _validate_file(v, raw, known)
    chain = [raw.get("name", Path(source).stem)]
    if "extends" in raw:
        try:
            if is_url(source):
                parent_src = _resolve_remote_parent(raw["extends"], named)
            else:
                parent_src = _resolve_source(raw["extends"], Path(source), named)
        except InputError as exc:
            raise InputError(f"{redact_text(source)}: extends: {exc}") from None
        parent, parent_chain = _load_raw(parent_src, known, seen + [key], named)
        raw = _merge(parent, {k: val for k, val in raw.items() if k != "extends"})
        chain += parent_chain
    return raw, chain


def load_profile(
    ref: str, known: dict[str, type[Check]], hooks: ProfileHooks | None = None
) -> Profile:
    """Load, inherit and validate a profile by name (shipped, or a plugin's) or path.

    With ``hooks``, plugins' named profiles are found, plugins see and may adjust the
    resolved profile, and the merged result is validated again before it is used.
    """
    named = hooks.named_profiles() if hooks is not None else None
    source = _resolve_source(ref, None, named)
    data, chain = _load_raw(source, known, [], named)
    v = Validator(source)
    if hooks is not None:
        hooks.configure_profile(data, source)
        _validate_file(v, data, known)
    _check_directions(v, data, known)
    tables = hooks.plugin_tables() if hooks is not None else None
    plugins = read_plugin_tables(v, data["plugins"], tables) if "plugins" in data else {}
    profile = _build(data, known, source, chain)
    profile.plugins = plugins
    return profile


def _build(
    data: dict[str, Any], known: dict[str, type[Check]], source: str, chain: list[str]
) -> Profile:
    defaults = data.get("defaults", {})
    checks: dict[str, CheckSettings] = {}
    for cid, section in data.get("checks", {}).items():
        cls = known[cid]
        thresholds = {
            m: Threshold(
                metric=m,
                unit=cls.metrics[m].unit,
                higher_is_worse=cls.metrics[m].higher_is_worse,
                warn=spec.get("warn"),
                fail=spec.get("fail"),
                source=spec.get("source", ""),
            )
            for m, spec in section.get("thresholds", {}).items()
        }
        options = cls.option_defaults()
        options.update(section.get("options", {}))
        checks[cid] = CheckSettings(
            id=cid,
            enabled=section.get("enabled", True),
            required=section.get("required", defaults.get("required", False)),
            timeout=float(section.get("timeout", defaults.get("timeout", DEFAULT_TIMEOUT_S))),
            thresholds=thresholds,
            options=options,
            listed=True,
        )
    return Profile(
        name=data.get("name", Path(source).stem),
        version=str(data.get("version", "0")),
        description=data.get("description", ""),
        source=source,
        chain=chain,
        data=data,
        checks=checks,
    )


def profile_from_fragment(
    check: type[Check], fragment: dict[str, Any] | None = None, source: str = "<fragment>"
) -> Profile:
    """A one-check profile from a dict such as ``{"thresholds": {...}, "options": {...}}``.

    Validated like a profile file, so a test with a mistyped key fails loudly.
    """
    section = copy.deepcopy(fragment or {})
    raw = {"name": source, "checks": {check.id: section}}
    known = {check.id: check}
    v = Validator(source)
    _validate_file(v, raw, known)
    _check_directions(v, raw, known)
    return _build(raw, known, source, [source])
