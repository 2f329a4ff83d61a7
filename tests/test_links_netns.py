"""Refused links are never contacted, proved from outside the process: the probe runs in a
network namespace of its own (only loopback) under strace, which records every connect().

A control link to a listed public address shows the trace does see connect() calls (it
fails at once with ENETUNREACH: no packet leaves the namespace).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

REFUSED = [
    "https://interprefy.com.example.net/join/x",  # allowed name as a subdomain
    "https://xn--nterprefy-u9h.com/join/x",  # punycode look-alike
    "https://lnterprefy.com/join/x",  # one edit away
    "https://user:pw@interprefy.com/join/x",  # credentials
    "http://interprefy.com/join/x",  # plain http
    "https://10.0.0.5/join/x",  # private
    "https://[fd00::1]/join/x",  # private (IPv6)
    "https://169.254.169.254/latest",  # link-local (cloud metadata)
    "https://224.0.0.1/x",  # multicast
    "https://127.0.0.1:9/x",  # loopback, not listed
    "https://100.64.0.1/x",  # carrier-grade NAT
    "https://interprefy.com/" + "a" * 9000,  # absurdly long
]
CONTROL = "https://1.1.1.1/join/x"  # a public address the meeting file lists

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from meetcheck.checks.links._probe import run_probe

    async def main():
        for url in sys.argv[1:]:
            probe = await run_probe(url, ["interprefy.com", "1.1.1.1"], timeout=3)
            print(probe.outcome, flush=True)

    asyncio.run(main())
    """
)


def _can_unshare() -> bool:
    if not (shutil.which("unshare") and shutil.which("strace") and shutil.which("ip")):
        return False
    probe = subprocess.run(
        ["unshare", "--net", "--", "true"], capture_output=True, timeout=10, check=False
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs unshare --net, ip and strace (root)")
def test_refused_links_make_no_connect_call(tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    script = tmp_path / "probe.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}")
    cmd = (
        "ip link set lo up && exec strace -f -qq -e trace=connect -o "
        f'{trace} {sys.executable} {script} "$@"'
    )
    result = subprocess.run(
        ["unshare", "--net", "--", "sh", "-c", cmd, "sh", *REFUSED, CONTROL],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outcomes = result.stdout.split()
    assert outcomes[:-1] == ["not-contacted"] * 5 + ["refused"] * 6 + ["not-contacted"]
    assert outcomes[-1] == "error"  # the control: tried, and the namespace has no route
    inet = [line for line in trace.read_text().splitlines() if re.search(r"AF_INET6?\b", line)]
    assert len(inet) == 1 and "1.1.1.1" in inet[0] and "443" in inet[0], inet
