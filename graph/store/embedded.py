"""The embedded store: a pyoxigraph database on disk, opened read-only for serving.

Owns every pyoxigraph call of the project; nothing outside ``graph.store`` imports pyoxigraph.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.term import Node

from graph.errors import BadQuery, StoreMissing
from graph.store.base import (
    Answer,
    ChooseMediaType,
    DatasetInfo,
    QueryDataset,
    QueryForm,
    Row,
)

META_FILE = "govkg-meta.json"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
DATASET_FORMATS = {"application/trig", "application/n-quads"}


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Node | None:
    """Convert one pyoxigraph term to the rdflib term callers expect."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return RdfLiteral(term.value)
        return RdfLiteral(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert one rdflib term for use as a query substitution or quad."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, RdfLiteral):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != XSD_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


def _substitutions(bindings: Mapping[str, Node] | None) -> dict[ox.Variable, object] | None:
    if not bindings:
        return None
    return {ox.Variable(name): to_oxigraph(value) for name, value in bindings.items()}


def _form(result: object) -> QueryForm:
    if isinstance(result, ox.QuerySolutions):
        return "select"
    if isinstance(result, ox.QueryBoolean):
        return "ask"
    return "construct"


def read_info(path: Path) -> DatasetInfo:
    """The build's record of a store directory (version, counts)."""
    meta = path / META_FILE
    if not meta.exists():
        raise StoreMissing(f"{path} is not a govkg store (no {META_FILE}); run `govkg build`")
    return DatasetInfo(**json.loads(meta.read_text(encoding="utf-8")))


def write_info(path: Path, info: DatasetInfo) -> None:
    (path / META_FILE).write_text(json.dumps(info.__dict__, indent=2), encoding="utf-8")


class EmbeddedStore:
    """A built store directory opened for reading, default graph = union of named graphs."""

    def __init__(self, path: Path, *, union_default_graph: bool = True) -> None:
        path = Path(path).resolve()
        if not path.exists():
            raise StoreMissing(f"no store at {path}; run `govkg build`")
        self.path = path
        self._info = read_info(path)
        self._store = ox.Store.read_only(str(path))
        self.union_default_graph = union_default_graph

    @property
    def info(self) -> DatasetInfo:
        return self._info

    def _run(
        self,
        query: str,
        bindings: Mapping[str, Node] | None = None,
        dataset: QueryDataset | None = None,
    ) -> object:
        kwargs: dict[str, object] = {"substitutions": _substitutions(bindings)}
        if dataset and (dataset.default_graphs or dataset.named_graphs):
            if dataset.default_graphs:
                kwargs["default_graph"] = [ox.NamedNode(g) for g in dataset.default_graphs]
            if dataset.named_graphs:
                kwargs["named_graphs"] = [ox.NamedNode(g) for g in dataset.named_graphs]
        else:
            kwargs["use_default_graph_as_union"] = self.union_default_graph
        try:
            return self._store.query(query, **kwargs)
        except SyntaxError as error:
            raise BadQuery(str(error)) from error

    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> list[Row]:
        result = self._run(query, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise BadQuery("expected a SELECT query")
        names = [v.value for v in result.variables]
        rows: list[Row] = []
        for solution in result:
            row: Row = {}
            for name in names:
                value = to_rdflib(solution[name])
                if value is not None:
                    row[name] = value
            rows.append(row)
        return rows

    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool:
        result = self._run(query, bindings)
        if not isinstance(result, ox.QueryBoolean):
            raise BadQuery("expected an ASK query")
        return bool(result)

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph:
        result = self._run(query, bindings)
        if not isinstance(result, ox.QueryTriples):
            raise BadQuery("expected a CONSTRUCT or DESCRIBE query")
        graph = Graph()
        for triple in result:
            graph.add(
                (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
            )
        return graph

    def answer(
        self,
        query: str,
        choose: ChooseMediaType,
        *,
        dataset: QueryDataset | None = None,
        bindings: Mapping[str, Node] | None = None,
        max_results: int | None = None,
    ) -> Answer:
        result = self._run(query, bindings, dataset)
        form = _form(result)
        media_type = choose(form)
        if isinstance(result, ox.QueryTriples):
            body = result.serialize(format=RDF_FORMATS[media_type])
        else:
            body = result.serialize(format=RESULT_FORMATS[media_type])
        return Answer(form=form, media_type=media_type, body=body or b"")

    def export(self, media_type: str, out: BinaryIO) -> None:
        """Write the whole dataset; triple formats get the union of all graphs."""
        fmt = RDF_FORMATS[media_type]
        if media_type in DATASET_FORMATS:
            self._store.dump(out, format=fmt)
            return
        triples = self._store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
        )
        triples.serialize(out, format=fmt)

    def quad_count(self) -> int:
        return len(self._store)

    def close(self) -> None:
        del self._store


def create_store(path: Path) -> ox.Store:
    """A new writable store directory (build only)."""
    return ox.Store(str(path))
