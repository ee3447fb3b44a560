"""Paths, neighbourhoods and centrality on the real graph; every hop must cite its passage.

Expected direct links come from the documents: EN L105 (NIA and the SGTD are the centre's
leading agencies), EN L235 / note 4 (DS 031-2006-PCM approves the Digital Agenda), EN L5 (Shin
studied at KAIST), EN L232 / L63 (DU 007-2020 and the digital trust framework), EN L59 (the
PCM regulations behind the 2017 renaming), ES L243-245 (CONCYTEC leads the STEPI programme).
"""

from __future__ import annotations

import pytest
from cli_runner import govkg

from graph.errors import BadQuery
from graph.paths import centrality, explain, find_paths, neighbourhood, resolve_predicates
from graph.projection import Projection, projection_of
from graph.settings import Settings
from graph.sources import parse_locator, quote_in_range
from graph.store.embedded import EmbeddedStore

ID = "https://govkg.example/id/"

# (from, to): pairs of entities of different kinds.
PAIRS = [
    ("org/nia", "org/sgtd"),  # institution – institution
    ("law/dl-1412", "org/sgtd"),  # law – institution
    ("plan/digital-government-vision-2021-2025", "org/pcm"),  # plan – institution
    ("project/2017-e-document-management-feasibility", "org/mois"),  # project – institution
    ("indicator/un-egdi", "place/peru"),  # indicator – country
    ("place/korea", "place/peru"),  # country – country
    ("org/wego", "place/lima"),  # international organisation – city
    ("law/ds-031-2006-pcm", "plan/adp-2006"),  # law – plan
    ("agreement/dgcc-mou-2017", "org/nia"),  # agreement – institution
    ("person/sang-chul-shin", "org/kaist"),  # person – institution
    ("programme/stepi-concytec-st-planning", "org/concytec"),  # programme – institution
    ("law/du-007-2020", "framework/digital-trust"),  # law – framework
    ("law/rof-pcm-2017", "org/ongei"),  # law – institution, through the change event
    ("project/2023-pngd-migration-strategy-paas-ta", "indicator/un-egdi"),  # project – indicator
]


@pytest.fixture(scope="module")
def projection(reader: EmbeddedStore) -> Projection:
    return projection_of(reader)


@pytest.mark.parametrize(("start", "end"), PAIRS)
def test_path_found_and_every_hop_cites_a_verbatim_passage(
    projection: Projection, settings: Settings, start: str, end: str
):
    paths = find_paths(projection, ID + start, ID + end)
    assert paths, f"no path {start} → {end}"
    path = paths[0]
    assert path.nodes[0] == ID + start and path.nodes[-1] == ID + end
    for hop in path.hops:
        assert hop.links, hop
        for link in hop.links:
            assert link.sources
            for source in link.sources:
                assert source.locator and source.quote
                assert quote_in_range(settings.seeds, parse_locator(source.locator), source.quote)
            assert " — " in explain(projection, link) and " → " in explain(projection, link)


@pytest.mark.parametrize(
    ("start", "end", "sentence", "locator"),
    [
        ("law/ds-031-2006-pcm", "plan/adp-2006", "approves", None),
        ("person/sang-chul-shin", "org/kaist", "studied at", "EN L5"),
        ("law/du-007-2020", "framework/digital-trust", "establishes", None),
        ("programme/stepi-concytec-st-planning", "org/concytec", "leading agency", None),
    ],
)
def test_direct_links_the_documents_state(
    projection: Projection, start: str, end: str, sentence: str, locator: str | None
):
    path = find_paths(projection, ID + start, ID + end)[0]
    assert path.length == 1
    texts = [explain(projection, link) for link in path.hops[0].links]
    assert any(sentence in text for text in texts), texts
    if locator:
        assert locator in {s.locator for link in path.hops[0].links for s in link.sources}


def test_nia_and_sgtd_meet_in_the_centre_they_lead(projection: Projection):
    path = find_paths(projection, ID + "org/nia", ID + "org/sgtd")[0]
    assert path.nodes == (ID + "org/nia", ID + "org/dgcc-peru", ID + "org/sgtd")
    assert explain(projection, path.hops[0].links[0]) == "NIA — is the leading agency of → DGCC"
    assert {s.locator for s in path.hops[1].links[0].sources} >= {"EN L105"}


def test_k_shortest_paths_are_distinct_and_cheapest_first(projection: Projection):
    paths = find_paths(projection, ID + "org/nia", ID + "org/sgtd", k=3)
    assert len(paths) == 3
    assert len({p.nodes for p in paths}) == 3
    assert [p.cost for p in paths] == sorted(p.cost for p in paths)


def test_via_and_direction_follow_the_replaces_chain(projection: Projection):
    replaces = resolve_predicates(projection, ["dcterms:replaces"])
    sgtd, ongei = ID + "org/sgtd", ID + "org/ongei"
    forward = find_paths(projection, sgtd, ongei, via=replaces, direction="forward")
    assert forward and forward[0].nodes == (sgtd, ID + "org/segdi", ongei)
    assert find_paths(projection, ongei, sgtd, via=replaces, direction="forward") == []
    backward = find_paths(projection, ongei, sgtd, via=replaces, direction="backward")
    assert backward and backward[0].length == 2
    text = explain(projection, backward[0].hops[0].links[0])
    assert text == "ONGEI — was replaced by → SEGDI"


def test_predicates_resolve_from_prefixed_full_and_local_names(projection: Projection):
    assert resolve_predicates(projection, ["org:unitOf"]) == resolve_predicates(
        projection, ["http://www.w3.org/ns/org#unitOf"]
    )
    assert resolve_predicates(projection, ["leadAgency"]) == {
        "https://govkg.example/def/govkg#leadAgency"
    }
    with pytest.raises(BadQuery, match="via"):
        resolve_predicates(projection, ["org:noSuchThing"])


@pytest.mark.parametrize("k", [0, 11])
def test_out_of_range_k_is_refused(projection: Projection, k: int):
    with pytest.raises(BadQuery, match="k"):
        find_paths(projection, ID + "org/nia", ID + "org/sgtd", k=k)


def test_neighbourhood_grows_with_depth(projection: Projection):
    one = neighbourhood(projection, ID + "org/sgtd", 1)
    ids = {n["id"] for n in one["nodes"]}
    assert {ID + "org/segdi", ID + "org/pcm", ID + "org/dgcc-peru"} <= ids
    two = neighbourhood(projection, ID + "org/sgtd", 2)
    assert ids < {n["id"] for n in two["nodes"]}
    assert all(e["sources"] for e in two["edges"])
    with pytest.raises(BadQuery, match="depth"):
        neighbourhood(projection, ID + "org/sgtd", 4)


def test_centrality_ranks_the_bodies_that_connect_the_most(projection: Projection):
    ranking = centrality(projection)
    assert all(r["kind"] == "institution" for r in ranking)
    top = [r["id"] for r in ranking[:5]]
    # The centre links NIA, the SGTD, MOIS and the PCM (EN L103-105); the PCM holds the chain.
    assert ID + "org/dgcc-peru" in top and ID + "org/pcm" in top
    assert [r["betweenness"] for r in ranking] == sorted(
        (r["betweenness"] for r in ranking), reverse=True
    )




def test_cli_path_prints_each_hop_with_its_passage(built, settings: Settings):  # noqa: ANN001
    result = govkg(settings, "path", "NIA", "SGTD", "--k", "3")
    assert result.returncode == 0, result.stderr
    assert "1. 2 hops" in result.stdout and "3." in result.stdout
    assert "NIA — is the leading agency of → DGCC" in result.stdout
    assert "EN L105" in result.stdout
