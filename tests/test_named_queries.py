"""Named queries: headers, typed parameters bound as RDF terms, every query on the real graph."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_runner import govkg
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from graph.named_queries import (
    QUERIES_DIR,
    HeaderError,
    ParameterError,
    load_named_queries,
    parse_header,
    run_select,
)
from graph.settings import Settings
from graph.store.embedded import EmbeddedStore

QUERIES = load_named_queries()
INJECTIONS = [
    '"> } ; DROP ALL',
    'x" } } ; DROP ALL ; SELECT * { ?s ?p ?o',
    "') } DELETE WHERE { ?s ?p ?o } #",
    "<https://govkg.example/id/org/sgtd> } UNION { ?s ?p ?o",
]


def test_there_are_at_least_25_named_queries():
    assert len(QUERIES) >= 25


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_named_query_is_documented(name: str):
    query = QUERIES[name]
    assert query.summary and query.description and query.tags
    for parameter in query.parameters:
        assert parameter.description, parameter


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_named_query_returns_rows_with_its_defaults(reader: EmbeddedStore, name: str):
    rows = run_select(reader, QUERIES[name], {})
    assert rows, f"{name} returns no rows with its default parameters"


def test_readme_lists_exactly_the_named_queries():
    readme = (QUERIES_DIR / "README.md").read_text(encoding="utf-8")
    readme = readme.split("## The named queries", 1)[1]
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", readme, flags=re.MULTILINE))
    assert listed == set(QUERIES)


@pytest.mark.parametrize(
    ("type_", "raw", "term"),
    [
        ("iri", "org/sgtd", URIRef("https://govkg.example/id/org/sgtd")),
        ("iri", "https://govkg.example/id/org/pcm", URIRef("https://govkg.example/id/org/pcm")),
        ("iri", "govkg:Renaming", URIRef("https://govkg.example/def/govkg#Renaming")),
        ("string", "gobierno digital", Literal("gobierno digital")),
        ("integer", "2017", Literal(2017, datatype=XSD.integer)),
        ("decimal", "12.7", Literal("12.7", datatype=XSD.decimal)),
        ("date", "2021-09-15", Literal("2021-09-15", datatype=XSD.date)),
        ("gyear", "2017", Literal("2017", datatype=XSD.gYear)),
        ("boolean", "true", Literal(True)),
        ("lang", "ES", Literal("es")),
    ],
)
def test_values_become_typed_rdf_terms(type_: str, raw: str, term):  # noqa: ANN001
    query = parse_header("q", f"#+ summary: s\n#+ param: v {type_} -  — d\nSELECT ?v {{}}")
    assert query.bind({"v": raw})["v"] == term


@pytest.mark.parametrize(
    ("type_", "raw"),
    [
        ("integer", "12a"),
        ("decimal", "1,5"),
        ("date", "2021-02-30"),
        ("date", "15/09/2021"),
        ("gyear", "17"),
        ("boolean", "yes"),
        ("lang", "e s"),
        ("iri", "org/sgtd> } ; DROP ALL {"),
        ("iri", "https://x.example/a b"),
    ],
)
def test_a_value_of_the_wrong_type_names_the_parameter(type_: str, raw: str):
    query = parse_header("q", f"#+ summary: s\n#+ param: thing {type_} -  — d\nSELECT ?thing {{}}")
    with pytest.raises(ParameterError) as raised:
        query.bind({"thing": raw})
    assert raised.value.parameter == "thing"
    assert "'thing'" in str(raised.value) and type_ in str(raised.value)


def test_an_unknown_parameter_is_refused_by_name():
    with pytest.raises(ParameterError, match="'yeer'"):
        QUERIES["laws-by-year"].bind({"yeer": "2018"})


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?x {}",  # no summary
        "#+ summary: s\n#+ param: y year 2017 — bad type\nSELECT ?y {}",
        "#+ summary: s\n#+ param: y gyear 17 — bad default\nSELECT ?y {}",
        "#+ summary: s\n#+ param: y gyear 2017 — not projected\nSELECT ?x { ?x ?p ?y }",
        "#+ summary: s\n#+ param: format string x — reserved\nSELECT ?format {}",
    ],
)
def test_a_bad_header_is_refused(text: str):
    with pytest.raises(HeaderError):
        parse_header("q", text)


def test_a_quoted_default_keeps_its_spaces():
    query = parse_header("q", '#+ summary: s\n#+ param: t string "a b" — d\nSELECT ?t {}')
    assert query.parameters[0].default == "a b"


def test_law_by_year_answers_from_the_documents(reader: EmbeddedStore):
    # EN L61: the Digital Government Act (D1412) was enacted in 2018.
    rows = run_select(reader, QUERIES["laws-by-year"], {"year": "2018"})
    assert URIRef("https://govkg.example/id/law/dl-1412") in {r["law"] for r in rows}


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_in_a_string_parameter_is_inert(reader: EmbeddedStore, value: str):
    before = reader.quad_count()
    rows = run_select(reader, QUERIES["find-by-name"], {"text": value})
    assert rows == []
    assert reader.quad_count() == before


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_in_an_iri_parameter_is_refused(value: str):
    with pytest.raises(ParameterError, match="'body'"):
        QUERIES["body-predecessors"].bind({"body": value})


def test_the_query_text_never_contains_a_value():
    bound = QUERIES["find-by-name"]
    bound.bind({"text": "DROP ALL"})
    assert "DROP" not in bound.sparql




def test_cli_queries_lists_every_query(settings: Settings):
    result = govkg(settings, "queries")
    assert result.returncode == 0, result.stderr
    for name in QUERIES:
        assert name in result.stdout


def test_cli_run_query_binds_parameters(built, settings: Settings):  # noqa: ANN001
    result = govkg(settings, "run-query", "laws-by-year", "--year", "2018")
    assert result.returncode == 0, result.stderr
    assert "<law/dl-1412>" in result.stdout


def test_cli_run_query_refuses_a_wrong_type(built, settings: Settings):  # noqa: ANN001
    result = govkg(settings, "run-query", "laws-by-year", "--year=20x8")
    assert result.returncode == 2
    assert "'year'" in result.stderr


def test_queries_folder_is_where_the_loader_looks():
    assert Path(QUERIES_DIR) == Settings().queries_dir


def test_doctests():
    import doctest

    import graph.named_queries

    assert doctest.testmod(graph.named_queries).failed == 0
