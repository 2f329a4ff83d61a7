"""Fuzzing the meeting-file and profile parsers: whatever the document, the answer is a
parsed object or an InputError (one line, exit 2), never another exception."""

from __future__ import annotations

import copy
import datetime as dt
import math
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetcheck import meeting as meeting_module
from meetcheck import profile as profile_module
from meetcheck.errors import InputError
from meetcheck.meeting import load_meeting, parse_meeting
from meetcheck.plugins import Plugins
from meetcheck.profile import load_profile, profile_from_fragment, shipped_profiles

# Modest for the suite; MEETCHECK_FUZZ_EXAMPLES=3000 for a longer hunt.
FUZZ = settings(
    max_examples=int(os.environ.get("MEETCHECK_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

ZONES = ["UTC", "Europe/Zurich", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12"]

# Values a TOML document can hold, with the edges: nan, inf, huge integers, years far
# from today, zone names that are paths or nonsense.
scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        ZONES
        + [
            "",
            "../../etc/passwd",
            "/etc/localtime",
            "Mars/Olympus",
            "floor",
            "fr",
            "http://127.0.0.1:9/x",
            "stun:127.0.0.1",
            "turn:127.0.0.1",
            "x" * 300,
            "2020-11-25T10:00:00",
            "9999-12-31T23:59:59",
            "un-rsi-speaker",
        ]
    ),
    st.datetimes(
        min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=st.none()
    ),
    st.datetimes(
        min_value=dt.datetime(1, 1, 2),
        max_value=dt.datetime(9999, 12, 30),
        timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=14))]),
    ),
    st.dates(),
    st.times(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=12,
)


def tables(keys: set[str], value: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Mostly known keys (so the parser gets past the first check), sometimes others."""
    key = st.one_of(st.sampled_from(sorted(keys)), st.text(max_size=8))
    return st.dictionaries(key, value, max_size=len(keys) + 1)


def _nodes(doc: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    children = (
        doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    )
    for key, child in children:
        out += _nodes(child, at + (key,))
    return out


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """A valid document with one to three spots replaced, removed or added to: each
    mutation reaches one validation path, past every check before it."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.sampled_from(_nodes(doc)))
        node = doc
        for key in at[:-1]:
            node = node[key]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "add" or not at:
            target = node[at[-1]] if at else doc
            if isinstance(target, dict):
                target[draw(st.text(max_size=8))] = draw(values)
            elif isinstance(target, list):
                target.append(draw(values))
        elif action == "delete":
            del node[at[-1]]
        else:
            node[at[-1]] = draw(values)
    return doc


BASE_MEETING = tomllib.loads(
    """
name = "Fifth Committee"
timezone = "Europe/Zurich"
[[sessions]]
title = "Morning"
start = 2020-11-25T10:00:00
end = 2020-11-25T12:00:00
timezone = "America/New_York"
[platform]
url = "https://rsi.example.org"
hosts = ["rsi.example.org"]
[[ice_servers]]
urls = ["turn:127.0.0.1:3478?transport=udp"]
username = "delegate"
credential = "s3cret"
[echo]
url = "http://127.0.0.1:8080/echo"
token = "t"
[channels]
floor = "http://127.0.0.1:8080/whep/floor"
fr = { url = "http://127.0.0.1:8080/whep/fr", label = "Français", token = "t" }
[throughput]
download_url = "http://127.0.0.1:8080/throughput/download"
token = "t"
[registration]
speaker_deadline = 2020-11-20
registration_url = "https://indico.example.org"
[meetcheck]
identity_channels = ["floor", "fr"]
"""
)
meeting_docs = st.one_of(mutated(BASE_MEETING), tables(meeting_module.TOP_KEYS, values))


@FUZZ
@given(doc=meeting_docs)
def test_meeting_parser_gives_a_meeting_or_an_input_error(doc: dict[str, Any]) -> None:
    try:
        m = parse_meeting(doc, "<fuzz>")
    except InputError as exc:
        assert str(exc).startswith("<fuzz>: ") and str(exc).isprintable(), str(exc)
        return
    m.summary()  # what reports show must work for anything the parser accepted
    for s in m.sessions:
        assert s.start.tzinfo is not None and s.start < s.end
        s.start.astimezone(dt.UTC)


# Text-level: the TOML parser and the reader together, from a real file.
toml_chars = st.text(alphabet='[]{}=".,\n#_-:az019 TeEnif+', max_size=200)


@FUZZ
@given(text=toml_chars)
def test_meeting_file_text_gives_a_meeting_or_an_input_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text)
    try:
        load_meeting(str(path))
    except InputError as exc:
        assert str(exc).isprintable(), str(exc)


@pytest.fixture(scope="module")
def known() -> dict[str, type]:
    return Plugins(entry_points=False, use_default_dir=False).checks()


def fragments(check: type) -> st.SearchStrategy[dict[str, Any]]:
    threshold = tables(profile_module.THRESHOLD_KEYS, values)
    option_value = st.one_of(values, st.integers(-100, 5000), st.lists(st.text(max_size=10)))
    return tables(
        profile_module.CHECK_KEYS,
        st.one_of(
            values,
            st.dictionaries(st.sampled_from(sorted(check.metrics) or ["m"]), threshold),
            st.dictionaries(st.sampled_from(sorted(check.options) or ["o"]), option_value),
        ),
    )


@FUZZ
@given(data=st.data())
def test_profile_fragments_give_a_profile_or_an_input_error(
    known: dict[str, type], data: st.DataObject
) -> None:
    check = data.draw(st.sampled_from(sorted(known.values(), key=lambda c: c.id)))
    fragment = data.draw(fragments(check))
    try:
        prof = profile_from_fragment(check, fragment, "<fuzz>")
    except InputError as exc:
        assert str(exc).startswith("<fuzz>: ") and str(exc).isprintable(), str(exc)
        return
    settings_ = prof.settings_for(check)
    assert 0 < settings_.timeout <= profile_module.MAX_TIMEOUT_S
    assert_options_in_bounds(check, settings_.options)


def assert_options_in_bounds(check: type, options: dict[str, Any]) -> None:
    for name, value in options.items():
        opt = check.options[name]
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, bool) or not isinstance(item, int | float):
                continue
            assert math.isfinite(item), (name, item)
            assert opt.min is None or item >= opt.min, (name, item)
            assert opt.max is None or item <= opt.max, (name, item)


SHIPPED = [tomllib.loads(path.read_text()) for path in shipped_profiles().values()]


@FUZZ
@given(data=st.data())
def test_profile_files_give_a_profile_or_an_input_error(
    known: dict[str, type], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    ids = sorted(known)
    checks = st.dictionaries(
        st.one_of(st.sampled_from(ids), st.text(max_size=8)),
        st.one_of(values, fragments(known[data.draw(st.sampled_from(ids))])),
        max_size=3,
    )
    doc = data.draw(
        st.one_of(
            st.sampled_from(SHIPPED).flatmap(mutated),
            tables(
                profile_module.TOP_KEYS - {"extends"},
                st.one_of(values, checks, tables(profile_module.DEFAULT_KEYS, values)),
            ),
        )
    )
    doc.pop("extends", None)  # a parent of the fuzzer's choosing is not the point here
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):
        return  # not expressible as TOML (tomli-w refuses it): nothing to test
    path = tmp_path_factory.mktemp("fuzz") / "p.toml"
    path.write_text(text)
    try:
        prof = load_profile(str(path), known)
    except InputError as exc:
        assert str(exc).startswith(str(path)) and str(exc).isprintable(), str(exc)
        return
    assert prof.digest.startswith("sha256:")
    for check in known.values():
        settings_ = prof.settings_for(check)
        assert 0 < settings_.timeout <= profile_module.MAX_TIMEOUT_S
        assert_options_in_bounds(check, settings_.options)
