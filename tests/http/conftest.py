"""A live govkg server (real uvicorn, real worker processes) on the session's real build.

The server runs in a thread on a free 127.0.0.1 port for the whole session. Its settings are
the session's, with a result cap of 1000 (so a cut answer is easy to provoke on the real data),
two query workers (so one can be busy with a slow query while the other answers) and 1 GB of
address space per worker (so a memory-hungry query reaches the cap quickly).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest

from api.server import BackgroundServer
from graph.build import BuildResult
from graph.settings import Settings

RESULT_CAP = 1000


@pytest.fixture(scope="session")
def server_settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        workers=2,
        max_results=RESULT_CAP,
        query_timeout=30.0,
        max_query_timeout=120.0,
        worker_memory_mb=1024,
    )


@pytest.fixture(scope="session")
def live_server(built: BuildResult, server_settings: Settings) -> Iterator[BackgroundServer]:
    with BackgroundServer(server_settings) as server:
        yield server


@pytest.fixture(scope="session")
def base_url(live_server: BackgroundServer) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def endpoint(base_url: str) -> str:
    return f"{base_url}/sparql"


@pytest.fixture()
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as http:
        yield http
