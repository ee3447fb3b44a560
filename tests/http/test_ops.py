"""Operations over HTTP: health, metrics, CORS and OPTIONS on read routes, logs, OpenAPI."""

from __future__ import annotations

import json
import logging
import time

import httpx
import pytest

from graph.store.embedded import EmbeddedStore

READ_ROUTES = [
    ("/sparql?query=ASK%7B%7D", "GET, HEAD, OPTIONS, POST"),
    ("/sparql", "GET, HEAD, OPTIONS, POST"),
    ("/.well-known/void", "GET, HEAD, OPTIONS"),
    ("/dump", "GET, HEAD, OPTIONS"),
    ("/health", "GET, HEAD, OPTIONS"),
    ("/metrics", "GET, HEAD, OPTIONS"),
]


def test_get_health_reports_the_open_store(client: httpx.Client, reader: EmbeddedStore):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["store"] == "open"
    assert body["version"] == reader.info.version
    assert body["triples"] == reader.info.triples
    assert body["workers"]["size"] == 2


def test_get_metrics_is_prometheus_text(client: httpx.Client):
    client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"})
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    for series in (
        'govkg_http_requests_total{route="/sparql",method="GET",status="200"}',
        'govkg_http_request_duration_seconds_bucket{route="/sparql",le="+Inf"}',
        'govkg_sparql_queries_total{form="select",outcome="ok"}',
        'govkg_sparql_result_bytes_bucket{form="select",le="1000"}',
        "govkg_sparql_timeouts_total ", "govkg_sparql_truncated_total ",
        "govkg_query_workers_alive ", "govkg_query_worker_restarts_total ",
        "govkg_dataset_info{version=",
    ):
        assert series in text, series
    for line in text.splitlines():
        assert line.startswith("#") or len(line.rsplit(" ", 1)) == 2


@pytest.mark.parametrize(("path", "allow"), READ_ROUTES)
def test_options_read_route_answers_allow(client: httpx.Client, path: str, allow: str):
    response = client.options(path)
    assert response.status_code == 204
    assert set(response.headers["allow"].split(", ")) == set(allow.split(", "))


@pytest.mark.parametrize(("path", "allow"), READ_ROUTES)
def test_get_read_route_has_cors(client: httpx.Client, path: str, allow: str):
    response = client.get(path, headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers.get("access-control-expose-headers", "") or path in (
        "/health", "/metrics")
    preflight = client.options(path, headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    methods = preflight.headers["access-control-allow-methods"]
    assert all(m in methods for m in ("GET", "POST", "HEAD", "OPTIONS"))


def test_post_sparql_has_cors(client: httpx.Client):
    response = client.post("/sparql", data={"query": "ASK {}"},
                           headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "X-Govkg-Truncated" in response.headers["access-control-expose-headers"]


def test_get_sparql_writes_a_json_access_log_line(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.INFO, logger="govkg.access"):
        response = client.get("/sparql", params={"query": "ASK {}"},
                              headers={"X-Request-Id": "test-request-42"})
        for _ in range(100):  # the line is written just after the last byte is sent
            records = [json.loads(r.getMessage()) for r in caplog.records
                       if r.name == "govkg.access"]
            mine = [r for r in records if r["request_id"] == "test-request-42"]
            if mine:
                break
            time.sleep(0.01)
    assert response.headers["x-request-id"] == "test-request-42"
    assert len(mine) == 1
    line = mine[0]
    assert line["route"] == "/sparql" and line["status"] == 200 and line["method"] == "GET"
    assert line["form"] == "ask" and line["duration_ms"] >= 0 and line["bytes"] > 0


def test_get_openapi_covers_every_route(client: httpx.Client, live_server):
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        "/sparql": {"get", "head", "post", "options"},
        "/.well-known/void": {"get", "head", "options"},
        "/dump": {"get", "head", "options"},
        "/health": {"get", "head", "options"},
        "/metrics": {"get", "head", "options"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    post = paths["/sparql"]["post"]
    assert {"application/x-www-form-urlencoded", "application/sparql-query"} <= set(
        post["requestBody"]["content"])
    documented = {p["name"] for p in paths["/sparql"]["get"]["parameters"]}
    assert {"query", "default-graph-uri", "named-graph-uri", "timeout", "format"} <= documented
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_get_unknown_route_is_a_readable_404(client: httpx.Client):
    response = client.get("/no-such-thing")
    assert response.status_code == 404
    assert "Traceback" not in response.text
