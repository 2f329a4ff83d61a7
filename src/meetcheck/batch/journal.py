"""The journal: every row's check result in SQLite the moment it finishes.

Each finished row is one committed transaction (WAL), so Ctrl-C, a crash or SIGKILL loses
at most the rows still in flight; ``--resume`` re-runs exactly the rows of the interrupted
run that have no result *in that run*, so none is lost, none repeated. ``history`` keeps the
readiness totals of every run, for progress towards the meeting. The schema is versioned by
``MIGRATIONS``: a journal from an older meetcheck is upgraded in place, one from a newer one
is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from meetcheck.errors import InputError
from meetcheck.readable import visible

MIGRATIONS: list[str] = [
    # 1: runs, the rows each run must check, the latest result of each row, history.
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        mode TEXT NOT NULL,
        complete INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE plan (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        key TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
    );
    CREATE TABLE results (
        key TEXT PRIMARY KEY,
        row INTEGER NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        checked_at TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE TABLE history (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id),
        run_at TEXT NOT NULL,
        totals TEXT NOT NULL
    );
    """,
]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Journal:
    """One roster's journal file (``journal.sqlite`` in the output folder)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # survives a killed process
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{visible(str(path))}: not a meetcheck journal ({exc})") from None

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise InputError(
                f"{visible(str(self.path))}: journal schema {version} is newer than this "
                f"meetcheck ({len(MIGRATIONS)}); upgrade meetcheck"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            self.db.execute("BEGIN")
            for statement in filter(str.strip, script.split(";")):
                self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version = {number}")
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def open_run(self) -> int | None:
        """The latest run that did not finish, if it is the latest run at all."""
        row = self.db.execute("SELECT id, complete FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return int(row[0]) if row and not row[1] else None

    def start_run(self, mode: str, keys: Iterable[str]) -> int:
        self.db.execute("BEGIN")
        cur = self.db.execute("INSERT INTO runs (started_at, mode) VALUES (?, ?)", (_now(), mode))
        run_id = int(cur.lastrowid or 0)
        self.db.executemany(
            "INSERT OR IGNORE INTO plan (run_id, key) VALUES (?, ?)", ((run_id, k) for k in keys)
        )
        self.db.execute("COMMIT")
        return run_id

    def planned(self, run_id: int) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT key FROM plan WHERE run_id = ?", (run_id,))}

    def done_in(self, run_id: int) -> set[str]:
        q = "SELECT key FROM results WHERE run_id = ?"
        return {k for (k,) in self.db.execute(q, (run_id,))}

    def record(self, run_id: int, key: str, row: int, data: dict[str, Any]) -> None:
        """One finished row, committed at once."""
        self.db.execute(
            "INSERT OR REPLACE INTO results (key, row, run_id, checked_at, data) "
            "VALUES (?, ?, ?, ?, ?)",
            (key, row, run_id, data.get("checked_at") or _now(), json.dumps(data)),
        )

    def results(self) -> dict[str, dict[str, Any]]:
        """Key -> the latest result of that row, over every run."""
        return {k: json.loads(d) for k, d in self.db.execute("SELECT key, data FROM results")}

    def finish_run(self, run_id: int, totals: dict[str, Any], complete: bool) -> None:
        self.db.execute("BEGIN")
        self.db.execute(
            "UPDATE runs SET finished_at = ?, complete = ? WHERE id = ?",
            (_now(), int(complete), run_id),
        )
        if complete:
            self.db.execute(
                "INSERT OR REPLACE INTO history (run_id, run_at, totals) VALUES (?, ?, ?)",
                (run_id, _now(), json.dumps(totals)),
            )
        self.db.execute("COMMIT")

    def history(self) -> list[dict[str, Any]]:
        q = "SELECT run_at, totals FROM history ORDER BY run_id"
        return [{"run_at": at, **json.loads(t)} for at, t in self.db.execute(q)]
