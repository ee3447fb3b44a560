"""graph.shacl_sparql gives pySHACL's report (graph.validation.validate is the reference).

Reports are compared as multisets of (severity, shape, focus, path, value, message): on the real
data, on every shapes fixture, and on a small graph exercising the supported SHACL features our
shapes do not use yet. Whatever the compiler does not translate must raise UnsupportedShape.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from graph.build import assemble
from graph.claims import compile_claims
from graph.namespaces import GOVKG, ID
from graph.rdf_bridge import dataset_to_store, quads_to_dataset
from graph.settings import Settings
from graph.shacl_sparql import (
    CompiledShapes,
    UnsupportedShape,
    compile_shapes,
    store_for_validation,
    validate_store,
)
from graph.validation import (
    SH,
    ValidationReport,
    _bind_prefixes,
    load_ontology,
    load_shapes,
    validate,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
ALL_FIXTURES = sorted(FIXTURES.glob("*.trig"))


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(ROOT)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology(ROOT)


@pytest.fixture(scope="module")
def compiled(shapes: Graph) -> CompiledShapes:
    return compile_shapes(shapes)


def load_dataset(*paths: Path) -> Dataset:
    """As tests/test_shapes.py: the authoring form, claims compiled."""
    dataset = Dataset(default_union=True)
    for path in paths:
        dataset.parse(path, format="trig")
    compile_claims(dataset)
    return dataset


def rows(report: ValidationReport) -> Counter:
    return Counter(
        (r.severity, r.shape, r.focus, r.path, r.value, r.message) for r in report.results
    )


def assert_same_report(reference: ValidationReport, ours: ValidationReport) -> None:
    expected, got = rows(reference), rows(ours)
    missing = sorted(expected - got)
    extra = sorted(got - expected)
    assert not missing and not extra, f"pySHACL only: {missing}\nshacl_sparql only: {extra}"
    assert ours.conforms == reference.conforms
    assert ours.counts() == reference.counts()


def both(dataset: Dataset, shapes: Graph, ontology: Graph | None, compiled: CompiledShapes):
    reference = validate(dataset, shapes, ontology)
    ours = validate_store(store_for_validation(dataset, ontology), compiled)
    return reference, ours


# --------------------------------------------------------------------- same report as pySHACL


def test_real_data_gives_pyshacls_report(settings: Settings, shapes, ontology, compiled) -> None:
    dataset = assemble(settings)
    reference, ours = both(dataset, load_shapes(settings.root), load_ontology(settings.root),
                           compiled)
    assert_same_report(reference, ours)
    assert ours.results == reference.results  # same rows in the same order
    from_store = validate_store(store_for_validation(dataset_to_store(dataset), ontology), compiled)
    assert from_store.results == ours.results
    assert ours.counts()["Violation"] == 0
    assert ours.warnings() and ours.infos(), "the real data has warnings and infos to compare"


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.name.removesuffix(".trig"))
def test_fixture_gives_pyshacls_report(path: Path, shapes, ontology, compiled) -> None:
    reference, ours = both(load_dataset(path), shapes, ontology, compiled)
    assert_same_report(reference, ours)
    if path.name.endswith("-bad.trig"):
        shape = str(GOVKG[path.name.removesuffix("-bad.trig")])
        assert shape in {r.shape for r in ours.results}, f"{path.name} did not fail {shape}"


def test_all_fixtures_with_the_real_data_at_once(shapes, ontology, compiled) -> None:
    """Many violations of ~50 shapes on the same nodes and graphs, as one dataset."""
    data = sorted((ROOT / "graph" / "data").glob("*.trig"))
    reference, ours = both(load_dataset(*data, *ALL_FIXTURES), shapes, ontology, compiled)
    assert_same_report(reference, ours)
    assert len({r.shape for r in ours.violations()}) >= 40


@pytest.mark.filterwarnings("ignore:Parsing weird boolean")
def test_literals_pyoxigraph_keeps_unparsed_as_pyshacl(shapes, ontology, compiled) -> None:
    """The build's path: data in pyoxigraph first, which keeps " 1 "^^xsd:integer unparsed
    where rdflib (hence pySHACL) reads 1; only the truly ill-typed literals are reported."""
    store = dataset_to_store(load_dataset(FIXTURES / "good.trig"))
    xsd = "http://www.w3.org/2001/XMLSchema#"
    claim, entity = ox.NamedNode(str(ID["claim/en-l57"])), ox.NamedNode(str(ID["org/pcm"]))
    for lexical, datatype, predicate in [
        (" 1 ", "integer", GOVKG.rank),
        ("1_000", "integer", GOVKG.rankOutOf),
        ("abc", "integer", GOVKG.rankBelow),
        ("1.5", "integer", GOVKG.rankChange),
        ("1e3", "decimal", GOVKG.targetValue),
        ("2021-02-30", "date", GOVKG.startDate),
        ("yes", "boolean", GOVKG.approximate),
    ]:
        literal = ox.Literal(lexical, datatype=ox.NamedNode(xsd + datatype))
        store.add(ox.Quad(entity, ox.NamedNode(str(predicate)), literal, claim))
    reference = validate(quads_to_dataset(store), shapes, ontology)
    ours = validate_store(store_for_validation(store, ontology), compiled)
    assert_same_report(reference, ours)
    flagged = {r.shape.rsplit("#", 1)[-1] for r in ours.violations()}
    assert {"NumberShape-rankBelow", "NumberShape-rankChange", "DateShape-startDate",
            "NumberShape-approximate"} <= flagged
    assert not {"NumberShape-rank", "NumberShape-rankOutOf"} & flagged


def test_without_the_ontology_as_pyshacl(shapes, compiled) -> None:
    """No axioms in the store: nothing is single-valued, no subclass targets (as pySHACL)."""
    dataset = load_dataset(FIXTURES / "UnregisteredClashShape-bad.trig")
    reference, ours = both(dataset, shapes, None, compiled)
    assert_same_report(reference, ours)
    assert ours.conforms


def test_bare_default_graph_is_seen_as_pyshacl_sees_it(shapes, ontology, compiled) -> None:
    dataset = load_dataset(FIXTURES / "good.trig")
    dataset.default_graph.add((ID["org/pcm"], RDFS.comment, Literal("unsourced")))
    reference, ours = both(dataset, shapes, ontology, compiled)
    assert_same_report(reference, ours)
    hits = [r for r in ours.violations() if r.shape == str(GOVKG.ClaimGraphShape)]
    assert [(r.focus, r.value) for r in hits] == [("urn:x-rdflib:default", str(ID["org/pcm"]))]


def test_report_graph(shapes, ontology, compiled) -> None:
    dataset = load_dataset(FIXTURES / "PeriodShape-bad.trig")
    ours = validate_store(store_for_validation(dataset, ontology), compiled)
    graph = ours.report_graph
    (report,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms) == Literal(False)
    results = list(graph.objects(report, SH.result))
    assert len(results) == len(ours.results) == 1
    (node,) = results
    assert graph.value(node, SH.focusNode) == ID["org/sgtd"]
    assert graph.value(node, SH.sourceShape) == GOVKG.PeriodShape
    assert graph.value(node, SH.resultSeverity) == SH.Violation
    assert graph.value(node, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent
    assert graph.value(node, SH.sourceConstraint) == GOVKG["PeriodShape-order"]
    assert str(graph.value(node, SH.resultMessage)) == (
        "govkg:endDate 2017 is before govkg:startDate 2021-09."
    )
    parsed = Graph().parse(data=ours.to_turtle(), format="turtle")
    assert len(parsed) == len(graph)


def test_report_graph_copies_result_paths(shapes, ontology, compiled) -> None:
    dataset = load_dataset(FIXTURES / "ConflictShape-subject-bad.trig")
    ours = validate_store(store_for_validation(dataset, ontology), compiled)
    assert [r.path for r in ours.violations()] == ["(govkg:onProperty|govkg:about)"]
    node = next(ours.report_graph.objects(None, SH.result))
    path = ours.report_graph.value(node, SH.resultPath)
    assert ours.report_graph.value(path, SH.alternativePath) is not None


# --------------------------------------------------------------------- features we do not use yet

FEATURE_SHAPES = """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

ex:Shapes a owl:Ontology ;
    sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .

ex:PersonShape a sh:NodeShape ;
    sh:targetClass ex:Person ;
    sh:property ex:PersonShape-name , ex:PersonShape-age , ex:PersonShape-knows ,
        ex:PersonShape-parents , ex:PersonShape-nick , ex:PersonShape-born , ex:PersonShape-email ,
        ex:PersonShape-code .
ex:PersonShape-name a sh:PropertyShape ; sh:path ex:name ;
    sh:minCount 1 ; sh:maxCount 2 ; sh:datatype xsd:string ; sh:pattern "^[A-Z][a-z]+$" ;
    sh:message "name: one or two capitalised strings"@en , "nombre"@es .
ex:PersonShape-code a sh:PropertyShape ; sh:path ex:code ;
    sh:pattern "^ab" ; sh:flags "i" ; sh:message "code starts with ab"@en .
ex:PersonShape-age a sh:PropertyShape ; sh:path ex:age ;
    sh:maxCount 1 ; sh:datatype xsd:integer ; sh:lessThan ex:maxAge ; sh:message "age"@en .
ex:PersonShape-knows a sh:PropertyShape ; sh:path ex:knows ;
    sh:class ex:Person ; sh:nodeKind sh:IRI ; sh:node ex:NamedShape ; sh:message "knows"@en .
ex:NamedShape a sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
ex:PersonShape-parents a sh:PropertyShape ; sh:path [ sh:inversePath ex:child ] ;
    sh:maxCount 2 ; sh:in ( ex:dave ex:erin ex:alice ) ; sh:message "parents"@en .
ex:PersonShape-nick a sh:PropertyShape ; sh:path ex:nick ;
    sh:languageIn ( "en" "fr" ) ; sh:uniqueLang true ; sh:message "nick"@en .
ex:PersonShape-born a sh:PropertyShape ; sh:path ex:born ;
    sh:or ( [ sh:datatype xsd:date ] [ sh:datatype xsd:gYear ] ) ; sh:message "born"@en .
ex:PersonShape-email a sh:PropertyShape ; sh:path ex:email ;
    sh:minCount 1 ; sh:severity sh:Info ; sh:message "no email"@en .

ex:AncestorShape a sh:NodeShape ;
    sh:targetNode ex:alice , ex:nobody ;
    sh:property ex:AncestorShape-descendants .
ex:AncestorShape-descendants a sh:PropertyShape ;
    sh:path ( ex:child [ sh:zeroOrMorePath ex:child ] ) ;
    sh:minCount 4 ; sh:severity sh:Warning ; sh:message "fewer than four descendants"@en .

ex:KnownShape a sh:NodeShape ;
    sh:targetObjectsOf ex:knows ;
    sh:and ( [ sh:nodeKind sh:IRI ] [ sh:not [ sh:hasValue ex:eve ] ] ) ;
    sh:message "known: an IRI, not eve"@en .

ex:FlagShape a sh:NodeShape ;
    sh:targetSubjectsOf ex:flag ;
    sh:xone ( [ sh:path ex:flag ; sh:hasValue true ] [ sh:path ex:other ; sh:minCount 1 ] ) ;
    sh:message "exactly one of flag true, other"@en .

ex:TeamShape a sh:NodeShape ;
    sh:targetClass ex:Team ;
    sh:property ex:TeamShape-members ;
    sh:not [ sh:path ex:member ; sh:minCount 1 ; sh:severity sh:Warning ] ;
    sh:message "a nested Warning shape always conforms, so sh:not of it fails"@en .
ex:TeamShape-members a sh:PropertyShape ; sh:path ex:member ;
    sh:qualifiedValueShape [ sh:class ex:Student ] ;
    sh:qualifiedMinCount 2 ; sh:qualifiedMaxCount 3 ; sh:message "two or three students"@en .

ex:OffShape a sh:NodeShape ;
    sh:targetClass ex:Person ; sh:deactivated true ;
    sh:property ex:OffShape-zzz .
ex:OffShape-zzz a sh:PropertyShape ; sh:path ex:zzz ; sh:minCount 1 ; sh:message "off"@en .

ex:OldShape a sh:NodeShape ;
    sh:targetClass ex:Person ;
    sh:sparql [
        sh:prefixes ex:Shapes ;
        sh:message "{$this} has {?path} {?value} ({?why})"@en ;
        sh:select '''
            SELECT $this ?path ?value ?why WHERE {
                $this ?path ?value .
                FILTER (?path = ex:age && isNumeric(?value) && ?value > 100)
                BIND ("too old" AS ?why)
            }'''
    ] , [
        sh:message "{$this} knows nobody"@en ;
        sh:select '''SELECT $this WHERE {
            FILTER NOT EXISTS { $this <http://example.org/knows> ?x } }'''
    ] , [
        sh:message "{$this} has nicknames ({?kind})"@en ;
        sh:select '''SELECT $this ?kind WHERE {
            $this <http://example.org/nick> ?n BIND ("one row per nickname" AS ?kind) }'''
    ] .

ex:SpanShape a sh:NodeShape ;
    sh:targetSubjectsOf ex:start ;
    sh:property ex:SpanShape-start .
ex:SpanShape-start a sh:PropertyShape ; sh:path ex:start ; sh:lessThan ex:end ;
    sh:message "start before end"@en .

ex:AgeSparqlShape a sh:PropertyShape ;
    sh:targetClass ex:Person ;
    sh:path ex:age ;
    sh:sparql [
        sh:message "age {?value} is thirty"@en ;
        sh:select "SELECT $this ?value WHERE { $this $PATH ?value FILTER (?value = 30) }"
    ] .

ex:TeamTarget a sh:SPARQLTargetType ; rdfs:subClassOf sh:Target ;
    sh:select "SELECT ?this WHERE { ?this <http://example.org/member> ?m }" .
ex:LeaderShape a sh:NodeShape ;
    sh:target [ a ex:TeamTarget ] , [ a sh:SPARQLTarget ; sh:prefixes ex:Shapes ;
        sh:select "SELECT ?this WHERE { ?this ex:leads ?x }" ] ;
    sh:property ex:LeaderShape-leader .
ex:LeaderShape-leader a sh:PropertyShape ; sh:path [ sh:alternativePath ( ex:leader ex:leads ) ] ;
    sh:minCount 1 ; sh:lessThanOrEquals ex:cap ; sh:message "leader"@en .
"""

FEATURE_DATA = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:g1 {
    ex:Student rdfs:subClassOf ex:Person .
    ex:alice a ex:Person ; ex:name "Alice" ; ex:age 30 ; ex:maxAge 20 ;
        ex:knows ex:bob , ex:eve , "lit" ; ex:nick "Al"@en-GB , "Ally"@en , "Ali"@de , "plain" ;
        ex:born "2001-02-30"^^xsd:date , "1999"^^xsd:gYear , "abc"^^xsd:gYear ,
            "2001-02-03"^^xsd:date ;
        ex:child ex:bob ; ex:code "ABc" , "xab" .
    ex:bob a ex:Student ; ex:name "bob" , "Bobby" , "Robert" ; ex:age "old" ; ex:maxAge 40 ;
        ex:child ex:carl ; ex:email "b@x" .
    ex:carl ex:child ex:dan .
    ex:eve a ex:Person ; ex:age 101 ; ex:maxAge 101.0 ; ex:flag true ; ex:other 1 ;
        ex:leads ex:team ; ex:cap ex:a .
    ex:fay a ex:Student ; ex:name 12 ; ex:flag false ; ex:age 5 , 6 ; ex:maxAge 6 , "x" .
    ex:team a ex:Team ; ex:member ex:bob , ex:alice , ex:fay ; ex:leader ex:eve , 3 ;
        ex:cap ex:z , 2 .
    ex:team2 a ex:Team .
}
ex:g2 {
    ex:alice ex:name "Alice" .
    ex:dave ex:child ex:alice . ex:erin ex:child ex:alice . ex:zed ex:child ex:alice .
}
ex:g3 {
    ex:alice ex:start "2001"^^xsd:gYear ; ex:end "2002"^^xsd:gYear .
    ex:bob ex:start "2005"^^xsd:gYear ; ex:end "2003"^^xsd:gYear .
    ex:eve ex:start "2001-01-01"^^xsd:date ; ex:end "2000"^^xsd:gYear .
    ex:carl ex:start "2001-02-01"^^xsd:date ;
        ex:end "2001-01-01"^^xsd:date , "2001-03-01"^^xsd:date .
}
"""


def test_supported_features_give_pyshacls_report() -> None:
    """Paths (inverse, sequence, zero-or-more, alternative), targets (node, objects/subjects of,
    SPARQL target and target type), sh:and/or/not/xone/node, qualified counts, sh:lessThan on
    mixed values, ill-typed literals, nested Warning shapes, deactivation, SPARQL ?path/?value."""
    shapes = Graph().parse(data=FEATURE_SHAPES, format="turtle")
    _bind_prefixes(shapes)
    data = Dataset(default_union=True)
    data.parse(data=FEATURE_DATA, format="trig")
    reference = validate(data, shapes)
    ours = validate_store(store_for_validation(data), compile_shapes(shapes))
    assert_same_report(reference, ours)
    reported = {r.shape.removeprefix("http://example.org/") for r in ours.results}
    assert reported >= {
        "PersonShape-name", "PersonShape-code", "PersonShape-age", "PersonShape-knows",
        "PersonShape-parents", "PersonShape-nick", "PersonShape-born", "PersonShape-email",
        "AncestorShape-descendants", "KnownShape", "FlagShape", "TeamShape", "TeamShape-members",
        "OldShape", "AgeSparqlShape", "LeaderShape-leader", "SpanShape-start",
    }
    assert "OffShape-zzz" not in reported


# --------------------------------------------------------------------- compile: all or nothing


def test_every_shape_compiles_and_is_checked(shapes, compiled) -> None:
    """Each shape that reports (a message, on itself or on its SPARQL constraint) has queries."""
    reporting = set()
    for node in shapes.subjects(SH.message, None):
        owners = list(shapes.subjects(SH.sparql, node))
        reporting.add(owners[0] if owners else node)
    assert len(reporting) >= 70
    checked = {query.shape for query in compiled.queries}
    assert reporting - checked == set()


PREFIXES = """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.mark.parametrize(
    ("body", "component"),
    [
        ("ex:Bad a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .", "sh:closed"),
        ("ex:Bad a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ; sh:equals ex:q ;"
         ' sh:message "m" .', "sh:equals"),
        ("ex:Bad a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ; sh:minInclusive 1 ;"
         ' sh:message "m" .', "sh:minInclusive"),
        ("ex:Bad a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ; sh:datatype xsd:int ;"
         ' sh:message "m" .', "sh:datatype"),
        ("ex:Bad a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ; sh:minCount 1 .",
         "sh:minCount"),
        ("ex:Bad a sh:NodeShape ; sh:targetClass ex:C ; sh:or ( [ sh:path ex:p ; sh:lessThan ex:q"
         ' ] [ sh:path ex:p ; sh:minCount 2 ] ) ; sh:message "m" .', "sh:lessThan"),
        ("ex:Bad a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:message \"m\" ; sh:select"
         ' "SELECT $this WHERE { $this ?p ?o } GROUP BY $this" ] .', "sh:sparql"),
        ("ex:Bad a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:message \"m\" ; sh:select"
         ' "SELECT $this WHERE { $this ex:p ?o }" ] .', "sh:sparql"),
        ('ex:Bad a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ; sh:pattern "(?=a)" ;'
         ' sh:message "m" .', "sh:pattern"),
    ],
    ids=["closed", "equals", "minInclusive", "xsd-int", "no-message", "nested-lessThan",
         "sparql-group-by", "sparql-undeclared-prefix", "lookahead-regex"],
)
def test_unsupported_shape_is_refused(body: str, component: str) -> None:
    shapes = Graph().parse(data=PREFIXES + body, format="turtle")
    with pytest.raises(UnsupportedShape) as raised:
        compile_shapes(shapes)
    assert raised.value.shape == URIRef("http://example.org/Bad")
    assert raised.value.component.startswith(component)
    assert "http://example.org/Bad" in str(raised.value) and component in str(raised.value)


def test_a_new_unsupported_component_on_a_real_shape_is_refused(shapes) -> None:
    changed = Graph()
    changed += shapes
    changed.add((GOVKG.LabelShape, SH.closed, Literal(True)))
    with pytest.raises(UnsupportedShape, match="govkg:LabelShape: sh:closed"):
        compile_shapes(changed)
