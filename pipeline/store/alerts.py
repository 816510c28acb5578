"""Alert deliveries: one row per (mention, channel), pending until delivered.

The row is the delivery's write-ahead record: it is committed as `pending` before
anything is sent and marked `sent` right after, so a process killed in between
leaves a pending row that the next run delivers (at worst a second time, only for
the one alert that was in flight). The primary key (mention, channel) is what makes
"never the same mention twice on one channel" hold whatever the caller does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pipeline.store._base import StoreBase, from_iso, to_iso, utcnow

ALERT_STATUSES = ("pending", "sent", "failed")


@dataclass(frozen=True)
class AlertDelivery:
    mention_id: int
    channel: str  # "email" or "webhook"
    status: str
    attempts: int
    updated_at: datetime
    last_error: str | None = None


def _delivery(row: sqlite3.Row) -> AlertDelivery:
    return AlertDelivery(
        mention_id=row["mention_id"],
        channel=row["channel"],
        status=row["status"],
        attempts=row["attempts"],
        updated_at=from_iso(row["updated_at"]),  # type: ignore[arg-type]
        last_error=row["last_error"],
    )


class AlertStore(StoreBase):
    def queue_alerts(self, channels: Sequence[str], *, since: datetime) -> int:
        """Add a pending delivery per channel for every live mention found since `since`
        in an article fetched since then.

        Mentions rather than "this run's mentions": a run killed between finding a
        mention and queueing its alert still gets it delivered by the next run. An
        older article's mention (a contact added today, found in last week's news) is
        listed and goes into the digest, but is no longer news to alert about.
        Returns how many deliveries were queued.
        """
        queued = 0
        with self.transaction() as conn:
            for channel in channels:
                cursor = conn.execute(
                    """INSERT OR IGNORE INTO alerts (mention_id, channel, status, updated_at)
                       SELECT m.id, ?, 'pending', ? FROM mentions m
                       JOIN articles a ON a.id = m.article_id
                       WHERE m.status = 'new' AND m.created_at >= ? AND a.fetched_at >= ?""",
                    (channel, to_iso(utcnow()), to_iso(since), to_iso(since)),
                )
                queued += cursor.rowcount
        return queued

    def alerts_due(self, channels: Sequence[str], *, since: datetime) -> list[AlertDelivery]:
        """Deliveries still to attempt on these channels, oldest mention first.

        Pending ones, and failed ones whose mention is recent enough to still be news.
        A mention the user already dismissed or marked sent is not alerted any more.
        """
        if not channels:
            return []
        marks = ",".join("?" * len(channels))
        rows = self._all(
            f"""SELECT a.* FROM alerts a JOIN mentions m ON m.id = a.mention_id
                WHERE a.channel IN ({marks}) AND m.status = 'new'
                  AND (a.status = 'pending' OR (a.status = 'failed' AND m.created_at >= ?))
                ORDER BY m.created_at, a.mention_id, a.channel""",
            (*channels, to_iso(since)),
        )
        return [_delivery(r) for r in rows]

    def mark_alert_sent(self, mention_id: int, channel: str, *, attempts: int) -> None:
        self._set_alert(mention_id, channel, "sent", attempts, None)

    def mark_alert_failed(
        self, mention_id: int, channel: str, error: str, *, attempts: int
    ) -> None:
        self._set_alert(mention_id, channel, "failed", attempts, error)

    def _set_alert(
        self, mention_id: int, channel: str, status: str, attempts: int, error: str | None
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                """UPDATE alerts SET status = ?, attempts = attempts + ?, last_error = ?,
                       updated_at = ? WHERE mention_id = ? AND channel = ?""",
                (status, attempts, error, to_iso(utcnow()), mention_id, channel),
            )

    def alert_deliveries(
        self, *, mention_id: int | None = None, status: str | None = None
    ) -> list[AlertDelivery]:
        where: list[str] = []
        params: list[object] = []
        if mention_id is not None:
            where.append("mention_id = ?")
            params.append(mention_id)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        sql = "SELECT * FROM alerts" + (" WHERE " + " AND ".join(where) if where else "")
        return [_delivery(r) for r in self._all(sql + " ORDER BY mention_id, channel", params)]

    def count_pending_alerts(self) -> int:
        return int(self._scalar("SELECT count(*) FROM alerts WHERE status = 'pending'"))
