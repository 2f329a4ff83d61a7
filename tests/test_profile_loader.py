"""Bad profiles end with one line naming the file and the key, and exit code 2, from both
``meetcheck check --profile PATH`` and ``meetcheck profiles validate PATH``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from meetcheck.cli import cli

BAD = {
    "unknown_top_key": (
        'name = "x"\ncolour = "red"\n',
        "colour: unknown key",
    ),
    "unknown_check": (
        '[checks."system.cpux"]\nrequired = true\n',
        'checks."system.cpux": unknown check id',
    ),
    "unknown_metric": (
        '[checks."system.cpu".thresholds.cpu_counts]\nwarn = 1\nsource = "s"\n',
        'checks."system.cpu".thresholds.cpu_counts: unknown metric',
    ),
    "unknown_option": (
        '[checks."system.clock".options]\nsampels = 3\n',
        'checks."system.clock".options.sampels: unknown option',
    ),
    "wrong_type_option": (
        '[checks."system.clock".options]\nsamples = "many"\n',
        'checks."system.clock".options.samples: expected int',
    ),
    "wrong_type_required": (
        '[checks."system.cpu"]\nrequired = "yes"\n',
        'checks."system.cpu".required: expected boolean',
    ),
    "wrong_type_list_item": (
        '[checks."network.interface".options]\nwarn_kinds = ["wifi", 3]\n',
        'checks."network.interface".options.warn_kinds: item 1 should be str',
    ),
    "warn_looser_lower_is_worse": (
        '[checks."system.cpu".thresholds.cpu_count]\nwarn = 1\nfail = 2\n',
        'checks."system.cpu".thresholds.cpu_count.warn: warn (1) is looser than fail (2)',
    ),
    "warn_looser_higher_is_worse": (
        '[checks."system.clock".thresholds.offset_s]\nwarn = 100\nfail = 10\n',
        'checks."system.clock".thresholds.offset_s.warn: warn (100) is looser than fail (10)',
    ),
    "invalid_toml": (
        'name = "x"\n[checks\n',
        "invalid TOML",
    ),
    "control_characters_in_a_key": (
        '"colour\\n\\u001b[2J" = 1\n',
        '"colour\\u000a\\u001b[2J": unknown key',
    ),
    # Values that would silently disable or break a check (nan compares false with anything).
    "nan_warn": (
        '[checks."system.cpu".thresholds.load_per_core]\nwarn = nan\n',
        'checks."system.cpu".thresholds.load_per_core.warn: expected a finite number, got nan',
    ),
    "inf_fail": (
        '[checks."system.clock".thresholds.offset_s]\nfail = inf\n',
        'checks."system.clock".thresholds.offset_s.fail: expected a finite number, got inf',
    ),
    "nan_timeout": (
        '[checks."system.cpu"]\ntimeout = nan\n',
        'checks."system.cpu".timeout: expected a finite number, got nan',
    ),
    "inf_timeout": (
        '[checks."system.cpu"]\ntimeout = inf\n',
        'checks."system.cpu".timeout: expected a finite number, got inf',
    ),
    "huge_timeout": (
        '[checks."system.cpu"]\ntimeout = 1e308\n',
        'checks."system.cpu".timeout: must be at most 3600 s',
    ),
    "huge_default_timeout": (
        "[defaults]\ntimeout = 86400\n",
        "defaults.timeout: must be at most 3600 s",
    ),
    "night_hour_25": (
        '[checks."system.schedule".options]\nnight_start_hour = 25\n',
        'checks."system.schedule".options.night_start_hour: must be from 0 to 23, got 25',
    ),
    "night_end_negative": (
        '[checks."system.schedule".options]\nnight_end_hour = -1\n',
        'checks."system.schedule".options.night_end_hour: must be from 0 to 23, got -1',
    ),
    "test_window_huge": (
        '[checks."system.schedule".options]\ntest_window_minutes = 100000000000000000000\n',
        'checks."system.schedule".options.test_window_minutes: must be from 0 to 1440',
    ),
    "clock_samples_zero": (
        '[checks."system.clock".options]\nsamples = 0\n',
        'checks."system.clock".options.samples: must be from 1 to',
    ),
    "clock_timeout_nan": (
        '[checks."system.clock".options]\nrequest_timeout_s = nan\n',
        'checks."system.clock".options.request_timeout_s: expected a finite number, got nan',
    ),
    "clock_timeout_huge": (
        '[checks."system.clock".options]\nrequest_timeout_s = 1e9\n',
        'checks."system.clock".options.request_timeout_s: must be from',
    ),
}


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def invoke(command: str, profile: str) -> Result:
    args = ["check", "-q", "--profile", profile] if command == "check" else [
        "profiles", "validate", profile]  # fmt: skip
    return CliRunner().invoke(cli, args)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith("meetcheck: error: ")
    for fragment in fragments:
        assert fragment in err, (fragment, err)


@pytest.mark.parametrize("command", ["check", "validate"])
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_profile_names_file_and_key(tmp_path: Path, command: str, case: str) -> None:
    text, key = BAD[case]
    path = write(tmp_path, case, text)
    assert_one_line_error(invoke(command, path), path, key)


@pytest.mark.parametrize("command", ["check", "validate"])
def test_cycle_in_extends(tmp_path: Path, command: str) -> None:
    a = write(tmp_path, "a", 'extends = "b"\n')
    write(tmp_path, "b", 'extends = "a"\n')
    assert_one_line_error(invoke(command, a), "a.toml", "extends", "cycle", "a -> b -> a")


@pytest.mark.parametrize("command", ["check", "validate"])
def test_missing_file(tmp_path: Path, command: str) -> None:
    path = str(tmp_path / "absent.toml")
    assert_one_line_error(invoke(command, path), path, "not found")


@pytest.mark.parametrize("command", ["check", "validate"])
def test_missing_extended_profile(tmp_path: Path, command: str) -> None:
    path = write(tmp_path, "orphan", 'extends = "no-such-profile"\n')
    assert_one_line_error(
        invoke(command, path), f"{path}: extends:", "no-such-profile", "not found"
    )


def test_extends_overrides_one_value_and_keeps_the_rest(tmp_path: Path) -> None:
    write(
        tmp_path,
        "parent",
        """name = "parent"
[defaults]
timeout = 12
[checks."system.clock"]
required = true
[checks."system.clock".thresholds.offset_s]
warn = 30
fail = 300
source = "parent source"
[checks."system.clock".options]
samples = 5
[checks."system.os"]
required = false
""",
    )
    child = write(
        tmp_path,
        "child",
        """extends = "parent.toml"
name = "child"
[checks."system.clock".thresholds.offset_s]
warn = 10
""",
    )
    result = CliRunner().invoke(cli, ["profiles", "show", "--json", child])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    clock = data["checks"]["system.clock"]
    assert clock["thresholds"]["offset_s"] == {"warn": 10, "fail": 300, "source": "parent source"}
    assert clock["options"] == {"samples": 5}
    assert clock["required"] is True
    assert data["checks"]["system.os"]["required"] is False
    assert data["defaults"]["timeout"] == 12
    assert data["resolved_from"] == ["child", "parent"]


def test_extends_a_shipped_profile_by_name(tmp_path: Path) -> None:
    child = write(
        tmp_path,
        "mine",
        'extends = "un-rsi-speaker"\nname = "mine"\n'
        '[checks."system.clock".thresholds.offset_s]\nwarn = 10\nsource = "our secretariat"\n',
    )
    result = CliRunner().invoke(cli, ["profiles", "show", "--json", child])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["checks"]["system.clock"]["thresholds"]["offset_s"]["warn"] == 10
    assert data["checks"]["system.clock"]["thresholds"]["offset_s"]["fail"] == 300
    assert data["checks"]["network.interface"]["options"]["fail_kinds"] == ["cellular"]
    validate = CliRunner().invoke(cli, ["profiles", "validate", child])
    assert validate.exit_code == 0 and "ok:" in validate.stdout


def test_child_warn_looser_than_inherited_fail_is_rejected(tmp_path: Path) -> None:
    child = write(
        tmp_path,
        "loose",
        'extends = "un-rsi-speaker"\n[checks."system.clock".thresholds.offset_s]\nwarn = 900\n',
    )
    assert_one_line_error(
        invoke("validate", child), child, "offset_s.warn: warn (900) is looser than fail (300)"
    )
