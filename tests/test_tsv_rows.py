"""graph.store.tsv reads what pyoxigraph writes as SPARQL TSV, value for value."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.store.tsv import tsv_rows

EX = "https://govkg.example/id/test/"
XSD = "http://www.w3.org/2001/XMLSchema#"

AWKWARD = [
    ox.Literal("plain"),
    ox.Literal("tab\there, line\nbreak, return\rhere"),
    ox.Literal('quote " and backslash \\ and \\n literally'),
    ox.Literal("Secretaría de Gobierno y Transformación Digital", language="es"),
    ox.Literal("line\u2028separator and \u0085 next-line", language="en"),
    ox.Literal("control \x01\x1f chars"),
    ox.Literal("한국지능정보사회진흥원", language="ko"),
    ox.Literal("2020-05", datatype=ox.NamedNode(XSD + "gYearMonth")),
    ox.Literal("007", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
    ox.Literal("1.5", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("@ and ^^ inside", language="en-gb"),
    ox.NamedNode(EX + "iri/with?query=1&x=%20"),
    ox.BlankNode("b1"),
]


def _expected(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> tuple[str, str]:
    return term.value, getattr(term, "language", None) or ""


@pytest.mark.parametrize("term", AWKWARD, ids=lambda t: str(t)[:24])
def test_each_term_reads_back_as_the_engine_holds_it(term: ox.Literal) -> None:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), term))
    query = "SELECT ?o WHERE { ?s ?p ?o }"
    held = [_expected(row["o"]) for row in store.query(query)]  # e.g. "007"^^xsd:integer → 7
    body = store.query(query).serialize(format=ox.QueryResultsFormat.TSV)
    assert [row["o"] for row in tsv_rows(body)] == held


def test_rows_keep_order_and_leave_unbound_variables_out() -> None:
    store = ox.Store()
    for i, term in enumerate(AWKWARD):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i:02d}"), ox.NamedNode(EX + "p"), term))
    store.add(ox.Quad(ox.NamedNode(f"{EX}s99"), ox.NamedNode(EX + "q"), ox.Literal("x")))
    query = (
        "SELECT ?s ?o ?none WHERE { ?s ?p ?x OPTIONAL { ?s <" + EX + "p> ?o } "
        "OPTIONAL { ?s <" + EX + "nothing> ?none } } ORDER BY ?s"
    )
    solutions = list(store.query(query))
    body = store.query(query).serialize(format=ox.QueryResultsFormat.TSV)
    expected = [
        {name: _expected(row[name]) for name in ("s", "o", "none") if row[name] is not None}
        for row in solutions
    ]
    rows = tsv_rows(body)
    assert rows == expected
    assert rows[-1] == {"s": (f"{EX}s99", "")}  # ?o unbound: left out, not ""


def test_an_empty_answer_has_no_rows() -> None:
    body = ox.Store().query("SELECT ?s WHERE { ?s ?p ?o }").serialize(
        format=ox.QueryResultsFormat.TSV
    )
    assert tsv_rows(body) == []
