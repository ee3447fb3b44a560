"""Linked data over real HTTP: /id/… in every format, conneg, provenance, 404s, the ontology."""

from __future__ import annotations

import multiprocessing
import time
from html.parser import HTMLParser

import httpx
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from api.server import BackgroundServer
from graph.namespaces import GOVKG, ID, OA, PROVENANCE_GRAPH, sparql_prefixes
from graph.store.embedded import EmbeddedStore

# Media type → rdflib parser; HTML is checked as text.
FIVE = {
    "text/html": None,
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
SUFFIXES = {
    ".ttl": ("text/turtle", "turtle"),
    ".jsonld": ("application/ld+json", "json-ld"),
    ".nt": ("application/n-triples", "nt"),
    ".rdf": ("application/rdf+xml", "xml"),
    ".trig": ("application/trig", "trig"),
    ".nq": ("application/n-quads", "nquads"),
}
# Written here, not taken from queries/entity/, so a gap in the server's own index shows.
EVERY_ID_IRI = """
SELECT DISTINCT ?iri WHERE {
  { GRAPH ?g { ?iri ?p ?o } } UNION { GRAPH ?g { ?s ?p ?iri } } UNION { GRAPH ?iri { ?s ?p ?o } }
  FILTER (isIRI(?iri) && STRSTARTS(STR(?iri), "https://govkg.example/id/"))
}"""
SEGDI = ID["org/segdi"]
ONGEI = ID["org/ongei"]


def parse(body: bytes, fmt: str) -> Dataset:
    dataset = Dataset()
    dataset.parse(data=body, format=fmt)
    return dataset


def terms_of(dataset: Dataset) -> set[str]:
    return {str(t) for quad in dataset.quads((None, None, None, None)) for t in quad[:3]}


def path_of(iri: str) -> str:
    return "/id/" + iri[len(str(ID)) :]


# Client processes for the whole-graph test: the server runs in this process, and sharing its
# interpreter (one GIL) with the client and the parsers made the test four times slower.
CLIENT_PROCESSES = 3


def check_documents(job: tuple[str, list[tuple[str, list[str]]]]) -> list[str]:
    """Fetch each document in the five formats; return what went wrong (runs in a child)."""
    base_url, documents = job
    failures: list[str] = []
    with httpx.Client(base_url=base_url, timeout=60) as http:
        for document, members in documents:
            for media_type, fmt in FIVE.items():
                response = http.get(path_of(document), headers={"Accept": media_type})
                where = f"{document} as {media_type}"
                if response.status_code != 200:
                    failures.append(f"{where}: {response.status_code} {response.text[:100]}")
                    continue
                if not response.headers["content-type"].startswith(media_type):
                    failures.append(f"{where}: content-type {response.headers['content-type']}")
                    continue
                if fmt is None:
                    missing = [m for m in members if m not in response.text]
                else:
                    try:
                        found = terms_of(parse(response.content, fmt))
                    except Exception as error:  # any parser error is a failure to report
                        failures.append(f"{where}: does not parse: {error}")
                        continue
                    missing = [m for m in members if m not in found]
                if missing:
                    failures.append(f"{where}: does not mention {missing}")
    return failures


def test_get_id_every_iri_of_the_graph_in_all_five_formats(
    live_server: BackgroundServer, reader: EmbeddedStore
):
    """Acceptance: each /id/ IRI the graph uses dereferences as HTML, Turtle, JSON-LD,
    N-Triples and RDF/XML; each body parses and mentions the IRI. Hash IRIs are checked in
    their document (the fragment never reaches a server)."""
    iris = sorted(str(row["iri"]) for row in reader.select(EVERY_ID_IRI))
    assert len(iris) > 500
    documents: dict[str, list[str]] = {}
    for iri in iris:
        documents.setdefault(iri.split("#", 1)[0], []).append(iri)
    items = sorted(documents.items())
    jobs = [(live_server.url, items[i::CLIENT_PROCESSES]) for i in range(CLIENT_PROCESSES)]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(CLIENT_PROCESSES) as pool:
        failures = [f for part in pool.map(check_documents, jobs) for f in part]
    elapsed = time.perf_counter() - started
    assert failures == [], f"{len(failures)} failures, first: {failures[:5]}"
    print(f"{len(iris)} IRIs in {len(documents)} documents × 5 formats in {elapsed:.1f}s")


def test_get_id_without_accept_is_turtle_with_vary_and_content_location(client: httpx.Client):
    response = client.get(path_of(SEGDI), headers={"Accept": "*/*"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert "Accept" in response.headers["vary"]
    assert response.headers["content-location"] == "/id/org/segdi.ttl"
    assert 'rel="alternate"' in response.headers["link"]
    graph = Graph().parse(data=response.content, format="turtle")
    assert (SEGDI, DCTERMS.replaces, ONGEI) in graph


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("application/ld+json", "application/ld+json"),
        ("text/turtle;q=0.5, application/rdf+xml;q=0.9", "application/rdf+xml"),
        ("application/*;q=0.9, text/turtle;q=0.1", "application/ld+json"),
        ("text/*", "text/turtle"),
        ("text/turtle;q=0, */*", "text/html"),
        ("application/n-triples, application/n-quads;q=0.2", "application/n-triples"),
        ("application/trig", "application/trig"),
    ],
)
def test_get_id_accept_q_values_and_wildcards(client: httpx.Client, accept: str, expected: str):
    response = client.get(path_of(SEGDI), headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert response.headers["vary"].startswith("Accept")


def test_get_id_unacceptable_is_406_naming_the_formats(client: httpx.Client):
    response = client.get(path_of(SEGDI), headers={"Accept": "image/png, application/pdf"})
    assert response.status_code == 406
    assert "Accept" in response.headers["vary"]
    for offered in ("text/turtle", "text/html", "application/ld+json", "application/rdf+xml"):
        assert offered in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("suffix", sorted(SUFFIXES))
def test_get_id_suffix_fixes_the_format(client: httpx.Client, suffix: str):
    media_type, fmt = SUFFIXES[suffix]
    response = client.get(f"/id/org/segdi{suffix}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "content-location" not in response.headers
    assert str(SEGDI) in terms_of(parse(response.content, fmt))


def test_get_id_html_suffix_and_format_parameter(client: httpx.Client):
    page = client.get("/id/org/segdi.html", headers={"Accept": "text/turtle"})
    assert page.headers["content-type"].startswith("text/html")
    by_parameter = client.get("/id/org/segdi", params={"format": "jsonld"})
    assert by_parameter.headers["content-type"].startswith("application/ld+json")


def test_get_id_turtle_has_outgoing_incoming_and_provenance(client: httpx.Client):
    """ONGEI's description holds SEGDI → ONGEI (incoming) and the passage that says so."""
    graph = Graph().parse(data=client.get("/id/org/ongei.ttl").content, format="turtle")
    assert (ONGEI, RDF.type, None) in graph
    assert (SEGDI, DCTERMS.replaces, ONGEI) in graph
    quotes = [str(q) for q in graph.objects(None, OA.exact)]
    assert any("ONGEI was renamed" in q for q in quotes), quotes
    for claim in graph.subjects(RDF.type, GOVKG.Claim):
        passage = graph.value(claim, GOVKG.statedIn)
        assert passage is not None
        assert graph.value(passage, OA.hasSource) is not None
        assert isinstance(graph.value(passage, GOVKG.lineStart), Literal)


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("/id/org/segdi.trig", "trig"),
        ("/id/org/segdi.jsonld", "json-ld"),
        ("/id/org/segdi.nq", "nquads"),
    ],
)
def test_get_id_dataset_forms_keep_each_statement_in_its_claim_graph(
    client: httpx.Client, path: str, fmt: str
):
    dataset = parse(client.get(path).content, fmt)
    claims = [g for s, p, o, g in dataset.quads((SEGDI, DCTERMS.replaces, ONGEI, None))]
    assert claims, "the statement is in no named graph"
    provenance = dataset.graph(PROVENANCE_GRAPH)
    for claim in claims:
        name = claim.identifier if isinstance(claim, Graph) else claim
        assert str(name).startswith(str(ID["claim/"]))
        passage = provenance.value(name, GOVKG.statedIn)
        assert passage is not None, f"no provenance for {name}"
        selector = provenance.value(passage, OA.hasSelector)
        assert "ONGEI was renamed" in str(provenance.value(selector, OA.exact))


def test_get_id_hash_iris_are_described_by_their_document(
    client: httpx.Client, reader: EmbeddedStore
):
    row = reader.select(
        sparql_prefixes()
        + "SELECT ?passage ?selector WHERE { ?passage oa:hasSelector ?selector } LIMIT 1"
    )[0]
    graph = Graph().parse(data=client.get(path_of(str(row["passage"])) + ".ttl").content)
    assert (row["selector"], OA.exact, None) in graph


def test_get_id_claim_lists_what_it_states(client: httpx.Client, reader: EmbeddedStore):
    row = reader.select(
        sparql_prefixes()
        + "SELECT ?claim WHERE { GRAPH ?claim { <https://govkg.example/id/org/segdi> "
        "dcterms:replaces <https://govkg.example/id/org/ongei> } } LIMIT 1"
    )[0]
    claim = str(row["claim"])
    dataset = parse(client.get(path_of(claim) + ".trig").content, "trig")
    assert (SEGDI, DCTERMS.replaces, ONGEI) in dataset.graph(URIRef(claim))
    page = client.get(path_of(claim), headers={"Accept": "text/html"}).text
    assert "What this claim states" in page


class _Html(HTMLParser):
    """Collects tags and checks they nest (void elements excepted)."""

    VOID = {"meta", "link", "br", "hr", "img", "input", "wbr", "source", "col", "area"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def test_get_id_html_is_a_plain_page_with_tables_quotes_and_links(client: httpx.Client):
    response = client.get(path_of(ONGEI), headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.text
    assert html.startswith("<!DOCTYPE html>")
    checker = _Html()
    checker.feed(html)
    assert checker.errors == [] and checker.stack == []
    tags = dict(checker.tags[:1])
    assert tags["html"]["lang"] == "en"
    names = [t for t, _ in checker.tags]
    assert "title" in names and "table" in names and "blockquote" in names
    hrefs = {a.get("href") for t, a in checker.tags if t == "a"}
    assert "/id/org/segdi" in hrefs  # incoming link
    assert {"/id/org/ongei.ttl", "/id/org/ongei.jsonld", "/id/org/ongei.rdf"} <= hrefs
    assert "ONGEI was renamed" in html
    assert "http://" not in "".join(a.get("src") or "" for _, a in checker.tags)  # no CDN


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/json", "application/problem+json"),
        ("text/html", "text/html"),
        (None, "text/plain"),
    ],
)
def test_get_id_unknown_is_404_with_close_matches(
    client: httpx.Client, accept: str | None, content_type: str
):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/id/org/ongie", headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(content_type)
    assert "https://govkg.example/id/org/ongie" in response.text
    assert "/id/org/ongei" in response.text
    assert "Traceback" not in response.text
    if accept == "application/json":
        body = response.json()
        assert body["suggestions"][0]["iri"] == str(ONGEI)
        assert len(body["suggestions"]) <= 5


def test_get_id_unknown_by_label_suggests_by_name(client: httpx.Client):
    body = client.get(
        "/id/org/secretaria-de-gobierno-digital", headers={"Accept": "application/json"}
    ).json()
    assert str(SEGDI) in [s["iri"] for s in body["suggestions"]]


def test_get_id_unknown_with_suffix_is_404(client: httpx.Client):
    response = client.get("/id/org/no-such-body.ttl")
    assert response.status_code == 404
    assert "https://govkg.example/id/org/no-such-body" in response.text


def test_head_id_has_headers_and_no_body(client: httpx.Client):
    response = client.head(path_of(SEGDI), headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.content == b""


def test_get_id_etag_per_variant_revalidates(client: httpx.Client):
    first = client.get(path_of(SEGDI), headers={"Accept": "text/turtle"})
    etag = first.headers["etag"]
    again = client.get(path_of(SEGDI), headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304
    other = client.get(path_of(SEGDI), headers={"Accept": "application/ld+json"})
    assert other.headers["etag"] != etag


def test_get_id_is_the_same_on_any_host(client: httpx.Client):
    """The server maps /id/x to https://govkg.example/id/x whatever Host it is reached by."""
    response = client.get("/id/org/segdi.nt", headers={"Host": "example.org:1234"})
    assert f"<{SEGDI}>" in response.text


@pytest.mark.parametrize("path", ["/ontology", "/def/govkg"])
def test_get_ontology_in_turtle_and_html(client: httpx.Client, path: str):
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    graph = Graph().parse(data=turtle.content, format="turtle")
    assert (GOVKG.PublicBody, None, None) in graph
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="PublicBody"' in page.text
    assert client.get(f"{path}.ttl").headers["content-type"].startswith("text/turtle")


@pytest.mark.parametrize("path", ["/def/govkg/PublicBody", "/ontology/PublicBody"])
def test_get_ontology_term_dereferences(client: httpx.Client, path: str):
    graph = Graph().parse(data=client.get(path, headers={"Accept": "text/turtle"}).content)
    assert (GOVKG.PublicBody, RDF.type, None) in graph
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "PublicBody" in page.text
    jsonld = client.get(path + ".jsonld")
    assert str(GOVKG.PublicBody) in terms_of(parse(jsonld.content, "json-ld"))


def test_get_ontology_term_unknown_is_404_with_suggestion(client: httpx.Client):
    response = client.get("/def/govkg/PublicBod", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json()["suggestions"][0]["iri"] == str(GOVKG.PublicBody)


def test_get_shapes_in_turtle_and_html(client: httpx.Client):
    turtle = client.get("/shapes", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    graph = Graph().parse(data=turtle.content, format="turtle")
    assert len(list(graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape"))))
    page = client.get("/shapes", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "govkg:LabelShape" in page.text
