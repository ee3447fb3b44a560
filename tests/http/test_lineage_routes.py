"""/lineage, /path, /neighbourhood and /centrality over real HTTP, checked against the documents.

EN L57, L59, L65: ONGEI (2003) → SEGDI (2017, PCM regulations) → SGTD (September 2021), in the
PCM. EN L105: NIA and the SGTD lead the Korea–Peru centre. EN L45/L47: "GCI" names two indices.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

ID = "https://govkg.example/id/"
ONGEI, SEGDI, SGTD, PCM = (ID + f"org/{s}" for s in ("ongei", "segdi", "sgtd", "pcm"))


def test_get_lineage_gives_the_chain_with_dates_acts_and_passages(client: httpx.Client):
    response = client.get("/lineage/SGTD")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["id"] == SGTD
    assert [b["id"] for b in body["line"]] == [ONGEI, SEGDI, SGTD]
    assert [(b["start"]["value"], (b["end"] or {}).get("value")) for b in body["line"]] == [
        ("2003", "2017"),
        ("2017", "2021-09"),
        ("2021-09", None),
    ]
    assert all(PCM in {p["parent"]["id"] for p in b["parents"]} for b in body["line"])
    events = {(e["from"][0]["id"], e["to"][0]["id"]): e for e in body["events"] if e["from"]}
    renamed_2017 = events[(ONGEI, SEGDI)]
    assert renamed_2017["kind"] == "renaming" and renamed_2017["date"]["value"] == "2017"
    assert renamed_2017["date"]["precision"] == "year"
    assert ID + "law/rof-pcm-2017" in {a["id"] for a in renamed_2017["legal_acts"]}
    assert "EN L59" in {s["locator"] for s in renamed_2017["sources"]}
    renamed_2021 = events[(SEGDI, SGTD)]
    assert renamed_2021["date"]["value"] == "2021-09"
    assert renamed_2021["date"]["precision"] == "month"
    assert "EN L65" in {s["locator"] for s in renamed_2021["sources"]}


@pytest.mark.parametrize(
    ("at", "status", "holders"),
    [
        ("2002-12-31", "none", []),
        ("2010-06-01", "certain", [ONGEI]),
        ("2017-06-01", "uncertain", [ONGEI, SEGDI]),
        ("2019-06-01", "certain", [SEGDI]),
        ("2021-09-15", "uncertain", [SEGDI, SGTD]),
        ("2022-01-01", "certain", [SGTD]),
    ],
)
def test_get_lineage_at_names_the_body_of_the_day(
    client: httpx.Client, at: str, status: str, holders: list[str]
):
    response = client.get("/lineage/ONGEI", params={"at": at})
    assert response.status_code == 200, response.text
    held = response.json()["at"]
    assert held["status"] == status
    assert [h["id"] for h in held["holders"]] == holders
    assert all(h["parents"][0]["id"] == PCM for h in held["holders"])
    if status == "uncertain":
        assert held["precision"] in ("year", "month") and held["note"]


def test_get_lineage_accepts_iri_path_and_spanish_name(client: httpx.Client):
    for text in (SEGDI, quote(SEGDI, safe=""), "org/segdi", "Secretaría de Gobierno Digital"):
        response = client.get(f"/lineage/{text}")
        assert response.status_code == 200, (text, response.text)
        assert response.json()["id"] == SEGDI


def test_get_lineage_jsonld_is_rdf_with_the_replaces_chain(client: httpx.Client):
    response = client.get("/lineage/SGTD", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    parsed = Graph().parse(data=response.text, format="json-ld")
    assert (URIRef(SGTD), DCTERMS.replaces, URIRef(SEGDI)) in parsed
    assert (URIRef(SEGDI), DCTERMS.replaces, URIRef(ONGEI)) in parsed


def test_get_lineage_bad_at_is_400_naming_it(client: httpx.Client):
    response = client.get("/lineage/SGTD", params={"at": "2019-13-01"})
    assert response.status_code == 400
    assert "at" in response.text


def test_get_lineage_unknown_id_is_404_with_close_matches(client: httpx.Client):
    response = client.get("/lineage/SGTX")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert SGTD in {c["id"] for c in response.json()["candidates"]}


def test_get_lineage_ambiguous_id_is_400_with_the_candidates(client: httpx.Client):
    response = client.get("/lineage/GCI")
    assert response.status_code == 400
    candidates = {c["id"] for c in response.json()["candidates"]}
    assert candidates == {
        ID + "indicator/itu-global-cybersecurity-index",
        ID + "indicator/wef-global-competitiveness-index",
    }


def test_get_path_explains_each_hop_with_its_passage(client: httpx.Client):
    response = client.get("/path", params={"from": "NIA", "to": "SGTD", "k": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["found"] == 3
    first = body["paths"][0]
    assert [n["id"] for n in first["nodes"]] == [ID + "org/nia", ID + "org/dgcc-peru", SGTD]
    assert first["hops"][0]["text"] == "NIA — is the leading agency of → DGCC"
    for path in body["paths"]:
        for hop in path["hops"]:
            assert hop["links"] and all(link["sources"] for link in hop["links"])
            assert all(s["quote"] for link in hop["links"] for s in link["sources"])


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("law/ds-031-2006-pcm", "plan/adp-2006"),
        ("indicator/un-egdi", "place/peru"),
        ("person/sang-chul-shin", "KAIST"),
        ("project/2017-e-document-management-feasibility", "MOIS"),
        ("WeGO", "place/lima"),
    ],
)
def test_get_path_between_entities_of_different_kinds(
    client: httpx.Client, source: str, target: str
):
    response = client.get("/path", params={"from": source, "to": target})
    assert response.status_code == 200, response.text
    hops = response.json()["paths"][0]["hops"]
    assert hops and all(link["sources"] for hop in hops for link in hop["links"])


def test_get_path_via_and_direction_follow_replaces(client: httpx.Client):
    params = {"from": "SGTD", "to": "ONGEI", "via": "dcterms:replaces", "direction": "forward"}
    response = client.get("/path", params=params)
    assert response.status_code == 200
    nodes = [n["id"] for n in response.json()["paths"][0]["nodes"]]
    assert nodes == [SGTD, SEGDI, ONGEI]
    reverse = client.get("/path", params={**params, "from": "ONGEI", "to": "SGTD"})
    assert reverse.json()["found"] == 0


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"from": "NIA", "to": "SGTD", "k": "0"}, "k"),
        ({"from": "NIA", "to": "SGTD", "k": "two"}, "k"),
        ({"from": "NIA", "to": "SGTD", "via": "org:noSuchThing"}, "via"),
        ({"from": "NIA", "to": "SGTD", "direction": "sideways"}, "direction"),
        ({"from": "NIA"}, "to"),
    ],
)
def test_get_path_bad_parameter_is_400_naming_it(
    client: httpx.Client, params: dict[str, str], named: str
):
    response = client.get("/path", params=params)
    assert response.status_code == 400
    assert named in response.text


def test_get_path_ambiguous_end_is_400_with_candidates(client: httpx.Client):
    response = client.get("/path", params={"from": "NIA", "to": "GCI"})
    assert response.status_code == 400
    assert response.json()["parameter"] == "to"
    assert len(response.json()["candidates"]) == 2


def test_get_path_unknown_start_is_404(client: httpx.Client):
    response = client.get("/path", params={"from": "no such body anywhere", "to": "SGTD"})
    assert response.status_code == 404
    assert response.json()["parameter"] == "from"


def test_get_neighbourhood_depth_one_and_two(client: httpx.Client):
    one = client.get("/neighbourhood/SGTD", params={"depth": 1}).json()
    ids = {n["id"] for n in one["nodes"]}
    assert {SEGDI, PCM, ID + "org/dgcc-peru"} <= ids
    two = client.get("/neighbourhood/SGTD", params={"depth": 2}).json()
    assert ids < {n["id"] for n in two["nodes"]}
    assert client.get("/neighbourhood/SGTD", params={"depth": 9}).status_code == 400


def test_get_neighbourhood_jsonld_parses(client: httpx.Client):
    response = client.get("/neighbourhood/SEGDI", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    parsed = Graph().parse(data=json.dumps(response.json()), format="json-ld")
    assert (URIRef(SEGDI), DCTERMS.replaces, URIRef(ONGEI)) in parsed


def test_get_centrality_ranks_institutions(client: httpx.Client):
    response = client.get("/centrality", params={"limit": 5})
    assert response.status_code == 200
    ranking = response.json()["ranking"]
    assert len(ranking) == 5 and all(r["kind"] == "institution" for r in ranking)
    assert {ID + "org/dgcc-peru", PCM} <= {r["id"] for r in ranking}
    assert client.get("/centrality", params={"kind": "unicorn"}).status_code == 400


def test_get_lineage_carries_the_dataset_version_as_etag(client: httpx.Client):
    response = client.get("/lineage/SGTD")
    assert response.headers["etag"].strip('"') == response.json()["version"]
