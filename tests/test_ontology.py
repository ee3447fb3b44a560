"""The ontology file: parses, is versioned, and every own term is documented and aligned.

The vocabulary table of ``graph/data/README.md`` (the authoring contract) is the reference for
which govkg terms exist and which standard term each one specialises.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from graph.namespaces import GOVKG, ONTOLOGY_IRI, PREFIXES, PROV, QB

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_FILE = ROOT / "ontology" / "govkg.ttl"
SHAPES_FILES = sorted((ROOT / "ontology" / "shapes").glob("*.ttl"))
DATA_FILES = sorted((ROOT / "graph" / "data").glob("*.trig"))
README = ROOT / "graph" / "data" / "README.md"
SH = Namespace("http://www.w3.org/ns/shacl#")
VANN = Namespace("http://purl.org/vocab/vann/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
ONTOLOGY = URIRef(ONTOLOGY_IRI)

TERM_TYPES = {
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
    QB.DataStructureDefinition,
}
# README writes an inverse alignment as "⊑ p⁻": the ontology uses the named inverse.
NAMED_INVERSES = {PROV.wasInfluencedBy: PROV.influenced}
TERM = re.compile(r"govkg:([A-Za-z][A-Za-z0-9]*)")
FULL_IRI = re.compile(r"<(https://govkg\.example/def/govkg#[^>]+)>")
PREFIX_LINE = re.compile(r"^@prefix govkg:.*$", re.MULTILINE)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def own_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(str(GOVKG))}


def expand(curie: str) -> URIRef:
    prefix, local = curie.split(":", 1)
    return URIRef(PREFIXES[prefix] + local)


def readme_table() -> list[tuple[list[str], str, str]]:
    """Rows of the README's govkg vocabulary table: (terms, kind, use).

    Terms are those the first cell defines; terms it mentions in parentheses (such as
    govkg:rankChangeSince in the ranking row) are moved to the use text.
    """
    text = README.read_text(encoding="utf-8")
    start = text.index("**govkg terms**")
    rows = []
    for line in text[start:].splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or cells[0] in ("term", "") or set(cells[0]) <= {"-"}:
            continue
        defined = re.sub(r"\([^)]*\)", "", cells[0])
        mentioned = " ".join(re.findall(r"\([^)]*\)", cells[0]))
        rows.append((TERM.findall(defined), cells[1], cells[2] + " " + mentioned))
    assert len(rows) > 30, "could not read the govkg table of graph/data/README.md"
    return rows


# --------------------------------------------------------------------- parsing


@pytest.mark.parametrize("path", [ONTOLOGY_FILE, *SHAPES_FILES], ids=lambda p: p.name)
def test_rdflib_parses(path: Path) -> None:
    assert len(Graph().parse(path, format="turtle")) > 0


def test_there_are_three_shapes_files() -> None:
    assert [p.name for p in SHAPES_FILES] == ["core.ttl", "recommended.ttl", "sources.ttl"]


# --------------------------------------------------------------------- header and versioning


def test_ontology_is_versioned_and_described(ontology: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY, OWL.versionIRI) == URIRef(ONTOLOGY_IRI + "/0.1.0")
    assert ontology.value(ONTOLOGY, OWL.versionInfo) == Literal("0.1.0")
    titles = {t.language for t in ontology.objects(ONTOLOGY, DCTERMS.title)}
    assert titles == {"en", "es"}
    assert ontology.value(ONTOLOGY, DCTERMS.license) is not None
    assert ontology.value(ONTOLOGY, VANN.preferredNamespacePrefix) == Literal("govkg")
    assert ontology.value(ONTOLOGY, VANN.preferredNamespaceUri) == Literal(str(GOVKG))


def test_ontology_aligns_by_reference_without_imports(ontology: Graph) -> None:
    assert list(ontology.objects(None, OWL.imports)) == []


def test_no_domain_or_range_that_would_type_things_silently(ontology: Graph) -> None:
    assert list(ontology.triples((None, RDFS.domain, None))) == []
    assert list(ontology.triples((None, RDFS.range, None))) == []


# --------------------------------------------------------------------- every own term


def test_every_own_term_is_typed_labelled_commented_and_defined(ontology: Graph) -> None:
    terms = own_terms(ontology)
    assert len(terms) > 80
    problems = []
    for term in sorted(terms):
        if not set(ontology.objects(term, RDF.type)) & TERM_TYPES:
            problems.append(f"{term}: not declared as an OWL term")
        for predicate in (RDFS.label, RDFS.comment):
            languages = [o.language for o in ontology.objects(term, predicate)]
            if sorted(languages) != ["en", "es"]:
                problems.append(f"{term}: {predicate} in {languages}, want one en and one es")
        if ontology.value(term, RDFS.isDefinedBy) != ONTOLOGY:
            problems.append(f"{term}: rdfs:isDefinedBy is not {ONTOLOGY}")
    assert not problems, "\n".join(problems)


def test_every_readme_term_is_defined(ontology: Graph) -> None:
    defined = own_terms(ontology)
    named = {GOVKG[t] for terms, kind, use in readme_table() for t in terms + TERM.findall(use)}
    assert named - defined == set()


ALIGNED = re.compile(r"⊑ ([a-z-]+:[A-Za-z_]+)(⁻?)")
ALIGNED_IN_USE = re.compile(r"class `govkg:([A-Za-z]+)` ⊑ ([a-z-]+:[A-Za-z_]+)")
OWN = re.compile(r"govkg:[A-Za-z]+")


def test_readme_alignments_hold(ontology: Graph) -> None:
    """'class ⊑ X' / 'prop ⊑ X' in the README table is an rdfs:subClassOf / subPropertyOf."""
    expected: list[tuple[URIRef, URIRef, URIRef]] = []
    for terms, kind, use in readme_table():
        match = ALIGNED.search(kind)
        if match and not OWN.fullmatch(match.group(1)):
            target = expand(match.group(1))
            if match.group(2):
                target = NAMED_INVERSES[target]
            predicate = RDFS.subClassOf if kind.startswith("class") else RDFS.subPropertyOf
            expected += [(GOVKG[term], predicate, target) for term in terms]
        elif match:
            expected += [(GOVKG[term], RDFS.subClassOf, expand(match.group(1))) for term in terms]
        # "class `govkg:Recommendation` ⊑ prov:Entity" inside the use column
        for term, target in ALIGNED_IN_USE.findall(use):
            expected.append((GOVKG[term], RDFS.subClassOf, expand(target)))
    assert len(expected) >= 35
    missing = [triple for triple in expected if triple not in ontology]
    assert not missing, "\n".join(" ".join(str(n) for n in triple) for triple in missing)


def test_readme_component_and_single_valued_declarations_hold(ontology: Graph) -> None:
    for terms, kind, _ in readme_table():
        for declared in re.findall(r"qb:(DimensionProperty|MeasureProperty)", kind):
            for term in terms:
                triple = (GOVKG[term], RDF.type, QB[declared])
                assert triple in ontology, f"govkg:{term} is not a qb:{declared}"
        if "single-valued" in kind:
            for term in terms:
                assert (GOVKG[term], RDF.type, GOVKG.SingleValuedProperty) in ontology


def test_classes_and_object_properties_are_aligned_or_say_why(ontology: Graph) -> None:
    """Every class specialises a standard class; an object property specialises a standard
    property, is an RDF Data Cube component, or says in its comment that no standard one fits."""
    components = {QB.DimensionProperty, QB.MeasureProperty, QB.AttributeProperty}
    problems = []
    for term in sorted(own_terms(ontology)):
        types = set(ontology.objects(term, RDF.type))
        if OWL.Class in types and not (
            ontology.value(term, RDFS.subClassOf) or ontology.value(term, OWL.equivalentClass)
        ):
            problems.append(f"{term}: class without rdfs:subClassOf")
        if OWL.ObjectProperty in types and not (
            ontology.value(term, RDFS.subPropertyOf)
            or ontology.value(term, OWL.equivalentProperty)
            or types & components
        ):
            english = [str(c) for c in ontology.objects(term, RDFS.comment) if c.language == "en"]
            if not any("No standard property fits" in c for c in english):
                problems.append(f"{term}: unaligned object property that does not say why")
    assert not problems, "\n".join(problems)


def test_observation_structure_lists_every_component(ontology: Graph) -> None:
    structure = GOVKG.ObservationStructure
    assert (structure, RDF.type, QB.DataStructureDefinition) in ontology
    listed = set()
    for spec in ontology.objects(structure, QB.component):
        for role in (QB.dimension, QB.measure, QB.attribute):
            listed |= set(ontology.objects(spec, role))
    for kind in (QB.DimensionProperty, QB.MeasureProperty, QB.AttributeProperty):
        for term in ontology.subjects(RDF.type, kind):
            assert term in listed, f"{term} is a {kind} but not in {structure}"


# --------------------------------------------------------------------- terms used elsewhere


def terms_used_in_shapes() -> set[URIRef]:
    """govkg IRIs the shapes refer to (in triples or SPARQL text) but do not define themselves."""
    used: set[URIRef] = set()
    defined: set[URIRef] = set()
    for path in SHAPES_FILES:
        graph = Graph().parse(path, format="turtle")
        defined |= own_terms(graph)
        for triple in graph:
            for node in triple:
                if isinstance(node, URIRef) and node.startswith(str(GOVKG)):
                    used.add(node)
                elif isinstance(node, Literal):
                    used |= {GOVKG[t] for t in TERM.findall(str(node))}
                    used |= {URIRef(i) for i in FULL_IRI.findall(str(node))}
    return used - defined


def terms_used_in_data() -> set[URIRef]:
    used: set[URIRef] = set()
    for path in DATA_FILES:
        text = PREFIX_LINE.sub("", path.read_text(encoding="utf-8"))
        used |= {GOVKG[t] for t in TERM.findall(text)}
        used |= {URIRef(i) for i in FULL_IRI.findall(text)}
    return used


def test_every_term_used_in_the_shapes_is_defined(ontology: Graph) -> None:
    used = terms_used_in_shapes()
    assert GOVKG.SingleValuedProperty in used and GOVKG.Claim in used
    assert used - own_terms(ontology) == set()


def test_every_term_used_in_the_data_is_defined(ontology: Graph) -> None:
    assert DATA_FILES, "no graph/data/*.trig"
    used = terms_used_in_data()
    assert used, "the data uses no govkg term"
    assert used - own_terms(ontology) == set()
