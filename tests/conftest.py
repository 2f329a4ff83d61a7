"""Fixtures for every test; shared helpers live in tests/support/."""

import sys
from pathlib import Path

import pytest
from support.helpers import STATUS_PLUGIN


@pytest.fixture
def status_plugins(tmp_path: Path) -> Path:
    """A plugins directory whose checks end in each status on demand."""
    d = tmp_path / "statusplugins"
    d.mkdir()
    (d / "statuses.py").write_text(STATUS_PLUGIN)
    return d


@pytest.fixture(autouse=True)
def _isolate_env(monkeypatch):
    """Tests never see a developer's plugin settings, nor a locale that would make
    meetcheck speak another language than the English the tests read (the language
    tests pass --lang or their own environment)."""
    monkeypatch.delenv("MEETCHECK_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("MEETCHECK_PLUGINS_DIR", raising=False)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    yield
    sys.modules.pop("meetcheck_plugins.statuses", None)
