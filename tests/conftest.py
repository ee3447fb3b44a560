"""Session fixtures: one real build of the real data into a temporary folder, for all tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.build import BuildResult, build, open_current
from graph.settings import Settings
from graph.store.embedded import EmbeddedStore


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Project settings with the store in a temporary folder (the seeds come from GOVKG_SEEDS
    or ../shared/seeds, like the CLI)."""
    base = Settings.from_env()
    return dataclasses.replace(base, data_dir=tmp_path_factory.mktemp("govkg-var"))


@pytest.fixture(scope="session")
def built(settings: Settings) -> BuildResult:
    """The real graph, built and validated once per test session."""
    return build(settings)


@pytest.fixture(scope="session")
def reader(built: BuildResult, settings: Settings) -> Iterator[EmbeddedStore]:
    store = open_current(settings)
    yield store
    store.close()


@pytest.fixture(scope="session")
def seeds(settings: Settings) -> Path:
    return settings.seeds
