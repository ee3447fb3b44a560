"""What the running service holds: a private snapshot of the store, a reader, the worker pool.

Opened by the app's lifespan, closed with it; nothing here runs at import. At start the current
store (``graph.build.open_current``) is snapshotted with ``Store.backup`` into
``<data_dir>/snapshots/<version>-<pid>`` (hard links, so cheap): the server and its workers read
only the snapshot, which stays valid whatever later builds swap in or delete, and a worker that
was killed can always be replaced on the very same data. The snapshot's default graph is filled
with the RDF merge of the named graphs, so queries that name no graph see each triple once (see
``EmbeddedStore.backup``). The version served is the one current at start; restart the server to
serve a newer build.
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
from graph.build import open_current
from graph.namespaces import PREFIXES
from graph.settings import Settings
from graph.store.embedded import EmbeddedStore

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
        current = open_current(settings)
        snapshots = settings.data_dir / "snapshots"
        snapshots.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(snapshots)
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
            raise
        log.info(
            "serving dataset %s (%d triples) from snapshot %s with %d query workers",
            reader.info.version,
            reader.info.triples,
            target.name,
            queries.size,
        )
        return cls(settings, reader, queries, target, metrics)

    def close(self) -> None:
        self.queries.close()
        self.reader.close()
        shutil.rmtree(self.snapshot, ignore_errors=True)

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
