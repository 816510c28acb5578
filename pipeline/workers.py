"""Worker processes for CPU-bound stages, driven from the event loop.

Extraction (and feed parsing) runs in separate processes; the fetcher's event loop
hands them work and takes results without any thread in between. Each worker owns
a socket pair: the loop writes a job (a pickled call) and reads results from it like
any other connection, and keeps up to two jobs with every worker so the next one is
already there when the current one ends. (concurrent.futures' pool routed every job
and result through two threads that had to win the GIL from the busy event loop
first: a worker could sit idle for milliseconds between pages, and the hand-offs
cost the fetcher about a quarter of a millisecond per page.)

A worker that dies (a segfault in lxml, the OOM killer) costs one item, not the run:
the job behind it is requeued untouched, the one it was running is retried once in
a fresh worker with nothing queued behind it, and fails with ExtractError if that
worker dies too. This module runs calls; what they compute is the callers' business.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pipeline.errors import CheesecakeError, ExtractError

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_FRAME = struct.Struct("!Q")  # the byte length of the pickle that follows
AHEAD = 3  # jobs handed to a worker at once: the running one and the next two


def _serve(channel: socket.socket, initializer: Callable[[], None] | None) -> None:
    """A worker's life: read a job, run it, write the outcome, until the socket closes."""
    # Ctrl-C reaches the whole process group; the parent decides, and closes our socket.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer()
    try:
        channel.sendall(_FRAME.pack(0))  # an empty frame: ready
    except OSError:  # the pool closed while we started
        return
    stream = channel.makefile("rb")
    while True:
        header = stream.read(_FRAME.size)
        if len(header) < _FRAME.size:
            return
        call, args, kwargs = pickle.loads(stream.read(_FRAME.unpack(header)[0]))
        try:
            outcome: tuple[bool, Any] = (True, call(*args, **kwargs))
        except Exception as exc:  # the caller decides what an error means
            outcome = (False, exc)
        try:
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an unpicklable result or exception
            payload = pickle.dumps((False, RuntimeError(f"unpicklable outcome: {exc!r}")))
        try:
            channel.sendall(_FRAME.pack(len(payload)) + payload)
        except OSError:  # the parent went away
            return


@dataclass(eq=False)
class _Job:
    payload: bytes  # the pickled (call, args, kwargs)
    about: str  # what the job is about (a URL), for messages
    future: asyncio.Future[Any]
    suspect: bool = False  # its worker died while running it: now runs alone
    overran: bool = False  # it ran past the pool's time limit and its worker was killed


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    jobs: deque[_Job] = field(default_factory=deque)  # sent, oldest (running) first
    task: asyncio.Task[None] | None = None
    ready: bool = False  # its initializer has run
    clock: asyncio.TimerHandle | None = None  # the running job's time limit

    @property
    def room(self) -> bool:
        if self.jobs and self.jobs[0].suspect:
            return False  # a suspect runs with nothing queued behind it
        return len(self.jobs) < AHEAD


class WorkerPool:
    """`async with WorkerPool(workers, initializer=f) as pool: await pool.submit(fn, ...)`.

    Use it from one event loop. `workers` 0 means one per CPU. A job running longer
    than `time_limit` seconds has its worker killed and fails with ExtractError: one
    pathological page must not hold a run (or a worker) forever.
    """

    def __init__(
        self,
        workers: int = 0,
        *,
        initializer: Callable[[], None] | None = None,
        time_limit: float | None = None,
    ):
        self.workers = workers if workers > 0 else (os.cpu_count() or 1)
        self.time_limit = time_limit
        self._initializer = initializer
        self._context = multiprocessing.get_context("spawn")
        self._live: list[_Worker] = []  # every started worker, attached to the loop
        self._backlog: deque[_Job] = deque()
        self._attaching: set[asyncio.Task[None]] = set()  # workers still starting
        self._closed = False

    async def __aenter__(self) -> WorkerPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def ready(self) -> bool:
        """At least one worker has finished starting (a job sent now runs at once)."""
        return any(worker.ready for worker in self._live)

    def start(self) -> None:
        """Start every worker now (each takes a moment to import its stage), rather
        than when the first jobs arrive."""
        while not self._closed and len(self._live) + len(self._attaching) < self.workers:
            self._spawn()

    def submit(
        self, call: Callable[..., _T], *args: Any, about: str, **kwargs: Any
    ) -> asyncio.Future[_T]:
        """Run `call(*args, **kwargs)` (a module-level function) in a worker.

        A CheesecakeError it raises reaches the future as is; any other exception, or
        the worker dying on it twice, becomes an ExtractError naming `about`.
        """
        future: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        if self._closed:
            future.set_exception(ExtractError(f"{about}: extraction was cancelled."))
            return future
        payload = pickle.dumps((call, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        self._backlog.append(_Job(payload, about, future))
        self.start()
        self._dispatch()
        return future

    async def close(self) -> None:
        """Stop: cancel the jobs still waiting, let the running ones end, stop the workers."""
        self._closed = True
        while self._backlog:
            self._cancel(self._backlog.popleft())
        # Each sees the pool closed and stops its worker (a failed start has nothing to stop).
        await asyncio.gather(*self._attaching, return_exceptions=True)
        workers, self._live = self._live, []
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.writer.write_eof()  # the worker exits once its queue is done
        for worker in workers:
            if worker.task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await worker.task
        for worker in workers:
            await asyncio.to_thread(_reap, worker.process)

    # --- workers ---------------------------------------------------------------------

    def _spawn(self) -> None:
        ours, theirs = socket.socketpair()
        process = self._context.Process(
            target=_serve, args=(theirs, self._initializer), daemon=True
        )
        process.start()
        theirs.close()
        task = asyncio.get_running_loop().create_task(self._attach(process, ours))
        self._attaching.add(task)
        task.add_done_callback(self._attaching.discard)

    async def _attach(
        self, process: multiprocessing.process.BaseProcess, sock: socket.socket
    ) -> None:
        reader, writer = await asyncio.open_connection(sock=sock)
        worker = _Worker(process, reader, writer)
        if self._closed:
            writer.close()
            await asyncio.to_thread(_reap, process)
            return
        self._live.append(worker)
        worker.task = asyncio.create_task(self._receive(worker))
        self._dispatch()

    def _dispatch(self) -> None:
        """Hand waiting jobs to workers with room: suspects to an empty worker first."""
        while self._backlog:
            job = self._backlog[0]
            worker = self._pick(empty=job.suspect)
            if worker is None:
                return
            self._backlog.popleft()
            if job.future.done():  # cancelled by the caller while it waited
                continue
            worker.jobs.append(job)
            worker.writer.writelines((_FRAME.pack(len(job.payload)), job.payload))
            if len(worker.jobs) == 1:
                self._clock(worker)

    def _pick(self, *, empty: bool) -> _Worker | None:
        best: _Worker | None = None
        for worker in self._live:
            if empty and worker.jobs:
                continue
            if worker.room and (best is None or len(worker.jobs) < len(best.jobs)):
                best = worker
        return best

    async def _receive(self, worker: _Worker) -> None:
        """Results, in the order the jobs were sent; a closed socket means a dead worker."""
        try:
            while True:
                header = await worker.reader.readexactly(_FRAME.size)
                size = _FRAME.unpack(header)[0]
                if not size:
                    worker.ready = True
                    self._clock(worker)
                    continue
                body = await worker.reader.readexactly(size)
                job = worker.jobs.popleft()
                self._clock(worker)  # the next job, if any, is running now
                try:
                    ok, value = pickle.loads(body)
                except Exception as exc:  # e.g. a result type this process cannot import
                    ok, value = False, exc
                if job.future.done():
                    pass  # cancelled by the caller meanwhile
                elif ok:
                    job.future.set_result(value)
                else:
                    job.future.set_exception(_failure(job, value))
                self._dispatch()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        self._lost(worker)

    def _clock(self, worker: _Worker) -> None:
        """(Re)start the time limit for the job the worker is running, if any."""
        if worker.clock is not None:
            worker.clock.cancel()
            worker.clock = None
        if self.time_limit is not None and worker.ready and worker.jobs:
            loop = asyncio.get_running_loop()
            worker.clock = loop.call_later(self.time_limit, self._overrun, worker)

    def _overrun(self, worker: _Worker) -> None:
        worker.clock = None
        if worker.jobs:
            worker.jobs[0].overran = True
            worker.process.kill()  # its socket closes: _receive ends, _lost reports it

    def _lost(self, worker: _Worker) -> None:
        """The worker's socket closed: at close, or because the process died."""
        with contextlib.suppress(ValueError):
            self._live.remove(worker)
        worker.writer.close()
        if worker.clock is not None:
            worker.clock.cancel()
        if not worker.jobs:
            return
        running, *queued = worker.jobs
        worker.jobs.clear()
        if self._closed:
            for job in (running, *queued):
                self._cancel(job)
            return
        # Untouched jobs go back first, in order; the one it was running gets one more
        # try, alone, or fails now if it already had it.
        self._backlog.extendleft(reversed(queued))
        if running.overran:
            _fail(
                running,
                f"extraction took longer than {self.time_limit:g} s and was stopped",
            )
        elif running.suspect:
            _fail(running, "the extraction worker crashed on this page")
        else:
            log.warning("an extraction worker died; retrying %s on its own", running.about)
            running.suspect = True
            self._backlog.append(running)
        self.start()
        self._dispatch()

    def _cancel(self, job: _Job) -> None:
        _fail(job, "extraction was cancelled")


def _fail(job: _Job, reason: str) -> None:
    if not job.future.done():  # the caller may have cancelled it
        job.future.set_exception(ExtractError(f"{job.about}: {reason}."))


def _failure(job: _Job, exc: Exception) -> Exception:
    if isinstance(exc, CheesecakeError):
        return exc
    # A bug in a library on one page is that page's failure, not the run's.
    return ExtractError(f"{job.about}: extraction failed ({exc!r}).")


def _reap(process: multiprocessing.process.BaseProcess) -> None:
    process.join(timeout=5)
    if process.is_alive():
        process.kill()
        process.join()
