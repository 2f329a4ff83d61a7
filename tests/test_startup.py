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
