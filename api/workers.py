"""Query evaluation in worker processes, with a time limit that really stops the query.

pyoxigraph's ``Store.query`` cannot be interrupted from Python, so client queries never run in
the server process. ``QueryService`` keeps N worker processes (``settings.workers``), each with
the store snapshot opened read-only (RocksDB allows many read-only openers of a directory that
no one writes), an address-space cap (``settings.worker_memory_mb``) and one persistent pipe.
A job is a pickled ``QueryJob``; the reply is a small header and the answer already serialised
(``Answer.body``), so the server never iterates rows: one message for an answer of up to
``evaluator.INLINE_REPLY`` bytes (header and body together), two for a larger one.

Everything runs on the event loop, without helper threads: a request takes an idle worker
(first come, first served), writes the job down its pipe and waits, through ``add_reader``, for
the reply or the deadline. A worker's pipe stays registered with the loop from its first job
until it is replaced (not once per job); while the worker is idle, readable means it died. At
the deadline the worker is killed (SIGKILL: nothing to clean up, the store is read-only), the
request is answered ``QueryTimeout`` at once, and a replacement starts in a thread while the
other workers carry on: the server keeps answering while a slow query is stopped. The deadline
is set when the request arrives, so waiting for a free worker counts too. A request abandoned
by its client lets its query finish (or be killed at the deadline) before the worker is reused.

Imports no engine: the worker side lives in ``graph.store.evaluator``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import multiprocessing
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from graph import errors
from graph.errors import EvaluationFailed, GovkgError, QueryTimeout
from graph.store import evaluator
from graph.store.base import Answer
from graph.store.evaluator import QueryJob

log = logging.getLogger("govkg.workers")

# Spawn, not fork: the server has threads (event loop, thread pool) that fork would copy mid-state.
_CONTEXT = multiprocessing.get_context("spawn")
START_TIMEOUT = 60.0
# Answers larger than this are read from the pipe in a thread, not on the event loop.
_INLINE_READ = 1 << 20
Reply = tuple[tuple[object, ...], bytes | None] | None


class _Worker:
    """One worker process and its pipe."""

    def __init__(
        self, index: int, store_path: Path, prefixes: Mapping[str, str], memory_mb: int
    ) -> None:
        self.index = index
        self.store_path = store_path
        self.prefixes = dict(prefixes)
        self.memory_mb = memory_mb
        self.process: BaseProcess | None = None
        self.conn: Connection | None = None
        self.call: _Call | None = None  # the query in flight
        self.watched = False  # conn is registered with the event loop (add_reader)

    def start(self) -> None:
        """Start the process and wait until it has opened the store (blocking)."""
        parent, child = _CONTEXT.Pipe(duplex=True)
        process = _CONTEXT.Process(
            target=evaluator.serve,
            args=(child, str(self.store_path), self.prefixes, self.memory_mb),
            name=f"govkg-query-{self.index}",
            daemon=True,
        )
        process.start()
        child.close()
        self.process, self.conn = process, parent
        if not parent.poll(START_TIMEOUT):
            self.stop()
            raise EvaluationFailed(f"query worker {self.index} did not start")
        message = parent.recv_bytes()
        if message != evaluator.READY:
            self.stop()
            _, _, detail = pickle.loads(message)
            raise EvaluationFailed(f"query worker {self.index} could not start: {detail}")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def kill(self) -> None:
        """Stop the process at once (it may be in the middle of a query)."""
        if self.process is not None and self.process.is_alive():
            self.process.kill()

    def stop(self) -> None:
        self.kill()
        if self.process is not None:
            self.process.join(5)
        if self.conn is not None:
            self.conn.close()
        self.process = self.conn = None

    def restart(self) -> None:
        self.stop()
        self.start()


@dataclass(eq=False)
class _Call:
    """One query in flight on one worker."""

    worker: _Worker
    future: asyncio.Future[Reply]
    limit: float
    timer: asyncio.TimerHandle | None = None
    finished: bool = False


class QueryService:
    """Evaluates protocol queries in worker processes; each call has a hard deadline."""

    def __init__(
        self, store_path: Path, size: int, prefixes: Mapping[str, str], memory_mb: int = 0
    ) -> None:
        self.size = max(1, size)
        self.memory_mb = memory_mb
        self.store_path = store_path
        # What a job's ``store_path`` says for the snapshot served now (jobs made with it are
        # sent as they are, not copied).
        self.store_path_text = str(store_path)
        self._workers = [_Worker(i, store_path, prefixes, memory_mb) for i in range(self.size)]
        self._idle: asyncio.Queue[_Worker] | None = None
        self.busy = 0
        self.restarts = 0
        self.timeouts = 0
        self._closed = False

    def start(self) -> None:
        """Start every worker (in parallel, blocking); raise if none can start."""
        with concurrent.futures.ThreadPoolExecutor(self.size) as pool:
            outcomes = list(pool.map(_try_start, self._workers))
        failures = [error for error in outcomes if error is not None]
        if len(failures) == self.size:
            raise failures[0]
        for failure in failures:
            log.error("query worker failed to start: %s", failure)

    @property
    def alive(self) -> int:
        return sum(worker.alive for worker in self._workers)

    def _idle_workers(self) -> asyncio.Queue[_Worker]:
        # Created on first use, on the loop that serves requests (start() runs in a thread).
        if self._idle is None:
            self._idle = asyncio.Queue()
            for worker in self._workers:
                if worker.alive:
                    self._idle.put_nowait(worker)
                else:
                    self._replace(worker)
        return self._idle

    def switch(self, store_path: Path) -> None:
        """Serve later jobs from ``store_path`` (a newer snapshot after a write): each worker
        reopens it on its next job, and replacements start on it. Jobs in flight finish on the
        snapshot they started on."""
        self.store_path = store_path
        self.store_path_text = str(store_path)
        for worker in self._workers:
            worker.store_path = store_path

    async def answer(self, job: QueryJob, timeout: float) -> Answer:
        """Evaluate ``job`` in a worker; at most ``timeout`` seconds from now, queueing included.

        :raises QueryTimeout: the deadline passed (the worker was killed and is being replaced).
        :raises GovkgError: whatever the evaluation raised (BadQuery, QueryRefused, …).
        """
        if self._closed:
            raise EvaluationFailed("the query service is shutting down")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        idle = self._idle_workers()
        while True:
            try:
                worker = idle.get_nowait() if not idle.empty() else await asyncio.wait_for(
                    idle.get(), deadline - loop.time()
                )
            except TimeoutError:
                raise QueryTimeout(
                    f"No query worker was free within the time limit of {timeout:g} s: every "
                    "worker is busy with other queries. Try again later."
                ) from None
            if worker.alive and worker.conn is not None:
                break
            self._replace(worker)  # died while idle (killed from outside): take another
        if job.store_path != self.store_path_text:
            job = dataclasses.replace(job, store_path=self.store_path_text)
        call = _Call(worker, loop.create_future(), timeout)
        if not worker.watched:
            loop.add_reader(worker.conn.fileno(), self._on_readable, worker)
            worker.watched = True
        worker.call = call
        self.busy += 1
        try:
            worker.conn.send_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            self._finish(call, None)
            raise EvaluationFailed("the query worker had stopped; try again") from None
        call.timer = loop.call_at(deadline, self._on_deadline, call)
        # If the client goes away the await is cancelled; the reader callback and the deadline
        # timer still see the query through, and put the worker back or replace it.
        outcome = await call.future
        if outcome is None:
            cause = (
                f"; most likely it needed more memory than a query may use "
                f"({self.memory_mb} MB per worker)" if self.memory_mb > 0 else ""
            )
            raise EvaluationFailed(f"The query worker stopped while evaluating the query{cause}.")
        return _decode(outcome)

    def _on_readable(self, worker: _Worker) -> None:
        """The worker wrote its reply (header, and body when small); a big body follows."""
        call = worker.call
        conn = worker.conn
        if call is None or conn is None:
            # Idle and readable: the pipe was closed, the worker died. Stop watching it; it is
            # replaced when a request takes it from the idle queue.
            self._unwatch(worker)
            return
        try:
            message = conn.recv_bytes()
            header = pickle.loads(message)  # an inline body follows the pickle
        except (EOFError, OSError):
            self._finish(call, None)
            return
        if call.timer is not None:
            call.timer.cancel()  # evaluation is over; only the transfer is left
        if header[0] != "ok":
            self._finish(call, (header, None))
        elif header[6]:  # inline: the body is the last ``size`` bytes of the message
            self._finish(call, (header, message[len(message) - header[5]:]))
        elif header[5] <= _INLINE_READ:
            try:
                self._finish(call, (header, conn.recv_bytes()))
            except (EOFError, OSError):
                self._finish(call, None)
        else:
            # A big answer is read in a thread, so other requests go on meanwhile; the loop
            # must not watch the pipe while the thread reads it.
            self._unwatch(worker)
            reading = asyncio.get_running_loop().run_in_executor(None, _read_body, conn)
            reading.add_done_callback(
                lambda done: self._finish(
                    call, None if done.exception() else (header, done.result())
                )
            )

    def _on_deadline(self, call: _Call) -> None:
        """The time is up and no reply came: kill the worker, answer 503, start a replacement."""
        if call.finished:
            return
        self._unwatch(call.worker)
        call.worker.kill()
        self.timeouts += 1
        call.finished = True
        call.worker.call = None
        self.busy -= 1
        self._replace(call.worker)
        if not call.future.done():
            call.future.set_exception(QueryTimeout(_timeout_message(call.limit)))

    def _finish(self, call: _Call, outcome: Reply) -> None:
        """The query ended: the worker goes back to the idle queue (or is replaced if it died)."""
        if call.finished:
            return
        call.finished = True
        call.worker.call = None
        if call.timer is not None:
            call.timer.cancel()
        self.busy -= 1
        if outcome is None:
            self._replace(call.worker)
        else:
            self._idle_workers().put_nowait(call.worker)
        if not call.future.done():
            call.future.set_result(outcome)

    def _unwatch(self, worker: _Worker) -> None:
        """Stop watching ``worker``'s pipe (before it is read elsewhere or closed)."""
        if worker.watched:
            worker.watched = False
            if worker.conn is not None:
                asyncio.get_running_loop().remove_reader(worker.conn.fileno())

    def _replace(self, worker: _Worker) -> None:
        """Restart ``worker`` in a thread, then offer it to requests again."""
        self._unwatch(worker)  # restarting closes the pipe: the loop must let go of it first
        if self._closed:
            return
        self.restarts += 1
        loop = asyncio.get_running_loop()
        restarted = loop.run_in_executor(None, worker.restart)

        def done(future: asyncio.Future[None]) -> None:
            if self._closed:
                future.exception()  # retrieved: a restart cut short by shutdown is expected
                worker.stop()  # closed while restarting: do not leave a process behind
                return
            if future.exception() is None:
                self._idle_workers().put_nowait(worker)
                return
            log.error("query worker %s could not restart: %s", worker.index, future.exception())
            loop.call_later(5.0, self._replace, worker)

        restarted.add_done_callback(done)

    def detach(self) -> None:
        """Stop watching the workers' pipes (on the event loop, before ``close``)."""
        for worker in self._workers:
            self._unwatch(worker)

    def close(self) -> None:
        """Stop every worker (from any thread, after ``detach`` on the loop if it served
        requests); requests still waiting fail."""
        self._closed = True
        for worker in self._workers:
            worker.stop()


def _read_body(conn: Connection) -> bytes:
    return conn.recv_bytes()


def _decode(outcome: tuple[tuple[object, ...], bytes | None]) -> Answer:
    header, body = outcome
    if header[0] == "ok":
        form, media_type, truncated, warnings = header[1:5]
        return Answer(form, media_type, body or b"", truncated, warnings)  # type: ignore[arg-type]
    _, name, message = header
    error_type = getattr(errors, str(name), EvaluationFailed)
    if not (isinstance(error_type, type) and issubclass(error_type, GovkgError)):
        error_type = EvaluationFailed
    raise error_type(message)


def _try_start(worker: _Worker) -> GovkgError | None:
    try:
        worker.start()
    except GovkgError as error:
        return error
    return None


def _timeout_message(limit: float) -> str:
    return (
        f"The query was stopped at its time limit of {limit:g} s and its evaluation was cancelled. "
        "Simplify it, add LIMIT, or ask for a longer limit with the timeout parameter "
        "(up to the server maximum)."
    )
