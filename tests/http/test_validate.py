"""/validate over real HTTP: posted RDF against govkg's shapes, errors, no fetching, the suite."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from api.rdf_body import NetworkRefused, offline
from graph.namespaces import SH
from graph.settings import Settings
from graph.store.embedded import EmbeddedStore

PREFIXES = """@base <https://govkg.example/id/> .
@prefix govkg: <https://govkg.example/def/govkg#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
"""
# A contribution the build would accept: one claim block, verbatim quote, a known entity.
GOOD_CLAIM = (
    PREFIXES
    + """
<claim/en-l57-zz-http-test> {
  <claim/en-l57-zz-http-test> govkg:locator "EN L57" ;
      oa:exact "E-Government actually started as an organization called ONGEI" .
  <org/ongei> skos:altLabel "ONGEI"@en .
}
"""
)
# Two English prefLabels on one body, and a link to PCM, which only the served graph types.
TWO_LABELS = (
    PREFIXES
    + """
<claim/en-l57-zz-two-labels> {
  <claim/en-l57-zz-two-labels> govkg:locator "EN L57" ;
      oa:exact "E-Government actually started as an organization called ONGEI" .
  <org/zz-test-unit> a org:OrganizationalUnit ; org:unitOf <org/pcm> ;
      skos:prefLabel "Test unit"@en , "Another name"@en , "Unidad de prueba"@es .
}
"""
)
SHACL_SUITE = Path(__file__).resolve().parents[3] / "shared" / "suites"


def post(client: httpx.Client, body: str | bytes, content_type: str, **kwargs) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    headers = {"Content-Type": content_type, **kwargs.pop("headers", {})}
    return client.post("/validate", content=content, headers=headers, **kwargs)


def test_post_validate_good_claim_block_conforms(client: httpx.Client, reader: EmbeddedStore):
    response = post(client, GOOD_CLAIM, "application/trig")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["conforms"] is True, body["results"]
    assert body["claim_problems"] == []
    assert body["shapes"] == "govkg" and body["context"] == "graph"
    assert body["dataset_version"] == reader.info.version
    assert body["report_format"] == "text/turtle"
    report = Graph().parse(data=body["report"], format="turtle")
    assert (None, SH.conforms, None) in report


def test_post_validate_reports_violations_of_the_posted_data_only(client: httpx.Client):
    body = post(client, TWO_LABELS, "application/trig").json()
    assert body["conforms"] is False
    focus = {r["focus"] for r in body["results"]}
    assert focus == {"https://govkg.example/id/org/zz-test-unit"}, body["results"]
    assert any(r["path"] == "skos:prefLabel" for r in body["results"])


def test_post_validate_in_context_knows_the_served_graph_only_alone_does_not(
    client: httpx.Client,
):
    """In context, <org/pcm> and the source document have their classes; alone they have none,
    so a link to them breaks a class or dangling-link constraint."""
    in_context = post(client, TWO_LABELS, "application/trig").json()
    alone = post(client, TWO_LABELS, "application/trig", params={"only": "true"}).json()
    assert alone["context"] == "none"
    served = {
        "https://govkg.example/id/org/pcm",
        "https://govkg.example/id/source/000_c168c7ecd4ccf9a4",
    }
    values = lambda body: {r["value"] for r in body["results"]}  # noqa: E731
    assert not values(in_context) & served, in_context["results"]
    assert values(alone) & served, alone["results"]


def test_post_validate_loose_triples_are_reported_as_unsourced(client: httpx.Client):
    turtle = PREFIXES + '<org/zz-loose> a org:OrganizationalUnit ; skos:prefLabel "Loose"@en .'
    body = post(client, turtle, "text/turtle").json()
    assert any("outside any claim block" in p for p in body["claim_problems"])


def test_post_validate_accept_turtle_returns_the_report_graph(client: httpx.Client):
    response = post(client, TWO_LABELS, "application/trig", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    report = Graph().parse(data=response.content, format="turtle")
    node = next(report.subjects(RDF.type, SH.ValidationReport))
    assert report.value(node, SH.conforms).toPython() is False


@pytest.mark.parametrize(
    ("content_type", "body", "line", "column"),
    [
        ("text/turtle", '@prefix ex: <http://ex/> .\nex:a ex:b "c" .\nex:d ex:e .\n', 3, None),
        ("application/trig", "<g> {\n  <a> <b> <c> .\n  <a> <b> \n}\n", 3, 10),
        (
            "application/n-triples",
            '<http://a> <http://b> <http://c> .\n<http://a> <http://b> "x\n',
            2,
            23,
        ),
        (
            "application/n-quads",
            "<http://a> <http://b> <http://c> <http://g> .\n\n<http://a> x .\n",
            3,
            None,
        ),
        ("application/ld+json", '{"@id": "http://a",\n  "http://b": [1,, 2]}', 2, 18),
    ],
)
def test_post_validate_bad_rdf_is_400_with_line_and_column(
    client: httpx.Client, content_type: str, body: str, line: int, column: int | None
):
    response = post(client, body, content_type)
    assert response.status_code == 400
    problem = response.json()
    assert problem["line"] == line, problem
    assert isinstance(problem["column"], int) and problem["column"] >= 1
    if column is not None:
        assert problem["column"] == column
    assert f"line {line}, column {problem['column']}" in problem["detail"]
    assert "Traceback" not in response.text


def test_post_validate_bad_rdf_as_text_when_asked(client: httpx.Client):
    response = post(client, "<a> <b> .", "text/turtle", headers={"Accept": "text/turtle"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "line 1" in response.text


def test_post_validate_other_media_type_is_415(client: httpx.Client):
    response = post(client, "<rdf:RDF/>", "application/rdf+xml")
    assert response.status_code == 415
    assert "text/turtle" in response.text and "multipart/form-data" in response.text


def test_post_validate_unacceptable_report_format_is_406(client: httpx.Client):
    response = post(client, GOOD_CLAIM, "application/trig", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/json" in response.text and "text/turtle" in response.text


def test_post_validate_body_over_the_cap_is_413(client: httpx.Client, server_settings: Settings):
    body = b"# " + b"x" * (server_settings.max_body_bytes + 10) + b"\n"
    response = post(client, body, "text/turtle")
    assert response.status_code == 413
    assert "Traceback" not in response.text


def test_post_validate_multipart_data_part(client: httpx.Client):
    response = client.post(
        "/validate", files={"data": ("contribution.trig", TWO_LABELS.encode(), "application/trig")}
    )
    assert response.status_code == 200
    assert response.json()["conforms"] is False


def test_post_validate_multipart_file_type_from_its_name(client: httpx.Client):
    response = client.post(
        "/validate", files={"data": ("contribution.trig", GOOD_CLAIM.encode(), "text/plain")}
    )
    assert response.status_code == 200 and response.json()["conforms"] is True


def test_post_validate_multipart_without_data_is_400(client: httpx.Client):
    response = client.post("/validate", files={"file": ("x.ttl", b"<a> <b> <c> .", "text/turtle")})
    assert response.status_code == 400
    assert "'data'" in response.json()["detail"]


def test_post_validate_json_envelope(client: httpx.Client):
    response = client.post(
        "/validate", json={"data": TWO_LABELS, "data_format": "application/trig"}
    )
    assert response.status_code == 200 and response.json()["conforms"] is False


SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ] .
"""
DATA = """@prefix ex: <http://example.org/> .
ex:alice a ex:Person ; ex:name "Alice" .
ex:bob a ex:Person .
"""


def test_post_validate_with_a_shapes_part_uses_only_those_shapes(client: httpx.Client):
    response = client.post(
        "/validate",
        files={
            "data": ("d.ttl", DATA.encode(), "text/turtle"),
            "shapes": ("s.ttl", SHAPES.encode(), "text/turtle"),
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["shapes"] == "posted"
    assert body["conforms"] is False
    assert [r["focus"] for r in body["results"]] == ["http://example.org/bob"]


@pytest.mark.skipif(not (SHACL_SUITE / "run_shacl_suite.py").exists(), reason="no SHACL suite")
def test_post_validate_passes_the_w3c_shacl_suite_like_pyshacl(base_url: str, tmp_path: Path):
    """The shared runner over HTTP fails exactly the two tests pySHACL itself fails."""
    result = subprocess.run(
        [
            sys.executable,
            str(SHACL_SUITE / "run_shacl_suite.py"),
            "--endpoint",
            f"{base_url}/validate",
            "--known-failures",
            str(SHACL_SUITE / "anchors" / "shacl-failures-pyshacl-default.txt"),
            "--failures-file",
            str(tmp_path / "failures.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "shacl: 118 passed, 2 failed" in result.stdout


# ---------------------------------------------------------------------------------------------
# Nothing a client sends makes the server fetch a URL.
# ---------------------------------------------------------------------------------------------


@pytest.fixture()
def listener() -> Iterator[tuple[str, list[object]]]:
    """A local TCP listener that records every connection it receives."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    hits: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, address = server.accept()
            except TimeoutError:
                continue
            hits.append(address)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", hits
    stop.set()
    thread.join()
    server.close()


def _json_ld(context: object) -> str:
    return json.dumps({"@context": context, "@id": "https://govkg.example/id/org/zz", "name": "x"})


def test_post_validate_never_fetches_a_json_ld_context(client: httpx.Client, listener):
    url, hits = listener
    bodies = [
        _json_ld(f"{url}/context.jsonld"),
        _json_ld([{"name": "http://schema.org/name"}, f"{url}/second.jsonld"]),
        _json_ld({"@import": f"{url}/import.jsonld"}),
        _json_ld({"name": {"@id": "http://schema.org/name", "@context": f"{url}/scoped"}}),
        _json_ld("context.jsonld"),  # relative: rdflib would resolve and open it
    ]
    for body in bodies:
        response = post(client, body, "application/ld+json")
        assert response.status_code == 400, response.text
        assert "never fetches" in response.json()["detail"]
    time.sleep(0.3)
    assert hits == []


def test_post_validate_never_follows_imports_or_service(client: httpx.Client, listener):
    url, hits = listener
    imports = PREFIXES + f"<ontology/x> owl:imports <{url}/ontology.ttl> .\n"
    assert post(client, imports, "text/turtle").status_code == 200
    shapes = (
        PREFIXES
        + f"<s> a sh:NodeShape ; owl:imports <{url}/more-shapes.ttl> ; sh:targetNode <a> ;\n"
        + f'  sh:sparql [ sh:select "SELECT $this WHERE {{ SERVICE <{url}/sparql> '
        + '{ $this ?p ?o } }" ] .\n'
    )
    response = client.post(
        "/validate",
        files={
            "data": ("d.ttl", DATA.encode(), "text/turtle"),
            "shapes": ("s.ttl", shapes.encode(), "text/turtle"),
        },
    )
    assert response.status_code == 400
    assert "SERVICE" in response.text
    time.sleep(0.3)
    assert hits == []


def test_offline_refuses_every_network_access(listener):
    """The second layer, for whatever the static checks miss: sockets, urllib, rdflib."""
    url, hits = listener
    with offline():
        with pytest.raises(NetworkRefused):
            urllib.request.urlopen(f"{url}/x", timeout=2)
        with pytest.raises(NetworkRefused):
            Graph().parse(f"{url}/data.ttl")
        with pytest.raises(NetworkRefused):
            list(Graph().query(f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}"))
    time.sleep(0.3)
    assert hits == []


# ---------------------------------------------------------------------------------------------
# GET /validate: the served graph.
# ---------------------------------------------------------------------------------------------


def test_get_validate_reports_on_the_served_graph(client: httpx.Client, reader: EmbeddedStore):
    """The build only swaps in a conforming graph, so its report conforms. The first request
    may get 202 while the report is computed; poll as Retry-After says."""
    deadline = time.monotonic() + 600
    while True:
        response = client.get("/validate")
        if response.status_code != 202 or time.monotonic() > deadline:
            break
        assert response.json()["status"] == "computing"
        time.sleep(int(response.headers["retry-after"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["conforms"] is True
    assert body["dataset_version"] == reader.info.version
    assert body["counts"]["Violation"] == 0
    turtle = client.get("/validate", headers={"Accept": "text/turtle"})
    report = Graph().parse(data=turtle.content, format="turtle")
    assert (None, RDF.type, SH.ValidationReport) in report
