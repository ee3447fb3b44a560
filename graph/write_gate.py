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

The data handed to pySHACL is not the whole dataset but its *context* around the focus nodes
(``context_quads``): everything the shapes can read from a focus node. The shapes read at most
three steps out (a passage's ``oa:hasSelector/oa:exact``, the type of a value), one step in
(``^org:hasUnit``, the targets on objects), whole chains for the cycle checks (``dcterms:replaces+``
and the org hierarchy), the claim graphs by name, and for every graph the claim and conflict
records about it. Targets are resolved on the same context by pyoxigraph (they are all local to
their node). So a write costs what its neighbourhood costs, not what the dataset costs; past
``MAX_CONTEXT`` quads the gate falls back to the whole dataset. A test checks, write by write,
that the context gives the same report as the whole dataset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from graph.errors import WriteRejected
from graph.namespaces import GOVKG, ONTOLOGY_GRAPH, SHAPES_GRAPH, sparql_prefixes
from graph.store.embedded import to_rdflib as rdflib_term
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
# Past this many context quads the gate hands pySHACL the whole dataset.
MAX_CONTEXT = 200_000
OUTWARD_STEPS = 3
# Predicates the cycle checks follow to any depth (core.ttl: lineage and hierarchy shapes).
CHAIN_PREDICATES = tuple(
    ox.NamedNode(iri) for iri in (
        "http://purl.org/dc/terms/replaces",
        "http://www.w3.org/ns/org#resultedFrom",
        "http://www.w3.org/ns/org#originalOrganization",
        "http://www.w3.org/ns/org#subOrganizationOf",
        "http://www.w3.org/ns/org#unitOf",
        "http://www.w3.org/ns/org#hasUnit",
    )
)
# Graphs too large to copy whole: their quads come in through the nodes they describe.
SYSTEM_GRAPHS = {
    f"https://govkg.example/graph/{name}"
    for name in ("provenance", "curation", "derived", "meta", "ontology", "shapes", "changes")
}
DEFAULT_GRAPH_NAME = "urn:x-rdflib:default"


class ShapeGate:
    """``gate(pending)`` raises ``WriteRejected`` with the report, or returns None."""

    def __init__(self, root: Path) -> None:
        self.shapes = load_shapes(root)
        self.ontology = load_ontology(root)
        self.last_focus = 0  # focus nodes of the last check (for metrics and tests)
        self.last_context = 0  # quads handed to pySHACL in the last check

    def __call__(self, pending: PendingChange) -> None:
        report = self.report(pending)
        if not report.conforms:
            violations = report.violations()
            shapes = sorted({_short(r.shape) for r in violations})
            raise WriteRejected(
                f"The write was refused and nothing changed: the graph it would make has "
                f"{len(violations)} SHACL violations ({', '.join(shapes)}).\n" + report.to_text(),
                report,
            )

    def report(self, pending: PendingChange, *, whole: bool = False) -> ValidationReport:
        """The focus-limited report on ``pending`` (``whole``: pySHACL gets the whole dataset
        instead of the context; the same report, slower; tests compare the two)."""
        focus = focus_nodes(pending)
        self.last_focus = len(focus)
        results: list[ValidationResult] = []
        report_graph = Graph()
        if focus:
            limited = len(focus) <= MAX_FOCUS  # else the focus is cut short: check everything
            quads = context_quads(pending, focus) if limited and not whole else None
            if quads is None:
                quads = list(_all_named(pending))
            self.last_context = len(quads)
            shapes = self.shapes
            if limited:
                context = ox.Store()
                context.extend(quads)
                shapes = targeted_shapes(shapes, context, {_node(n) for n in focus})
            report = validate(to_rdflib(quads), shapes, self.ontology)
            created = {_node(n) for n in pending.created}
            results.extend(_escalate(report, created))
            report_graph = report.report_graph
        for triple in pending.unsourced:
            result = _unsourced_result(triple)
            results.append(result)
            _add_result(report_graph, result)
        return ValidationReport(
            conforms=not any(r.severity == "Violation" for r in results),
            results=tuple(results),
            report_graph=report_graph,
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


def focus_nodes(pending: PendingChange) -> set[ox.NamedNode | ox.BlankNode]:
    """The nodes a change touches, and their neighbours (see the module docstring)."""
    view = pending.view
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
        for quad in view.quads(None, None, node, None):
            around.add(quad.subject)
        for quad in view.quads(node, None, None, None):
            if not isinstance(quad.object, ox.Literal) and quad.predicate.value != RDF_TYPE:
                around.add(quad.object)
    return around


def context_quads(
    pending: PendingChange, focus: set[ox.NamedNode | ox.BlankNode]
) -> list[ox.Quad] | None:
    """The quads of the pending dataset the shapes can read from ``focus`` (module docstring),
    named graphs only; None when they pass ``MAX_CONTEXT`` (validate everything instead)."""
    view = pending.view
    found: set[ox.Quad] = set()

    def take(quads: Iterable[ox.Quad]) -> bool:
        for quad in quads:
            if isinstance(quad.graph_name, ox.DefaultGraph) \
                    or quad.graph_name.value in SKIPPED_GRAPHS:
                continue
            found.add(quad)
        return len(found) <= MAX_CONTEXT

    seen = set(focus)
    frontier = set(focus)
    for _ in range(OUTWARD_STEPS):
        following: set[ox.NamedNode | ox.BlankNode] = set()
        for node in frontier:
            for quad in view.quads(node, None, None, None):
                if isinstance(quad.graph_name, ox.DefaultGraph):
                    continue
                found.add(quad)
                target = quad.object
                if not isinstance(target, ox.Literal) and quad.predicate.value != RDF_TYPE \
                        and target not in seen:
                    seen.add(target)
                    following.add(target)
        if len(found) > MAX_CONTEXT:
            return None
        frontier = following
    for node in focus:
        # One quad per predicate pointing in: enough for the targets on objects (the only
        # inward path, ^org:hasUnit, comes with the chains); a document's thousand passages
        # need not come along.
        inward: dict[ox.NamedNode, ox.Quad] = {}
        for quad in view.quads(None, None, node, None):
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                inward.setdefault(quad.predicate, quad)
        if not take(inward.values()):
            return None
    if not _chains(view, focus, take):
        return None
    graphs = {q.graph_name for q in found if isinstance(q.graph_name, ox.NamedNode)}
    graphs |= {n for n in focus if isinstance(n, ox.NamedNode) and view.has_graph(n)}
    for graph in graphs:
        if graph.value in SYSTEM_GRAPHS:
            continue
        if graph in focus and not take(view.quads(None, None, None, graph)):
            return None
        if not take(view.quads(graph, None, None, None)):  # the claim record
            return None
        for quad in list(view.quads(None, None, graph, None)):  # conflicts naming it
            if not take([quad]) or not take(view.quads(quad.subject, None, None, None)):
                return None
    rdf_type = ox.NamedNode(RDF_TYPE)
    nodes = {q.subject for q in found} | {
        q.object for q in found if isinstance(q.object, ox.NamedNode | ox.BlankNode)
    }
    for node in nodes:
        if not take(view.quads(node, rdf_type, None, None)):
            return None
    return list(found)


def _chains(view: object, focus: set, take: Callable[[Iterable[ox.Quad]], bool]) -> bool:
    """Take the whole chains the cycle checks follow, in both directions, from ``focus``."""
    seen = set(focus)
    frontier = list(focus)
    while frontier:
        node = frontier.pop()
        for predicate in CHAIN_PREDICATES:
            steps = list(view.quads(node, predicate, None, None))
            steps += list(view.quads(None, predicate, node, None))
            if not take(steps):
                return False
            for quad in steps:
                for other in (quad.subject, quad.object):
                    if other not in seen and not isinstance(other, ox.Literal):
                        seen.add(other)
                        frontier.append(other)
    return True


def _all_named(pending: PendingChange) -> Iterator[ox.Quad]:
    for quad in pending.view.quads():
        if not isinstance(quad.graph_name, ox.DefaultGraph) \
                and quad.graph_name.value not in SKIPPED_GRAPHS:
            yield quad


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
        solutions = store.query(query, use_default_graph_as_union=True)
        nodes = {_term(row["this"]) for row in solutions if row["this"] is not None}
        copy.remove((shape, kind, target))
        for node in nodes & focus:
            copy.add((shape, SH.targetNode, node))
    return copy


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    if isinstance(term, ox.Literal):
        return Literal(term.value)
    return _node(term)


def to_rdflib(quads: list[ox.Quad]) -> Dataset:
    """``quads`` (named graphs) as a union-default rdflib Dataset, for pySHACL."""
    dataset = Dataset(default_union=True)
    graphs: dict[ox.NamedNode, list[ox.Quad]] = {}
    for quad in quads:
        graphs.setdefault(quad.graph_name, []).append(quad)
    for name, members in graphs.items():
        graph = dataset.graph(_node(name))
        graph.addN(
            (rdflib_term(q.subject), rdflib_term(q.predicate), rdflib_term(q.object), graph)
            for q in members
        )
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
