"""The shipped profiles: valid, every figure sourced, and the interpreter profile never
looser than the speaker profile (nor the listener profile stricter)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from meetcheck.cli import cli
from meetcheck.plugins import Plugins
from meetcheck.profile import Profile, load_profile, shipped_profiles

NAMES = ["un-rsi-speaker", "un-rsi-listener", "un-rsi-interpreter"]


def test_the_three_profiles_are_shipped() -> None:
    assert set(NAMES) <= set(shipped_profiles())


@pytest.mark.parametrize("name", NAMES)
def test_shipped_profile_validates(name: str) -> None:
    result = CliRunner().invoke(cli, ["profiles", "validate", name])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"ok: {name}: {name} ")


def _threshold_tables(node: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every ``thresholds.METRIC`` table in a raw profile, however the check ids are written."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "thresholds" and isinstance(value, dict):
                yield from value.items()
            else:
                yield from _threshold_tables(value)


@pytest.mark.parametrize("name", NAMES)
def test_every_threshold_in_the_file_has_a_source(name: str) -> None:
    """Checked on the file itself: an override must restate its source, not inherit one."""
    raw = tomllib.loads(shipped_profiles()[name].read_text(encoding="utf-8"))
    tables = list(_threshold_tables(raw))
    assert tables or raw.get("extends"), f"{name} sets no thresholds"
    for metric, spec in tables:
        assert isinstance(spec.get("source"), str) and spec["source"].strip(), (name, metric)
        assert "warn" in spec or "fail" in spec, (name, metric)


@pytest.fixture(scope="module")
def profiles() -> dict[str, Profile]:
    checks = Plugins(entry_points=False, use_default_dir=False).checks()
    return {n: load_profile(n, checks) for n in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_every_resolved_threshold_has_a_source(profiles: dict[str, Profile], name: str) -> None:
    for cid, settings in profiles[name].checks.items():
        for metric, th in settings.thresholds.items():
            assert th.source.strip(), (name, cid, metric)


def _at_least_as_strict(strict: Profile, loose: Profile) -> list[str]:
    """Where ``strict`` is looser than ``loose`` on a threshold or a required flag."""
    problems = []
    for cid, base in loose.checks.items():
        other = strict.checks.get(cid)
        if other is None:
            problems.append(f"{cid}: missing")
            continue
        if base.required and not other.required:
            problems.append(f"{cid}: not required")
        for metric, th in base.thresholds.items():
            mine = other.thresholds.get(metric)
            for level in ("warn", "fail"):
                limit = getattr(th, level)
                if limit is None:
                    continue
                have = getattr(mine, level) if mine else None
                looser = have is None or (have > limit if th.higher_is_worse else have < limit)
                if looser:
                    problems.append(f"{cid}.{metric}.{level}: {have} vs {limit}")
    return problems


def _flagged(profile: Profile) -> tuple[set[str], set[str]]:
    options = profile.checks["network.interface"].options
    fail = set(options["fail_kinds"])
    return fail, fail | set(options["warn_kinds"])


def test_interpreter_is_at_least_as_strict_as_speaker(profiles: dict[str, Profile]) -> None:
    assert _at_least_as_strict(profiles["un-rsi-interpreter"], profiles["un-rsi-speaker"]) == []
    spk_fail, spk_flag = _flagged(profiles["un-rsi-speaker"])
    int_fail, int_flag = _flagged(profiles["un-rsi-interpreter"])
    assert spk_fail <= int_fail and spk_flag <= int_flag
    assert "wifi" in int_fail  # the point of the stricter profile


def test_listener_is_no_stricter_than_speaker(profiles: dict[str, Profile]) -> None:
    listener, speaker = profiles["un-rsi-listener"], profiles["un-rsi-speaker"]
    for cid, settings in listener.checks.items():
        if settings.required:
            assert speaker.checks[cid].required, cid
    for cid, settings in listener.checks.items():
        for metric, th in settings.thresholds.items():
            base = speaker.checks[cid].thresholds[metric]
            for level in ("warn", "fail"):
                mine, theirs = getattr(th, level), getattr(base, level)
                if mine is not None:
                    assert theirs is not None, (cid, metric, level)
                    assert (mine >= theirs) if th.higher_is_worse else (mine <= theirs)
    lis_fail, lis_flag = _flagged(listener)
    spk_fail, spk_flag = _flagged(speaker)
    assert lis_fail <= spk_fail and lis_flag <= spk_flag


def test_show_prints_resolved_values() -> None:
    result = CliRunner().invoke(cli, ["profiles", "show", "un-rsi-interpreter"])
    assert result.exit_code == 0, result.output
    data = tomllib.loads(result.stdout)
    assert data["resolved_from"] == ["un-rsi-interpreter", "un-rsi-speaker"]
    cpu = data["checks"]["system.cpu"]["thresholds"]
    assert cpu["load_per_core"]["warn"] == 0.7  # the interpreter's own value
    speaker = tomllib.loads(shipped_profiles()["un-rsi-speaker"].read_text(encoding="utf-8"))
    # inherited unchanged from the speaker profile:
    assert cpu["cpu_count"] == speaker["checks"]["system.cpu"]["thresholds"]["cpu_count"]
    assert data["checks"]["system.os"]["options"]["supported"] == ["Linux", "Darwin", "Windows"]
    assert data["digest"].startswith("sha256:")
    as_json = CliRunner().invoke(cli, ["profiles", "show", "--json", "un-rsi-listener"])
    listener = json.loads(as_json.stdout)
    assert listener["checks"]["network.interface"]["options"]["fail_kinds"] == []
