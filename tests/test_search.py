"""The search index the build writes (graph.search): folding, ranking, kinds."""

from __future__ import annotations

import pytest

from graph.build import BuildResult
from graph.search import SEARCH_FILE, SearchIndex

SEGDI = "https://govkg.example/id/org/segdi"


@pytest.fixture(scope="module")
def index(built: BuildResult):
    opened = SearchIndex(built.store_path / SEARCH_FILE)
    yield opened
    opened.close()


def test_index_is_written_with_the_store_and_its_version(index: SearchIndex, built: BuildResult):
    assert index.version == built.info.version


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("segdi", "acronym"),
        ("SeGdI", "acronym"),
        ("Secretaria de Gobierno Digital", "label"),
        ("SECRETARÍA DE GOBIERNO DIGITAL", "label"),
    ],
)
def test_search_finds_segdi_first(index: SearchIndex, text: str, match: str):
    first = index.search(text)[0]
    assert (first.iri, first.match) == (SEGDI, match)


def test_search_ranks_exact_before_prefix_before_tokens(index: SearchIndex):
    hits = index.search("wego")
    assert hits[0].iri.endswith("/org/wego") and hits[0].match == "acronym"
    order = {"label": 4, "acronym": 3, "prefix": 2, "tokens": 1}
    ranks = [order[h.match] for h in hits]
    assert ranks == sorted(ranks, reverse=True)


def test_search_prefix_of_the_last_word(index: SearchIndex):
    assert SEGDI in [h.iri for h in index.search("gobierno digi")]


def test_search_kind_filter_and_browse(index: SearchIndex):
    laws = index.search("gobierno", kind="law")
    assert laws and all(h.kind == "law" for h in laws)
    assert len(index.browse("institution")) == dict(index.kinds())["institution"]


def test_search_nothing_to_search(index: SearchIndex):
    assert index.search("  ¿? ") == []
    assert index.search('"quoted" OR NEAR(x') is not None  # FTS syntax is never passed through
