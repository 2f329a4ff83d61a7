"""A whole run in each of the six languages shows no English sentence of meetcheck's
(issue 14): `meetcheck demo` runs every built-in family against its embedded meeting, and
its terminal report, its progress lines and its HTML page are read for any run of three
English words that one of the built-in catalogs holds. Names, ids, units and URLs are not
in the catalogs. What is shown as written is left out: the profile's source citations (the
page marks them ``lang="en"``; the terminal shows them in brackets) and facts a check
recorded in words (marked the same way in the page's measurement tables)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from support.english import english_fragments, visible_text
from support.helpers import same_code_env

from meetcheck.i18n import LANGUAGES

pytest.importorskip("babel")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, str]:
    """The demo in all six languages at once (the verdicts do not matter here)."""
    base = tmp_path_factory.mktemp("demo-i18n")
    procs = {}
    for lang in LANGUAGES:
        out = base / lang
        out.mkdir()
        cmd = [sys.executable, "-m", "meetcheck", "demo", "--lang", lang, "-o", "r.html"]
        procs[lang] = subprocess.Popen(
            cmd, cwd=out, env=same_code_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
    shown = {}
    for lang, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=240)
        assert proc.returncode in (0, 1, 3), stderr
        assert "Traceback" not in stderr
        page = (base / lang / "r.html").read_text(encoding="utf-8")
        cited = re.compile(r"\[[^\]\n]*\]")  # a threshold's [source] in the terminal
        shown[lang] = " ".join([cited.sub(" ", stdout), stderr, visible_text(page)])
    return shown


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_full_run_shows_no_english_sentence(runs: dict[str, str], lang: str) -> None:
    words = " ".join(re.findall(r"[A-Za-z']+", runs[lang]))
    english = sorted(f for f in english_fragments() if f in words)
    if lang == "en":  # the control: the same run in English is full of them
        assert len(english) >= 30, english
    else:
        assert english == [], english
