"""What a write would change, computed before anything is written, without copying the dataset.

A write must be validated as the dataset it would leave, but copying a 100k-quad store into
memory for every write costs seconds. Instead the change is computed as a *diff* (quads inserted
and removed) and the pending dataset is a view: the primary store read through the diff.

Two routes compute the diff:

- **data** (most writes: ``INSERT DATA``, ``DELETE DATA``, ``DROP``/``CLEAR GRAPH <g>``, which is
  also everything the Graph Store Protocol sends): the data blocks are read as TriG, canonicalised
  the way the store stores literals (``01`` is stored as ``1``), and applied in order to an empty
  diff. Cost: proportional to the size of the write, not of the dataset.
- **scratch** (``DELETE``/``INSERT … WHERE`` and anything else): the update runs on a RocksDB
  checkpoint of the primary (hard links: milliseconds), and both are compared quad by quad, in
  the graphs the update can write (``written_graphs``: its templates name them) — else, when a
  template writes to ``GRAPH ?g`` or the default graph, in the whole dataset (about 3 s per 100k
  quads; the price of generality).

Blank nodes in a data block (fresh nodes, whose identity only the engine knows) send the write
to the scratch route, as does anything the data route cannot read: the engine is then the one
that reports the error.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graph.errors import BadQuery
from graph.store.query_text import Token, tokenize

__all__ = ["Diff", "PendingChange", "PendingView", "compute_diff", "data_operations"]

Node = ox.NamedNode | ox.BlankNode


@dataclass(frozen=True)
class Operation:
    """One operation of an update the data route understands."""

    kind: str  # "insert" | "delete" | "drop" | "clear"
    quads: tuple[ox.Quad, ...] = ()
    graph: ox.NamedNode | None = None
    silent: bool = False


@dataclass(frozen=True)
class Diff:
    inserted: set[ox.Quad]
    removed: set[ox.Quad]
    route: str  # "data"; "scratch" (compared in the graphs written); "scan" (compared in all)


class PendingView:
    """The dataset as it would be after a write: ``store`` plus ``inserted`` minus ``removed``.

    Read-only; answers quad patterns like ``Store.quads_for_pattern``.
    """

    def __init__(self, store: ox.Store, inserted: set[ox.Quad], removed: set[ox.Quad]) -> None:
        self.store = store
        self.inserted = inserted
        self.removed = removed
        self._by_subject: dict[object, list[ox.Quad]] = {}
        self._by_object: dict[object, list[ox.Quad]] = {}
        self._by_graph: dict[object, list[ox.Quad]] = {}
        for quad in inserted:
            self._by_subject.setdefault(quad.subject, []).append(quad)
            self._by_object.setdefault(quad.object, []).append(quad)
            self._by_graph.setdefault(quad.graph_name, []).append(quad)

    def quads(
        self,
        subject: object | None = None,
        predicate: ox.NamedNode | None = None,
        obj: object | None = None,
        graph: object | None = None,
    ) -> Iterator[ox.Quad]:
        removed = self.removed
        for quad in self.store.quads_for_pattern(subject, predicate, obj, graph):
            if not removed or quad not in removed:
                yield quad
        if subject is not None:
            candidates: Iterable[ox.Quad] = self._by_subject.get(subject, ())
        elif obj is not None:
            candidates = self._by_object.get(obj, ())
        elif graph is not None:
            candidates = self._by_graph.get(graph, ())
        else:
            candidates = self.inserted
        for quad in candidates:
            if (
                (subject is None or quad.subject == subject)
                and (predicate is None or quad.predicate == predicate)
                and (obj is None or quad.object == obj)
                and (graph is None or quad.graph_name == graph)
            ):
                yield quad

    def has_graph(self, graph: ox.NamedNode) -> bool:
        if graph in self._by_graph:
            return True
        return next(self.quads(None, None, None, graph), None) is not None


@dataclass
class PendingChange:
    """The dataset as it would be after a write (``view``) and what the write did.

    ``unsourced`` are triples the write put in the bare default graph and no named graph states:
    facts without a claim (the default graph is derived from the named graphs). ``created``
    are the nodes the write gives a first ``rdf:type``: new entities.
    """

    view: PendingView
    inserted: set[ox.Quad]
    removed: set[ox.Quad]
    unsourced: list[ox.Triple]
    created: set[Node] = field(default_factory=set)
    # Subjects whose default-graph triples the update itself changed.
    default_touched: set[Node] = field(default_factory=set)
    route: str = "data"


def compute_diff(
    store: ox.Store,
    store_path: Path,
    update: str,
    base_iri: str | None = None,
    *,
    scratch: bool = False,
    scan: bool = False,
) -> Diff:
    """The quads ``update`` would insert into and remove from ``store`` (nothing is written).

    ``scratch`` forces the scratch route, ``scan`` its comparison of every graph (tests compare
    the routes).

    :raises BadQuery: the update does not parse or fails (from the engine, on the scratch copy).
    """
    operations = None if scratch else data_operations(update, base_iri)
    if operations is not None:
        diff = _simulate(store, operations)
        if diff is not None:
            return diff
    graphs = None if scan else written_graphs(update)
    return _scratch_diff(store, store_path, update, base_iri, graphs)


def data_operations(update: str, base_iri: str | None = None) -> list[Operation] | None:
    """The operations of ``update`` if every one is a data operation (None otherwise).

    >>> [o.kind for o in data_operations('PREFIX e: <http://e/> INSERT DATA { e:a e:b 1 } ;'
    ...     ' DROP SILENT GRAPH <http://g>')]
    ['insert', 'drop']
    >>> data_operations('DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }') is None
    True
    """
    tokens = tokenize(update)
    prologue: list[str] = []
    operations: list[Operation] = []
    i, n = 0, len(tokens)
    while i < n:
        token = tokens[i]
        word = token.keyword
        if word == "PREFIX" and i + 2 < n:
            prologue.append(update[token.start : tokens[i + 2].end])
            i += 3
        elif word == "BASE" and i + 1 < n:
            prologue.append(update[token.start : tokens[i + 1].end])
            i += 2
        elif token.text == ";":
            i += 1
        elif word in ("INSERT", "DELETE") and i + 2 < n and tokens[i + 1].keyword == "DATA" \
                and tokens[i + 2].text == "{":
            close = _matching(tokens, i + 2)
            if close is None:
                return None
            quads = _read_block(update, tokens, i + 2, close, prologue, base_iri)
            if quads is None:
                return None
            operations.append(Operation(word.lower(), quads=quads))
            i = close + 1
            if i < n and tokens[i].text != ";":
                return None
        elif word in ("DROP", "CLEAR"):
            j = i + 1
            silent = j < n and tokens[j].keyword == "SILENT"
            j += silent
            if j + 1 >= n or tokens[j].keyword != "GRAPH" or tokens[j + 1].kind != "iri":
                return None
            try:
                graph = ox.NamedNode(tokens[j + 1].text[1:-1])
            except ValueError:
                return None  # a relative IRI: the engine resolves it
            operations.append(Operation(word.lower(), graph=graph, silent=silent))
            i = j + 2
            if i < n and tokens[i].text != ";":
                return None
        else:
            return None
    return operations


def _matching(tokens: list[Token], open_index: int) -> int | None:
    depth = 0
    for k in range(open_index, len(tokens)):
        if tokens[k].text == "{":
            depth += 1
        elif tokens[k].text == "}":
            depth -= 1
            if depth == 0:
                return k
    return None


def _read_block(
    update: str,
    tokens: list[Token],
    open_index: int,
    close_index: int,
    prologue: list[str],
    base_iri: str | None,
) -> tuple[ox.Quad, ...] | None:
    """The quads of one ``{ … }`` data block, read as TriG and canonicalised by a store."""
    inner = tokens[open_index + 1 : close_index]
    if any(t.kind in ("bnode", "var") or t.text in ("[", "(") for t in inner):
        return None  # blank nodes (fresh per operation) and variables: the engine decides
    pieces: list[str] = []
    start: int | None = None
    k = open_index + 1
    while k < close_index:
        token = tokens[k]
        if token.keyword == "GRAPH":
            if start is not None:
                pieces.append("{ " + update[start : token.start] + " }")
                start = None
            if k + 2 >= close_index or tokens[k + 2].text != "{":
                return None
            end = _matching(tokens, k + 2)
            if end is None or end >= close_index:
                return None
            pieces.append(update[token.start : tokens[end].end])
            k = end + 1
            continue
        if start is None and token.text != ".":
            start = token.start
        k += 1
    if start is not None:
        pieces.append("{ " + update[start : tokens[close_index].start] + " }")
    document = "\n".join(prologue) + "\n" + "\n".join(pieces)
    try:
        quads = list(ox.parse(document.encode(), format=ox.RdfFormat.TRIG, base_iri=base_iri))
    except (SyntaxError, ValueError):
        return None
    canonical = ox.Store()  # literals as the store keeps them ("01"^^xsd:integer is 1)
    canonical.extend(quads)
    return tuple(canonical)


def _simulate(store: ox.Store, operations: list[Operation]) -> Diff | None:
    inserted: set[ox.Quad] = set()
    removed: set[ox.Quad] = set()
    for operation in operations:
        if operation.kind == "insert":
            for quad in operation.quads:
                if quad in removed:
                    removed.discard(quad)
                elif quad not in store:
                    inserted.add(quad)
        elif operation.kind == "delete":
            for quad in operation.quads:
                if quad in inserted:
                    inserted.discard(quad)
                elif quad in store:
                    removed.add(quad)
        else:
            graph = operation.graph
            exists = store.contains_named_graph(graph) or any(
                q.graph_name == graph for q in inserted
            )
            if not exists and not operation.silent:
                return None  # the engine's error, from the scratch route
            removed.update(store.quads_for_pattern(None, None, None, graph))
            inserted = {q for q in inserted if q.graph_name != graph}
    return Diff(inserted, removed, "data")


def written_graphs(update: str) -> set[ox.NamedNode] | None:
    """The named graphs ``update`` can write to, read from its templates, data blocks and graph
    operations; None when that is not known from the text (``GRAPH ?g`` or a bare triple in a
    template, ``WITH``, ``ADD``/``MOVE``/``COPY``, ``DROP ALL``, relative IRIs, …).

    >>> sorted(g.value for g in written_graphs(
    ...     "DELETE { GRAPH <http://g> { ?s ?p ?o } } WHERE { GRAPH <http://h> { ?s ?p ?o } }"))
    ['http://g']
    >>> written_graphs("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }") is None
    True
    """
    tokens = tokenize(update)
    graphs: set[ox.NamedNode] = set()
    i, n = 0, len(tokens)
    while i < n:
        token = tokens[i]
        word = token.keyword
        if word == "PREFIX":
            i += 3
        elif word == "BASE":
            i += 2
        elif token.text == ";":
            i += 1
        elif word in ("DROP", "CLEAR", "CREATE"):
            j = i + 1 + (i + 1 < n and tokens[i + 1].keyword == "SILENT")
            if j + 1 >= n or tokens[j].keyword != "GRAPH":
                return None
            graph = _absolute(tokens[j + 1])
            if graph is None:
                return None
            graphs.add(graph)
            i = j + 2
        elif word in ("INSERT", "DELETE"):
            j = i + 1
            if j < n and tokens[j].keyword in ("DATA", "WHERE"):
                j += 1
            if j >= n or tokens[j].text != "{":
                return None
            close = _matching(tokens, j)
            if close is None or not _template_graphs(tokens, j, close, graphs):
                return None
            i = close + 1
            if word == "DELETE" and i < n and tokens[i].keyword == "INSERT":
                continue
            i = _skip_where(tokens, i)
            if i is None:
                return None
        else:
            return None  # WITH, ADD, MOVE, COPY, LOAD, …
    return graphs


def _template_graphs(
    tokens: list[Token], open_index: int, close_index: int, graphs: set[ox.NamedNode]
) -> bool:
    """Add the graphs of the ``GRAPH <iri> { … }`` blocks of a template to ``graphs``; False
    when the template also has bare triples (the default graph) or a variable graph."""
    k = open_index + 1
    while k < close_index:
        token = tokens[k]
        if token.keyword == "GRAPH":
            graph = _absolute(tokens[k + 1]) if k + 1 < close_index else None
            if graph is None or k + 2 >= close_index or tokens[k + 2].text != "{":
                return False
            graphs.add(graph)
            end = _matching(tokens, k + 2)
            if end is None:
                return False
            k = end + 1
        elif token.text == ".":
            k += 1
        else:
            return False
    return True


def _skip_where(tokens: list[Token], i: int) -> int | None:
    """The index after ``[USING …]* WHERE { … }`` (or ``i`` itself when there is none: a
    ``DELETE WHERE`` or a data block ends there)."""
    n = len(tokens)
    while i < n and tokens[i].keyword == "USING":
        i += 2 + (i + 1 < n and tokens[i + 1].keyword == "NAMED")
    if i < n and tokens[i].keyword == "WHERE":
        i += 1
    if i < n and tokens[i].text == "{":
        close = _matching(tokens, i)
        return None if close is None else close + 1
    return i


def _absolute(token: Token) -> ox.NamedNode | None:
    if token.kind != "iri":
        return None
    try:
        return ox.NamedNode(token.text[1:-1])
    except ValueError:
        return None


def _scratch_diff(
    store: ox.Store,
    store_path: Path,
    update: str,
    base_iri: str | None,
    graphs: set[ox.NamedNode] | None,
) -> Diff:
    """Run ``update`` on a checkpoint of ``store`` and compare the two, quad by quad, in
    ``graphs`` (None: everywhere)."""
    scratch_dir = Path(tempfile.mkdtemp(prefix=".scratch-", dir=store_path.parent))
    target = scratch_dir / "store"
    try:
        store.backup(str(target))
        scratch = ox.Store(str(target))
        try:
            scratch.update(update, base_iri=base_iri)
        except SyntaxError as error:
            raise BadQuery(f"malformed update: {error}") from error
        except (RuntimeError, ValueError) as error:
            raise BadQuery(f"update failed: {error}") from error
        before, after = _lines(store, graphs), _lines(scratch, graphs)
        del scratch
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)
    route = "scan" if graphs is None else "scratch"
    return Diff(_quads(after - before), _quads(before - after), route)


def _lines(store: ox.Store, graphs: set[ox.NamedNode] | None) -> set[bytes]:
    if graphs is None:
        return set(store.dump(format=ox.RdfFormat.N_QUADS).splitlines())
    lines: set[bytes] = set()
    for graph in graphs:
        quads = store.quads_for_pattern(None, None, None, graph)
        lines.update((ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").splitlines())
    return lines


def _quads(lines: set[bytes]) -> set[ox.Quad]:
    if not lines:
        return set()
    return set(ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_QUADS))
