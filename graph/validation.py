"""SHACL validation: the one wrapper around pySHACL that govkg uses.

Owns loading ``ontology/shapes/*.ttl`` and ``ontology/govkg.ttl``, running pySHACL over a govkg
``Dataset`` (named graphs: one per claim plus the system graphs) with the default graph as the
union of the named graphs, and turning the report graph into plain ``ValidationResult`` rows.
Must not import the store, the API or the CLI.

Why these pySHACL options:

- ``advanced=True``: the shapes use SHACL-AF SPARQL-based targets (``govkg:EntityTarget``).
- ``inference="none"``: no reasoner; the ontology declares no domains or ranges to infer from.
- the ontology's class hierarchy and ``govkg:SingleValuedProperty`` declarations are added to a
  private copy of the data, in the ontology graph, rather than passed as ``ont_graph``: pySHACL
  would clone the dataset anyway, and this way the SPARQL constraints see them too.
- rdflib re-parses SPARQL text on every call, and pySHACL calls once per focus node: the copy
  caches prepared queries (see ``_PreparedQueryDataset``).
- ``allow_warnings``/``allow_infos``: only ``sh:Violation`` makes a report non-conforming.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyshacl import validate as shacl_validate
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from graph.namespaces import GOVKG, ONTOLOGY_GRAPH, PREFIXES, compact

SH = Namespace("http://www.w3.org/ns/shacl#")

SEVERITIES: dict[URIRef, str] = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}

SHAPES_DIR = Path("ontology") / "shapes"
ONTOLOGY_FILE = Path("ontology") / "govkg.ttl"


@dataclass(frozen=True)
class ValidationResult:
    """One sh:ValidationResult, flattened to strings (IRIs in full, literals in N3)."""

    severity: str  # "Violation" | "Warning" | "Info"
    focus: str
    path: str | None
    message: str
    shape: str
    value: str | None


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool  # True when there is no Violation
    results: tuple[ValidationResult, ...]
    report_graph: Graph = field(compare=False, repr=False)

    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    def infos(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Info"]

    def counts(self) -> dict[str, int]:
        counted = Counter(r.severity for r in self.results)
        return {severity: counted.get(severity, 0) for severity in SEVERITY_ORDER}

    def to_text(self) -> str:
        """Human-readable report: a summary line, then results grouped by shape."""
        counts = self.counts()
        summary = ", ".join(
            f"{counts[severity]} {label}"
            for severity, label in (
                ("Violation", "violations"),
                ("Warning", "warnings"),
                ("Info", "infos"),
            )
        )
        lines = [f"conforms: {'yes' if self.conforms else 'no'} ({summary})"]
        groups: dict[tuple[str, str], list[ValidationResult]] = {}
        for result in self.results:
            groups.setdefault((result.severity, result.shape), []).append(result)
        for (severity, shape), results in groups.items():
            lines.append("")
            lines.append(f"{severity} {compact(shape)} ({len(results)})")
            for r in results:
                where = compact(r.focus)
                if r.path:
                    where += f" {r.path}"
                if r.value is not None and r.value != r.focus:
                    where += f" = {compact(r.value)}"
                lines.append(f"  {where}: {r.message}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict:
        return {
            "conforms": self.conforms,
            "counts": self.counts(),
            "results": [asdict(r) for r in self.results],
        }

    def to_turtle(self) -> str:
        return self.report_graph.serialize(format="turtle")


def load_shapes(root: Path) -> Graph:
    """Every ``ontology/shapes/*.ttl`` under the project root, merged into one shapes graph."""
    files = sorted((Path(root) / SHAPES_DIR).glob("*.ttl"))
    if not files:
        raise FileNotFoundError(f"no shapes in {Path(root) / SHAPES_DIR}")
    shapes = Graph()
    for path in files:
        shapes.parse(path, format="turtle")
    _bind_prefixes(shapes)
    return shapes


def load_ontology(root: Path) -> Graph:
    """``ontology/govkg.ttl`` under the project root."""
    ontology = Graph()
    ontology.parse(Path(root) / ONTOLOGY_FILE, format="turtle")
    _bind_prefixes(ontology)
    return ontology


def validate(data: Dataset, shapes: Graph, ontology: Graph | None = None) -> ValidationReport:
    """Validate ``data`` against ``shapes``; the caller's dataset is not modified.

    Pass the ontology so that ``sh:targetClass`` covers subclasses and the clash check knows
    which properties are single-valued.
    """
    work = _working_copy(data, ontology)
    _, report_graph, _ = shacl_validate(
        work,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        inplace=True,
        allow_warnings=True,
        allow_infos=True,
    )
    _bind_prefixes(report_graph)
    results = tuple(sorted(_results(report_graph), key=_sort_key))
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(conforms=conforms, results=results, report_graph=report_graph)


class _PreparedQueryDataset(Dataset):
    """A Dataset that parses each SPARQL text once per process.

    pySHACL sends a SPARQL constraint's text (with the focus node as an initial binding) once per
    focus node, and rdflib re-parses it every time: parsing costs 10-100x the evaluation here.
    """

    def __init__(self) -> None:
        super().__init__(default_union=True)

    def query(  # type: ignore[override]
        self,
        query_object: str | Query,
        processor: str = "sparql",
        result: str = "sparql",
        initNs: Mapping[str, Any] | None = None,  # noqa: N803 (rdflib's name)
        initBindings: Mapping[str, Node] | None = None,  # noqa: N803
        use_store_provided: bool = True,
        **kwargs: Any,
    ):
        if isinstance(query_object, str) and processor == "sparql" and not kwargs.get("base"):
            namespaces = dict(initNs) if initNs else dict(self.namespaces())
            query_object = _prepare(query_object, tuple(sorted(namespaces.items())))
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )


@lru_cache(maxsize=512)
def _prepare(text: str, namespaces: tuple[tuple[str, Any], ...]) -> Query:
    return prepareQuery(text, initNs=dict(namespaces))


def _working_copy(data: Dataset, ontology: Graph | None) -> Dataset:
    """A fresh union-default Dataset with every graph of ``data`` (and the ontology graph)."""
    work = _PreparedQueryDataset()
    for graph in data.graphs():
        target = work.graph(graph.identifier)
        target.addN((s, p, o, target) for s, p, o in data.graph(graph.identifier))
    if ontology is not None:
        target = work.graph(ONTOLOGY_GRAPH)
        target.addN((s, p, o, target) for s, p, o in ontology_axioms(ontology))
    return work


def ontology_axioms(ontology: Graph) -> list[tuple[Node, Node, Node]]:
    """The ontology triples the shapes use: the class hierarchy (``sh:targetClass`` and
    ``sh:class`` follow ``rdfs:subClassOf``) and the single-valued property declarations.
    Copying only these keeps the SPARQL targets from scanning hundreds of label triples."""
    hierarchy = list(ontology.triples((None, RDFS.subClassOf, None)))
    single = list(ontology.triples((None, RDF.type, GOVKG.SingleValuedProperty)))
    return hierarchy + single


def _results(report: Graph) -> list[ValidationResult]:
    results = []
    for node in report.objects(None, SH.result):
        severity = SEVERITIES.get(report.value(node, SH.resultSeverity), "Violation")
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        shape = report.value(node, SH.sourceShape)
        results.append(
            ValidationResult(
                severity=severity,
                focus=_term(report, report.value(node, SH.focusNode)),
                path=_path(report, path) if path is not None else None,
                message=_message(report, node),
                shape=_term(report, shape),
                value=_term(report, value) if value is not None else None,
            )
        )
    return results


def _message(report: Graph, node: Node) -> str:
    """The English message if there is one, else any message; several are joined."""
    messages = sorted(report.objects(node, SH.resultMessage), key=str)
    english = [m for m in messages if isinstance(m, Literal) and m.language == "en"]
    chosen = english or messages
    return " | ".join(str(m) for m in chosen) if chosen else "(no message)"


def _term(graph: Graph, term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        return term.n3(graph.namespace_manager)
    return str(term)


def _path(graph: Graph, path: Node) -> str:
    """Render a SHACL property path compactly: ``skos:prefLabel``, ``(a|b)``, ``a/b``, ``^a``."""
    if isinstance(path, URIRef):
        return compact(str(path))
    if graph.value(path, RDF.first) is not None:
        return "/".join(_path(graph, item) for item in _items(graph, path))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path(graph, item) for item in _items(graph, alternatives)) + ")"
    for predicate, template in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return template.format(_path(graph, inner))
    return f"_:{path}"


def _items(graph: Graph, head: Node) -> list[Node]:
    """The members of an RDF list."""
    items: list[Node] = []
    node: Node | None = head
    while node is not None and node != RDF.nil:
        item = graph.value(node, RDF.first)
        if item is None:
            break
        items.append(item)
        node = graph.value(node, RDF.rest)
    return items


def _sort_key(result: ValidationResult) -> tuple:
    return (
        SEVERITY_ORDER.get(result.severity, 9),
        result.shape,
        result.focus,
        result.path or "",
        result.value or "",
        result.message,
    )


def _bind_prefixes(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
