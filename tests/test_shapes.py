"""SHACL shapes: every shape fails on its fixture with its message; good data conforms.

Each ``tests/fixtures/shapes/{Shape}-bad.trig`` is a small dataset in the authoring form of
``graph/data/README.md`` (compiled with ``compile_claims`` like the real data). Its header says
what it breaks (``# expect:`` the exact message; ``# also:`` any other shape it cannot avoid
failing). Adding a shape with an ``sh:message`` and no fixture fails
``test_every_shape_with_a_message_has_a_fixture``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pyshacl.entrypoints import meta_validate
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from graph.claims import compile_claims
from graph.namespaces import GOVKG, ID, ONTOLOGY_GRAPH
from graph.validation import ValidationReport, load_ontology, load_shapes, validate

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
SHAPES_DIR = ROOT / "ontology" / "shapes"
DATA_DIR = ROOT / "graph" / "data"
SH = Namespace("http://www.w3.org/ns/shacl#")

BAD_FIXTURES = sorted(FIXTURES.glob("*-bad.trig"))
SUFFIX = "-bad.trig"

# Shape-graph predicates that do not constrain anything by themselves.
NON_CONSTRAINT = {
    RDF.type,
    RDFS.comment,
    RDFS.label,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.target,
    SH.property,
    SH.path,
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.deactivated,
    SH.order,
    SH.group,
    SH.prefixes,
}


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(ROOT)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology(ROOT)


def load_dataset(*paths: Path) -> Dataset:
    dataset = Dataset(default_union=True)
    for path in paths:
        dataset.parse(path, format="trig")
    compile_claims(dataset)
    return dataset


def fixture_header(path: Path) -> tuple[str, set[str]]:
    text = path.read_text(encoding="utf-8")
    expected = re.search(r"^# expect: (.+)$", text, re.MULTILINE)
    assert expected, f"{path.name} has no '# expect:' line"
    also = {str(GOVKG[name]) for name in re.findall(r"^# also: govkg:(\S+)$", text, re.MULTILINE)}
    return expected.group(1), also


def shape_name(path: Path) -> str:
    return path.name[: -len(SUFFIX)]


def messaged_shapes(shapes: Graph) -> dict[URIRef, URIRef | BNode]:
    """Shapes that report with a message: shape IRI → the node carrying the sh:message
    (the shape itself, or its SPARQL constraint)."""
    found: dict[URIRef, URIRef | BNode] = {}
    for node in set(shapes.subjects(SH.message, None)):
        owners = list(shapes.subjects(SH.sparql, node))
        shape = owners[0] if owners else node
        assert isinstance(shape, URIRef), f"a shape with a message has no IRI: {node}"
        found[shape] = node
    return found


def declared_severity(shapes: Graph, node) -> URIRef:
    return shapes.value(node, SH.severity) or SH.Violation


# --------------------------------------------------------------------- per-shape fixtures


@pytest.mark.parametrize("path", BAD_FIXTURES, ids=shape_name)
def test_bad_fixture_fails_its_shape_with_its_message(path: Path, shapes, ontology) -> None:
    shape = str(GOVKG[shape_name(path)])
    expected, also = fixture_header(path)
    report = validate(load_dataset(path), shapes, ontology)

    own = [r for r in report.results if r.shape == shape]
    assert own, f"{path.name} did not fail {shape}:\n{report.to_text()}"
    assert expected in {r.message for r in own}, (
        f"{path.name}: no result of {shape} says {expected!r}; got {sorted(r.message for r in own)}"
    )
    others = {r.shape for r in report.results} - {shape} - also
    assert not others, f"{path.name} also fails {sorted(others)}:\n{report.to_text()}"

    node = messaged_shapes(shapes)[URIRef(shape)]
    severity = declared_severity(shapes, node).removeprefix(str(SH))
    assert {r.severity for r in own} == {severity}
    if severity == "Violation":
        assert not report.conforms
    elif not also:
        assert report.conforms


def test_every_shape_with_a_message_has_a_fixture(shapes) -> None:
    with_message = {str(s)[len(str(GOVKG)) :] for s in messaged_shapes(shapes)}
    with_fixture = {shape_name(p) for p in BAD_FIXTURES}
    assert with_message - with_fixture == set(), "shapes without a failing fixture"
    assert with_fixture - with_message == set(), "fixtures for shapes that do not exist"


def test_every_constraining_shape_is_named_and_has_a_message(shapes) -> None:
    """Readable reports: no blank-node property shapes, and a message wherever results come from."""
    for shape in shapes.objects(None, SH.property):
        assert isinstance(shape, URIRef), f"blank-node property shape {shape}"
    shape_nodes = set(shapes.subjects(RDF.type, SH.NodeShape))
    shape_nodes |= set(shapes.subjects(SH.property, None)) | set(shapes.objects(None, SH.property))
    for shape in shape_nodes:
        assert isinstance(shape, URIRef), f"blank-node shape {shape}"
        assert str(shape).startswith(str(GOVKG)), f"shape outside the govkg namespace: {shape}"
        constraints = set(shapes.predicates(shape, None)) - NON_CONSTRAINT
        if constraints - {SH.sparql}:
            assert shapes.value(shape, SH.message), f"{shape} constrains {constraints}, no message"
        for constraint in shapes.objects(shape, SH.sparql):
            assert shapes.value(constraint, SH.message), (
                f"{shape}: SPARQL constraint without message"
            )


def test_shapes_are_valid_shacl(shapes) -> None:
    """The shapes graph conforms to SHACL's own shapes (shacl-shacl); the depth limit is raised
    because the long sh:alternativePath lists nest deeper than pySHACL's default of 15."""
    conforms, _, text = meta_validate(shapes, max_validation_depth=60)
    assert conforms, text


def test_messages_are_english(shapes) -> None:
    for message in shapes.objects(None, SH.message):
        assert isinstance(message, Literal) and message.language == "en", message


@pytest.mark.parametrize(
    ("filename", "allowed"),
    [
        ("core.ttl", {SH.Violation}),
        ("sources.ttl", {SH.Violation}),
        ("recommended.ttl", {SH.Warning, SH.Info}),
    ],
)
def test_each_file_holds_one_severity(filename: str, allowed: set[URIRef]) -> None:
    graph = Graph().parse(SHAPES_DIR / filename, format="turtle")
    messaged = messaged_shapes(graph)
    assert messaged, f"{filename} has no shapes"
    for shape, node in messaged.items():
        severity = graph.value(node, SH.severity)
        assert severity in allowed, f"{shape} in {filename} has severity {severity}"


# --------------------------------------------------------------------- conforming data


def test_good_fixture_conforms_without_any_result(shapes, ontology) -> None:
    report = validate(load_dataset(FIXTURES / "good.trig"), shapes, ontology)
    assert report.conforms
    assert report.results == (), report.to_text()


def test_full_graph_conforms(shapes, ontology) -> None:
    """The acceptance criterion: zero violations on graph/data (warnings are listed, not fatal)."""
    files = sorted(DATA_DIR.glob("*.trig"))
    assert files, f"no data in {DATA_DIR}"
    report = validate(load_dataset(*files), shapes, ontology)
    assert report.conforms, report.to_text()


# --------------------------------------------------------------------- specific behaviour


def test_claim_graph_shape_catches_triples_in_the_bare_default_graph(shapes, ontology) -> None:
    dataset = load_dataset(FIXTURES / "good.trig")
    dataset.default_graph.add((ID["org/pcm"], RDFS.comment, Literal("unsourced")))
    report = validate(dataset, shapes, ontology)
    hits = [r for r in report.violations() if r.shape == str(GOVKG.ClaimGraphShape)]
    assert [r.focus for r in hits] == ["urn:x-rdflib:default"]
    assert hits[0].value == str(ID["org/pcm"])


def test_cycle_and_dangling_checks_name_the_culprits(shapes, ontology) -> None:
    report = validate(load_dataset(FIXTURES / "SuccessionShape-bad.trig"), shapes, ontology)
    assert {r.focus for r in report.violations()} == {str(ID["org/ongei"]), str(ID["org/segdi"])}
    report = validate(load_dataset(FIXTURES / "LinkShape-type-bad.trig"), shapes, ontology)
    assert [r.focus for r in report.violations()] == [str(ID["org/pcn"])]


def test_open_conflicts_are_infos_and_do_not_block(shapes, ontology) -> None:
    dataset = load_dataset(FIXTURES / "OpenConflictShape-status-bad.trig")
    report = validate(dataset, shapes, ontology)
    assert report.conforms
    assert [r.focus for r in report.infos()] == [str(ID["conflict/project-count"])]


def test_single_valued_clash_needs_the_ontology(shapes, ontology) -> None:
    """Without the ontology nothing is known to be single-valued, so the clash goes unseen."""
    dataset = load_dataset(FIXTURES / "UnregisteredClashShape-bad.trig")
    assert not validate(dataset, shapes, ontology).conforms
    assert validate(dataset, shapes).conforms


# --------------------------------------------------------------------- the validation API


def test_validate_leaves_the_input_dataset_untouched(shapes, ontology) -> None:
    dataset = load_dataset(FIXTURES / "good.trig")
    before = set(dataset.quads())
    graphs = {g.identifier for g in dataset.graphs()}
    validate(dataset, shapes, ontology)
    assert set(dataset.quads()) == before
    assert {g.identifier for g in dataset.graphs()} == graphs
    assert ONTOLOGY_GRAPH not in graphs


def test_report_renders_as_text_json_and_turtle(shapes, ontology) -> None:
    report: ValidationReport = validate(
        load_dataset(FIXTURES / "PeriodShape-bad.trig"), shapes, ontology
    )
    assert not report.conforms
    assert len(report.violations()) == 1 and report.warnings() == [] and report.infos() == []
    text = report.to_text()
    assert text.startswith("conforms: no (1 violations, 0 warnings, 0 infos)")
    assert "Violation govkg:PeriodShape (1)" in text
    assert "org/sgtd" in text and "govkg:endDate 2017 is before govkg:startDate 2021-09." in text
    payload = report.to_json()
    assert json.loads(json.dumps(payload)) == payload
    assert payload["counts"] == {"Violation": 1, "Warning": 0, "Info": 0}
    assert payload["results"][0]["shape"] == str(GOVKG.PeriodShape)
    assert payload["results"][0]["focus"] == str(ID["org/sgtd"])
    parsed = Graph().parse(data=report.to_turtle(), format="turtle")
    assert len(list(parsed.subjects(RDF.type, SH.ValidationReport))) == 1


def test_result_paths_render_compactly(shapes, ontology) -> None:
    report = validate(load_dataset(FIXTURES / "ConflictShape-subject-bad.trig"), shapes, ontology)
    assert [r.path for r in report.violations()] == ["(govkg:onProperty|govkg:about)"]
    report = validate(load_dataset(FIXTURES / "PassageShape-quote-bad.trig"), shapes, ontology)
    assert [r.path for r in report.violations()] == ["oa:hasSelector/oa:exact"]


def test_load_shapes_reads_every_shapes_file(shapes) -> None:
    for name in ("CoreShapes", "RecommendedShapes", "SourceShapes"):
        assert (GOVKG[name], RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")) in shapes
    assert len(list(SHAPES_DIR.glob("*.ttl"))) == 3


def test_load_shapes_fails_loudly_without_shapes(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_shapes(tmp_path)
