"""What the running service holds: a private snapshot of the store, a reader, the worker pool.

Opened by the app's lifespan, closed with it; nothing here runs at import. At start the current
store (``graph.build.open_current``) is snapshotted with ``Store.backup`` into
``<data_dir>/snapshots/<version>-<pid>`` (hard links, so cheap): the server and its workers read
only the snapshot, which stays valid whatever later builds swap in or delete, and a worker that
was killed can always be replaced on the very same data. The snapshot's default graph is filled
with the RDF merge of the named graphs, so queries that name no graph see each triple once (see
``EmbeddedStore.backup``). The version served is the one current at start; restart the server to
serve a newer build.

Writes (only when ``settings.write_tokens`` is set): the service then serves the *primary*
store, ``<data_dir>/primary`` (``graph.store.primary``), seeded once from the current build and
written only by this process. Snapshots are taken from it instead, and after each committed
write a new snapshot replaces the served one (reader, cache, query workers): readers see whole
committed states only. The two previous snapshots are kept for requests still reading them.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from api.metrics import Metrics
from api.workers import QueryService
from graph.build import current_store_path, open_current
from graph.errors import Forbidden
from graph.namespaces import PREFIXES
from graph.settings import Settings
from graph.store.base import Commit
from graph.store.embedded import EmbeddedStore
from graph.store.primary import PendingChange, PrimaryStore

log = logging.getLogger("govkg.runtime")
T = TypeVar("T")


@dataclass
class Runtime:
    """The shared objects of one running service (reached through ``api.deps``)."""

    settings: Settings
    reader: EmbeddedStore
    queries: QueryService
    snapshot: Path
    metrics: Metrics
    started: float = field(default_factory=time.time)
    cache: dict[Hashable, Any] = field(default_factory=dict)
    cache_lock: threading.RLock = field(default_factory=threading.RLock)
    writer: PrimaryStore | None = None
    gate: Callable[[PendingChange], object] | None = None
    retired: list[Path] = field(default_factory=list)
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def version(self) -> str:
        return self.reader.info.version

    @property
    def etag(self) -> str:
        """The strong validator of every answer: the dataset version, quoted."""
        return f'"{self.version}"'

    @classmethod
    def open(cls, settings: Settings, metrics: Metrics) -> Runtime:
        """Snapshot the current store, open it, start the workers."""
        snapshots = settings.data_dir / "snapshots"
        snapshots.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(snapshots)
        writer = gate = None
        if settings.write_tokens:
            plain = settings.write_mode == "plain"
            writer = PrimaryStore.open_or_seed(
                settings.data_dir / ("primary-plain" if plain else "primary"),
                None if plain else current_store_path(settings),
                union_default_graph=not plain,
            )
            if settings.write_shapes:
                from graph.write_gate import ShapeGate

                gate = ShapeGate(settings.root)
            target = snapshots / f"{writer.info.version}-{os.getpid()}-{time.time_ns()}"
            reader = writer.snapshot(target)
        else:
            current = open_current(settings)
            target = snapshots / f"{current.info.version}-{os.getpid()}-{time.time_ns()}"
            try:
                reader = current.backup(target, merge_default_graph=True)
            finally:
                current.close()
        queries = QueryService(target, settings.workers, PREFIXES, settings.worker_memory_mb)
        try:
            queries.start()
        except BaseException:
            reader.close()
            shutil.rmtree(target, ignore_errors=True)
            if writer is not None:
                writer.close()
            raise
        log.info(
            "serving dataset %s (%d triples) from snapshot %s with %d query workers",
            reader.info.version,
            reader.info.triples,
            target.name,
            queries.size,
        )
        return cls(settings, reader, queries, target, metrics, writer=writer, gate=gate)

    def close(self) -> None:
        self.queries.close()
        self.reader.close()
        shutil.rmtree(self.snapshot, ignore_errors=True)
        for old in self.retired:
            shutil.rmtree(old, ignore_errors=True)
        if self.writer is not None:
            self.writer.close()

    def write(
        self, update: str, *, agent: str, summary: str, base_iri: str | None = None
    ) -> Commit:
        """Apply one update through the gate; once committed, serve a snapshot that has it.

        Blocking (validation is CPU work): call from a thread. One write at a time.

        :raises Forbidden: this service has no writer.
        """
        if self.writer is None:
            raise Forbidden("writes are not enabled on this service (no write tokens configured)")
        with self.write_lock:
            commit = self.writer.apply(
                update, agent=agent, summary=summary, check=self.gate, base_iri=base_iri
            )
            if commit.changed:
                self._refresh()
            return commit

    def _refresh(self) -> None:
        """Serve a fresh snapshot of the primary (called with the write lock held)."""
        assert self.writer is not None
        snapshots = self.settings.data_dir / "snapshots"
        target = snapshots / f"{self.writer.info.version}-{os.getpid()}-{time.time_ns()}"
        reader = self.writer.snapshot(target)
        self.retired.append(self.snapshot)
        with self.cache_lock:
            self.reader, self.snapshot = reader, target
            self.cache.clear()
        self.queries.switch(target)
        # Old readers are dropped, not closed: a request may still hold one.
        while len(self.retired) > 2:
            shutil.rmtree(self.retired.pop(0), ignore_errors=True)

    def cached(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()`` once per key for this dataset version (the data never changes under us).

        One re-entrant lock: a ``make`` may use other cached values; concurrent first requests
        wait for the one that builds.
        """
        with self.cache_lock:
            if key not in self.cache:
                self.cache[key] = make()
            return self.cache[key]


def _remove_abandoned(snapshots: Path) -> None:
    """Delete snapshots left by servers that are no longer running (killed without shutdown)."""
    for path in snapshots.iterdir():
        parts = path.name.split("-")
        if len(parts) == 3 and parts[1].isdigit() and not _running(int(parts[1])):
            shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
