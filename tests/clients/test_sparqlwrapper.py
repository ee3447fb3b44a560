"""SPARQLWrapper against the live endpoint gives the store's own answers, in every format.

SELECTs are DISTINCT: the endpoint's default graph is a set (each triple once), while the test
session's reader uses pyoxigraph's union flag, which repeats a triple stated by several claims.
"""

from __future__ import annotations

import csv
import io

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result
from rdflib.term import Node
from SPARQLWrapper import CSV, GET, JSON, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from graph.namespaces import sparql_prefixes
from graph.store.embedded import EmbeddedStore

SELECT = sparql_prefixes() + """
SELECT DISTINCT ?entity ?label WHERE {
  ?entity a ?class ; skos:prefLabel ?label .
  FILTER(STRSTARTS(STR(?entity), "https://govkg.example/id/org/"))
} ORDER BY ?entity ?label
"""
TYPED = sparql_prefixes() + """
SELECT DISTINCT ?thing ?date WHERE { ?thing govkg:startDate ?date } ORDER BY ?thing ?date
"""
ASK_TRUE = sparql_prefixes() + "ASK { ?s a org:OrganizationalUnit }"
ASK_FALSE = sparql_prefixes() + "ASK { ?s a <http://example.org/NoSuchClass> }"
CONSTRUCT = sparql_prefixes() + """
CONSTRUCT { ?entity skos:prefLabel ?label ; a ?class }
WHERE { ?entity a ?class ; skos:prefLabel ?label FILTER(STRSTARTS(STR(?entity),
  "https://govkg.example/id/org/")) }
"""

Rows = list[tuple[Node | None, ...]]


def wrapper(endpoint: str, query: str, fmt: str, method: str) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


def expected_rows(reader: EmbeddedStore, query: str, names: list[str]) -> Rows:
    return sorted(tuple(row.get(n) for n in names) for row in reader.select(query))


def parsed_rows(data: bytes | str, fmt: str, names: list[str]) -> Rows:
    raw = data.encode() if isinstance(data, str) else data
    result = Result.parse(io.BytesIO(raw), format=fmt)
    present = {str(v) for v in result.vars or ()}
    return sorted(tuple(row[n] if n in present else None for n in names)
                  for row in result)  # type: ignore[union-attr]


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("query", [SELECT, TYPED], ids=["labels", "typed-dates"])
def test_sparqlwrapper_select_json(endpoint, reader, method, query):
    names = ["entity", "label"] if query is SELECT else ["thing", "date"]
    answer = wrapper(endpoint, query, JSON, method).queryAndConvert()
    assert answer["head"]["vars"] == names
    got = sorted(tuple(_json_term(b.get(n)) for n in names) for b in answer["results"]["bindings"])
    assert got == expected_rows(reader, query, names)
    assert got, "the query should find something in the real graph"


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select_xml(endpoint, reader, method):
    document = wrapper(endpoint, SELECT, XML, method).queryAndConvert()
    rows = parsed_rows(document.toxml(), "xml", ["entity", "label"])
    assert rows == expected_rows(reader, SELECT, ["entity", "label"])


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select_tsv(endpoint, reader, method):
    data = wrapper(endpoint, TYPED, TSV, method).queryAndConvert()
    assert parsed_rows(data, "tsv", ["thing", "date"]) == expected_rows(
        reader, TYPED, ["thing", "date"]
    )


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select_csv(endpoint, reader, method):
    data = wrapper(endpoint, SELECT, CSV, method).queryAndConvert()
    table = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert table[0] == ["entity", "label"]
    expected = sorted((str(e), str(label)) for e, label in expected_rows(
        reader, SELECT, ["entity", "label"]))
    assert sorted(tuple(row) for row in table[1:]) == expected


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize(("query", "truth"), [(ASK_TRUE, True), (ASK_FALSE, False)])
def test_sparqlwrapper_ask(endpoint, reader, method, query, truth):
    assert reader.ask(query) is truth
    assert wrapper(endpoint, query, JSON, method).queryAndConvert()["boolean"] is truth
    document = wrapper(endpoint, query, XML, method).queryAndConvert()
    assert document.getElementsByTagName("boolean")[0].firstChild.data == str(truth).lower()


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_construct_turtle(endpoint, reader, method):
    data = wrapper(endpoint, CONSTRUCT, TURTLE, method).queryAndConvert()
    graph = Graph().parse(data=data, format="turtle")
    assert len(graph) > 0
    assert isomorphic(graph, reader.construct(CONSTRUCT))


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_construct_rdfxml(endpoint, reader, method):
    graph = wrapper(endpoint, CONSTRUCT, RDFXML, method).queryAndConvert()
    assert isinstance(graph, Graph)
    assert isomorphic(graph, reader.construct(CONSTRUCT))


def _json_term(binding: dict[str, str] | None) -> Node | None:
    if binding is None:
        return None
    if binding["type"] == "uri":
        return URIRef(binding["value"])
    if "xml:lang" in binding:
        return Literal(binding["value"], lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    return Literal(binding["value"], datatype=URIRef(datatype) if datatype else None)
