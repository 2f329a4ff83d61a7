"""The installed (non-editable) package carries its profiles, schema and templates, and
the README's main command works from it."""

import json
import os
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
    for shared in ("_base.css", "_status.html.j2"):
        assert f"meetcheck/report/templates/{shared}" in names
    for page in ("dashboard.html.j2", "dashboard.js"):
        assert f"meetcheck/batch/templates/{page}" in names


def test_wheel_ships_every_compiled_catalog(wheel):
    """The .mo files are package data: an installed meetcheck speaks the six languages."""
    names = set(zipfile.ZipFile(wheel).namelist())
    compiled = sorted((ROOT / "src").rglob("locale/*/LC_MESSAGES/*.mo"))
    assert len(compiled) >= 12  # the core and the system family at least, six languages each
    for mo in compiled:
        assert mo.relative_to(ROOT / "src").as_posix() in names


def outer_import_path() -> list[str]:
    """Where this interpreter finds its packages (its venv's, a .pth's, the base's), not
    the test's own additions: -E drops PYTHONPATH, and '' (the working directory) goes."""
    code = "import json, sys; print(json.dumps(sys.path))"
    proc = subprocess.run(
        [sys.executable, "-E", "-c", code], capture_output=True, text=True, check=True
    )
    return [p for p in json.loads(proc.stdout) if p and Path(p).is_dir()]


def test_installed_wheel_runs_the_demo(wheel, tmp_path):
    """The wheel alone, its dependencies taken from whatever environment runs the suite.

    ``system_site_packages`` would give the *base* interpreter's packages, which is not
    where they are when the suite runs in a virtual environment; a .pth file listing this
    interpreter's import path works however it was set up, and comes after the wheel.
    """
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True, timeout=300)  # fmt: skip
    code = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site_dir = subprocess.run(
        [py, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    Path(site_dir, "outer-environment.pth").write_text("\n".join(outer_import_path()) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    where = subprocess.run([py, "-c", "import meetcheck.profile as p; print(p.profiles_dir())"],
                           capture_output=True, text=True, cwd=tmp_path, env=env)  # fmt: skip
    assert where.returncode == 0, where.stderr
    assert str(env_dir) in where.stdout  # profiles come from the installed package
    report = tmp_path / "demo.json"
    proc = subprocess.run([env_dir / "bin" / "meetcheck", "demo", "-q", "-o",
                           str(tmp_path / "demo.html"), "--json", str(report)],
                          capture_output=True, text=True, timeout=180, cwd=tmp_path,
                          env=env)  # fmt: skip
    assert proc.returncode in (0, 1) and report.exists(), (
        f"meetcheck demo exited {proc.returncode} without its report:\n{proc.stderr}"
    )
    assert json.loads(report.read_text())["profile"]["name"] == "un-rsi-speaker"
