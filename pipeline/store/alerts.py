"""Alert deliveries: one row per (mention, channel), pending until delivered."""

from __future__ import annotations

from pipeline.store._base import StoreBase


class AlertStore(StoreBase):
    def count_pending_alerts(self) -> int:
        return int(self._scalar("SELECT count(*) FROM alerts WHERE status = 'pending'"))
