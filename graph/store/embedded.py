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
    Row,
)
from graph.store.evaluator import (
    MERGED_MARKER,
    RDF_FORMATS,
    RESULT_FORMATS,
    evaluate,
    has_merged_default_graph,
)

__all__ = ["EmbeddedStore", "RDF_FORMATS", "RESULT_FORMATS", "create_store", "read_info"]

META_FILE = "govkg-meta.json"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

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


def read_info(path: Path) -> DatasetInfo:
    """The build's record of a store directory (version, counts)."""
    meta = path / META_FILE
    if not meta.exists():
        raise StoreMissing(f"{path} is not a govkg store (no {META_FILE}); run `govkg build`")
    return DatasetInfo(**json.loads(meta.read_text(encoding="utf-8")))


def write_info(path: Path, info: DatasetInfo) -> None:
    (path / META_FILE).write_text(json.dumps(info.__dict__, indent=2), encoding="utf-8")


class EmbeddedStore:
    """A built store directory opened for reading, default graph = union of named graphs.

    In a snapshot made by ``backup(merge_default_graph=True)`` the store's own default graph
    holds that union, each triple once (``merged_default_graph``); elsewhere pyoxigraph's
    union flag is used, which yields a triple once per graph stating it (pyoxigraph 0.5,
    oxigraph issue #1919).
    """

    def __init__(self, path: Path, *, union_default_graph: bool = True) -> None:
        path = Path(path).resolve()
        if not path.exists():
            raise StoreMissing(f"no store at {path}; run `govkg build`")
        self.path = path
        self._info = read_info(path)
        self._store = ox.Store.read_only(str(path))
        self.union_default_graph = union_default_graph
        self.merged_default_graph = has_merged_default_graph(path)

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
        elif not self.merged_default_graph:
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

    def select_plain(self, query: str) -> list[dict[str, tuple[str, str]]]:
        """SELECT rows as ``(value, language)`` string pairs: for bulk readers (the search
        index at build) that need neither rdflib terms nor their cost (~20 µs a term)."""
        result = self._run(query)
        if not isinstance(result, ox.QuerySolutions):
            raise BadQuery("expected a SELECT query")
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            row = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = (term.value, getattr(term, "language", None) or "")
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
        """The SPARQL endpoint's evaluation, in this process and without a time limit.

        Same refusals (SERVICE, updates, foreign FROM), union default graph and result cap as
        the HTTP service.
        """
        from graph.namespaces import PREFIXES

        return evaluate(
            self._store,
            query,
            choose,
            dataset=dataset,
            max_results=max_results,
            prefixes=PREFIXES,
            substitutions=_substitutions(bindings),
            merged_default_graph=self.merged_default_graph,
        )

    def export(self, media_type: str, out: BinaryIO) -> None:
        """Write the whole dataset; triple formats get the union of all graphs."""
        fmt = RDF_FORMATS[media_type]
        if media_type in DATASET_FORMATS and self.merged_default_graph:
            # The merged default graph is a serving aid, not part of the dataset.
            quads = self._store.quads_for_pattern(None, None, None)
            named = (q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph))
            ox.serialize(named, out, format=fmt)
            return
        if media_type in DATASET_FORMATS:
            self._store.dump(out, format=fmt)
            return
        triples = self._store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            use_default_graph_as_union=not self.merged_default_graph,
        )
        triples.serialize(out, format=fmt)

    def backup(self, target: Path, *, merge_default_graph: bool = False) -> EmbeddedStore:
        """A private snapshot of this store at ``target`` (hard links on the same file system),
        opened read-only: it stays readable whatever later builds do to the original.

        ``merge_default_graph`` writes the RDF merge of all named graphs into the snapshot's
        default graph, so a triple stated by several claims is seen once by queries that do
        not name graphs (SPARQL's set semantics for a default graph).
        """
        target = Path(target)
        self._store.backup(str(target))
        if self.merged_default_graph:
            mark_merged(target)  # the backup copied the merged default graph already
        elif merge_default_graph:
            writable = ox.Store(str(target))
            merge_default_graph_into(writable, target)
            del writable
        write_info(target, self._info)
        return EmbeddedStore(target, union_default_graph=self.union_default_graph)

    def quad_count(self) -> int:
        return len(self._store)

    def close(self) -> None:
        del self._store


def mark_merged(path: Path) -> None:
    (Path(path) / MERGED_MARKER).write_text(
        "The default graph of this store is the RDF merge of its named graphs.\n",
        encoding="utf-8",
    )


def merge_default_graph_into(writable: ox.Store, path: Path) -> int:
    """Write the RDF merge of all named graphs into the default graph; return its size.

    pyoxigraph 0.5's union flag yields a triple once per graph that states it, so counts over
    the "union" would double; a materialised merge gives SPARQL's set semantics (each triple
    once), like Fuseki's union default graph.
    """
    # CONSTRUCT answers the merge (each triple once) serialised in Rust, and the bulk loader
    # writes it without a transaction: a third faster than INSERT … WHERE on a fresh store.
    merged = writable.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    data = merged.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
    writable.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
    writable.flush()
    mark_merged(path)
    counted = writable.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")  # in Rust, not Python
    return int(next(iter(counted))["n"].value)


def create_store(path: Path) -> ox.Store:
    """A new writable store directory (build only)."""
    return ox.Store(str(path))


def load_new_store(path: Path, data: bytes, media_type: str) -> EmbeddedStore:
    """A fresh store at ``path`` holding exactly ``data`` (e.g. a dump), opened for reading.

    Its version is the SHA-256 prefix of ``data``; the counts are the store's own.
    """
    import hashlib
    from datetime import UTC, datetime

    writable = create_store(path)
    writable.load(data, format=RDF_FORMATS[media_type])
    quads = len(writable)
    graphs = len(list(writable.named_graphs()))
    triples = merge_default_graph_into(writable, path)
    del writable
    built_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    version = hashlib.sha256(data).hexdigest()[:16]
    write_info(path, DatasetInfo(version, built_at, triples, quads, graphs))
    return EmbeddedStore(path)


def canonical_quads(data: bytes, media_type: str) -> list[str]:
    """The dataset in ``data`` as sorted canonical N-Quads lines (RDFC-1.0 blank-node labels):
    two documents hold isomorphic datasets exactly when these lists are equal."""
    dataset = ox.Dataset(ox.parse(data, format=RDF_FORMATS[media_type]))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(str(dataset).splitlines())
