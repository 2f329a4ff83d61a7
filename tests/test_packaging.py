"""The installed (non-editable) package carries its profiles, schema and templates, and
the README's main command works from it."""

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(ROOT)], check=True, timeout=300)  # fmt: skip
    return next(out.glob("meetcheck-*.whl"))


def test_wheel_ships_profiles_schema_and_templates(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for profile in (ROOT / "profiles").glob("*.toml"):
        assert f"meetcheck/profiles/{profile.name}" in names
    assert "meetcheck/report/schema/report-1.0.schema.json" in names
    assert "meetcheck/report/templates/report.html.j2" in names


def test_installed_wheel_runs_the_demo(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall",
                    str(wheel)], check=True, timeout=300)  # fmt: skip
    where = subprocess.run([py, "-c", "import meetcheck.profile as p; print(p.profiles_dir())"],
                           capture_output=True, text=True, check=True, cwd=tmp_path)  # fmt: skip
    assert str(env_dir) in where.stdout  # profiles come from the installed package
    report = tmp_path / "demo.json"
    proc = subprocess.run([env_dir / "bin" / "meetcheck", "demo", "-q", "-o",
                           str(tmp_path / "demo.html"), "--json", str(report)],
                          capture_output=True, text=True, timeout=180, cwd=tmp_path)  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    assert json.loads(report.read_text())["profile"]["name"] == "un-rsi-speaker"
