"""rdflib's SPARQLStore, pointed at the live endpoint, answers like the store itself.

The SELECT is DISTINCT for the reason given in test_sparqlwrapper.py.
"""

from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from graph.namespaces import ID, sparql_prefixes
from graph.store.embedded import EmbeddedStore

SELECT = sparql_prefixes() + """
SELECT DISTINCT ?entity ?label WHERE {
  ?entity skos:prefLabel ?label .
  FILTER(STRSTARTS(STR(?entity), "https://govkg.example/id/org/"))
}
"""
CONSTRUCT = sparql_prefixes() + """
CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?s = <https://govkg.example/id/org/ongei>) }
"""


def remote(endpoint: str, return_format: str, method: str, kind: type = Dataset) -> Graph:
    """A Dataset sends default-graph-uri=urn:x-rdflib:default; a plain Graph sends none."""
    store = SPARQLStore(endpoint, returnFormat=return_format, method=method)
    return kind(store=store)


@pytest.mark.parametrize("kind", [Dataset, Graph])
@pytest.mark.parametrize("method", ["GET", "POST_FORM", "POST"])
@pytest.mark.parametrize("return_format", ["xml", "json"])
def test_sparqlstore_select(endpoint: str, reader: EmbeddedStore, return_format, method, kind):
    dataset = remote(endpoint, return_format, method, kind)
    got = sorted((row.entity, row.label) for row in dataset.query(SELECT))
    expected = sorted((row["entity"], row["label"]) for row in reader.select(SELECT))
    assert got == expected and got


def test_sparqlstore_ask(endpoint: str, reader: EmbeddedStore):
    query = sparql_prefixes() + "ASK { ?s a org:OrganizationalUnit }"
    assert remote(endpoint, "xml", "GET").query(query).askAnswer is reader.ask(query)


def test_sparqlstore_construct(endpoint: str, reader: EmbeddedStore):
    graph = remote(endpoint, "xml", "GET").query(CONSTRUCT).graph
    assert graph is not None and len(graph) > 0
    assert isomorphic(graph, reader.construct(CONSTRUCT))


def test_sparqlstore_triples_pattern(endpoint: str, reader: EmbeddedStore):
    subject = URIRef(ID["org/ongei"])
    dataset = remote(endpoint, "xml", "GET")
    got = Graph()
    for triple in dataset.triples((subject, None, None)):
        got.add(triple)
    assert isomorphic(got, reader.construct(CONSTRUCT))
