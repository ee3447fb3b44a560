"""/dump: round trips into a fresh store, ETag / 304, gzip on request."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from graph.store.embedded import EmbeddedStore, canonical_quads, load_new_store


@pytest.fixture(scope="module")
def served_quads(reader: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The served dataset, canonicalised, straight from the store (not over HTTP)."""
    path = tmp_path_factory.mktemp("export") / "all.nq"
    with path.open("wb") as out:
        reader.export("application/n-quads", out)
    return canonical_quads(path.read_bytes(), "application/n-quads")


@pytest.mark.parametrize(
    ("fmt", "media_type"), [("trig", "application/trig"), ("nquads", "application/n-quads")]
)
def test_get_dump_loads_into_a_fresh_store_as_the_same_dataset(
    client: httpx.Client, tmp_path: Path, served_quads: list[str], reader: EmbeddedStore,
    fmt: str, media_type: str,
):
    response = client.get("/dump", params={"format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["etag"] == f'"{reader.info.version}"'
    fresh = load_new_store(tmp_path / "fresh", response.content, media_type)
    try:
        exported = tmp_path / "fresh.nq"
        with exported.open("wb") as out:
            fresh.export("application/n-quads", out)
        assert fresh.info.quads == reader.info.quads
        assert fresh.info.named_graphs == reader.info.named_graphs
    finally:
        fresh.close()
    assert canonical_quads(exported.read_bytes(), "application/n-quads") == served_quads


def test_get_dump_turtle_is_the_union_graph(client: httpx.Client, reader: EmbeddedStore):
    turtle = Graph().parse(data=client.get("/dump", params={"format": "turtle"}).text,
                           format="turtle")
    assert len(turtle) == reader.info.triples
    quads = Dataset()
    quads.parse(data=client.get("/dump", params={"format": "nquads"}).text, format="nquads")
    union = Graph()
    for s, p, o, _ in quads.quads((None, None, None, None)):
        union.add((s, p, o))
    assert isomorphic(turtle, union)


def test_get_dump_negotiates_by_accept(client: httpx.Client):
    assert client.get("/dump").headers["content-type"].startswith("application/trig")
    nquads = client.get("/dump", headers={"Accept": "application/n-quads"})
    assert nquads.headers["content-type"].startswith("application/n-quads")
    assert client.get("/dump", headers={"Accept": "image/png"}).status_code == 406


def test_get_dump_if_none_match_is_304(client: httpx.Client):
    etag = client.head("/dump").headers["etag"]
    response = client.get("/dump", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag


def test_get_dump_is_gzipped_when_asked(base_url: str):
    with httpx.Client(base_url=base_url) as client:
        plain = client.get("/dump", params={"format": "nquads"},
                           headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        zipped = client.stream("GET", "/dump", params={"format": "nquads"},
                               headers={"Accept-Encoding": "gzip"})
        with zipped as response:
            assert response.headers["content-encoding"] == "gzip"
            assert "Accept-Encoding" in response.headers["vary"]
            raw = b"".join(response.iter_raw())
    assert gzip.decompress(raw) == plain.content
