"""The SHACL gate of writes: a pending change is validated, focus-limited, before it commits.

Given a ``graph.store.primary.PendingChange`` (the dataset as it would be, and the quads the
write inserts and removes), the gate validates, against ``ontology/shapes/*.ttl``, only the
focus nodes the change touches and what depends on them:

- every subject and (non-literal) object of an inserted or removed quad, and its named graph
  (the graph is the focus of the claim-graph shape; a claim's graph name is the claim);
- one hop around each: nodes that point at it (a successor's ``dcterms:replaces``, a claim's
  passage) and nodes it points at, except classes (objects of ``rdf:type``), which every
  instance points at.

Warnings (the recommended shapes) about entities the write creates — nodes it gives their first
``rdf:type`` — count as violations: new data meets the recommended bar, while the warnings the
build accepted on existing entities do not block writes that touch them.

A triple the write puts in the bare default graph that no named graph states is a fact without a
source: reported as a violation of ``govkg:ClaimGraphShape`` with the default graph as focus.

The data handed to pySHACL is the whole pending dataset (SPARQL constraints look across
graphs), without the ontology, shapes and change-log graphs; the cost of a write is therefore the
copy into rdflib (linear, ~0.5 s per 10k quads) plus the shapes on the focus nodes.

Imports pyoxigraph types only through ``graph.store.primary``'s pending change.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from graph.errors import WriteRejected
from graph.namespaces import GOVKG, ONTOLOGY_GRAPH, SHAPES_GRAPH, sparql_prefixes
from graph.store.primary import CHANGES_GRAPH, PendingChange
from graph.validation import (
    SH,
    ValidationReport,
    ValidationResult,
    load_ontology,
    load_shapes,
    validate,
)

SKIPPED_GRAPHS = {str(ONTOLOGY_GRAPH), str(SHAPES_GRAPH), CHANGES_GRAPH}
RDF_TYPE = str(RDF.type)
# Past this many focus nodes the gate validates everything (it is then as fast).
MAX_FOCUS = 5000
DEFAULT_GRAPH_NAME = "urn:x-rdflib:default"


class ShapeGate:
    """``gate(pending)`` raises ``WriteRejected`` with the report, or returns None."""

    def __init__(self, root: Path) -> None:
        self.shapes = load_shapes(root)
        self.ontology = load_ontology(root)
        self.last_focus = 0  # focus nodes of the last check (for metrics and tests)

    def __call__(self, pending: PendingChange) -> None:
        focus = focus_nodes(pending)
        self.last_focus = len(focus)
        results: list[ValidationResult] = []
        report_graph = Graph()
        if focus:
            data = to_rdflib(pending.store)
            limited = len(focus) <= MAX_FOCUS
            report = validate(
                data,
                targeted_shapes(self.shapes, pending.store, focus) if limited else self.shapes,
                self.ontology,
            )
            created = {_node(n) for n in pending.created}
            results.extend(_escalate(report, created))
            report_graph = report.report_graph
        for triple in pending.unsourced:
            result = _unsourced_result(triple)
            results.append(result)
            _add_result(report_graph, result)
        report = ValidationReport(
            conforms=not any(r.severity == "Violation" for r in results),
            results=tuple(results),
            report_graph=report_graph,
        )
        if not report.conforms:
            violations = report.violations()
            shapes = sorted({_short(r.shape) for r in violations})
            raise WriteRejected(
                f"The write was refused and nothing changed: the graph it would make has "
                f"{len(violations)} SHACL violations ({', '.join(shapes)}).\n" + report.to_text(),
                report,
            )


def _escalate(report: ValidationReport, created: set[Node]) -> list[ValidationResult]:
    """Warnings about entities the write creates count as violations: new data meets the
    recommended shapes (a Spanish label, …); warnings on existing entities stay warnings."""
    names = {str(n) for n in created}
    if not names:
        return list(report.results)
    graph = report.report_graph
    for node in list(graph.subjects(SH.resultSeverity, SH.Warning)):
        if str(graph.value(node, SH.focusNode)) in names:
            graph.set((node, SH.resultSeverity, SH.Violation))
    return [
        replace(r, severity="Violation") if r.severity == "Warning" and r.focus in names else r
        for r in report.results
    ]


def focus_nodes(pending: PendingChange) -> set[Node]:
    """The nodes a change touches, and their neighbours (see the module docstring)."""
    store = pending.store
    touched: set[ox.NamedNode | ox.BlankNode] = set()
    for quad in pending.inserted | pending.removed:
        if isinstance(quad.graph_name, ox.DefaultGraph):
            continue  # the default graph is derived from the named graphs
        if str(quad.graph_name.value) in SKIPPED_GRAPHS:
            continue
        touched.add(quad.subject)
        touched.add(quad.graph_name)
        if not isinstance(quad.object, ox.Literal) and quad.predicate.value != RDF_TYPE:
            touched.add(quad.object)
    around: set[ox.NamedNode | ox.BlankNode] = set(touched)
    for node in touched:
        if len(around) > MAX_FOCUS:
            break
        for quad in store.quads_for_pattern(None, None, node, None):
            around.add(quad.subject)
        for quad in store.quads_for_pattern(node, None, None, None):
            if not isinstance(quad.object, ox.Literal) and quad.predicate.value != RDF_TYPE:
                around.add(quad.object)
    return {_node(n) for n in around}


def targeted_shapes(shapes: Graph, store: ox.Store, focus: set[Node]) -> Graph:
    """A copy of ``shapes`` whose every target is resolved here, by pyoxigraph on the pending
    store (milliseconds), and replaced by ``sh:targetNode`` for the focus nodes it reaches.

    pySHACL evaluates SPARQL targets over the whole data graph before it looks at its own
    focus list (seconds per write with rdflib's evaluator), and its focus list skips
    ``sh:targetNode`` shapes; resolving the targets ourselves avoids both.
    """
    copy = Graph()
    for triple in shapes:
        copy.add(triple)
    prologue = sparql_prefixes()
    for shape, kind, target in list(shapes):
        if kind == SH.target:
            select = shapes.value(target, SH.select)
            if select is None:
                custom = shapes.value(target, RDF.type)
                select = shapes.value(custom, SH.select) if custom is not None else None
            if select is None:
                continue
            query = prologue + str(select)
        elif kind == SH.targetClass:
            query = (
                "SELECT DISTINCT ?this WHERE { ?this a/<http://www.w3.org/2000/01/rdf-schema#"
                f"subClassOf>* <{target}> }}"
            )
        elif kind == SH.targetSubjectsOf:
            query = f"SELECT DISTINCT ?this WHERE {{ ?this <{target}> ?any }}"
        elif kind == SH.targetObjectsOf:
            query = f"SELECT DISTINCT ?this WHERE {{ ?any <{target}> ?this }}"
        elif kind == SH.targetNode:
            copy.remove((shape, kind, target))
            if target in focus:
                copy.add((shape, SH.targetNode, target))
            continue
        else:
            continue
        nodes = {_term(row["this"]) for row in store.query(query) if row["this"] is not None}
        copy.remove((shape, kind, target))
        for node in nodes & focus:
            copy.add((shape, SH.targetNode, node))
    return copy


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    if isinstance(term, ox.Literal):
        return Literal(term.value)
    return _node(term)


def to_rdflib(store: ox.Store) -> Dataset:
    """The named graphs of ``store`` (not the derived default graph nor the system graphs the
    shapes do not read) as a union-default rdflib Dataset."""
    quads = (
        q for q in store.quads_for_pattern(None, None, None, None)
        if not isinstance(q.graph_name, ox.DefaultGraph)
        and q.graph_name.value not in SKIPPED_GRAPHS
    )
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    dataset = Dataset(default_union=True)
    dataset.parse(data=data, format="nquads")
    return dataset


def _node(term: ox.NamedNode | ox.BlankNode) -> Node:
    return URIRef(term.value) if isinstance(term, ox.NamedNode) else BNode(term.value)


def _unsourced_result(triple: ox.Triple) -> ValidationResult:
    return ValidationResult(
        severity="Violation",
        focus=DEFAULT_GRAPH_NAME,
        path=None,
        message=(
            f"The triple {triple.subject} {triple.predicate} {triple.object} would be in the "
            "default graph without a source: write facts into a claim graph (id/claim/…) whose "
            "claim is stated in a passage of a source document (graph/provenance)."
        ),
        shape=str(GOVKG.ClaimGraphShape),
        value=triple.subject.value,
    )


def _add_result(report: Graph, result: ValidationResult) -> None:
    node = BNode()
    reports = list(report.subjects(RDF.type, SH.ValidationReport))
    if reports:
        report.set((reports[0], SH.conforms, Literal(False)))
        report.add((reports[0], SH.result, node))
    else:
        root = BNode()
        report.add((root, RDF.type, SH.ValidationReport))
        report.add((root, SH.conforms, Literal(False)))
        report.add((root, SH.result, node))
    report.add((node, RDF.type, SH.ValidationResult))
    report.add((node, SH.resultSeverity, SH.Violation))
    report.add((node, SH.focusNode, URIRef(result.focus)))
    report.add((node, SH.sourceShape, URIRef(result.shape)))
    report.add((node, SH.resultMessage, Literal(result.message, lang="en")))
    if result.value is not None:
        report.add((node, SH.value, URIRef(result.value)))


def _short(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
