"""The server never fetches anything: SERVICE, LOAD and foreign graph IRIs are refused with 400.

A TCP listener started by the test stands for the remote service; it records every connection.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest


class Listener:
    """A TCP server on a free 127.0.0.1 port that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


QUERIES = [
    pytest.param("SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", "SERVICE", id="service"),
    pytest.param("SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}", "SERVICE",
                 id="service-silent"),
    pytest.param("select * where {{ service <{url}> {{ ?s ?p ?o }} }}", "SERVICE",
                 id="service-lower-case"),
    pytest.param("SELECT * WHERE {{ BIND(<{url}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}", "SERVICE",
                 id="service-variable"),
    pytest.param("PREFIX r: <{url}#> SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE r:x "
                 "{{ ?s ?p ?x }} }} }}", "SERVICE", id="service-nested-prefixed"),
    pytest.param("SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}", "not a graph of this dataset",
                 id="from"),
    pytest.param("SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                 "not a graph of this dataset", id="from-named"),
    pytest.param("LOAD <{url}>", "read-only", id="load"),
    pytest.param("LOAD SILENT <{url}> INTO GRAPH <urn:x>", "read-only", id="load-silent"),
]


@pytest.mark.parametrize(("template", "says"), QUERIES)
def test_post_sparql_refuses_remote_access_without_connecting(
    client: httpx.Client, listener: Listener, template: str, says: str
):
    response = client.post("/sparql", data={"query": template.format(url=listener.url)})
    assert response.status_code == 400
    assert says in response.text
    time.sleep(0.2)  # a connection attempt, had there been one, would have arrived by now
    assert listener.connections == 0


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_get_sparql_refuses_foreign_protocol_graphs_without_connecting(
    client: httpx.Client, listener: Listener, parameter: str
):
    response = client.get("/sparql", params={"query": "ASK {}", parameter: listener.url})
    assert response.status_code == 400
    assert "nothing is ever fetched" in response.text
    time.sleep(0.2)
    assert listener.connections == 0


def test_post_sparql_service_word_inside_strings_and_iris_is_not_refused(client: httpx.Client):
    query = (
        'SELECT * WHERE { ?s ?p "SERVICE <http://example.org/>" . '
        "?s <http://example.org/SERVICE> ?o } # SERVICE <http://example.org/>"
    )
    assert client.post("/sparql", data={"query": query}).status_code == 200


def test_listener_counts_connections(listener: Listener):
    """The witness works: a real connection is counted."""
    with socket.create_connection(("127.0.0.1", int(listener.url.split(":")[2].split("/")[0]))):
        pass
    time.sleep(0.3)
    assert listener.connections == 1


def test_post_sparql_refuses_absurd_nesting_and_keeps_answering(client: httpx.Client):
    """Thousands of nested groups would overflow the engine's parser and kill its worker: a
    400 that says why, and the next query is answered."""
    deep = "SELECT * {" + "{" * 5000 + "}" * 5000 + "}"
    response = client.post(
        "/sparql", content=deep, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 400
    assert "levels deep" in response.text
    follow_up = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert follow_up.status_code == 200
