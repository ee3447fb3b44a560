"""Lineage on the real graph, checked against what the documents say.

EN L57: ONGEI started in 2003. EN L59: ONGEI was renamed SEGDI in 2017 "in accordance with the
Regulations on the Organization and Functions of the Prime Minister's Office", and SEGDI moved
to the Prime Minister's Office (PCM). EN L65: renamed SEGDI → SGTD in September 2021.
ES L268-269: WeGO since its foundation in 2010. EN L103: the Korea–Peru centre was launched in
September 2017; ES L205-207: it works "desde 2021".
"""

from __future__ import annotations

import doctest
from dataclasses import replace
from datetime import date

import pytest
from cli_runner import govkg

import graph.periods
import graph.projection
from graph.lineage import holding_at, lineage, lineage_json, lineage_jsonld, successors
from graph.projection import Projection, ProjectionCache, projection_of
from graph.resolve import AmbiguousId, UnknownId, resolve
from graph.settings import Settings
from graph.store.embedded import EmbeddedStore

ID = "https://govkg.example/id/"
ONGEI, SEGDI, SGTD, PCM = (ID + f"org/{s}" for s in ("ongei", "segdi", "sgtd", "pcm"))
WEGO, DGCC = ID + "org/wego", ID + "org/dgcc-peru"


@pytest.fixture(scope="module")
def projection(reader: EmbeddedStore) -> Projection:
    return projection_of(reader)


def locators(sources) -> set[str]:  # noqa: ANN001 - Source or its JSON
    return {s["locator"] if isinstance(s, dict) else s.locator for s in sources}


def test_chain_runs_ongei_segdi_sgtd_oldest_first(projection: Projection):
    line = lineage(projection, SGTD)
    assert line.bodies == (ONGEI, SEGDI, SGTD)
    assert [(r.body, r.depth) for r in line.predecessors] == [(SEGDI, 1), (ONGEI, 2)]
    assert line.successors == ()


def test_chain_is_the_same_from_any_body_in_it(projection: Projection):
    assert lineage(projection, ONGEI).bodies == lineage(projection, SEGDI).bodies
    assert [(r.body, r.depth) for r in successors(projection, ONGEI)] == [(SEGDI, 1), (SGTD, 2)]


def test_change_events_carry_kind_date_act_and_passage(projection: Projection):
    events = {(e.originals, e.results): e for e in lineage(projection, SGTD).events}
    renamed_2017 = events[((ONGEI,), (SEGDI,))]
    assert renamed_2017.kind == "renaming"
    assert renamed_2017.date is not None and renamed_2017.date.value == "2017"
    assert ID + "law/rof-pcm-2017" in renamed_2017.acts
    assert "EN L59" in locators(renamed_2017.sources)
    renamed_2021 = events[((SEGDI,), (SGTD,))]
    assert renamed_2021.kind == "renaming"
    assert renamed_2021.date is not None and renamed_2021.date.value == "2021-09"
    assert "EN L65" in locators(renamed_2021.sources)


def test_tenures_keep_the_sources_precision(projection: Projection):
    tenures = {t.body: t for t in lineage(projection, SGTD).tenures}
    assert tenures[ONGEI].start and tenures[ONGEI].start.value == "2003"
    assert "EN L57" in locators(tenures[ONGEI].start.sources)
    assert tenures[ONGEI].end and tenures[ONGEI].end.value == "2017"
    assert tenures[SEGDI].start and tenures[SEGDI].start.value == "2017"
    assert tenures[SEGDI].end and tenures[SEGDI].end.value == "2021-09"
    assert tenures[SGTD].start and tenures[SGTD].start.value == "2021-09"
    assert tenures[SGTD].end is None


def test_every_body_of_the_chain_sits_inside_the_pcm(projection: Projection):
    parents = {(p.body, p.parent) for p in lineage(projection, SGTD).parents}
    assert {(ONGEI, PCM), (SEGDI, PCM), (SGTD, PCM)} <= parents
    segdi = next(p for p in lineage(projection, SGTD).parents if p.body == SEGDI)
    assert "EN L59" in locators(segdi.sources)


@pytest.mark.parametrize(
    ("day", "status", "holders", "precision"),
    [
        ("2002-06-01", "none", set(), None),
        ("2003-06-01", "uncertain", {ONGEI}, "year"),
        ("2010-06-01", "certain", {ONGEI}, None),
        ("2016-12-31", "certain", {ONGEI}, None),
        ("2017-06-01", "uncertain", {ONGEI, SEGDI}, "year"),
        ("2018-01-01", "certain", {SEGDI}, None),
        ("2019-06-01", "certain", {SEGDI}, None),
        ("2021-08-31", "certain", {SEGDI}, None),
        ("2021-09-15", "uncertain", {SEGDI, SGTD}, "month"),
        ("2021-10-01", "certain", {SGTD}, None),
        ("2024-01-01", "certain", {SGTD}, None),
    ],
)
def test_at_gives_the_body_of_the_day(
    projection: Projection, day: str, status: str, holders: set[str], precision: str | None
):
    holding = holding_at(projection, lineage(projection, SGTD), date.fromisoformat(day))
    assert holding.status == status
    assert {h.body for h in holding.holders} == holders
    assert holding.precision == precision
    expected = "certain" if status == "certain" else "possible"
    assert all(h.certainty == expected for h in holding.holders)
    assert all(PCM in {p.parent for p in h.parents} for h in holding.holders)


def test_at_in_the_renaming_year_says_why_it_is_uncertain(projection: Projection):
    holding = holding_at(projection, lineage(projection, SGTD), date(2017, 6, 1))
    assert "2017" in holding.note and "year precision" in holding.note
    assert "ONGEI" in holding.note and "SEGDI" in holding.note


def test_lineage_json_has_line_events_and_at(projection: Projection):
    line = lineage(projection, SGTD)
    answer = lineage_json(projection, line, holding_at(projection, line, date(2019, 6, 1)))
    assert [b["name"] for b in answer["line"]] == ["ONGEI", "SEGDI", "SGTD"]
    assert answer["at"]["holders"][0]["id"] == SEGDI
    assert answer["at"]["holders"][0]["parents"][0]["id"] == PCM
    assert all(e["sources"] for e in answer["events"])


def test_lineage_jsonld_parses_as_rdf_with_the_replaces_chain(projection: Projection):
    import json

    from rdflib import Graph, URIRef
    from rdflib.namespace import DCTERMS

    document = lineage_jsonld(projection, lineage(projection, SGTD))
    parsed = Graph().parse(data=json.dumps(document), format="json-ld")
    assert (URIRef(SGTD), DCTERMS.replaces, URIRef(SEGDI)) in parsed
    assert (URIRef(SEGDI), DCTERMS.replaces, URIRef(ONGEI)) in parsed


def test_wego_exists_from_its_2010_foundation(projection: Projection):
    line = lineage(projection, WEGO)
    assert [e.kind for e in line.events] == ["creation"]
    assert holding_at(projection, line, date(2009, 6, 1)).status == "none"
    assert holding_at(projection, line, date(2010, 6, 1)).status == "uncertain"
    assert holding_at(projection, line, date(2015, 6, 1)).status == "certain"


def test_centre_start_dates_disagree_and_the_answer_says_so(projection: Projection):
    line = lineage(projection, DGCC)
    tenure = line.tenures[0]
    assert tenure.start and tenure.start.value == "2017-09"
    assert "2021" in {d.value for d in tenure.other_starts}
    holding = holding_at(projection, line, date(2019, 6, 1))
    assert holding.status == "certain" and holding.holders[0].disputed
    assert "2017-09" in holding.note and "2021" in holding.note


def test_every_institution_has_a_lineage_and_an_answer_for_any_day(projection: Projection):
    import json

    institutions = [n for n in projection.graph if projection.kind(n) == "institution"]
    assert len(institutions) > 20
    for body in institutions:
        line = lineage(projection, body)
        assert body in line.bodies
        for day in (date(2000, 1, 1), date(2017, 6, 1), date(2023, 6, 1)):
            holding = holding_at(projection, line, day)
            json.dumps(lineage_json(projection, line, holding))
            assert holding.status in ("certain", "uncertain", "none")
            assert all(h.body in line.bodies for h in holding.holders)


@pytest.mark.parametrize(
    "text",
    [
        "SEGDI",
        "segdi",
        "org/segdi",
        ID + "org/segdi",
        "Secretaría de Gobierno Digital",
        "secretaria de gobierno digital",
    ],
)
def test_resolve_accepts_iri_path_acronym_and_name(projection: Projection, text: str):
    assert resolve(projection, text) == SEGDI


def test_resolve_names_both_candidates_of_an_ambiguous_acronym(projection: Projection):
    # EN L45 and L47: "GCI" is both WEF's competitiveness index and ITU's cyber security index.
    with pytest.raises(AmbiguousId) as raised:
        resolve(projection, "GCI")
    assert len(raised.value.candidates) == 2


def test_resolve_suggests_close_matches_for_an_unknown_id(projection: Projection):
    with pytest.raises(UnknownId) as raised:
        resolve(projection, "SGTX")
    assert SGTD in raised.value.suggestions


def test_projection_is_reused_for_a_version_and_rebuilt_for_a_new_one(reader: EmbeddedStore):
    cache = ProjectionCache()
    first = cache.get(reader)
    assert cache.get(reader) is first

    class NewVersion:
        """The same store under another dataset version, as after a rebuild."""

        info = replace(reader.info, version=reader.info.version + "-next")

        def select(self, query, bindings=None):  # noqa: ANN001, ANN201
            return reader.select(query, bindings)

    second = cache.get(NewVersion())  # type: ignore[arg-type]
    assert second is not first and second.version.endswith("-next")


def test_every_edge_of_the_projection_has_a_passage(projection: Projection):
    for _, _, data in projection.graph.edges(data=True):
        assert data["sources"], data
        assert all(s.locator and s.quote for s in data["sources"])


@pytest.mark.parametrize("module", [graph.periods, graph.projection])
def test_doctests(module):  # noqa: ANN001
    assert doctest.testmod(module).failed == 0




def test_cli_lineage_at_prints_the_line_and_the_holder(built, settings: Settings):  # noqa: ANN001
    result = govkg(settings, "lineage", "SGTD", "--at", "2019-06-01")
    assert result.returncode == 0, result.stderr
    for expected in ("ONGEI", "SEGDI", "SGTD", "2021-09", "EN L59", "On 2019-06-01: SEGDI"):
        assert expected in result.stdout


def test_cli_lineage_of_an_ambiguous_name_lists_candidates(built, settings: Settings):  # noqa: ANN001
    result = govkg(settings, "lineage", "GCI")
    assert result.returncode == 2
    assert "indicator/itu-global-cybersecurity-index" in result.stderr
