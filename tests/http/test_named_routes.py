"""/queries and /queries/{name} over real HTTP: catalogue, OpenAPI, typed parameters, formats."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from graph.named_queries import load_named_queries

QUERIES = load_named_queries()
JSON = "application/sparql-results+json"
INJECTIONS = [
    '"> } ; DROP ALL',
    "x\" } } ; DROP ALL ; SELECT * { ?s ?p ?o",
    "') } DELETE WHERE { ?s ?p ?o } #",
]


def test_get_queries_lists_every_named_query_with_parameters(client: httpx.Client):
    response = client.get("/queries")
    assert response.status_code == 200
    listed = {q["name"]: q for q in response.json()["queries"]}
    assert set(listed) == set(QUERIES)
    year = next(p for p in listed["laws-by-year"]["parameters"] if p["name"] == "year")
    assert year == {"name": "year", "type": "gyear", "default": "2020", "description": "the year"}


def test_get_openapi_documents_each_query_and_its_typed_parameters(client: httpx.Client):
    paths = client.get("/openapi.json").json()["paths"]
    for name in QUERIES:
        assert f"/queries/{name}" in paths
    parameters = {p["name"]: p for p in paths["/queries/laws-by-year"]["get"]["parameters"]}
    assert parameters["year"]["schema"]["format"] == "gyear"
    assert parameters["year"]["schema"]["default"] == "2020"


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_get_named_query_with_defaults_returns_rows(client: httpx.Client, name: str):
    response = client.get(f"/queries/{name}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(JSON)
    assert response.json()["results"]["bindings"], f"{name} returned no rows"


def test_get_named_query_binds_a_typed_parameter(client: httpx.Client):
    # EN L61: the Digital Government Act (D1412) dates from 2018.
    response = client.get("/queries/laws-by-year", params={"year": "2018"})
    laws = {b["law"]["value"] for b in response.json()["results"]["bindings"]}
    assert "https://govkg.example/id/law/dl-1412" in laws


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", JSON),
    ],
)
def test_get_named_query_negotiates_sparql_formats(
    client: httpx.Client, accept: str, media_type: str
):
    response = client.get("/queries/projects-per-year", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)


def test_get_named_query_csv_counts_projects_per_table_1_year(client: httpx.Client):
    # EN L127-147: Table 1 has rows for 2017-2019 and 2021-2023 and none for 2020.
    response = client.get("/queries/projects-per-year", params={"format": "csv"})
    years = [row["year"] for row in csv.DictReader(io.StringIO(response.text))]
    assert years == ["2017", "2018", "2019", "2021", "2022", "2023"]


def test_get_named_query_unacceptable_format_is_406(client: httpx.Client):
    response = client.get("/queries/laws-by-year", headers={"Accept": "image/png"})
    assert response.status_code == 406


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("laws-by-year", {"year": "20x8"}, "year"),
        ("laws-by-year", {"lang": "e s"}, "lang"),
        ("units-in-year", {"year": "2019-06-01"}, "year"),
        ("body-predecessors", {"body": "org/sgtd> } ; DROP ALL {"}, "body"),
        ("laws-by-year", {"yeer": "2018"}, "yeer"),
    ],
)
def test_get_named_query_wrong_parameter_is_400_naming_it(
    client: httpx.Client, name: str, params: dict[str, str], parameter: str
):
    response = client.get(f"/queries/{name}", params=params)
    assert response.status_code == 400
    assert f"'{parameter}'" in response.text


def test_get_named_query_repeated_parameter_is_400(client: httpx.Client):
    response = client.get("/queries/laws-by-year?year=2018&year=2019")
    assert response.status_code == 400
    assert "'year'" in response.text


@pytest.mark.parametrize("value", INJECTIONS)
def test_get_named_query_injection_is_inert(client: httpx.Client, value: str):
    before = client.get("/queries/entities-per-class").json()
    response = client.get("/queries/find-by-name", params={"text": value})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []
    assert client.get("/queries/entities-per-class").json() == before


def test_get_unknown_named_query_is_404_with_close_names(client: httpx.Client):
    response = client.get("/queries/laws-by-yeer")
    assert response.status_code == 404
    assert "laws-by-year" in response.text
