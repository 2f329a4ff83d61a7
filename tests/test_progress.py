"""Live progress: a rewriting status line on a terminal, plain lines otherwise."""

import os
import pty
import subprocess

from support.helpers import meetcheck_cmd


def run_progress(status_plugins, tmp_path, tty: bool) -> str:
    cmd = meetcheck_cmd(
        status_plugins,
        "--only",
        "t.pass",
        "--only",
        "t.warn",
        "--format",
        "json",
        "-o",
        "r.json",
    )
    if not tty:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path).stderr
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stderr=slave, stdout=subprocess.DEVNULL, cwd=tmp_path)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=30)
    os.close(master)
    return b"".join(chunks).decode()


def test_plain_lines_when_not_a_terminal(status_plugins, tmp_path):
    err = run_progress(status_plugins, tmp_path, tty=False)
    assert "\x1b[" not in err and "\r" not in err
    assert "[1/2]" in err and "[2/2]" in err
    assert "WARN    t.warn  t.warn says WARN" in err


def test_rewriting_line_on_a_terminal(status_plugins, tmp_path):
    err = run_progress(status_plugins, tmp_path, tty=True)
    assert "\r\x1b[2K" in err  # the status line is cleared and rewritten
    assert "t.warn says WARN" in err
