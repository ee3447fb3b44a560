"""Every fact traces to a passage, and every passage's quote is verbatim in its document."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.namespaces import sparql_prefixes
from graph.sources import DOCUMENTS, normalise, parse_locator, quote_in_range
from graph.store.embedded import EmbeddedStore

PASSAGES = sparql_prefixes() + """
SELECT ?claim ?doc ?first ?last ?quote WHERE {
  GRAPH <https://govkg.example/graph/provenance> {
    ?claim a govkg:Claim ; govkg:statedIn ?passage .
    ?passage oa:hasSource ?doc ; govkg:lineStart ?first ; govkg:lineEnd ?last ;
             oa:hasSelector/oa:exact ?quote .
  }
}"""


def test_every_claim_has_one_passage_with_a_verbatim_quote(reader: EmbeddedStore, seeds: Path):
    rows = reader.select(PASSAGES)
    assert len(rows) > 100, "the graph should hold hundreds of sourced claims"
    stems = {f"https://govkg.example/id/source/{stem}": code for code, stem in DOCUMENTS.items()}
    missing = []
    for row in rows:
        code = stems[str(row["doc"])]
        first, last = int(row["first"]), int(row["last"])
        tail = f"-{last}" if last != first else ""
        locator = parse_locator(f"{code} L{first}{tail}")
        if not quote_in_range(seeds, locator, str(row["quote"])):
            missing.append((str(row["claim"]), str(locator), str(row["quote"])))
    assert missing == []


def test_every_claim_graph_is_described_in_the_provenance_graph(reader: EmbeddedStore):
    rows = reader.select(sparql_prefixes() + """
        SELECT DISTINCT ?g WHERE {
          GRAPH ?g { ?s ?p ?o }
          FILTER (STRSTARTS(STR(?g), "https://govkg.example/id/claim/"))
          FILTER NOT EXISTS { GRAPH <https://govkg.example/graph/provenance> {
            ?g a govkg:Claim ; govkg:statedIn ?passage } }
        }""")
    assert rows == []


def test_default_graph_is_the_merge_of_the_named_graphs_each_triple_once(built, reader):
    """Set semantics: a triple stated by two claims is counted once in the default graph."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(built.store_path))
    in_default = store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    distinct_named = store.query(
        "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { GRAPH ?g { ?s ?p ?o } } }"
    )
    assert int(next(in_default)["n"].value) == int(next(distinct_named)["n"].value)
    assert built.info.triples == int(reader.select("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")[0]["n"])
    repeated = reader.select("""SELECT ?s ?p ?o (COUNT(?g) AS ?claims) {
        GRAPH ?g { ?s ?p ?o } } GROUP BY ?s ?p ?o HAVING (COUNT(?g) > 1) LIMIT 1""")
    assert repeated, "some triple should be stated by two claims (e.g. the nine DGCC countries)"
    row = repeated[0]
    pattern = f"{row['s'].n3()} {row['p'].n3()} {row['o'].n3()}"
    once = reader.select(f"SELECT (COUNT(*) AS ?n) {{ {pattern} }}")
    assert int(once[0]["n"]) == 1


def test_every_typed_entity_is_introduced_by_a_claim(reader: EmbeddedStore):
    rows = reader.select(sparql_prefixes() + """
        SELECT DISTINCT ?entity WHERE {
          ?entity a ?type .
          FILTER (STRSTARTS(STR(?entity), "https://govkg.example/id/"))
          FILTER (!STRSTARTS(STR(?entity), "https://govkg.example/id/claim/"))
          FILTER (!STRSTARTS(STR(?entity), "https://govkg.example/id/passage/"))
          FILTER (!STRSTARTS(STR(?entity), "https://govkg.example/id/dataset/govkg"))
          # conflicts are the curators' register, not facts of the documents
          FILTER (!STRSTARTS(STR(?entity), "https://govkg.example/id/conflict/"))
          FILTER NOT EXISTS {
            GRAPH ?g { ?entity a ?t }
            GRAPH <https://govkg.example/graph/provenance> { ?g a govkg:Claim }
          }
        }""")
    assert [str(r["entity"]) for r in rows] == []


def test_readme_provenance_query_finds_the_sentence_for_ongei_to_segdi(reader: EmbeddedStore):
    """The README's "which passage says this?" query, on the reference triple."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- provenance-query -->")[1].split("```sparql")[1].split("```")[0]
    # What the README tells a reader to do: put the triple in place of ?s ?p ?o.
    triple = (
        "<https://govkg.example/id/org/segdi> dcterms:replaces <https://govkg.example/id/org/ongei>"
    )
    assert "?s ?p ?o" in block
    rows = reader.select(sparql_prefixes() + block.replace("?s ?p ?o", triple))
    assert rows, "the provenance query found no passage for SEGDI replaces ONGEI"
    quotes = {normalise(str(r["quote"])) for r in rows}
    assert any("ONGEI was renamed" in q for q in quotes), quotes


@pytest.mark.parametrize("code", sorted(DOCUMENTS))
def test_both_documents_are_cited(reader: EmbeddedStore, code: str):
    stem = DOCUMENTS[code]
    rows = reader.select(sparql_prefixes() + f"""
        SELECT (COUNT(DISTINCT ?claim) AS ?n) WHERE {{
          GRAPH <https://govkg.example/graph/provenance> {{
            ?claim govkg:statedIn/oa:hasSource <https://govkg.example/id/source/{stem}> }} }}""")
    assert int(rows[0]["n"]) >= 50
