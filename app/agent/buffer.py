"""The agent's on-disk buffer: every observation is written here first (SQLite in the state
directory), and removed only once the server has acknowledged it. SQLite's AUTOINCREMENT
numbers observations in order and never reuses a number, which gives each its `seq`; the
stream id, made once per buffer, tells the server when numbering starts afresh.

Blocking: call it through `asyncio.to_thread`. One lock serialises the connection."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from app.agent.observe import Observation

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    observed_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    reason TEXT NOT NULL
);
"""

Pending = tuple[int, dict[str, Any]]


def _encode(observation: Observation) -> str:
    fields = asdict(observation) | {
        "role": str(observation.role),
        "observed_at": observation.observed_at.isoformat(),
    }
    return json.dumps(fields)


class Buffer:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives power loss
        self._db.executescript(_SCHEMA)
        self.stream = self._stream_id()

    def _stream_id(self) -> str:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'stream'").fetchone()
            if row is not None:
                return str(row[0])
            stream = uuid.uuid4().hex
            self._db.execute("INSERT INTO meta (key, value) VALUES ('stream', ?)", (stream,))
            return stream

    def append(self, observations: list[Observation]) -> None:
        rows = [(o.observed_at.isoformat(), _encode(o)) for o in observations]
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT INTO pending (observed_at, body) VALUES (?, ?)", rows)

    def oldest(self, limit: int) -> list[Pending]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, body FROM pending ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [(int(seq), json.loads(body)) for seq, body in rows]

    def acknowledge(self, through_seq: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM pending WHERE seq <= ?", (through_seq,))

    def reject(self, through_seq: int, reason: str) -> None:
        """Keep what the server refused aside, for the operator, and move on."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT OR IGNORE INTO rejected (seq, body, reason)"
                " SELECT seq, body, ? FROM pending WHERE seq <= ?",
                (reason[:2000], through_seq),
            )
            self._db.execute("DELETE FROM pending WHERE seq <= ?", (through_seq,))

    def prune_before(self, cutoff: datetime) -> int:
        """Drop observations older than the server accepts (see MAX_RESULT_AGE)."""
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM pending WHERE observed_at < ?", (cutoff.isoformat(),)
            )
            return cursor.rowcount

    def pending_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM pending").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
