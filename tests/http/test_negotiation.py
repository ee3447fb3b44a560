"""Content negotiation on /sparql, table-driven: q-values, wildcards, parameters, format=, 406."""

from __future__ import annotations

import httpx
import pytest

SELECT = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"
ASK = "ASK { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3"
DESCRIBE = "DESCRIBE <https://govkg.example/id/org/ongei>"

SRJ = "application/sparql-results+json"
SRX = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TTL = "text/turtle"
NT = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"

# (query, Accept, format=, expected status, expected media type or a phrase of the 406 message)
CASES = [
    (SELECT, SRJ, None, 200, SRJ),
    (SELECT, SRX, None, 200, SRX),
    (SELECT, CSV, None, 200, CSV),
    (SELECT, TSV, None, 200, TSV),
    (SELECT, None, None, 200, SRJ),
    (SELECT, "*/*", None, 200, SRJ),
    (SELECT, "text/*", None, 200, CSV),
    (SELECT, "application/json", None, 200, "application/json"),
    (SELECT, f"{SRX};q=0.9, {SRJ};q=0.1", None, 200, SRX),
    (SELECT, f"{SRJ};q=0, */*", None, 200, SRX),
    (SELECT, f"application/*;q=0.5, {TSV}", None, 200, TSV),
    (SELECT, f"{CSV};q=0.5, text/*;q=0.9", None, 200, TSV),
    (SELECT, f"{CSV};charset=utf-8", None, 200, CSV),
    (SELECT, f"{CSV};charset=iso-8859-1, {TSV};q=0.1", None, 200, TSV),
    (SELECT, f"{SRJ};q=0.8;ext=1, {SRX};q=0.7", None, 200, SRJ),
    (SELECT, TTL, None, 406, "a SELECT query"),
    (SELECT, "image/png", None, 406, "Formats offered"),
    (SELECT, "*/*;q=0", None, 406, "Formats offered"),
    (SELECT, SRJ, "xml", 200, SRX),
    (SELECT, None, "csv", 200, CSV),
    (SELECT, None, TSV, 200, TSV),
    (SELECT, TTL, "json", 200, SRJ),
    (SELECT, None, "turtle", 406, "format=turtle"),
    (ASK, SRX, None, 200, SRX),
    (ASK, None, None, 200, SRJ),
    (ASK, NT, None, 406, "an ASK query"),
    (CONSTRUCT, TTL, None, 200, TTL),
    (CONSTRUCT, NT, None, 200, NT),
    (CONSTRUCT, JSONLD, None, 200, JSONLD),
    (CONSTRUCT, RDFXML, None, 200, RDFXML),
    (CONSTRUCT, None, None, 200, TTL),
    (CONSTRUCT, "*/*", None, 200, TTL),
    (CONSTRUCT, f"{SRJ}, {SRX};q=0.9, {NT};q=0.8, {TTL};q=0.7", None, 200, NT),
    (CONSTRUCT, f"{TTL};charset=utf-8", None, 200, TTL),
    (CONSTRUCT, f"{TTL};charset=iso-8859-1", None, 406, "Formats offered"),
    (CONSTRUCT, SRJ, None, 406, "text/turtle"),
    (CONSTRUCT, None, "xml", 200, RDFXML),
    (CONSTRUCT, None, "jsonld", 200, JSONLD),
    (CONSTRUCT, SRJ, "ntriples", 200, NT),
    (CONSTRUCT, None, "csv", 406, "format=csv"),
    (DESCRIBE, TTL, None, 200, TTL),
    (DESCRIBE, RDFXML, None, 200, RDFXML),
]


@pytest.mark.parametrize(("query", "accept", "fmt", "status", "expected"), CASES)
def test_get_sparql_negotiates(client: httpx.Client, query, accept, fmt, status, expected):
    params = {"query": query}
    if fmt:
        params["format"] = fmt
    headers = {"Accept": accept} if accept else {}
    if accept is None:
        client.headers.pop("accept", None)
    response = client.get("/sparql", params=params, headers=headers)
    assert response.status_code == status, response.text
    if status == 200:
        assert response.headers["content-type"].split(";")[0] == expected
        assert "Accept" in response.headers["vary"]
    else:
        assert expected in response.text
        assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("formats", "says"),
    [(["bogus"], "not a known format"), (["json", "xml"], "different formats"),
     (["image/png"], "not a media type this service writes")],
)
def test_get_sparql_bad_format_parameter_is_400(client: httpx.Client, formats, says):
    params = [("query", SELECT)] + [("format", value) for value in formats]
    response = client.get("/sparql", params=params)
    assert response.status_code == 400
    assert says in response.text


def test_get_sparql_repeated_format_with_one_meaning_is_accepted(client: httpx.Client):
    # SPARQLWrapper sends both spellings for TSV, RDF/XML and JSON-LD.
    params = [("query", SELECT), ("format", "tsv"), ("format", TSV)]
    response = client.get("/sparql", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(TSV)


def test_get_sparql_406_lists_every_format_offered(client: httpx.Client):
    response = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    for media_type in (SRJ, SRX, CSV, TSV):
        assert media_type in response.text
