"""A live govkg server for real SPARQL clients, on the session's real build.

Its own server (the one in tests/http is not visible from here); default settings otherwise, so
answers are never cut by the result cap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from api.server import BackgroundServer
from graph.build import BuildResult
from graph.settings import Settings


@pytest.fixture(scope="session")
def endpoint(built: BuildResult, settings: Settings) -> Iterator[str]:
    with BackgroundServer(dataclasses.replace(settings, workers=2)) as server:
        yield f"{server.url}/sparql"
