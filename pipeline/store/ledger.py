"""Suggestions, mentions and alert deliveries: what was proposed and what the user did."""

from __future__ import annotations

from pipeline.store._base import StoreBase


class LedgerStore(StoreBase):
    def count_suggestions(self) -> int:
        return int(self._scalar("SELECT count(*) FROM suggestions"))

    def count_mentions(self) -> int:
        return int(self._scalar("SELECT count(*) FROM mentions"))
