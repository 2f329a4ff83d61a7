"""`meetcheck --help` stays fast: no heavy library is imported to show it.

The time itself is measured in benchmarks/bench_startup.py, not asserted here.
"""

import subprocess
import sys

HEAVY = ("aiortc", "av", "numpy", "aiohttp", "jinja2", "requests", "aioice", "cryptography",
         "sounddevice")
# Standard-library modules slow enough to matter (asyncio alone is 30-40 ms here), and the
# meeting-file parser: none of them is needed to list the commands.
SLOW = ("asyncio", "ssl", "meetcheck.meeting")


def test_help_imports_no_heavy_library():
    code = (
        "import sys\n"
        "from meetcheck.cli import cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='meetcheck', standalone_mode=False)\n"
        "finally:\n"
        f"    print('HEAVY=' + ','.join(m for m in {HEAVY + SLOW!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Commands:" in out.stdout  # plugins were loaded to list commands
    assert out.stdout.strip().splitlines()[-1] == "HEAVY="


def test_help_imports_no_check_module():
    """The built-in families register their checks by import path: listing the commands
    imports each family's package (its hooks) and message catalog, and none of its ~40
    check modules."""
    code = (
        "import sys\n"
        "from meetcheck.cli import cli\n"
        "cli.main(['--help'], prog_name='meetcheck', standalone_mode=False)\n"
        "print('LOADED=' + ','.join(sorted(m for m in sys.modules\n"
        "                                  if m.startswith('meetcheck.checks.'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stdout.strip().splitlines()[-1].removeprefix("LOADED=").split(",")
    families = {"audio", "channels", "links", "network", "registration", "system"}
    allowed = {f"meetcheck.checks.{f}" for f in families}
    allowed |= {f"meetcheck.checks.{f}._catalog" for f in families}
    assert set(loaded) == allowed


def test_every_family_still_registers_its_checks():
    """Collected, the lazily imported checks are all there, registered by their family."""
    from meetcheck.plugins import Plugins

    plugins = Plugins(use_default_dir=False, entry_points=False)
    checks = plugins.checks()
    assert not plugins.errors, plugins.errors
    sizes = {"audio": 11, "channels": 6, "links": 5, "network": 7, "registration": 3, "system": 4}
    for family, size in sizes.items():
        assert len(plugins.info[f"checks.{family}"].checks) == size, family
        assert all(checks[c].__module__.startswith(f"meetcheck.checks.{family}.")
                   for c in plugins.info[f"checks.{family}"].checks)  # fmt: skip
    assert {"audio.level", "network.media", "system.clock", "links.form"} <= set(checks)
