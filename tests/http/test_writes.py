"""Writes over real HTTP: /update and /store on a server of its own, configured with a token.

The server runs in a separate process (``govkg serve --no-build``) on a copy of the session's
build (its primary store is seeded into a temporary data folder), so the other tests' store is
untouched and the durability tests can kill it with SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph.build import BuildResult, current_store_path
from graph.settings import Settings
from graph.write_auth import hash_token

TOKEN = "test-write-token-7c1e"
ID = "https://govkg.example/id/"
PROVENANCE = "https://govkg.example/graph/provenance"
CHANGES = "https://govkg.example/graph/changes"
PREFIXES = """PREFIX govkg: <https://govkg.example/def/govkg#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


class ServerProcess:
    """``govkg serve`` in a child process on a data folder (``current`` → the session's build,
    unless the instance is plain), with the test token configured."""

    def __init__(self, settings: Settings, data_dir: Path) -> None:
        self.settings, self.data_dir = settings, data_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.extra: dict[str, str] = {}

    def start(self) -> ServerProcess:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {
            **os.environ,
            "GOVKG_ROOT": str(self.settings.root),
            "GOVKG_SEEDS": str(self.settings.seeds),
            "GOVKG_DATA_DIR": str(self.data_dir),
            "GOVKG_WRITE_TOKENS": f"tester:{hash_token(TOKEN)}",
            "GOVKG_WORKERS": "1",
            "GOVKG_LOG_LEVEL": "WARNING",
            **self.extra,
        }
        command = [sys.executable, "-c", "from graph.cli import main; main()", "serve",
                   "--no-build", "--host", "127.0.0.1", "--port", str(port)]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the write server stopped during startup")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the write server did not start in 60 s")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def _data_dir(tmp: Path, settings: Settings) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "current").symlink_to(current_store_path(settings))
    return tmp


@pytest.fixture(scope="module")
def write_server(built: BuildResult, settings: Settings,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(settings, _data_dir(tmp_path_factory.mktemp("writes"), settings))
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def http(write_server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=write_server.url, timeout=60) as client:
        yield client


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def count(http: httpx.Client) -> int:
    response = http.post("/sparql", data={"query": COUNT},
                         headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def ask(http: httpx.Client, query: str) -> bool:
    response = http.post("/sparql", data={"query": PREFIXES + query},
                         headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def sourced(claim: str, facts: str, passage: str = "en-l59-i", locator: str = "EN L59") -> str:
    """INSERT DATA of ``facts`` in a new claim graph stated in an existing passage."""
    return PREFIXES + f"""INSERT DATA {{
  GRAPH <{ID}claim/{claim}> {{ {facts} }}
  GRAPH <{PROVENANCE}> {{
    <{ID}claim/{claim}> a govkg:Claim, prov:Entity ;
        govkg:statedIn <{ID}passage/{passage}> ; govkg:locator "{locator}" .
  }}
}}"""


def update(http: httpx.Client, text: str, token: str | None = TOKEN,
           accept: str = "application/json") -> httpx.Response:
    headers = {"Content-Type": "application/sparql-update", "Accept": accept}
    if token is not None:
        headers.update(auth(token))
    return http.post("/update", content=text.encode(), headers=headers)


VALID = sourced("test-valid-note", f'<{ID}org/segdi> rdfs:comment "Written over HTTP."@en')


def test_post_update_without_token_is_401_and_changes_nothing(http: httpx.Client):
    before = count(http)
    response = update(http, VALID, token=None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert count(http) == before


def test_post_update_wrong_token_is_403_and_changes_nothing(http: httpx.Client):
    before = count(http)
    response = update(http, VALID, token="not-the-token")
    assert response.status_code == 403
    assert "not-the-token" not in response.text
    assert count(http) == before


def test_post_update_valid_write_is_applied_visible_and_logged(http: httpx.Client):
    etag = http.get("/.well-known/void").headers["etag"]
    before = count(http)
    started = time.perf_counter()
    response = update(http, VALID)
    elapsed = time.perf_counter() - started
    assert response.status_code == 204, response.text
    assert response.headers["etag"] != etag
    assert elapsed < 10
    assert count(http) > before
    assert http.get("/.well-known/void").headers["etag"] == response.headers["etag"]
    assert ask(http, f'ASK {{ <{ID}org/segdi> rdfs:comment "Written over HTTP."@en }}')
    change = response.headers["x-govkg-change"]
    version = response.headers["etag"].strip('"')
    assert ask(http, f"""ASK {{ GRAPH <{CHANGES}> {{
        <{change}> a prov:Activity ; prov:wasAssociatedWith ?agent ;
            prov:generated <https://govkg.example/version/{version}> ; prov:used ?before .
        ?agent rdfs:label "tester" }} }}""")


def test_a_cross_origin_writer_can_read_the_change_headers(http: httpx.Client):
    text = sourced("test-cors-note", f'<{ID}org/segdi> rdfs:comment "From a web page."@en')
    response = http.post("/update", content=text.encode(), headers={
        "Content-Type": "application/sparql-update", "Origin": "https://client.example",
        **auth()})
    assert response.status_code == 204, response.text
    exposed = {h.strip().lower() for h in
               response.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "x-govkg-change"} <= exposed
    assert response.headers["x-govkg-change"].startswith("https://govkg.example/change/")


REFUSALS = {
    "law-without-date": (
        sourced("test-undated-law", f"""<{ID}law/test-undated> a eli:LegalResource ;
            skos:prefLabel "Test law"@en , "Ley de prueba"@es ."""),
        "DatedLawShape", f"{ID}law/test-undated",
    ),
    "org-without-spanish-label": (
        sourced("test-org-en-only", f"""<{ID}org/test-office> a org:Organization ;
            skos:prefLabel "Test Office"@en ."""),
        "SpanishLabelShape-es", f"{ID}org/test-office",
    ),
    "lineage-cycle": (
        sourced("test-cycle", f"<{ID}org/ongei> dcterms:replaces <{ID}org/segdi> ."),
        "SuccessionShape", f"{ID}org/ongei",
    ),
    "fact-without-source": (
        PREFIXES + f'INSERT DATA {{ GRAPH <{ID}claim/test-unsourced> {{ '
        f'<{ID}org/segdi> rdfs:comment "No passage says this."@en }} }}',
        "ClaimGraphShape", f"{ID}claim/test-unsourced",
    ),
    "fact-in-default-graph": (
        PREFIXES + f'INSERT DATA {{ <{ID}org/segdi> rdfs:comment "Nowhere."@en }}',
        "ClaimGraphShape", "urn:x-rdflib:default",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_post_update_invalid_write_is_422_with_report(http: httpx.Client, case: str):
    text, shape, focus = REFUSALS[case]
    before, etag = count(http), http.get("/.well-known/void").headers["etag"]
    response = update(http, text)
    assert response.status_code == 422, response.text
    report = response.json()
    assert report["conforms"] is False
    named = [r for r in report["results"] if r["severity"] == "Violation"
             and r["shape"].endswith(shape) and r["focus"] == focus]
    assert named, report
    assert count(http) == before
    assert http.get("/.well-known/void").headers["etag"] == etag


def test_post_update_invalid_write_report_in_turtle(http: httpx.Client):
    response = update(http, REFUSALS["lineage-cycle"][0], accept="text/turtle")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/turtle")
    assert "ValidationReport" in response.text and "SuccessionShape" in response.text


def test_post_update_load_is_refused(http: httpx.Client):
    before = count(http)
    response = update(http, "LOAD <http://example.org/data.ttl>")
    assert response.status_code == 400
    assert "LOAD" in response.text
    assert count(http) == before


def test_graph_store_put_get_post_delete(http: httpx.Client):
    claim = f"{ID}claim/test-gsp"
    provenance = sourced("test-gsp", f'<{ID}org/segdi> rdfs:comment "GSP seed."@en')
    assert update(http, provenance).status_code == 204
    turtle = f'<{ID}org/segdi> <http://www.w3.org/2000/01/rdf-schema#comment> "Put."@en .'
    put = http.put("/store", params={"graph": claim}, content=turtle,
                   headers={**auth(), "Content-Type": "text/turtle"})
    assert put.status_code == 204, put.text
    got = http.get("/store", params={"graph": claim}, headers={"Accept": "text/turtle"})
    assert got.status_code == 200 and '"Put."@en' in got.text and "GSP seed" not in got.text
    more = f'<{ID}org/segdi> <http://www.w3.org/2000/01/rdf-schema#comment> "Posted."@en .'
    post = http.post("/store", params={"graph": claim}, content=more,
                     headers={**auth(), "Content-Type": "text/turtle"})
    assert post.status_code == 204
    got = http.get("/store", params={"graph": claim}, headers={"Accept": "application/n-triples"})
    assert '"Put."@en' in got.text and '"Posted."@en' in got.text
    # Dropping the facts of a claim that is still stated leaves a claim without facts.
    refused = http.delete("/store", params={"graph": claim}, headers=auth())
    assert refused.status_code == 422
    assert any(r["shape"].endswith("ClaimFactsShape") for r in refused.json()["results"])
    assert http.delete("/store", params={"graph": claim}).status_code == 401
    assert http.get("/store", params={"graph": f"{ID}claim/none"}).status_code == 404


def test_post_update_concurrent_writers_do_not_interleave(http: httpx.Client,
                                                          write_server: ServerProcess):
    before = count(http)
    statuses: list[int] = []
    etags: list[str] = []

    def write(n: int) -> None:
        with httpx.Client(base_url=write_server.url, timeout=60) as client:
            response = update(client, sourced(
                f"test-concurrent-{n}", f'<{ID}org/segdi> rdfs:comment "Writer {n}."@en'))
            statuses.append(response.status_code)
            etags.append(response.headers.get("etag", ""))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert statuses == [204] * 4
    assert len(set(etags)) == 4
    assert count(http) > before
    # The change log is one chain: each write used the version the previous one generated.
    response = http.post("/sparql", data={"query": PREFIXES + f"""
        SELECT ?used ?generated WHERE {{ GRAPH <{CHANGES}> {{
            ?change prov:used ?used ; prov:generated ?generated }} }}"""},
        headers={"Accept": "application/sparql-results+json"})
    rows = [(b["used"]["value"], b["generated"]["value"])
            for b in response.json()["results"]["bindings"]]
    used = [u for u, _ in rows]
    assert len(used) == len(set(used)), "two writes started from the same version"
    generated = {g for _, g in rows}
    assert sum(1 for u in used if u not in generated) == 1  # one start: the build's version


def test_post_update_is_404_when_writes_are_off(client: httpx.Client):
    response = client.post("/update", content=b"INSERT DATA { <a:b> <a:c> <a:d> }",
                           headers={"Content-Type": "application/sparql-update", **auth()})
    assert response.status_code == 404
    assert client.get("/store", params={"default": ""}).status_code == 404


def test_acknowledged_write_survives_sigkill(built: BuildResult, settings: Settings,
                                             tmp_path: Path):
    server = ServerProcess(settings, _data_dir(tmp_path / "kill", settings)).start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            response = update(client, sourced(
                "test-durable", f'<{ID}org/segdi> rdfs:comment "Survives kill -9."@en'))
            assert response.status_code == 204, response.text
            etag = response.headers["etag"]
        server.kill()
        server.start()
        with httpx.Client(base_url=server.url, timeout=60) as client:
            assert ask(client, f'ASK {{ <{ID}org/segdi> rdfs:comment "Survives kill -9."@en }}')
            assert client.get("/.well-known/void").headers["etag"] == etag
            # a large write, killed while it is being handled: all of it or none of it
            before = count(client)
            many = " ".join(
                f'<{ID}org/segdi> rdfs:comment "Bulk note {i}."@en .' for i in range(3000)
            )
            text = sourced("test-bulk", many)

            def send() -> None:
                with contextlib.suppress(httpx.HTTPError):
                    update(httpx.Client(base_url=server.url, timeout=60), text)

            sender = threading.Thread(target=send, daemon=True)
            sender.start()
            time.sleep(0.4)
        server.kill()
        sender.join(10)
        server.start()
        with httpx.Client(base_url=server.url, timeout=60) as client:
            first = ask(client, f'ASK {{ <{ID}org/segdi> rdfs:comment "Bulk note 0."@en }}')
            last = ask(client, f'ASK {{ <{ID}org/segdi> rdfs:comment "Bulk note 2999."@en }}')
            assert first == last
            assert (count(client) > before) == last
    finally:
        server.stop()


def test_post_update_basic_auth_with_the_token_as_password(http: httpx.Client):
    response = http.post(
        "/update", content=b"CLEAR SILENT GRAPH <https://govkg.example/id/claim/none>",
        headers={"Content-Type": "application/sparql-update"}, auth=("anyone", TOKEN))
    assert response.status_code == 204, response.text
    wrong = http.post(
        "/update", content=b"CLEAR SILENT GRAPH <https://govkg.example/id/claim/none>",
        headers={"Content-Type": "application/sparql-update"}, auth=("anyone", "nope"))
    assert wrong.status_code == 403


def test_plain_instance_for_the_w3c_suite(built: BuildResult, settings: Settings, tmp_path: Path):
    """GOVKG_WRITE_MODE=plain: empty store, own default graph, no gate; what the suite loads."""
    server = ServerProcess(settings, tmp_path / "plain")
    server.extra = {"GOVKG_WRITE_MODE": "plain", "GOVKG_WRITE_SHAPES": "0"}
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=60, auth=("suite", TOKEN)) as client:
            turtle = b"<http://example.org/s> <http://example.org/p> 1 ."
            put = client.put("/store", params={"default": ""}, content=turtle,
                             headers={"Content-Type": "text/turtle"})
            assert put.status_code == 204, put.text
            named = client.put("/store", params={"graph": "http://example.org/g"},
                               content=b"<http://example.org/s> <http://example.org/p> 2 .",
                               headers={"Content-Type": "text/turtle"})
            assert named.status_code == 201, named.text
            rows = client.post("/sparql", data={"query": "SELECT ?o WHERE { ?s ?p ?o }"},
                               headers={"Accept": "application/sparql-results+json"}).json()
            assert [b["o"]["value"] for b in rows["results"]["bindings"]] == ["1"]
            absent = client.post("/sparql", data={
                "query": "ASK FROM <http://example.org/absent> { ?s ?p ?o }"},
                headers={"Accept": "application/sparql-results+json"})
            assert absent.status_code == 200 and absent.json()["boolean"] is False
            dropped = client.post("/update", data={"update": "DROP ALL"})
            assert dropped.status_code == 204
            assert client.get("/store", params={"graph": "http://example.org/g"}).status_code == 404
    finally:
        server.stop()


def test_default_graph_stays_the_merge_of_the_named_graphs(http: httpx.Client):
    """After the writes above (inserts, GSP replace, refusals), a query that names no graph
    still sees each triple of the named graphs exactly once, and nothing else."""
    written = update(http, sourced("test-merge", f'<{ID}org/segdi> rdfs:comment "Merge check."@en'))
    assert written.status_code == 204, written.text
    drop = PREFIXES + f"""DROP GRAPH <{ID}claim/test-merge> ; DELETE WHERE {{
        GRAPH <{PROVENANCE}> {{ <{ID}claim/test-merge> ?p ?o }} }}"""
    dropped = update(http, drop)
    assert dropped.status_code == 204, dropped.text
    default = http.post("/sparql", data={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                        headers={"Accept": "application/sparql-results+json"}).json()
    merged = http.post("/sparql", data={"query": "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT "
                                                 "?s ?p ?o { GRAPH ?g { ?s ?p ?o } } }"},
                       headers={"Accept": "application/sparql-results+json"}).json()

    def value(answer: dict) -> int:
        return int(answer["results"]["bindings"][0]["n"]["value"])

    assert value(default) == value(merged)
    assert not ask(http, f'ASK {{ <{ID}org/segdi> rdfs:comment "Merge check."@en }}')
