"""SPARQL 1.1 Protocol on /sparql over real HTTP: methods, parameters, dataset, cap, caching."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import httpx
import pytest
from rdflib import Graph

from graph.namespaces import CURATION_GRAPH, PROVENANCE_GRAPH
from graph.settings import Settings
from graph.store.embedded import EmbeddedStore

JSON = "application/sparql-results+json"
ALL_TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SRX = "{http://www.w3.org/2005/sparql-results#}"


def count_of(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def in_graph_count(reader: EmbeddedStore, graph: str) -> int:
    rows = reader.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"].toPython())


def test_get_sparql_query_answers_json(client: httpx.Client, reader: EmbeddedStore):
    response = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json()["boolean"] is True


def test_post_sparql_form_and_direct_give_the_same_answer(client: httpx.Client):
    query = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g LIMIT 5"
    form = client.post("/sparql", data={"query": query})
    direct = client.post(
        "/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    get = client.get("/sparql", params={"query": query})
    assert form.status_code == direct.status_code == get.status_code == 200
    assert form.json() == direct.json() == get.json()


def test_get_sparql_default_graph_is_the_union_of_named_graphs(
    client: httpx.Client, reader: EmbeddedStore
):
    # Each claim's facts live only in the claim's own graph, yet a plain pattern sees them.
    row = reader.select(
        "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER(STRSTARTS(STR(?g), 'https://govkg.example/id/claim/') && isIRI(?s) "
        "&& !isBlank(?o)) } LIMIT 1"
    )[0]
    ask = f"ASK {{ <{row['s']}> <{row['p']}> {row['o'].n3()} }}"
    assert client.get("/sparql", params={"query": ask}).json()["boolean"] is True


def test_get_sparql_graph_variable_reaches_the_provenance_graph(client: httpx.Client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    graphs = {b["g"]["value"] for b in client.get("/sparql", params={"query": query}).json()[
        "results"]["bindings"]}
    assert str(PROVENANCE_GRAPH) in graphs
    assert any(g.startswith("https://govkg.example/id/claim/") for g in graphs)


def test_get_sparql_default_graph_uri_replaces_the_union(
    client: httpx.Client, reader: EmbeddedStore
):
    response = client.get(
        "/sparql", params={"query": COUNT_TRIPLES, "default-graph-uri": str(CURATION_GRAPH)}
    )
    assert count_of(response) == in_graph_count(reader, str(CURATION_GRAPH))


def test_get_sparql_named_graph_uri_limits_graph_variable(client: httpx.Client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get(
        "/sparql", params={"query": query, "named-graph-uri": str(CURATION_GRAPH)}
    )
    graphs = [b["g"]["value"] for b in response.json()["results"]["bindings"]]
    assert graphs == [str(CURATION_GRAPH)]


def test_post_sparql_from_a_named_graph_of_the_dataset_is_allowed(
    client: httpx.Client, reader: EmbeddedStore
):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{CURATION_GRAPH}> WHERE {{ ?s ?p ?o }}"
    assert count_of(client.post("/sparql", data={"query": query})) == in_graph_count(
        reader, str(CURATION_GRAPH)
    )


@pytest.mark.parametrize(
    ("accept", "parse"),
    [
        (JSON, lambda body: len(json.loads(body)["results"]["bindings"])),
        ("application/sparql-results+xml",
         lambda body: len(ET.fromstring(body).findall(f"{SRX}results/{SRX}result"))),
        ("text/csv", lambda body: len(list(csv.reader(io.StringIO(body.decode())))) - 1),
        ("text/tab-separated-values", lambda body: body.decode().count("\n") - 1),
    ],
)
def test_get_sparql_over_the_cap_is_cut_and_flagged(
    client: httpx.Client, server_settings: Settings, accept, parse
):
    cap = server_settings.max_results
    response = client.get("/sparql", params={"query": ALL_TRIPLES}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["x-govkg-truncated"] == "true"
    assert response.headers["x-govkg-result-limit"] == str(cap)
    assert parse(response.content) == cap


def test_get_sparql_construct_over_the_cap_is_cut_and_flagged(
    client: httpx.Client, server_settings: Settings
):
    query = "CONSTRUCT WHERE { ?s ?p ?o }"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/turtle"})
    assert response.headers["x-govkg-truncated"] == "true"
    graph = Graph().parse(data=response.text, format="turtle")
    assert len(graph) == server_settings.max_results


def test_get_sparql_under_the_cap_is_not_flagged(client: httpx.Client):
    response = client.get("/sparql", params={"query": ALL_TRIPLES + " LIMIT 10"})
    assert "x-govkg-truncated" not in response.headers
    assert len(response.json()["results"]["bindings"]) == 10


def test_get_sparql_etag_is_the_dataset_version_and_revalidates(
    client: httpx.Client, reader: EmbeddedStore
):
    params = {"query": "ASK { ?s ?p ?o }"}
    first = client.get("/sparql", params=params)
    assert first.headers["etag"] == f'"{reader.info.version}"'
    assert "Accept" in first.headers["vary"]
    again = client.get("/sparql", params=params, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    other = client.get("/sparql", params=params, headers={"If-None-Match": '"old-version"'})
    assert other.status_code == 200


def test_post_sparql_if_none_match_still_evaluates(client: httpx.Client, reader: EmbeddedStore):
    response = client.post(
        "/sparql", data={"query": "ASK {}"}, headers={"If-None-Match": f'"{reader.info.version}"'}
    )
    assert response.status_code == 200


def test_head_sparql_has_headers_and_no_body(client: httpx.Client):
    response = client.head("/sparql", params={"query": "ASK {}"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.content == b""


def test_get_sparql_unknown_function_is_unbound_and_named(client: httpx.Client):
    query = "PREFIX ex: <http://example.org/fn#> SELECT ?x WHERE { BIND(ex:nope(1) AS ?x) }"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == [{}]
    assert response.headers["x-govkg-unknown-functions"] == "<http://example.org/fn#nope>"


def test_get_sparql_timeout_parameter_is_capped_by_the_server(client: httpx.Client):
    response = client.get("/sparql", params={"query": "ASK {}", "timeout": "100000"})
    assert response.headers["x-govkg-timeout"] == "120"


def test_post_sparql_relative_iris_resolve_against_the_id_namespace(client: httpx.Client):
    absolute = client.post("/sparql", data={
        "query": "ASK { ?s ?p ?o FILTER(?s = <https://govkg.example/id/org/ongei>) }"})
    relative = client.post("/sparql", data={"query": "ASK { ?s ?p ?o FILTER(?s = <org/ongei>) }"})
    assert absolute.json() == relative.json()


# --- errors ---------------------------------------------------------------------------------

BAD_REQUESTS = [
    pytest.param("GET", "/sparql?query=ASK{}&query=ASK{}", None, None, 400, "2 times",
                 id="query-twice"),
    pytest.param("GET", "/sparql?query=ASK{}&timeout=1&timeout=2", None, None, 400, "2 times",
                 id="timeout-twice"),
    pytest.param("POST", "/sparql?query=ASK{}", "application/x-www-form-urlencoded",
                 b"query=ASK{}", 400, "both in the URL and in the request body",
                 id="query-in-url-and-form"),
    pytest.param("POST", "/sparql?default-graph-uri=x", "application/x-www-form-urlencoded",
                 b"query=ASK{}&default-graph-uri=y", 400, "both in the URL",
                 id="graph-in-url-and-form"),
    pytest.param("POST", "/sparql?query=ASK{}", "application/sparql-query", b"ASK {}", 400,
                 "both in the URL", id="query-in-url-and-direct-body"),
    pytest.param("POST", "/sparql", "application/x-www-form-urlencoded", b"timeout=3", 400,
                 "query parameter is missing", id="form-without-query"),
    pytest.param("POST", "/sparql", "application/x-www-form-urlencoded",
                 b"update=CLEAR+ALL", 400, "read-only", id="update-parameter"),
    pytest.param("GET", "/sparql?query=ASK{}&timeout=soon", None, None, 400, "timeout",
                 id="timeout-not-a-number"),
    pytest.param("GET", "/sparql?query=ASK{}&timeout=-1", None, None, 400, "timeout",
                 id="timeout-negative"),
    pytest.param("GET", "/sparql?query=ASK{}&default-graph-uri=", None, None, 400,
                 "not an absolute IRI", id="empty-graph-iri"),
    pytest.param("GET", "/sparql?query=ASK{}&named-graph-uri=relative", None, None, 400,
                 "not an absolute IRI", id="relative-graph-iri"),
    pytest.param("GET", "/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%7D", None,
                 None, 400, "line 1, column", id="malformed-query-position"),
    pytest.param("GET", "/sparql?query=SELECT%20?x%20WHERE%20%7B%7D%20GROUP%20BY%20?y", None,
                 None, 400, "malformed query", id="invalid-projection"),
    pytest.param("POST", "/sparql", "text/plain", b"ASK {}", 415, "application/sparql-query",
                 id="post-text-plain"),
    pytest.param("POST", "/sparql", None, b"ASK {}", 415, "no Content-Type",
                 id="post-without-content-type"),
    pytest.param("POST", "/sparql", "application/sparql-update", b"CLEAR ALL", 415, "read-only",
                 id="post-update-body"),
    pytest.param("POST", "/sparql", "application/sparql-query", b"INSERT DATA { <a> <b> <c> }",
                 400, "read-only", id="update-as-query"),
]


@pytest.mark.parametrize(("method", "url", "content_type", "body", "status", "says"), BAD_REQUESTS)
def test_request_sparql_errors_are_readable(
    client: httpx.Client, method, url, content_type, body, status, says
):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.request(method, url, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert says in response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert len(response.text) < 1000


def test_post_sparql_error_as_problem_json_when_asked(client: httpx.Client):
    response = client.post(
        "/sparql", data={"query": "SELECT WHERE"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and "malformed query" in problem["detail"]


def test_post_sparql_body_over_the_cap_is_413(client: httpx.Client, server_settings):
    padding = "#" * (server_settings.max_body_bytes + 10)
    response = client.post(
        "/sparql", content=f"ASK {{}} {padding}".encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 413
    assert "larger than this server accepts" in response.text


def test_post_sparql_chunked_body_over_the_cap_is_413(client: httpx.Client, server_settings):
    def chunks():
        yield b"ASK {} "
        for _ in range(server_settings.max_body_bytes // 65536 + 2):
            yield b"#" * 65536

    response = client.post(
        "/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 413


# JSON, XML, CSV and TSV row separators inside a value (SPARQL escapes, decoded by the server).
TRICKY = 'a},{\\"b\\nc\\r\\n<result>\\td'


@pytest.mark.parametrize(
    ("accept", "parse"),
    [
        (JSON, lambda body: [b["x"]["value"] for b in json.loads(body)["results"]["bindings"]]),
        ("application/sparql-results+xml", lambda body: [
            b[0].text for b in ET.fromstring(body).iter(f"{SRX}binding") if b.get("name") == "x"]),
        ("text/csv", lambda body: [r[1] for r in csv.reader(
            io.StringIO(body.decode(), newline=""))][1:]),
        ("text/tab-separated-values", lambda body: body.decode().split("\n")[1:-1]),
    ],
)
def test_get_sparql_cap_counts_rows_not_separators(
    client: httpx.Client, server_settings: Settings, accept, parse
):
    cap = server_settings.max_results
    many = f'SELECT ?s ?x WHERE {{ ?s ?p ?o BIND("{TRICKY}" AS ?x) }}'
    cut = client.get("/sparql", params={"query": many}, headers={"Accept": accept})
    assert cut.status_code == 200, cut.text
    assert cut.headers["x-govkg-truncated"] == "true"
    assert len(parse(cut.content)) == cap
    # One row whose value holds more separators than the cap: not cut.
    crowded = TRICKY * (cap // 2)
    one = f'SELECT ?s ?x WHERE {{ BIND("s" AS ?s) BIND("{crowded}" AS ?x) }}'
    whole = client.get("/sparql", params={"query": one}, headers={"Accept": accept})
    assert whole.status_code == 200
    assert "x-govkg-truncated" not in whole.headers
    assert len(parse(whole.content)) == 1


@pytest.mark.parametrize(
    "alias", ["urn:x-arq:DefaultGraph", "urn:x-arq:UnionGraph", "urn:x-rdflib:default"]
)
def test_get_sparql_default_graph_aliases_mean_the_union(client: httpx.Client, alias: str):
    union = count_of(client.get("/sparql", params={"query": COUNT_TRIPLES}))
    aliased = client.get("/sparql", params={"query": COUNT_TRIPLES, "default-graph-uri": alias})
    assert count_of(aliased) == union


def test_get_sparql_default_graph_holds_each_triple_once(
    client: httpx.Client, reader: EmbeddedStore
):
    """A triple stated by several claims is one triple of the union (an RDF merge is a set)."""
    assert reader.info.quads > reader.info.triples  # some triples are stated more than once
    assert count_of(client.get("/sparql", params={"query": COUNT_TRIPLES})) == reader.info.triples
