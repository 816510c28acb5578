"""The fetch's event loop: asyncio's, polling its sockets at most every few milliseconds.

A fetch's event loop does little per page (about 2 ms) but in many small pieces: the
chunks of each response, a worker's reply, a connection becoming writable. Woken for
each one as it arrived, it preempted an extraction worker some eight times per page
on a two-core machine, and the workers paid in lost caches. When the loop has nothing
ready, its selector now first waits until `MIN_POLL_INTERVAL` has passed since the
last poll, so the socket events that arrive meanwhile are handled in one wakeup. The
wait never runs past a due timer, and ready callbacks (a zero timeout) never wait:
the cost is at most that interval on a response that took tens of milliseconds.
"""

from __future__ import annotations

import asyncio
import selectors
import time
from typing import Any

# Measured on benchmarks/ingest.py's 5,000 pages in alternated runs (with AHEAD = 3 in
# pipeline.workers, so a worker still has work queued while the loop waits): main
# process wakeups -55 %, its CPU per page 2.2-2.5 -> 1.7-2.1 ms, the workers' 11.3-12.1
# -> 9.9-11.3 ms, pages per second +7-10 %. 5 ms gained less, 20 ms left workers idle.
MIN_POLL_INTERVAL = 0.010


class _CoalescingSelector(selectors.DefaultSelector):
    def __init__(self, interval: float) -> None:
        super().__init__()
        self._interval = interval
        self._last_poll = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[Any, int]]:
        if self._interval > 0 and (timeout is None or timeout > 0):
            wait = self._interval - (time.monotonic() - self._last_poll)
            if wait > 0:
                if timeout is not None:
                    wait = min(wait, timeout)
                    timeout -= wait
                time.sleep(wait)
        try:
            return super().select(timeout)
        finally:
            self._last_poll = time.monotonic()


def new_event_loop(interval: float | None = None) -> asyncio.AbstractEventLoop:
    """An asyncio event loop whose idle wakeups are at least `interval` seconds apart
    (default `MIN_POLL_INTERVAL`)."""
    chosen = MIN_POLL_INTERVAL if interval is None else interval
    return asyncio.SelectorEventLoop(_CoalescingSelector(chosen))
