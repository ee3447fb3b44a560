"""SHACL validation compiled to SPARQL and run by pyoxigraph: pySHACL's report, at store speed.

pySHACL evaluates every target and constraint with rdflib's SPARQL engine, once per focus node:
minutes at 100k triples, hours at 1M. Here every (shape, constraint) becomes one SPARQL query that
returns only the violating rows, joined with the shape's targets, and pyoxigraph (Rust) runs it over
the whole store at once. The rows become the same ``ValidationResult`` rows and report graph that
``graph.validation.validate`` builds from pySHACL, so the two are interchangeable.

What "the same report" rests on:

- pySHACL's semantics, not only the spec's, where they differ: its rdflib ``ill_typed`` rule for
  ``sh:datatype`` (only the datatypes it parses are checked), its ``sh:languageIn`` prefix match,
  its rendering of ``{?var}`` with ``str(term)`` (the substituted message loses its language tag),
  its per-focus de-duplication of SPARQL rows, ``allow_warnings``/``allow_infos`` (a nested shape
  of severity Warning or Info always conforms), its ``^`` applied item by item in a sequence path.
- values cross into rdflib the way pySHACL's data does (pyoxigraph → rdflib ``Literal``), so
  literals render with rdflib's normalised lexical forms.
- ``sh:lessThan``/``sh:lessThanOrEquals`` pairs that SPARQL cannot decide exactly (dates, mixed
  types) are returned by the query and decided in Python with pySHACL's own comparison.

Anything outside that is refused at compile time with ``UnsupportedShape`` naming the shape and the
component, so a new shape can never pass unchecked. The store's default graph must be the union
of its named graphs (queries run with ``use_default_graph_as_union=True``), and it must hold
the ontology axioms that ``graph.validation.ontology_axioms`` selects in the ontology graph, as
pySHACL's working copy does: ``store_for_validation`` builds such a store from an rdflib dataset.

Known differences, none reachable with our shapes and the build's stores:

- rdflib's ``GRAPH ?g`` skips its bare default graph, kept here as the named graph
  ``urn:x-rdflib:default``, so a SPARQL text's ``GRAPH ?g`` sees those triples (the build moves
  them to ``urn:govkg:unsourced:…`` graphs).
- a SPARQL constraint gets its focus nodes joined first in its WHERE group instead of pre-bound:
  the same wherever ``$this`` is used in that group or in FILTER (NOT) EXISTS, not for a FILTER
  on ``$this`` inside a nested OPTIONAL/UNION group that does not bind it.
- ``sh:pattern`` runs in pyoxigraph's regex engine, whose ``$`` does not match before a final
  newline as Python's does (syntax only one engine knows is refused at compile time).
- blank-node focus nodes and values keep pyoxigraph's ids, and the report graph does not copy
  their triples as pySHACL's does.
- two literals pyoxigraph keeps apart but rdflib normalises to one (``"2021-02-03Z"`` and
  ``"2021-02-03"`` as xsd:date) are two values for sh:maxCount here, one for pySHACL.
- pyoxigraph's union default graph yields a triple once per graph that states it: every
  generated query is DISTINCT, grouped or de-duplicated as pySHACL does, but a COUNT or SUM in a
  SHACL-AF target's own SELECT would count the copies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from graph.namespaces import ONTOLOGY_GRAPH, compact
from graph.validation import (
    SEVERITIES,
    SH,
    ValidationReport,
    ValidationResult,
    _bind_prefixes,
    _path,
    _sort_key,
    _term,
    ontology_axioms,
)

__all__ = [
    "CompiledShapes",
    "UnsupportedShape",
    "compile_shapes",
    "store_for_validation",
    "validate_store",
]

RDFLIB_DEFAULT_GRAPH = "urn:x-rdflib:default"
_XSD = str(XSD)
_V = "shaclx_"  # prefix of every variable the compiler invents

# Shape predicates that constrain nothing by themselves (the sh:qualified* and sh:flags
# parameters are read with their main parameter).
_PASSIVE = {
    RDF.type, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target,
    SH.path, SH.message, SH.severity, SH.name, SH.description, SH.deactivated, SH.order, SH.group,
    SH.prefixes, SH.declare, SH.defaultValue, SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint,
}
# Constraints on each value node: compiled to a SPARQL condition on one variable.
_VALUE_LEVEL = [
    SH["class"], SH.datatype, SH.nodeKind, SH["in"], SH.languageIn, SH.pattern,
    SH["not"], SH["or"], SH["and"], SH.xone, SH.node,
]
_SUPPORTED = set(_VALUE_LEVEL) | {
    SH.minCount, SH.maxCount, SH.hasValue, SH.uniqueLang, SH.lessThan, SH.lessThanOrEquals,
    SH.property, SH.qualifiedValueShape, SH.sparql,
}
_COMPONENT = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,
}
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isIRI({v}) || isBlank({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
# sh:datatype: rdflib (hence pySHACL) rejects a literal of these datatypes when it cannot parse
# its lexical form. pyoxigraph keeps the literals it cannot parse unparsed, so a cast to the
# datatype fails for them; the few of those rdflib reads all the same (" 1 "^^xsd:integer) are
# found by one scan per validation and admitted by name. Dates outside Python's years 1-9999
# parse in pyoxigraph but not in rdflib.
_CHECKED_DATATYPES = {
    XSD.integer: "", XSD.decimal: "", XSD.double: "", XSD.float: "", XSD.boolean: "",
    XSD.date: " && YEAR({v}) >= 1 && YEAR({v}) <= 9999",
    XSD.dateTime: " && YEAR({v}) >= 1 && YEAR({v}) <= 9999",
}
# Datatypes rdflib maps to Python but which are not checked above: refused, rather than guessed.
_UNCHECKED_PARSED = {
    XSD[name] for name in (
        "time", "duration", "dayTimeDuration", "yearMonthDuration", "hexBinary", "base64Binary",
        "int", "long", "short", "byte", "nonNegativeInteger", "nonPositiveInteger",
        "positiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
    )
} | {RDF.XMLLiteral, RDF.HTML, RDFS.Datatype}
# pySHACL's _assert_actual_datatype: the Python type rdflib must have produced.
_PYTHON_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
    XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date, XSD.time: time,
    XSD.dateTime: datetime,
}
_NUMERIC_TYPES = {XSD.integer, XSD.decimal, XSD.double, XSD.float}
# Where a datatype test admits the literals only rdflib parses (filled in by validate_store).
_ACCEPTED = "%%shaclx-accepted <{datatype}> {var}%%"
_ACCEPTED_MARK = re.compile(r"%%shaclx-accepted <([^>]*)> (\?[A-Za-z0-9_]+)%%")
_NUMERIC = f"(<{_XSD}integer>, <{_XSD}decimal>, <{_XSD}double>, <{_XSD}float>)"
_STRINGY = f"(<{_XSD}string>, <{_XSD}anyURI>)"
_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}

_TOKEN = re.compile(
    r'(?P<ws>\s+)'
    r'|(?P<comment>\#[^\n]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r'|(?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)'
    r'|(?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[A-Za-z0-9_\-.]*)?|:[A-Za-z0-9_\-.]*)'
    r'|(?P<punct>.)',
    re.S,
)
# pySHACL's own tests on SPARQL text (helper/sparql_query_helper.py).
_BIND_PATH = re.compile(r"([\s{}()])[\$\?]PATH", flags=re.M)
_MENTIONS = {
    name: re.compile(rf"([\s{{}}()])[\$\?]{name}", flags=re.M)
    for name in ("shapesGraph", "currentShape")
}


class UnsupportedShape(ValueError):
    """A shape uses SHACL this compiler does not translate: refused, never skipped."""

    def __init__(self, shape: Node, component: str, reason: str = "") -> None:
        self.shape = shape
        self.component = component
        detail = f": {reason}" if reason else ""
        super().__init__(f"shape {_name(shape)}: {component} is not supported{detail}")


@dataclass(frozen=True)
class _Query:
    """One SPARQL query whose rows are validation results of one (shape, constraint).

    ``kind`` says how a row becomes a result: ``focus`` (no value), ``value`` (?value),
    ``node`` (the value is the focus), ``pair`` (decided in Python: sh:lessThan*), ``sparql``."""

    kind: str
    text: str
    shape: Node
    parameter: URIRef  # the shape's parameter that produced it, e.g. sh:minCount
    component: URIRef
    severity: Node
    messages: tuple[Literal, ...]
    path: Node | None
    path_text: str | None
    node_shape: bool
    strict: bool = False
    constraint: Node | None = None
    variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompiledShapes:
    """The queries of a shapes graph; compile once, validate many stores."""

    queries: tuple[_Query, ...]
    shapes: Graph = field(repr=False)
    checked_datatypes: frozenset[URIRef] = frozenset()

    def __len__(self) -> int:
        return len(self.queries)


@dataclass(frozen=True)
class _Meta:
    deactivated: bool
    severity: Node
    messages: tuple[Literal, ...]
    path: Node | None


# --------------------------------------------------------------------------- public API


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """Every shape with targets → SPARQL queries returning its violating rows.

    Raises ``UnsupportedShape`` for any SHACL feature outside what is translated exactly."""
    compiler = _Compiler(shapes)
    queries = compiler.compile()
    probe = ox.Store()
    for query in queries:
        try:
            probe.query(_with_accepted(query.text, {}), use_default_graph_as_union=True)
        except (SyntaxError, ValueError, OSError) as error:
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise UnsupportedShape(
                query.shape, compact(str(query.parameter)), f"invalid SPARQL: {first_line}"
            ) from error
    checked = frozenset(
        URIRef(m.group(1)) for q in queries for m in _ACCEPTED_MARK.finditer(q.text)
    )
    return CompiledShapes(queries=tuple(queries), shapes=shapes, checked_datatypes=checked)


def validate_store(store: ox.Store, compiled: CompiledShapes) -> ValidationReport:
    """Run the compiled queries over ``store`` (default graph = union of its named graphs)."""
    raw: list[_Raw] = []
    accepted = _accepted_by_rdflib(store, compiled)
    for query in compiled.queries:
        text = _with_accepted(query.text, accepted)
        solutions = store.query(text, use_default_graph_as_union=True)
        if query.kind == "sparql":
            raw.extend(_sparql_results(query, solutions))
        else:
            raw.extend(_core_results(query, solutions))
    report = Graph(bind_namespaces="core")
    for prefix, namespace in compiled.shapes.namespace_manager.namespaces():
        report.namespace_manager.bind(prefix, namespace)
    _bind_prefixes(report)
    results = tuple(sorted((_row(report, r) for r in raw), key=_sort_key))
    conforms = not any(r.severity == "Violation" for r in results)
    _fill_report(report, compiled.shapes, raw, conforms)
    return ValidationReport(conforms=conforms, results=results, report_graph=report)


def store_for_validation(
    data: Dataset | ox.Store | Iterable[ox.Quad], ontology: Graph | None = None
) -> ox.Store:
    """An in-memory store as pySHACL's working copy sees the data (``validation._working_copy``):
    every named graph, the ontology axioms in the ontology graph, and triples of rdflib's bare
    default graph in the named graph ``urn:x-rdflib:default`` (so the union holds them and
    ``GRAPH <urn:x-rdflib:default>`` finds them, as in rdflib)."""
    store = ox.Store()
    if isinstance(data, Dataset):
        payload = data.serialize(format="nquads", encoding="utf-8")
        if payload.strip():
            store.load(payload, format=ox.RdfFormat.N_QUADS)
    else:
        store.extend(data)  # a store or quads: 2.6 s per million, as fast as dump + load
    if next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None:
        store.update(
            f"INSERT {{ GRAPH <{RDFLIB_DEFAULT_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }} ; "
            "DELETE WHERE { ?s ?p ?o }"
        )
    if ontology is not None:
        graph = ox.NamedNode(str(ONTOLOGY_GRAPH))
        store.extend(
            ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o), graph) for s, p, o in ontology_axioms(ontology)
        )
    return store


# --------------------------------------------------------------------------- compiler


class _Compiler:
    """Walks the shapes graph the way pySHACL does and emits one query per constraint."""

    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.counter = 0
        self.shapes = self._find_shapes()

    # ---- shapes and their targets

    def _find_shapes(self) -> dict[Node, Node | None]:
        """Shape → its sh:path (None for a node shape), as pySHACL's shapes graph finds them."""
        g = self.g
        for kind, what in (
            (SH.ConstraintComponent, "custom constraint components"),
            (SH.SPARQLFunction, "SHACL functions"),
            (SH.SPARQLRule, "SHACL rules"),
            (SH.TripleRule, "SHACL rules"),
            (SH.JSTarget, "JavaScript targets"),
        ):
            for node in g.subjects(RDF.type, kind):
                raise UnsupportedShape(node, what)
        for node in g.subjects(SH.rule, None):
            raise UnsupportedShape(node, "sh:rule")
        declared_node = set(g.subjects(RDF.type, SH.NodeShape))
        declared_property = set(g.subjects(RDF.type, SH.PropertyShape))
        implied = set()
        for predicate in (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf,
                          SH.property, SH.node):
            implied |= set(g.subjects(predicate, None))
        for predicate in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
            implied |= set(g.objects(None, predicate))
        for predicate in (SH["and"], SH["or"], SH.xone):
            for head in g.objects(None, predicate):
                implied |= set(g.items(head))
        found: dict[Node, Node | None] = {}
        for shape in declared_node | declared_property | implied:
            paths = list(g.objects(shape, SH.path))
            if len(paths) > 1:
                raise UnsupportedShape(shape, "sh:path", "more than one path")
            if shape in declared_node and paths:
                raise UnsupportedShape(shape, "sh:path", "a sh:NodeShape cannot have a path")
            if shape in declared_property and not paths:
                raise UnsupportedShape(shape, "sh:PropertyShape", "no sh:path")
            found[shape] = paths[0] if paths else None
        for shape in g.subjects(SH.target, None):
            if shape not in found:
                raise UnsupportedShape(
                    shape, "sh:target", "subject is not a shape (pySHACL skips it)"
                )
        return found

    def compile(self) -> list[_Query]:
        queries: list[_Query] = []
        for shape in sorted(self.shapes, key=str):
            if self._has_targets(shape) and not self._meta(shape).deactivated:
                focus, prefixes = self._focus_pattern(shape)
                queries += self._shape_queries(shape, focus, prefixes)
        return queries

    def _has_targets(self, shape: Node) -> bool:
        return any(
            self.g.value(shape, p) is not None
            for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
                      SH.target)
        ) or bool(self._implicit_classes(shape))

    def _implicit_classes(self, shape: Node) -> list[Node]:
        """pySHACL: a shape that is also an rdfs:Class targets its instances."""
        classes = set(self.g.subjects(RDFS.subClassOf, RDFS.Class)) | {RDFS.Class}
        return [shape] if set(self.g.objects(shape, RDF.type)) & classes else []

    def _focus_pattern(self, shape: Node) -> tuple[str, dict[str, str]]:
        """A group binding ?this to each focus node of ``shape`` once."""
        g = self.g
        branches: list[str] = []
        prefixes: dict[str, str] = {}
        for cls in list(g.objects(shape, SH.targetClass)) + self._implicit_classes(shape):
            if not isinstance(cls, URIRef):
                raise UnsupportedShape(shape, "sh:targetClass", f"not an IRI: {cls}")
            sub = self._var("cls")
            branches.append(
                f"{{ {sub} <{RDFS.subClassOf}>* {_sparql_term(shape, cls)} . ?this a {sub} }}"
            )
        nodes = list(g.objects(shape, SH.targetNode))
        if nodes:
            values = " ".join(_sparql_term(shape, n) for n in nodes)
            branches.append(f"{{ VALUES ?this {{ {values} }} }}")
        for predicate, pattern in ((SH.targetSubjectsOf, "?this {p} {o}"),
                                   (SH.targetObjectsOf, "{o} {p} ?this")):
            for p in g.objects(shape, predicate):
                if not isinstance(p, URIRef):
                    raise UnsupportedShape(shape, compact(str(predicate)), f"not an IRI: {p}")
                branches.append(
                    "{ " + pattern.format(p=f"<{p}>", o=self._var("t")) + " }"
                )
        for target in g.objects(shape, SH.target):
            text, target_prefixes = self._target_select(shape, target)
            prologue, body = _split_prologue(shape, "sh:target", text)
            target_prefixes.update(prologue)
            _check_target_select(shape, body)
            prefixes = _merge_prefixes(shape, prefixes, target_prefixes)
            branches.append("{ " + body + " }")
        if not branches:
            raise UnsupportedShape(shape, "targets", "no target")
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(branches) + " } }", prefixes

    def _target_select(self, shape: Node, target: Node) -> tuple[str, dict[str, str]]:
        """The SELECT text of a SHACL-AF target (sh:SPARQLTarget or a sh:SPARQLTargetType)."""
        g = self.g
        selects = list(g.objects(target, SH.select))
        types = set(g.objects(target, RDF.type))
        if selects or SH.SPARQLTarget in types:
            if len(selects) != 1:
                raise UnsupportedShape(shape, "sh:SPARQLTarget", "needs exactly one sh:select")
            return str(selects[0]), _collect_prefixes(g, target, shape)
        target_types = {
            t for t in types
            if (t, RDF.type, SH.SPARQLTargetType) in g and (t, RDFS.subClassOf, SH.Target) in g
        }
        if len(target_types) != 1:
            raise UnsupportedShape(
                shape, "sh:target", f"not a SPARQL target or target type: {target}"
            )
        target_type = target_types.pop()
        if g.value(target_type, SH.parameter) is not None:
            raise UnsupportedShape(shape, "sh:SPARQLTargetType", "target type parameters")
        selects = list(g.objects(target_type, SH.select))
        if len(selects) != 1:
            raise UnsupportedShape(shape, "sh:SPARQLTargetType", "needs exactly one sh:select")
        return str(selects[0]), _collect_prefixes(g, target_type, shape)

    # ---- one shape at the top level: a query per constraint

    def _meta(self, shape: Node) -> _Meta:
        g = self.g
        deactivated = list(g.objects(shape, SH.deactivated))
        if len(deactivated) > 1 or (deactivated and not isinstance(deactivated[0], Literal)):
            raise UnsupportedShape(shape, "sh:deactivated", "needs one literal")
        severities = list(g.objects(shape, SH.severity))
        if len(severities) > 1:
            raise UnsupportedShape(shape, "sh:severity", "more than one severity")
        messages = tuple(sorted((m for m in g.objects(shape, SH.message)), key=str))
        for message in messages:
            if not isinstance(message, Literal):
                raise UnsupportedShape(shape, "sh:message", "not a literal")
        return _Meta(
            deactivated=bool(deactivated and deactivated[0].value),
            severity=severities[0] if severities else SH.Violation,
            messages=messages,  # type: ignore[arg-type]
            path=self.shapes.get(shape),
        )

    def _parameters(self, shape: Node) -> list[Node]:
        """The constraint parameters of ``shape``, refusing any SHACL parameter not translated."""
        found = []
        for predicate in sorted(set(self.g.predicates(shape, None)), key=str):
            if predicate in _SUPPORTED:
                found.append(predicate)
            elif predicate not in _PASSIVE and str(predicate).startswith(str(SH)):
                raise UnsupportedShape(shape, compact(str(predicate)))
        if self.g.value(shape, SH.flags) is not None and SH.pattern not in found:
            raise UnsupportedShape(shape, "sh:flags", "without sh:pattern")
        qualified = (SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint)
        if any(self.g.value(shape, q) is not None for q in qualified) and (
            SH.qualifiedValueShape not in found
        ):
            raise UnsupportedShape(shape, "sh:qualifiedMinCount", "without sh:qualifiedValueShape")
        return found

    def _shape_queries(
        self, shape: Node, focus: str, prefixes: dict[str, str]
    ) -> list[_Query]:
        meta = self._meta(shape)
        if meta.deactivated:
            return []
        path = meta.path
        node_shape = path is None
        pp = None if node_shape else self._sparql_path(shape, path)
        path_text = None if node_shape else _path(self.g, path)
        queries: list[_Query] = []

        def add(kind: str, param: URIRef, text: str, **extra: object) -> None:
            component = extra.pop("component", None) or _COMPONENT[param]
            messages = extra.pop("messages", meta.messages)
            if not messages:
                raise UnsupportedShape(
                    shape, compact(str(param)), "no sh:message (pySHACL's default messages are "
                    "not reproduced)"
                )
            queries.append(
                _Query(
                    kind=kind,
                    text=_prologue(prefixes) + text,
                    shape=shape,
                    parameter=param,
                    component=component,  # type: ignore[arg-type]
                    severity=meta.severity,
                    messages=messages,  # type: ignore[arg-type]
                    path=path,
                    path_text=path_text,
                    node_shape=node_shape,
                    **extra,  # type: ignore[arg-type]
                )
            )

        for param in self._parameters(shape):
            objects = sorted(self.g.objects(shape, param), key=str)
            if param in _VALUE_LEVEL:
                var = "?this" if node_shape else "?value"
                for condition in self._value_conditions(shape, param, objects, var, ()):
                    if node_shape:
                        add("node", param,
                            f"SELECT ?this WHERE {{ {focus} FILTER (!{condition}) }}")
                    else:
                        add("value", param, f"SELECT DISTINCT ?this ?value WHERE {{ {focus} "
                            f"?this {pp} ?value . FILTER (!{condition}) }}")
            elif param in (SH.minCount, SH.maxCount):
                if node_shape:
                    raise UnsupportedShape(shape, compact(str(param)), "on a node shape")
                n = _count(shape, param, objects)
                v = self._var("v")
                if param == SH.minCount and n == 1:
                    add("focus", param, f"SELECT ?this WHERE {{ {focus} MINUS "
                        f"{{ ?this {pp} {v} }} }}")
                elif param == SH.minCount and n > 1:
                    add("focus", param, f"SELECT ?this WHERE {{ {focus} OPTIONAL "
                        f"{{ ?this {pp} {v} }} }} GROUP BY ?this "
                        f"HAVING (COUNT(DISTINCT {v}) < {n})")
                elif param == SH.maxCount:
                    add("focus", param, f"SELECT ?this WHERE {{ {focus} ?this {pp} {v} }} "
                        f"GROUP BY ?this HAVING (COUNT(DISTINCT {v}) > {n})")
            elif param == SH.hasValue:
                for value in objects:
                    term = _sparql_term(shape, value)
                    if node_shape:
                        add("focus", param, f"SELECT ?this WHERE {{ {focus} "
                            f"FILTER (!sameTerm(?this, {term})) }}")
                    else:
                        v = self._var("v")
                        add("focus", param, f"SELECT ?this WHERE {{ {focus} MINUS "
                            f"{{ ?this {pp} {v} FILTER (sameTerm({v}, {term})) }} }}")
            elif param == SH.uniqueLang:
                if node_shape:
                    raise UnsupportedShape(shape, "sh:uniqueLang", "on a node shape")
                if _boolean(shape, param, objects):
                    a, b, lang = self._var("a"), self._var("b"), self._var("lang")
                    add("focus", param, f"SELECT DISTINCT ?this {lang} WHERE {{ {focus} "
                        f"?this {pp} {a} . ?this {pp} {b} . FILTER ({_same_lang(a, b)}) "
                        f"BIND (LCASE(LANG({a})) AS {lang}) }}")
            elif param in (SH.lessThan, SH.lessThanOrEquals):
                strict = param == SH.lessThan
                for other in objects:
                    if not isinstance(other, URIRef):
                        raise UnsupportedShape(shape, compact(str(param)), "needs an IRI")
                    o = self._var("o")
                    value = "?this" if node_shape else "?value"
                    values = "" if node_shape else f"?this {pp} ?value . "
                    decided = _decided_order(value, o, strict)
                    add("pair", param, f"SELECT DISTINCT ?this {value if pp else ''} "
                        f"({o} AS ?other) WHERE {{ {focus} {values}?this <{other}> {o} . "
                        f"FILTER (!{decided}) }}", strict=strict)
            elif param == SH.qualifiedValueShape:
                if node_shape:
                    raise UnsupportedShape(shape, "sh:qualifiedValueShape", "on a node shape")
                low = self._qualified_count(shape, SH.qualifiedMinCount)
                high = self._qualified_count(shape, SH.qualifiedMaxCount)
                disjoint = [d for d in self.g.objects(shape, SH.qualifiedValueShapesDisjoint)
                            if isinstance(d, Literal) and d.value is True]
                if disjoint:
                    raise UnsupportedShape(shape, "sh:qualifiedValueShapesDisjoint")
                if low is None and high is None:
                    raise UnsupportedShape(shape, "sh:qualifiedValueShape", "no count")
                for value_shape in objects:
                    v = self._var("v")
                    ok = self._conforms(value_shape, v, (shape,))
                    if low is not None and low == 1:
                        add("focus", param, f"SELECT ?this WHERE {{ {focus} MINUS "
                            f"{{ ?this {pp} {v} FILTER ({ok}) }} }}",
                            component=SH.QualifiedMinCountConstraintComponent)
                    elif low is not None and low > 1:
                        add("focus", param, f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {pp} "
                            f"{v} FILTER ({ok}) }} }} GROUP BY ?this "
                            f"HAVING (COUNT(DISTINCT {v}) < {low})",
                            component=SH.QualifiedMinCountConstraintComponent)
                    if high is not None:
                        add("focus", param, f"SELECT ?this WHERE {{ {focus} ?this {pp} {v} "
                            f"FILTER ({ok}) }} GROUP BY ?this "
                            f"HAVING (COUNT(DISTINCT {v}) > {high})",
                            component=SH.QualifiedMaxCountConstraintComponent)
            elif param == SH.property:
                if not node_shape:
                    raise UnsupportedShape(
                        shape, "sh:property", "on a property shape (pySHACL repeats its results "
                        "per focus node)"
                    )
                for child in objects:
                    if self.shapes.get(child) is None:
                        raise UnsupportedShape(shape, "sh:property", f"no path: {child}")
                    queries += self._shape_queries(child, focus, prefixes)
            elif param == SH.sparql:
                for constraint in objects:
                    query = self._sparql_constraint(shape, meta, constraint, focus, prefixes)
                    if query is not None:
                        queries.append(query)
        return queries

    def _qualified_count(self, shape: Node, param: URIRef) -> int | None:
        values = list(self.g.objects(shape, param))
        if not values:
            return None
        if len(values) > 1 or not isinstance(values[0], Literal) or not isinstance(
            values[0].value, int
        ):
            raise UnsupportedShape(shape, compact(str(param)), "needs one integer")
        return int(values[0].value)

    # ---- SPARQL-based constraints

    def _sparql_constraint(
        self, shape: Node, meta: _Meta, constraint: Node, focus: str, prefixes: dict[str, str]
    ) -> _Query | None:
        g = self.g
        selects = list(g.objects(constraint, SH.select))
        if len(selects) != 1 or not isinstance(selects[0], Literal):
            raise UnsupportedShape(shape, "sh:sparql", "needs exactly one sh:select literal")
        for predicate in set(g.predicates(constraint, None)):
            if str(predicate).startswith(str(SH)) and predicate not in (
                SH.select, SH.message, SH.prefixes, SH.severity, SH.deactivated, SH.name,
                SH.description,
            ):
                raise UnsupportedShape(shape, f"sh:sparql {compact(str(predicate))}")
        deactivated = list(g.objects(constraint, SH.deactivated))
        if deactivated and bool(deactivated[0].value):
            return None
        own_severity = g.value(constraint, SH.severity)
        if own_severity is not None and own_severity != meta.severity:
            raise UnsupportedShape(
                shape, "sh:sparql sh:severity", "differs from the shape's (pySHACL reports the "
                "shape's severity)"
            )
        extra = [m for m in g.objects(constraint, SH.message) if m not in meta.messages]
        messages = tuple(sorted(meta.messages, key=str)) + tuple(sorted(extra, key=str))
        if not messages:
            raise UnsupportedShape(shape, "sh:sparql", "no sh:message")
        text = str(selects[0])
        for name, pattern in _MENTIONS.items():
            if pattern.search(text):
                raise UnsupportedShape(shape, "sh:sparql", f"${name}")
        if meta.path is not None:
            path = self._sparql_path(shape, meta.path)
            text = _BIND_PATH.sub(lambda m: m.group(1) + path, text)
        elif _BIND_PATH.search(text):
            raise UnsupportedShape(shape, "sh:sparql", "$PATH in a node shape")
        own = _collect_prefixes(g, constraint, shape)
        prologue, body = _split_prologue(shape, "sh:sparql", text)
        own.update(prologue)
        merged = _merge_prefixes(shape, prefixes, own)
        select = _rewrite_constraint(shape, body, focus)
        return _Query(
            kind="sparql",
            text=_prologue(merged) + select.text,
            shape=shape,
            parameter=SH.sparql,
            component=SH.SPARQLConstraintComponent,
            severity=meta.severity,
            messages=messages,  # type: ignore[arg-type]
            path=meta.path,
            path_text=None if meta.path is None else _path(g, meta.path),
            node_shape=meta.path is None,
            constraint=constraint,
            variables=select.variables,
        )

    # ---- conformance of a value node to a nested shape (sh:or, sh:not, sh:node, qualified)

    def _conforms(self, shape: Node, var: str, stack: tuple[Node, ...]) -> str:
        """A SPARQL expression, never an error: does the node in ``var`` conform to ``shape``?"""
        if shape in stack:
            raise UnsupportedShape(stack[0], "recursive shapes", f"{_name(shape)} refers to itself")
        if shape not in self.shapes:
            raise UnsupportedShape(stack[0], "shape reference", f"{shape} is not a shape")
        stack = stack + (shape,)
        meta = self._meta(shape)
        if meta.deactivated or meta.severity in (SH.Warning, SH.Info):
            return "true"  # pySHACL runs with allow_warnings and allow_infos: these conform
        path = meta.path
        pp = None if path is None else self._sparql_path(shape, path)
        parts: list[str] = []
        for param in self._parameters(shape):
            objects = sorted(self.g.objects(shape, param), key=str)
            if param in _VALUE_LEVEL:
                if pp is None:
                    parts += self._value_conditions(shape, param, objects, var, stack)
                else:
                    v = self._var("v")
                    conditions = self._value_conditions(shape, param, objects, v, stack)
                    failing = " || ".join(f"!{c}" for c in conditions)
                    parts.append(f"NOT EXISTS {{ {var} {pp} {v} . FILTER ({failing}) }}")
            elif param == SH.hasValue:
                for value in objects:
                    term = _sparql_term(shape, value)
                    if pp is None:
                        parts.append(f"sameTerm({var}, {term})")
                    else:
                        v = self._var("v")
                        parts.append(
                            f"EXISTS {{ {var} {pp} {v} . FILTER (sameTerm({v}, {term})) }}"
                        )
            elif param in (SH.minCount, SH.maxCount) and pp is not None:
                n = _count(shape, param, objects)
                if param == SH.minCount and n > 0:
                    parts.append("EXISTS { " + self._distinct_values(var, pp, n) + " }")
                elif param == SH.maxCount:
                    parts.append("NOT EXISTS { " + self._distinct_values(var, pp, n + 1) + " }")
            elif param == SH.uniqueLang and pp is not None:
                if _boolean(shape, param, objects):
                    a, b = self._var("a"), self._var("b")
                    parts.append(f"NOT EXISTS {{ {var} {pp} {a} . {var} {pp} {b} . "
                                 f"FILTER ({_same_lang(a, b)}) }}")
            elif param == SH.property:
                for child in objects:
                    if self.shapes.get(child) is None:
                        raise UnsupportedShape(shape, "sh:property", f"no path: {child}")
                    if pp is None:
                        parts.append(self._conforms(child, var, stack))
                    else:
                        v = self._var("v")
                        parts.append(f"NOT EXISTS {{ {var} {pp} {v} . "
                                     f"FILTER (!{self._conforms(child, v, stack)}) }}")
            else:
                raise UnsupportedShape(
                    stack[0], compact(str(param)), f"inside a nested shape ({_name(shape)})"
                )
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def _distinct_values(self, var: str, pp: str, n: int) -> str:
        """A pattern matching ``n`` pairwise distinct values of ``var`` along ``pp``."""
        if n > 4:
            raise UnsupportedShape(var, "sh:minCount/sh:maxCount", "above 4 in a nested shape")
        names = [self._var("n") for _ in range(n)]
        triples = " ".join(f"{var} {pp} {v} ." for v in names)
        distinct = " && ".join(
            f"!sameTerm({a}, {b})" for i, a in enumerate(names) for b in names[i + 1 :]
        )
        return triples + (f" FILTER ({distinct})" if distinct else "")

    def _value_conditions(
        self, shape: Node, param: Node, objects: list[Node], var: str, stack: tuple[Node, ...]
    ) -> list[str]:
        """One condition per result-producing rule of ``param`` (pySHACL reports each sh:class,
        sh:pattern, sh:not, sh:or... value separately); each is true when ``var`` passes."""
        g = self.g
        name = compact(str(param))
        inner = stack or (shape,)
        conditions: list[str] = []
        if param == SH.datatype:
            if len(objects) != 1:
                raise UnsupportedShape(shape, name, "needs exactly one datatype")
            conditions.append(_datatype_condition(shape, objects[0], var))
        elif param == SH.nodeKind:
            if len(objects) != 1 or objects[0] not in _NODE_KINDS:
                raise UnsupportedShape(shape, name, f"unknown node kind {objects}")
            conditions.append(_NODE_KINDS[objects[0]].format(v=var))
        elif param == SH["class"]:
            for cls in objects:
                if not isinstance(cls, URIRef):
                    raise UnsupportedShape(shape, name, f"not an IRI: {cls}")
                conditions.append(
                    f"COALESCE(!isLiteral({var}) && EXISTS {{ {var} "
                    f"<{RDF.type}>/<{RDFS.subClassOf}>* <{cls}> }}, false)"
                )
        elif param == SH["in"]:
            if len(objects) != 1:
                raise UnsupportedShape(shape, name, "needs exactly one list")
            members = [_sparql_term(shape, m) for m in g.items(objects[0])]
            same = " || ".join(f"sameTerm({var}, {m})" for m in members) or "false"
            conditions.append(f"({same})")
        elif param == SH.languageIn:
            if len(objects) != 1:
                raise UnsupportedShape(shape, name, "needs exactly one list")
            wanted = []
            for tag in g.items(objects[0]):
                if not isinstance(tag, Literal) or not isinstance(tag.value, str):
                    raise UnsupportedShape(shape, name, f"not a string: {tag}")
                wanted.append(str(tag.value).lower())
            if "*" in wanted:
                test = "true"
            else:
                tags = ", ".join(_sparql_string(t) for t in wanted) or '""'
                test = (f"(LCASE(LANG({var})) IN ({tags}) || "
                        f"LCASE(STRBEFORE(CONCAT(LANG({var}), \"-\"), \"-\")) IN ({tags}))")
            conditions.append(f"COALESCE(isLiteral({var}) && LANG({var}) != \"\" && {test}, false)")
        elif param == SH.pattern:
            flags = list(g.objects(shape, SH.flags))
            if len(flags) > 1:
                raise UnsupportedShape(shape, "sh:flags", "more than one value")
            flag_text = ""
            py_flags = 0
            if flags:
                text = str(flags[0].value).lower() if isinstance(flags[0], Literal) else ""
                if "i" in text:
                    flag_text, py_flags = flag_text + "i", py_flags | re.I
                if "m" in text:
                    flag_text, py_flags = flag_text + "m", py_flags | re.M
            for pattern in objects:
                if not isinstance(pattern, Literal):
                    raise UnsupportedShape(shape, name, "not a literal")
                _check_pattern(shape, str(pattern), py_flags, flag_text)
                regex = _sparql_string(str(pattern))
                conditions.append(
                    f"COALESCE(!isBlank({var}) && REGEX(STR({var}), {regex}, "
                    f"{_sparql_string(flag_text)}), false)"
                )
        elif param == SH["not"]:
            for other in objects:
                conditions.append(f"(!{self._conforms(other, var, inner)})")
        elif param in (SH["or"], SH["and"], SH.xone):
            for head in objects:
                members = [self._conforms(m, var, inner) for m in g.items(head)]
                if not members:
                    raise UnsupportedShape(shape, name, "empty list")
                if param == SH["or"]:
                    conditions.append("(" + " || ".join(members) + ")")
                elif param == SH["and"]:
                    conditions.append("(" + " && ".join(members) + ")")
                else:
                    conditions.append(
                        "((" + " + ".join(f"IF({m}, 1, 0)" for m in members) + ") = 1)"
                    )
        elif param == SH.node:
            for other in objects:
                conditions.append(self._conforms(other, var, inner))
        else:  # pragma: no cover - _VALUE_LEVEL and this dispatch are kept in step
            raise UnsupportedShape(shape, name)
        return conditions

    # ---- paths and names

    def _sparql_path(self, shape: Node, path: Node, inverse: bool = False, depth: int = 0) -> str:
        """A SHACL path as a SPARQL property path, with pySHACL's reading of an inverse
        sequence (each step inverted, order kept)."""
        g = self.g
        if isinstance(path, URIRef):
            return ("^" if inverse else "") + f"<{path}>"
        if not isinstance(path, BNode) or depth >= 10:
            raise UnsupportedShape(shape, "sh:path", f"cannot read path {path}")
        if g.value(path, RDF.first) is not None:
            items = list(g.items(path))
            if len(items) < 2 or depth + len(items) > 10:
                raise UnsupportedShape(shape, "sh:path", "a sequence needs 2 to 9 steps")
            steps = [self._sparql_path(shape, item, inverse, depth + 1 + i)
                     for i, item in enumerate(items)]
            return "(" + "/".join(steps) + ")"
        inner = g.value(path, SH.inversePath)
        if inner is not None:
            return self._sparql_path(shape, inner, not inverse, depth + 1)
        alternatives = g.value(path, SH.alternativePath)
        if alternatives is not None:
            items = list(g.items(alternatives))
            if len(items) < 2:
                raise UnsupportedShape(shape, "sh:alternativePath", "needs at least two paths")
            return "(" + "|".join(
                self._sparql_path(shape, item, inverse, depth + 1) for item in items
            ) + ")"
        for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"),
                                  (SH.zeroOrOnePath, "?")):
            inner = g.value(path, predicate)
            if inner is not None:
                return "(" + self._sparql_path(shape, inner, inverse, depth + 1) + ")" + suffix
        raise UnsupportedShape(shape, "sh:path", f"unknown path form {path}")

    def _var(self, name: str) -> str:
        self.counter += 1
        return f"?{_V}{name}{self.counter}"


# --------------------------------------------------------------------------- compile helpers


def _name(node: Node) -> str:
    return compact(str(node)) if isinstance(node, URIRef) else str(node)


def _count(shape: Node, param: Node, objects: list[Node]) -> int:
    if len(objects) != 1 or not (isinstance(objects[0], Literal)
                                 and objects[0].datatype == XSD.integer):
        raise UnsupportedShape(shape, compact(str(param)), "needs one xsd:integer")
    return int(objects[0].value)


def _boolean(shape: Node, param: Node, objects: list[Node]) -> bool:
    if len(objects) != 1 or not (isinstance(objects[0], Literal)
                                 and isinstance(objects[0].value, bool)):
        raise UnsupportedShape(shape, compact(str(param)), "needs one xsd:boolean")
    return bool(objects[0].value)


def _same_lang(a: str, b: str) -> str:
    return (f"isLiteral({a}) && isLiteral({b}) && LANG({a}) != \"\" && !sameTerm({a}, {b}) "
            f"&& LCASE(LANG({a})) = LCASE(LANG({b}))")


def _datatype_condition(shape: Node, datatype: Node, var: str) -> str:
    """pySHACL's sh:datatype: same datatype IRI and, for the datatypes rdflib parses, a
    well-formed lexical form; a language-tagged literal is rdf:langString, a plain one
    xsd:string."""
    if not isinstance(datatype, URIRef):
        raise UnsupportedShape(shape, "sh:datatype", f"not an IRI: {datatype}")
    if datatype == RDF.langString:
        return f"COALESCE(isLiteral({var}) && LANG({var}) != \"\", false)"
    if datatype == RDFS.Literal:
        return f"isLiteral({var})"
    if datatype in _UNCHECKED_PARSED:
        raise UnsupportedShape(
            shape, "sh:datatype", f"{compact(str(datatype))}: rdflib's well-formedness rule for it "
            "is not reproduced"
        )
    same = f"isLiteral({var}) && DATATYPE({var}) = <{datatype}>"
    if datatype in _CHECKED_DATATYPES:
        parsed = _parsed(datatype, var)
        extra = _CHECKED_DATATYPES[datatype].format(v=var)
        accepted = _ACCEPTED.format(datatype=datatype, var=var)
        return f"COALESCE(({same} && {parsed}{extra}) || {accepted}, false)"
    return f"COALESCE({same}, false)"


def _parsed(datatype: URIRef, var: str) -> str:
    """True when pyoxigraph parsed the literal's lexical form (a cast to its type works)."""
    return f"COALESCE(STRLEN(STR(<{datatype}>({var}))) >= 0, false)"


def _unparsed_literals_query(datatypes: Iterable[URIRef]) -> str:
    """Literals of the checked datatypes whose lexical form pyoxigraph did not parse: a full
    scan (0.7 s per million triples), cheap because a parsed number is ``isNumeric``."""
    listed = sorted(datatypes)
    tests = [f"DATATYPE(?o) = <{d}>" for d in listed if d in _NUMERIC_TYPES]
    tests += [f"(DATATYPE(?o) = <{d}> && !{_parsed(d, '?o')})" for d in listed
              if d not in _NUMERIC_TYPES]
    gate = ", ".join(f"<{d}>" for d in listed)
    return (f"SELECT DISTINCT ?o WHERE {{ ?s ?p ?o . FILTER (isLiteral(?o) && !isNumeric(?o) "
            f"&& DATATYPE(?o) IN ({gate}) && ({' || '.join(tests)})) }}")


def _accepted_by_rdflib(store: ox.Store, compiled: CompiledShapes) -> dict[str, list[str]]:
    """Unparsed literals that rdflib reads all the same (" 1 "^^xsd:integer, "1e3"^^xsd:decimal),
    by datatype, as SPARQL terms: pySHACL's sh:datatype accepts them. Usually none."""
    if not compiled.checked_datatypes:
        return {}
    accepted: dict[str, list[str]] = {}
    query = _unparsed_literals_query(compiled.checked_datatypes)
    for row in store.query(query, use_default_graph_as_union=True):
        term = _to_rdflib(row["o"])
        if isinstance(term, Literal) and _datatype_matches(term, term.datatype):
            accepted.setdefault(str(term.datatype), []).append(str(row["o"]))
    return accepted


def _with_accepted(text: str, accepted: dict[str, list[str]]) -> str:
    """Fill the datatype placeholders of a query text."""
    if "%%shaclx-accepted" not in text:
        return text

    def fill(match: re.Match[str]) -> str:
        var, terms = match.group(2), accepted.get(match.group(1), [])
        return "(" + " || ".join(f"sameTerm({var}, {t})" for t in terms) + ")" if terms else "false"

    return _ACCEPTED_MARK.sub(fill, text)


def _decided_order(value: str, other: str, strict: bool) -> str:
    """True only where SPARQL agrees for sure that pySHACL finds the pair in order: both
    numbers, or both strings/IRIs; every other pair goes to Python (``_pair_fails``)."""
    op = "<" if strict else "<="
    stringy = ("(isIRI({x}) || (isLiteral({x}) && (LANG({x}) != \"\" || DATATYPE({x}) IN "
               + _STRINGY + ")))")
    numbers = (f"(isLiteral({value}) && isLiteral({other}) && DATATYPE({value}) IN {_NUMERIC} "
               f"&& DATATYPE({other}) IN {_NUMERIC} && {value} {op} {other})")
    strings = (f"({stringy.format(x=value)} && {stringy.format(x=other)} "
               f"&& STR({value}) {op} STR({other}))")
    return f"COALESCE({numbers} || {strings}, false)"


def _check_pattern(shape: Node, pattern: str, py_flags: int, flags: str) -> None:
    """Refuse a regex that Python (pySHACL) and pyoxigraph's engine would not both compile."""
    try:
        re.compile(pattern, py_flags)
    except re.error as error:
        raise UnsupportedShape(shape, "sh:pattern", f"invalid regex: {error}") from error
    probe = ox.Store().query(
        f"SELECT (REGEX(\"\", {_sparql_string(pattern)}, {_sparql_string(flags)}) AS ?ok) {{}}"
    )
    if next(iter(probe))["ok"] is None:
        raise UnsupportedShape(shape, "sh:pattern", "regex syntax pyoxigraph does not support")


def _sparql_string(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


def _sparql_term(shape: Node, term: Node) -> str:
    """A shapes-graph constant in SPARQL syntax (blank nodes cannot name data nodes)."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        if term.language:
            return f"{_sparql_string(str(term))}@{term.language}"
        if term.datatype is not None:
            return f"{_sparql_string(str(term))}^^<{term.datatype}>"
        return _sparql_string(str(term))
    raise UnsupportedShape(shape, "constant", f"blank node {term} cannot be matched in the data")


def _collect_prefixes(g: Graph, node: Node, shape: Node) -> dict[str, str]:
    """pySHACL's prefixes for a SPARQL text on ``node`` (SPARQLQueryHelper.collect_prefixes)."""
    prefixes = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
    values = set(g.objects(node, SH.prefixes))
    if not values:
        return prefixes
    graph_declares = set(g.objects(g.identifier, SH.declare)) if g.identifier else set()
    ontologies = set(g.subjects(RDF.type, OWL.Ontology))
    global_declares = set(graph_declares)
    for ontology in ontologies:
        global_declares |= set(g.objects(ontology, SH.declare))
    collected: dict[str, str] = {}
    for value in values:
        own = set(g.objects(value, SH.declare))
        declares = own | graph_declares if own and value in ontologies else global_declares | own
        for declare in declares:
            names = list(g.objects(declare, SH.prefix))
            namespaces = list(g.objects(declare, SH.namespace))
            if len(names) != 1 or len(namespaces) != 1:
                raise UnsupportedShape(shape, "sh:declare", "needs one sh:prefix and sh:namespace")
            name, namespace = str(names[0]), str(namespaces[0])
            if collected.get(name, namespace) != namespace:
                raise UnsupportedShape(shape, "sh:prefixes", f"prefix {name}: declared twice")
            collected[name] = namespace
    prefixes.update(collected)
    return prefixes


def _merge_prefixes(shape: Node, first: dict[str, str], second: dict[str, str]) -> dict[str, str]:
    merged = dict(first)
    for name, namespace in second.items():
        if merged.get(name, namespace) != namespace:
            raise UnsupportedShape(
                shape, "sh:prefixes", f"prefix {name}: target and constraint disagree"
            )
        merged[name] = namespace
    return merged


def _prologue(prefixes: dict[str, str]) -> str:
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in sorted(prefixes.items()))


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int

    def word(self) -> str:
        return self.text.upper() if self.kind == "word" and ":" not in self.text else ""


def _tokens(text: str) -> list[_Token]:
    return [
        _Token(m.lastgroup or "punct", m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]


def _split_prologue(shape: Node, where: str, text: str) -> tuple[dict[str, str], str]:
    """The text's own PREFIX declarations, and the rest (from SELECT on)."""
    tokens = _tokens(text)
    prefixes: dict[str, str] = {}
    i = 0
    while i < len(tokens) and tokens[i].word() in ("PREFIX", "BASE"):
        if tokens[i].word() == "BASE":
            raise UnsupportedShape(shape, where, "BASE in SPARQL text")
        if i + 2 >= len(tokens) or tokens[i + 2].kind != "iri":
            raise UnsupportedShape(shape, where, "unreadable PREFIX declaration")
        prefixes[tokens[i + 1].text.rstrip(":")] = tokens[i + 2].text[1:-1]
        i += 3
    if i >= len(tokens) or tokens[i].word() != "SELECT":
        raise UnsupportedShape(shape, where, "only SELECT queries")
    return prefixes, text[tokens[i].start :]


def _check_target_select(shape: Node, text: str) -> None:
    """A SHACL-AF target's SELECT must project ?this (pySHACL reads the ``this`` column)."""
    tokens = _tokens(text)
    depth = 0
    for token in tokens[1:]:
        if token.word() == "WHERE" or (token.text == "{" and depth == 0):
            break
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif token.kind == "var" and token.text[1:] == "this" or token.text == "*" and depth == 0:
            return
    raise UnsupportedShape(shape, "sh:target", "the SELECT does not project ?this")


@dataclass(frozen=True)
class _Select:
    text: str
    variables: tuple[str, ...]


def _rewrite_constraint(shape: Node, text: str, focus: str) -> _Select:
    """The constraint's SELECT with the shape's focus nodes joined first in its WHERE group
    (pySHACL pre-binds $this instead, running the query once per focus node) and the focus
    projected as ?shaclx_focus."""
    tokens = _tokens(text)
    i = 1
    distinct = ""
    if i < len(tokens) and tokens[i].word() in ("DISTINCT", "REDUCED"):
        distinct = tokens[i].word() + " "
        i += 1
    start = tokens[i].start if i < len(tokens) else len(text)
    variables: list[str] = []
    depth = 0
    while i < len(tokens):
        token = tokens[i]
        if depth == 0 and (token.word() in ("WHERE", "FROM") or token.text == "{"):
            break
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif token.text == "*" and depth == 0:
            raise UnsupportedShape(shape, "sh:sparql", "SELECT *")
        elif token.word() in _AGGREGATES:
            raise UnsupportedShape(shape, "sh:sparql", "aggregates")
        elif token.kind == "var" and (depth == 0 or tokens[i - 1].word() == "AS"):
            variables.append(token.text[1:])
        i += 1
    projection = text[start : tokens[i].start] if i < len(tokens) else ""
    if i < len(tokens) and tokens[i].word() == "FROM":
        raise UnsupportedShape(shape, "sh:sparql", "FROM")
    if i < len(tokens) and tokens[i].word() == "WHERE":
        i += 1
    if i >= len(tokens) or tokens[i].text != "{":
        raise UnsupportedShape(shape, "sh:sparql", "unreadable WHERE clause")
    open_at = i
    depth = 0
    while i < len(tokens):
        token = tokens[i]
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
            if depth == 0:
                break
        elif token.word() in ("SELECT", "MINUS", "VALUES", "SERVICE"):
            raise UnsupportedShape(shape, "sh:sparql", f"{token.word()} inside the query")
        i += 1
    if i >= len(tokens):
        raise UnsupportedShape(shape, "sh:sparql", "unbalanced braces")
    body = text[tokens[open_at].end : tokens[i].start]
    rest = tokens[i + 1 :]
    for token in rest:
        if token.word() in ("GROUP", "HAVING", "LIMIT", "OFFSET", "VALUES"):
            raise UnsupportedShape(shape, "sh:sparql", f"{token.word()} (per-focus semantics)")
    tail = text[tokens[i].end :]
    if not variables:
        raise UnsupportedShape(shape, "sh:sparql", "projects no variable")
    select = (f"SELECT {distinct}{projection.strip()} (?this AS ?{_V}focus) "
              f"WHERE {{ {focus} {body} }}{tail}")
    return _Select(select, tuple(variables))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class _Raw:
    """One result before rendering: rdflib terms, as pySHACL's report graph holds them."""

    query: _Query
    focus: Node
    value: Node | None
    path: Node | None  # a data term from a SPARQL ?path, else None: the shape's path
    messages: tuple[Literal, ...]


def _core_results(query: _Query, solutions: ox.QuerySolutions) -> list[_Raw]:
    raw = []
    for row in solutions:
        focus = _to_rdflib(row["this"])
        if query.kind == "focus":
            value = None
        elif query.kind == "node":
            value = focus
        elif query.kind == "value":
            value = _to_rdflib(row["value"])
        else:  # pair
            value = focus if query.node_shape else _to_rdflib(row["value"])
            if not _pair_fails(value, _to_rdflib(row["other"]), query.strict):
                continue
        raw.append(_Raw(query, focus, value, None, query.messages))
    return raw


def _datatype_matches(term: Node | None, datatype: URIRef) -> bool:
    """pySHACL's sh:datatype test (DatatypeConstraintComponent) on an rdflib term."""
    if not isinstance(term, Literal):
        return False
    if term.datatype == datatype:
        return term.ill_typed is not True and _value_fits(term, datatype)
    if datatype == RDFS.Literal:
        return True
    if term.datatype is None and term.language is None and datatype == XSD.string:
        return _value_fits(term, datatype)
    if datatype == RDF.langString and term.language:
        return _value_fits(term, datatype)
    return False


def _value_fits(term: Literal, datatype: URIRef) -> bool:
    expected = _PYTHON_TYPES.get(datatype)
    return expected is None or isinstance(term.value, expected)


def _pair_fails(value: Node, other: Node, strict: bool) -> bool:
    """pySHACL's sh:lessThan / sh:lessThanOrEquals test of one (value, other) pair."""
    if isinstance(value, BNode) or isinstance(other, BNode):
        raise RuntimeError("sh:lessThan(OrEquals) cannot compare a blank node (pySHACL fails too)")
    left, left_string = _comparable(value)
    right, right_string = _comparable(other)
    if left_string != right_string:
        return True
    return not (left < right if strict else left <= right)


def _comparable(term: Node) -> tuple[object, bool]:
    if isinstance(term, URIRef):
        return str(term), True
    if isinstance(term, Literal) and isinstance(term.value, str):
        return term.value, True
    return term, False


def _sparql_results(query: _Query, solutions: ox.QuerySolutions) -> list[_Raw]:
    """pySHACL's reading of SPARQL constraint rows (SPARQLBasedConstraint), per focus node:
    rows de-duplicated, ``{?var}`` substituted, the value defaulting to the focus of a node
    shape, ?path overriding the shape's path."""
    raw: list[_Raw] = []
    seen: set[tuple] = set()
    failed: set[Node] = set()
    default_value_of_node_shape = query.node_shape
    for row in solutions:
        focus = _to_rdflib(row[f"{_V}focus"])
        bound = {}
        for name in query.variables:
            term = row[name]
            if term is not None:
                bound[name] = _to_rdflib(term)
        result_value = focus if default_value_of_node_shape else None
        if "failure" in bound:
            del bound["failure"]
            if focus in failed:
                continue
            failed.add(focus)
            messages = _substitute(query.messages, bound)
            raw.append(_Raw(query, focus, result_value, None, messages))
            continue
        path = bound.pop("path", None)
        value = bound.pop("value", None)
        this = bound.pop("this", None)
        if path is None and value is None and this is None:
            continue
        key = (focus, this, path, value, tuple(sorted(bound.items())))
        if key in seen:
            continue
        seen.add(key)
        if value is None:
            value = result_value
        variables = dict(bound)
        for name, term in (("this", this), ("path", path), ("value", value)):
            if term is not None:
                variables[name] = term
        messages = _substitute(query.messages, variables)
        raw.append(_Raw(query, this or focus, value, path, messages))
    return raw


def _substitute(messages: tuple[Literal, ...], variables: dict[str, Node]) -> tuple[Literal, ...]:
    """pySHACL's ``{$var}``/``{?var}`` substitution: ``str(term)``, the result untagged."""
    out = []
    for message in messages:
        text = str(message.value) if message.value is not None else str(message)
        for name, term in variables.items():
            text = re.sub(f"{{[?$]{name}}}", str(term), text)
        out.append(Literal(text))
    return tuple(dict.fromkeys(out))


def _row(report: Graph, raw: _Raw) -> ValidationResult:
    query = raw.query
    if raw.path is not None:
        path_text: str | None = _path(report, raw.path)
    else:
        path_text = query.path_text
    return ValidationResult(
        severity=SEVERITIES.get(query.severity, "Violation"),  # type: ignore[call-overload]
        focus=_term(report, raw.focus),
        path=path_text,
        message=_message(raw.messages),
        shape=_term(report, query.shape),
        value=_term(report, raw.value) if raw.value is not None else None,
    )


def _message(messages: tuple[Literal, ...]) -> str:
    """As ``validation._message``: the English messages if any, else all, sorted and joined."""
    ordered = sorted(set(messages), key=str)
    english = [m for m in ordered if m.language == "en"]
    chosen = english or ordered
    return " | ".join(str(m) for m in chosen) if chosen else "(no message)"


def _fill_report(report: Graph, shapes: Graph, raw: list[_Raw], conforms: bool) -> None:
    """The sh:ValidationReport graph, shaped like pySHACL's."""
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, Literal(conforms)))
    copied: set[Node] = set()
    for item in raw:
        query = item.query
        node = BNode()
        report.add((root, SH.result, node))
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.sourceConstraintComponent, query.component))
        report.add((node, SH.sourceShape, query.shape))
        report.add((node, SH.resultSeverity, query.severity))
        report.add((node, SH.focusNode, item.focus))
        if item.value is not None:
            report.add((node, SH.value, item.value))
        path = item.path if item.path is not None else query.path
        if path is not None:
            report.add((node, SH.resultPath, path))
            if isinstance(path, BNode) and item.path is None and path not in copied:
                _copy_closure(shapes, report, path)
                copied.add(path)
        if query.constraint is not None:
            report.add((node, SH.sourceConstraint, query.constraint))
        for message in set(item.messages):
            report.add((node, SH.resultMessage, message))


def _copy_closure(source: Graph, target: Graph, node: Node) -> None:
    """Copy a blank-node structure (a SHACL path) with its ids, as pySHACL clones it."""
    todo, done = [node], set()
    while todo:
        current = todo.pop()
        if current in done:
            continue
        done.add(current)
        for p, o in source.predicate_objects(current):
            target.add((current, p, o))
            if isinstance(o, BNode):
                todo.append(o)


def _to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """A pyoxigraph term as rdflib parses it from N-Quads (rdflib normalises lexical forms)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unexpected term in a SHACL result: {term!r}")


def _to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r}")
