"""The fetch's event loop: socket wakeups coalesced, timers and ready work on time."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

from pipeline.eventloop import new_event_loop

INTERVAL = 0.05


def run(coro_factory, interval: float = INTERVAL):  # type: ignore[no-untyped-def]
    with asyncio.Runner(loop_factory=lambda: new_event_loop(interval)) as runner:
        return runner.run(coro_factory())


def test_timers_fire_on_time() -> None:
    # Five timers of 1 ms each, one after the other: the wait for the next poll
    # never runs past a timer that is due.
    async def hops() -> float:
        started = time.monotonic()
        for _ in range(5):
            await asyncio.sleep(0.001)
        return time.monotonic() - started

    assert run(hops) < INTERVAL

    async def late() -> float:
        await asyncio.sleep(0.001)  # make the last poll recent
        started = time.monotonic()
        await asyncio.sleep(0.2)
        return time.monotonic() - started

    assert 0.2 <= run(late) < 0.2 + INTERVAL / 2


def test_ready_callbacks_are_never_delayed() -> None:
    async def chain() -> float:
        started = time.monotonic()
        for _ in range(200):
            await asyncio.sleep(0)  # a ready callback each time: zero timeout, no wait
        return time.monotonic() - started

    assert run(chain) < INTERVAL


def test_bytes_arriving_in_bursts_are_read_in_fewer_wakeups() -> None:
    # Ten messages 5 ms apart arrive while the loop waits out its interval: they are
    # read together, in far fewer reads than messages, and none is lost.
    def burst(interval: float) -> tuple[bytes, int]:
        left, right = socket.socketpair()

        def send() -> None:
            for n in range(10):
                right.sendall(b"%d;" % n)
                time.sleep(0.005)
            right.close()

        async def receive() -> tuple[bytes, int]:
            reader, writer = await asyncio.open_connection(sock=left)
            threading.Thread(target=send).start()
            data, reads = b"", 0
            while chunk := await reader.read(1024):
                data += chunk
                reads += 1
            writer.close()
            return data, reads

        return run(receive, interval)  # type: ignore[no-any-return]

    data, reads = burst(INTERVAL)
    assert data == b"".join(b"%d;" % n for n in range(10))
    assert reads <= 4
    assert burst(0)[1] > reads  # the plain loop wakes for (nearly) every message
