"""The doctests of the service's pure modules (negotiation, query text analysis, encodings)."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    ["api.negotiation", "api.dump", "graph.store.query_text", "graph.store.pending",
     "graph.store.primary"],
)
def test_doctests(module: str):
    failed, attempted = doctest.testmod(importlib.import_module(module))
    assert attempted > 0 and failed == 0
