"""Run records and the per-item errors recorded inside a run."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pipeline.records import ItemError
from pipeline.store._base import StoreBase, to_iso, utcnow


def _run(row: sqlite3.Row) -> dict[str, Any]:
    # A dict, not a record: the report is the `run --json` object, stored and shown as is.
    return {
        "id": row["id"],
        "kind": row["kind"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "status": row["status"],
        "report": json.loads(row["report"]),
    }


class RunStore(StoreBase):
    def start_run(self, kind: str) -> int:
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (kind, started_at) VALUES (?, ?)", (kind, to_iso(utcnow()))
            )
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, report: Mapping[str, Any], *, ok: bool = True) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, report = ? WHERE id = ?",
                (to_iso(utcnow()), "ok" if ok else "failed", json.dumps(report), run_id),
            )

    def abandon_stale_runs(self, message: str) -> int:
        """Mark runs still `running` as failed; return how many.

        Only call this while holding the workspace lock: then no live process owns
        them, so they were killed mid-run (the report says so instead of "running").
        """
        with self.transaction() as conn:
            cursor = conn.execute(
                "UPDATE runs SET status = 'failed', finished_at = ?, "
                "report = json_set(report, '$.error', ?) WHERE status = 'running'",
                (to_iso(utcnow()), message),
            )
        return cursor.rowcount

    def recent_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        """The latest runs, newest first, in the shape of `last_run`."""
        rows = self._all("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        return [_run(row) for row in rows]

    def record_error(self, run_id: int | None, error: ItemError) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO item_errors (run_id, stage, item, message, at) VALUES (?, ?, ?, ?, ?)",
                (run_id, error.stage, error.item, error.message, to_iso(utcnow())),
            )

    def last_run(
        self, kind: str | None = None, *, before: datetime | None = None
    ) -> dict[str, Any] | None:
        """The latest run (of `kind`), or the latest started before `before`."""
        where: list[str] = ["1"]
        params: list[str | None] = []
        if kind:
            where.append("kind = ?")
            params.append(kind)
        if before is not None:
            where.append("started_at < ?")
            params.append(to_iso(before))
        row = self._one(
            f"SELECT * FROM runs WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT 1",
            tuple(params),
        )
        return _run(row) if row is not None else None

    def run_errors(self, run_id: int) -> list[ItemError]:
        return [
            ItemError(stage=r["stage"], item=r["item"], message=r["message"])
            for r in self._all("SELECT * FROM item_errors WHERE run_id = ? ORDER BY id", (run_id,))
        ]
