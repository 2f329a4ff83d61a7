"""``meetcheck batch`` end to end, as a real process against real servers on 127.0.0.1:
an HTTPS server with the tests' own CA, self-test reports matched by e-mail and by token,
every output searched for tokens and checked for names in every script, --recheck, and a
run killed with SIGKILL or interrupted with SIGINT, then resumed."""

from __future__ import annotations

import csv
import datetime as dt
import json
import signal
import sqlite3
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from tests.support.batch import (
    NAMES,
    CountingServer,
    batch_cmd,
    meeting_file,
    run_batch,
    selftest_report,
    speaker_rows,
    write_csv,
)
from tests.support.helpers import same_code_env

OUTPUTS = (
    "results.json", "results.csv", "results.xlsx", "to-chase.txt", "dashboard.html",
    "journal.sqlite",
)  # fmt: skip


@pytest.fixture
def server(tmp_path: Path):
    s = CountingServer(tmp_path)
    yield s
    s.close()


def _outputs_text(out: Path) -> str:
    """Every output as text: the XLSX unzipped, the journal's bytes decoded."""
    parts = []
    for name in OUTPUTS:
        path = out / name
        if name.endswith(".xlsx"):
            with zipfile.ZipFile(path) as z:
                parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        else:
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def _secret_parts(link: str) -> list[str]:
    token = link.rsplit("/", 1)[1]
    return [token, token.split(".")[1][:20], token.rsplit(".", 1)[1][:20]]


def test_a_roster_against_https_with_selftests(server: CountingServer, tmp_path: Path) -> None:
    emails = {}

    def link(i: int, role: str) -> str:
        email = f"{role}.{i}@example.org"
        kind = "gone" if (i, role) == (1, "primary") else "t"  # China's primary: link withdrawn
        emails[(i, role)] = server.link(email, kind)
        return emails[(i, role)]

    rows = speaker_rows(link)  # Egypt 0, China 1, Russian Federation 2, France 3
    roster = write_csv(tmp_path / "speakers.csv", rows, bom=True, delimiter=";")
    meeting = meeting_file(tmp_path / "m.toml", ["127.0.0.1"])
    reports = tmp_path / "reports"
    selftest_report(reports, "egypt-p.json", email="Primary.0@example.org")  # by e-mail
    selftest_report(reports, "egypt-a.json", link=emails[(0, "alternate")])  # by token only
    selftest_report(
        reports,
        "egypt-a-old.json",
        link=emails[(0, "alternate")],
        verdict="NOT READY",
        age=dt.timedelta(days=1),
    )  # older: superseded
    selftest_report(reports, "china-a.json", email="alternate.1@example.org")
    selftest_report(
        reports, "russia-p.json", email="primary.2@example.org", age=dt.timedelta(days=5)
    )  # stale
    selftest_report(reports, "russia-a.json", email="alternate.2@example.org", verdict="NOT READY")
    selftest_report(
        reports, "france-p.json", email="primary.3@example.org", verdict="READY WITH WARNINGS"
    )
    (reports / "junk.json").write_text("{not json", encoding="utf-8")  # fmt: skip
    out = tmp_path / "out"
    result = run_batch(
        roster, "--meeting", str(meeting), "--out", str(out), "--reports", str(reports),
        "--max-age", "3d", env=server.env(),
    )  # fmt: skip
    assert result.returncode == 1, result.stderr  # someone is not ready
    assert "skipping self-test junk.json" in result.stderr
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    status = {(r["delegation"], r["role"]): r for r in data["rows"]}
    assert status[("Egypt", "primary")]["status"] == "ready"
    assert status[("Egypt", "primary")]["selftest"]["file"] == "egypt-p.json"
    assert status[("Egypt", "alternate")]["status"] == "ready"
    assert status[("Egypt", "alternate")]["selftest"]["file"] == "egypt-a.json"
    china_p = status[("China", "primary")]
    assert china_p["status"] == "not_ready" and china_p["check_verdict"] == "NOT READY"
    gone = [f for f in china_p["findings"] if f["check_id"] == "links.http"]
    assert gone[0]["status"] == "FAIL" and "410" in gone[0]["message"] and gone[0]["remediation"]
    assert "No self-test received." in china_p["reasons"]
    assert status[("China", "alternate")]["status"] == "ready"
    russia_p = status[("Russian Federation", "primary")]
    assert russia_p["selftest"]["stale"] is True and russia_p["status"] == "not_ready"
    assert status[("Russian Federation", "alternate")]["reasons"] == [
        "Latest self-test says NOT READY."
    ]
    assert status[("France", "primary")]["status"] == "ready"
    assert status[("France", "alternate")]["reasons"] == ["No self-test received."]
    dels = {d["delegation"]: d["status"] for d in data["delegations"]}
    assert dels == {"Egypt": "ready", "China": "not_ready", "Russian Federation": "not_ready",
                    "France": "not_ready"}  # fmt: skip
    t = data["totals"]
    assert (t["speakers"], t["ready"], t["not_ready"], t["errors"], t["unchecked"]) == (
        8, 4, 4, 0, 0,
    )  # fmt: skip
    assert (t["no_selftest"], t["stale_selftest"], t["delegations_ready"]) == (2, 1, 1)
    assert data["complete"] is True and data["roster"] == {"name": "speakers.csv", "rows": 8}
    assert data["meeting"]["title"] == "Batch test meeting" and data["history"][-1]["ready"] == 4
    assert all(n == 1 for n in server.hits.values()) and len(server.hits) == 8

    # names intact in every output
    names = [n for pair in NAMES.values() for n in pair]
    assert [r["name"] for r in data["rows"]] == names
    with (out / "results.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert [r["name"] for r in csv.DictReader(fh)] == names
    from openpyxl import load_workbook

    book = load_workbook(out / "results.xlsx", read_only=True)
    cells = [r[2] for r in book["Speakers"].iter_rows(min_row=2, values_only=True)]
    assert cells == names
    chase = (out / "to-chase.txt").read_text(encoding="utf-8")
    for who in ("李华", "Иван Петров", "François Noël-Ñúñez", "王小明"):
        assert (who in chase) == (who != "李华")  # the ready ones are not chased
    assert "Ask the meeting secretariat for a new personal link." in chase
    assert "<primary.1@example.org>" in chase

    # no token anywhere: outputs, journal, stdout, stderr
    everything = _outputs_text(out) + result.stdout + result.stderr
    for link in emails.values():
        for part in _secret_parts(link):
            assert part not in everything

    # the dashboard of this very run, in headless Chromium: renders, sorts, filters, no errors
    _dashboard_in_chromium(out / "dashboard.html", names)

    # --recheck failing: only the rows whose checks failed are requested again
    before = dict(server.hits)
    again = run_batch(roster, "--meeting", str(meeting), "--out", str(out), "--reports",
                      str(reports), "--recheck", "failing", env=server.env())  # fmt: skip
    assert again.returncode == 1, again.stderr
    redone = {p for p, n in server.hits.items() if n != before.get(p, 0)}
    assert redone == {emails[(1, "primary")].split(str(server.port), 1)[1]}
    history = json.loads((out / "results.json").read_text(encoding="utf-8"))["history"]
    assert len(history) == 2


def _dashboard_in_chromium(path: Path, names: list[str]) -> None:
    from tests.support.cdp import Chromium

    shown = (
        "Array.from(document.querySelectorAll('#speakers tbody:not([hidden]) tr.main th "
        "span[dir]')).map(s => s.textContent)"
    )
    with Chromium(netns=True) as browser:
        page = browser.open(path.as_uri())
        assert page.evaluate("document.getElementById('count').textContent") == (
            "8 of 8 speakers shown"
        )
        assert sorted(page.evaluate(shown)) == sorted(names)
        page.click("th[data-key=name] button")
        first = page.evaluate(shown)
        page.click("th[data-key=name] button")
        assert page.evaluate(shown) == first[::-1] != first  # sorted, then reversed
        page.evaluate(
            "(c => { c.value = 'ready'; c.dispatchEvent(new Event('change')); })"
            "(document.getElementById('f-status'))"
        )
        assert page.evaluate("document.getElementById('count').textContent").startswith("4 of 8")
        assert page.errors == [], page.errors


def test_links_issued_by_meetcheck_serve(tmp_path: Path) -> None:
    """A real ``meetcheck serve`` process issues signed /join links; a forwarded one fails."""
    from tests.support.serve_proc import serve_process

    from meetcheck.server.links import LinkParticipant, LinkSigner

    secret = "batch-test-secret-0123456789"
    people = [
        ("Egypt", "محمد عبد الله", "primary", "m.abdallah@example.eg"),
        ("Egypt", "فاطمة الزهراء", "alternate", "f.zahraa@example.eg"),
    ]
    config = tmp_path / "serve.toml"
    config.write_text(
        f'[links]\nsecret = "{secret}"\n'
        + "".join(
            f'[[links.participants]]\ndelegation = "{d}"\nname = "{n}"\nrole = "{r}"\n'
            f'email = "{e}"\n'
            for d, n, r, e in people
        ),
        encoding="utf-8",
    )
    signer = LinkSigner(secret)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    with serve_process("--config", str(config)) as serve:
        base = serve.meeting["platform"]["url"].rstrip("/")
        tokens = [signer.issue(LinkParticipant(n, e, d, r), expires) for d, n, r, e in people]
        rows = [
            [d, n, r, e, f"{base}/join/{t}", "ar"]
            for (d, n, r, e), t in zip(people, tokens, strict=True)
        ]
        # a third row holds a link issued to the first speaker: forwarded to someone else
        d, n, r, e = people[0]
        tokens.append(signer.issue(LinkParticipant(n, e, d, r), expires))
        rows.append(["Oman", "سالم الحارثي", "primary", "s.harthi@example.om",
                     f"{base}/join/{tokens[-1]}", "ar"])  # fmt: skip
        roster = write_csv(tmp_path / "r.csv", rows)
        out = tmp_path / "out"
        result = run_batch(roster, "--meeting", serve.meeting_url, "--out", str(out))
    assert result.returncode == 1, result.stderr
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    by_name = {r["name"]: r for r in data["rows"]}
    assert by_name["محمد عبد الله"]["check_verdict"] in ("READY", "READY WITH WARNINGS")
    assert not [f for f in by_name["محمد عبد الله"]["findings"] if f["status"] == "FAIL"]
    oman = by_name["سالم الحارثي"]
    assert oman["check_verdict"] == "NOT READY"
    assert any(f["check_id"] == "links.token" and f["status"] == "FAIL" for f in oman["findings"])
    chase = (out / "to-chase.txt").read_text(encoding="utf-8")
    assert all(name in chase for _, name, _, _ in people)  # Arabic intact, right to left
    everything = _outputs_text(out) + result.stdout + result.stderr
    for token in tokens:
        assert token not in everything and token.split(".")[0][:20] not in everything
        assert token.rsplit(".", 1)[1][:16] not in everything


def _journal_rows(path: Path) -> set[int]:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return {r for (r,) in db.execute("SELECT row FROM results")}
    except sqlite3.Error:
        return set()


def _wait_for_rows(path: Path, n: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(_journal_rows(path)) < n:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the batch recorded no rows"
        time.sleep(0.05)


def _slow_roster(tmp_path: Path, server: CountingServer, n: int) -> tuple[Path, Path, dict]:
    links = {}
    rows = []
    for i in range(n):
        for role in ("primary", "alternate"):
            email = f"{role}.{i}@example.org"
            links[email] = server.link(email)
            rows.append(
                [f"Delegation {i:02d}", f"Speaker {i} {role}", role, email, links[email], ""]
            )
    roster = write_csv(tmp_path / "r.csv", rows)
    return roster, meeting_file(tmp_path / "m.toml", ["127.0.0.1"]), links


def _start(roster: Path, args: tuple[str, ...], server: CountingServer) -> subprocess.Popen:
    env = same_code_env(**server.env())
    pipe = subprocess.PIPE
    return subprocess.Popen(batch_cmd(roster, *args), env=env, stdout=pipe, stderr=pipe, text=True)


def test_sigkill_mid_run_then_resume(tmp_path: Path) -> None:
    server = CountingServer(tmp_path, delay=0.25)
    try:
        roster, meeting, links = _slow_roster(tmp_path, server, 15)  # 30 rows, 4 at a time
        out = tmp_path / "out"
        args = ("--meeting", str(meeting), "--out", str(out), "--concurrency", "4")
        proc = _start(roster, args, server)
        _wait_for_rows(out / "journal.sqlite", 8, proc)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        done_before = _journal_rows(out / "journal.sqlite")
        assert 8 <= len(done_before) < 30
        result = run_batch(roster, *args, "--resume", env=server.env())
    finally:
        server.close()
    assert result.returncode == 1, result.stderr  # nobody sent a self-test
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert sorted(r["row"] for r in data["rows"]) == list(range(1, 31))  # each exactly once
    assert all(r["status"] != "unchecked" and r["checked_at"] for r in data["rows"])
    assert data["complete"] is True
    path_of = {e: link.split(str(server.port), 1)[1] for e, link in links.items()}
    row_email = {r["row"]: r["email"] for r in data["rows"]}
    for row in done_before:  # finished before the kill: not requested again
        assert server.hits[path_of[row_email[row]]] == 1
    assert all(server.hits[p] >= 1 for p in path_of.values())
    assert sum(server.hits.values()) <= 30 + 4  # at most the rows in flight were redone
    assert f"checking {30 - len(done_before)} of 30 rows (resuming" in result.stderr


def test_ctrl_c_keeps_finished_rows_and_exits_3(tmp_path: Path) -> None:
    server = CountingServer(tmp_path, delay=0.25)
    try:
        roster, meeting, _ = _slow_roster(tmp_path, server, 15)
        out = tmp_path / "out"
        args = ("--meeting", str(meeting), "--out", str(out), "--concurrency", "4")
        proc = _start(roster, args, server)
        _wait_for_rows(out / "journal.sqlite", 4, proc)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    finally:
        server.close()
    assert proc.returncode == 3, stderr
    assert "Traceback" not in stderr and "--resume" in stderr
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["complete"] is False
    kept = {r["row"] for r in data["rows"] if r["status"] != "unchecked"}
    assert kept == _journal_rows(out / "journal.sqlite") and len(kept) >= 4
    assert data["totals"]["unchecked"] == 30 - len(kept) > 0
