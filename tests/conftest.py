import pytest


@pytest.fixture(autouse=True)
def _isolate_env(monkeypatch, tmp_path):
    """Tests never see a developer's plugin settings or the repository's plugins/ dir."""
    monkeypatch.delenv("MEETCHECK_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("MEETCHECK_PLUGINS_DIR", raising=False)
