"""The primary store: the one writable pyoxigraph database on disk, owned by the server process.

Implements ``graph.store.base.Writer``. Readers never open it: after each commit the server
takes a snapshot (``snapshot``, hard links) and points its reader and query workers at it, so a
reader sees a whole committed state or the one before, never half a write.

One write at a time (a lock), each in four steps:

1. **Diff**: the quads the update would insert and remove (``graph.store.pending``: read from
   the update's data blocks, or by running it on a checkpoint of the primary and comparing).
2. **Pending**: a view of the dataset through the diff; nothing is copied.
3. **Gate**: ``check`` (the SHACL gate, ``graph.write_gate``) sees the pending view and the diff;
   a rejection raises and nothing was touched.
4. **Commit**: the same update, the change-log entry (PROV, graph ``graph/changes``), the new
   version in the meta graph and the default-graph upkeep (``default_graph_upkeep``: only the
   graphs and subjects the change touched) run on the primary as *one*
   SPARQL Update request, which oxigraph applies in one RocksDB transaction (all or nothing, also
   under ``kill -9``), then ``flush``. Only then is the write acknowledged.

In *plain* mode (``union_default_graph=False``: a conformance-test instance) the default graph
is the store's own, steps 1 and 4 do no default-graph work, and no change log or version is
written into the store (the suite would see them in ``GRAPH ?g``); the version then lives only in
``govkg-meta.json``, written after the commit.

The version lives in the store itself (``owl:versionInfo`` of the dataset in the meta graph),
written in the same transaction as the change: after a crash the version and the data agree.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from graph.errors import BadQuery, QueryRefused, StoreMissing
from graph.store.base import Commit, DatasetInfo
from graph.store.embedded import EmbeddedStore, mark_merged, read_info, write_info
from graph.store.evaluator import PLAIN_MARKER
from graph.store.pending import PendingChange, PendingView, compute_diff
from graph.store.query_text import tokenize

__all__ = [
    "CHANGES_GRAPH", "PendingChange", "PrimaryStore", "graph_store_update", "refuse_remote"
]

BASE = "https://govkg.example/"
CHANGES_GRAPH = f"{BASE}graph/changes"
META_GRAPH = f"{BASE}graph/meta"
DATASET = f"{BASE}id/dataset/govkg"
OWL_VERSION = "http://www.w3.org/2002/07/owl#versionInfo"
MODIFIED = "http://purl.org/dc/terms/modified"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
XSD_ANYURI = "http://www.w3.org/2001/XMLSchema#anyURI"
MAX_LOGGED_TEXT = 20_000
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

# The default graph is the RDF merge of the named graphs (see EmbeddedStore): drop what no named
# graph states any more, add what they state. Runs inside the writing transaction.
RECOMPUTE_DEFAULT_GRAPH = """
DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } } ;
INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"""


def refuse_remote(update: str) -> None:
    """Refuse ``LOAD`` (it fetches a remote IRI) and ``SERVICE`` in an update, on the text.

    pyoxigraph would open the connection itself; the tokenizer knows strings, IRIs and
    comments, so a keyword inside them does not count.
    """
    for token in tokenize(update):
        if token.kind == "word" and token.keyword in ("LOAD", "SERVICE"):
            raise QueryRefused(
                f"{token.keyword} is refused: this service never fetches remote data; send "
                "the triples in the request (Graph Store Protocol PUT/POST or INSERT DATA)"
            )


def with_protocol_dataset(update: str, using: list[str], using_named: list[str]) -> str:
    """Apply the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` (SPARQL 1.1
    Protocol §2.2.3) as ``USING`` / ``USING NAMED`` clauses of every DELETE/INSERT … WHERE.

    :raises BadQuery: the update has ``USING`` or ``WITH`` of its own (§2.2.3: that is an error).

    >>> with_protocol_dataset("INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", ["http://g"], [])
    'INSERT { ?s ?p 1 } USING <http://g> WHERE { ?s ?p ?o }'
    """
    if not using and not using_named:
        return update
    tokens = tokenize(update)
    if any(t.keyword in ("USING", "WITH") for t in tokens):
        raise BadQuery(
            "using-graph-uri / using-named-graph-uri given with an update that has USING or "
            "WITH of its own (SPARQL 1.1 Protocol §2.2.3)"
        )
    clause = " ".join(
        [f"USING <{_iri(g)}>" for g in using] + [f"USING NAMED <{_iri(g)}>" for g in using_named]
    )
    depth, previous, cuts = 0, None, []
    for token in tokens:
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif token.keyword == "WHERE" and depth == 0 and previous is not None \
                and previous.text == "}":
            cuts.append(token.start)
        previous = token
    for cut in reversed(cuts):
        update = f"{update[:cut]}{clause} {update[cut:]}"
    return update


def default_graph_upkeep(pending: PendingChange, logged: set[str] = frozenset()) -> str:
    """SPARQL Update that brings the default graph (the merge of the named graphs) up to date
    after ``pending`` and its bookkeeping, touching only what the change touched.

    The merge can only lose triples of removed quads (and direct default-graph writes), and only
    gain triples of inserted quads and of the ``logged`` subjects (the change-log entry, the new
    version): so the triples of those subjects are dropped where no graph states them any more
    and copied from the named graphs. Blank-node subjects cannot be named in ``VALUES``; for
    them, or for huge changes, the whole merge is recomputed.
    """
    removed = {q.subject for q in pending.removed} | pending.default_touched
    inserted = {q.subject for q in pending.inserted} | pending.default_touched
    dataset = ox.NamedNode(DATASET)  # its version and date change in the meta graph
    removed.add(dataset)
    inserted |= {dataset} | {ox.NamedNode(iri) for iri in logged}
    if any(isinstance(s, ox.BlankNode) for s in removed | inserted) \
            or len(removed) + len(inserted) > 20_000:
        return RECOMPUTE_DEFAULT_GRAPH
    return f"""
DELETE {{ ?s ?p ?o }} WHERE {{
  VALUES ?s {{ {" ".join(str(s) for s in removed)} }}
  ?s ?p ?o FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }} }} ;
INSERT {{ ?s ?p ?o }} WHERE {{
  VALUES ?s {{ {" ".join(str(s) for s in inserted)} }} GRAPH ?g {{ ?s ?p ?o }} }}"""


Check = Callable[[PendingChange], object | None]


class PrimaryStore:
    """The writable store at ``path`` (``Writer``); opened once, by the serving process."""

    def __init__(self, path: Path, *, union_default_graph: bool = True) -> None:
        path = Path(path).resolve()
        if not path.exists():
            raise StoreMissing(f"no primary store at {path}")
        self.path = path
        self.union_default_graph = union_default_graph
        self._store = ox.Store(str(path))
        self._lock = threading.Lock()
        self._info = self._read_info()

    @classmethod
    def open_or_seed(
        cls, path: Path, seed: Path | None, *, union_default_graph: bool = True
    ) -> PrimaryStore:
        """Open the primary at ``path``; the first time, copy it from the built store ``seed``
        (None: start empty).

        The copy is made beside the target and renamed into place, so a crash while seeding
        leaves no half primary. Later builds do not replace an existing primary (it holds
        writes the build inputs do not have).
        """
        path = Path(path)
        if not path.exists():
            staging = path.with_name(f".{path.name}.seeding")
            if staging.exists():
                import shutil

                shutil.rmtree(staging)
            if seed is None:
                empty = ox.Store(str(staging))
                empty.flush()
                del empty
                stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
                write_info(staging, DatasetInfo("0" * 16, stamp, 0, 0, 0))
            else:
                ox.Store.read_only(str(seed)).backup(str(staging))
                write_info(staging, read_info(seed))
            staging.rename(path)
        return cls(path, union_default_graph=union_default_graph)

    @property
    def info(self) -> DatasetInfo:
        return self._info

    def _read_info(self) -> DatasetInfo:
        recorded = read_info(self.path)
        version = recorded.version
        for quad in self._store.quads_for_pattern(
            ox.NamedNode(DATASET), ox.NamedNode(OWL_VERSION), None, ox.NamedNode(META_GRAPH)
        ):
            version = quad.object.value  # the store's own record wins over the side file
        return self._count(version, recorded.built_at)

    def _count(self, version: str, built_at: str) -> DatasetInfo:
        quads = len(self._store)
        graphs = sum(1 for _ in self._store.named_graphs())
        # Counted by the engine: iterating quads into Python costs ~7 µs each.
        default = int(next(iter(self._store.query(COUNT_DEFAULT)))["n"].value)
        if self.union_default_graph:  # as a build records it: merged triples, named quads
            return DatasetInfo(version, built_at, default, quads - default, graphs)
        return DatasetInfo(version, built_at, quads, quads, graphs)

    def quad_count(self) -> int:
        return len(self._store)

    def has_graph(self, iri: str) -> bool:
        return self._store.contains_named_graph(ox.NamedNode(_iri(iri)))

    def apply(
        self,
        update: str,
        *,
        agent: str,
        summary: str,
        check: Check | None = None,
        base_iri: str | None = None,
    ) -> Commit:
        """Apply one SPARQL 1.1 Update as one gated transaction.

        :raises QueryRefused: LOAD or SERVICE.
        :raises BadQuery: the update does not parse or fails.
        :raises WriteRejected: whatever ``check`` raises for a pending change it refuses.
        """
        refuse_remote(update)
        with self._lock:
            before = self._info.version
            pending = self._pending(update, base_iri)
            if not pending.inserted and not pending.removed and not pending.unsourced:
                return Commit(before, before, False, 0, 0)
            if check is not None:
                check(pending)
            now = datetime.now(UTC)
            after = hashlib.sha256(
                f"{before}\n{agent}\n{now.isoformat()}\n{update}".encode()
            ).hexdigest()[:16]
            change = f"{BASE}change/{after}"
            program = update
            if self.union_default_graph:
                program += " ;\n" + self._bookkeeping(
                    before, after, change, agent, summary, update, pending, now
                )
                logged = {change, f"{BASE}version/{after}", _agent_iri(agent)}
                program += " ;\n" + default_graph_upkeep(pending, logged)
            self._execute(self._store, program, base_iri)
            self._store.flush()
            stamp = now.replace(microsecond=0).isoformat()
            self._info = self._count(after, stamp)
            write_info(self.path, self._info)
            return Commit(
                before, after, True, _named(pending.inserted), _named(pending.removed),
                change if self.union_default_graph else None,
            )

    def preview(
        self,
        update: str,
        base_iri: str | None = None,
        *,
        scratch: bool = False,
        scan: bool = False,
    ) -> PendingChange:
        """What ``update`` would change, without writing (``scratch``: force the engine route;
        ``scan``: compare every graph there).

        :raises BadQuery: the update does not parse or fails.
        """
        refuse_remote(update)
        with self._lock:
            return self._pending(update, base_iri, scratch=scratch, scan=scan)

    def _pending(
        self,
        update: str,
        base_iri: str | None = None,
        *,
        scratch: bool = False,
        scan: bool = False,
    ) -> PendingChange:
        """What ``update`` would change, as a diff and a view of the dataset through it
        (``graph.store.pending``); the primary is not written."""
        diff = compute_diff(
            self._store, self.path, update, base_iri, scratch=scratch, scan=scan
        )
        view = PendingView(self._store, diff.inserted, diff.removed)
        unsourced: list[ox.Triple] = []
        default_touched: set[ox.NamedNode | ox.BlankNode] = set()
        if self.union_default_graph:
            default_touched = {
                q.subject for q in diff.inserted | diff.removed
                if isinstance(q.graph_name, ox.DefaultGraph)
            }
            for quad in diff.inserted:
                if not isinstance(quad.graph_name, ox.DefaultGraph):
                    continue
                stated = any(
                    not isinstance(q.graph_name, ox.DefaultGraph)
                    for q in view.quads(quad.subject, quad.predicate, quad.object)
                )
                if not stated:
                    unsourced.append(quad.triple)
        rdf_type = ox.NamedNode(RDF_TYPE)
        created = {
            q.subject for q in diff.inserted
            if q.predicate == rdf_type
            and next(iter(self._store.quads_for_pattern(q.subject, rdf_type, None)), None) is None
        }
        return PendingChange(
            view, diff.inserted, diff.removed, unsourced, created, default_touched, diff.route
        )

    @staticmethod
    def _execute(store: ox.Store, program: str, base_iri: str | None = None) -> None:
        try:
            store.update(program, base_iri=base_iri)
        except SyntaxError as error:
            raise BadQuery(f"malformed update: {error}") from error
        except (RuntimeError, ValueError) as error:
            raise BadQuery(f"update failed: {error}") from error

    def _bookkeeping(
        self,
        before: str,
        after: str,
        change: str,
        agent: str,
        summary: str,
        update: str,
        pending: PendingChange,
        now: datetime,
    ) -> str:
        """SPARQL Update text: the PROV change-log entry and the new version in the meta graph."""
        stamp = ox.Literal(now.isoformat(), datatype=ox.NamedNode(XSD_DATETIME))
        text = update if len(update) <= MAX_LOGGED_TEXT else update[:MAX_LOGGED_TEXT] + "\n# …cut"
        agent_iri = f"<{_agent_iri(agent)}>"
        graphs = sorted(
            {q.graph_name.value for q in pending.inserted | pending.removed
             if isinstance(q.graph_name, ox.NamedNode)}
        )
        # The graphs as xsd:anyURI literals, not links: a log entry must not keep a dropped
        # claim "linked to" (the shapes would call it dangling).
        touched = "".join(
            f"\n    <{change}> <http://purl.org/dc/terms/references> "
            f"{ox.Literal(g, datatype=ox.NamedNode(XSD_ANYURI))} ." for g in graphs[:1000]
        )
        return f"""
DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ <{DATASET}> <{OWL_VERSION}> ?version }} }} ;
DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ <{DATASET}> <{MODIFIED}> ?modified }} }} ;
INSERT DATA {{
  GRAPH <{META_GRAPH}> {{
    <{DATASET}> <{OWL_VERSION}> {ox.Literal(after)} ; <{MODIFIED}> {stamp} .
  }}
  GRAPH <{CHANGES_GRAPH}> {{
    <{change}> a <{_PROV}Activity> ;
        <{_PROV}wasAssociatedWith> {agent_iri} ;
        <{_PROV}endedAtTime> {stamp} ;
        <{_PROV}used> <{BASE}version/{before}> ;
        <{_PROV}generated> <{BASE}version/{after}> ;
        <http://purl.org/dc/terms/description> {ox.Literal(summary)} ;
        <http://www.w3.org/1999/02/22-rdf-syntax-ns#value> {ox.Literal(text)} ;
        <http://www.w3.org/2000/01/rdf-schema#comment> {ox.Literal(
            f"{len(pending.inserted)} quads inserted, {len(pending.removed)} removed")} .{touched}
    <{BASE}version/{after}> a <{_PROV}Entity> ; <{_PROV}wasRevisionOf> <{BASE}version/{before}> ;
        <{OWL_VERSION}> {ox.Literal(after)} .
    {agent_iri} a <{_PROV}Agent> ;
        <http://www.w3.org/2000/01/rdf-schema#label> {ox.Literal(agent)} .
  }}
}}"""

    def snapshot(self, target: Path) -> EmbeddedStore:
        """A read-only copy of the committed state at ``target`` (hard links), for readers."""
        with self._lock:
            self._store.backup(str(target))
            info = self._info
        # Marked in both modes: the marker tells the evaluator to use the store's own default
        # graph (the merge in govkg mode, the loaded default graph in plain mode), not the union.
        mark_merged(target)
        if not self.union_default_graph:
            (Path(target) / PLAIN_MARKER).write_text(
                "A plain (conformance-test) dataset: absent graphs are empty.\n", encoding="utf-8"
            )
        write_info(target, info)
        return EmbeddedStore(target, union_default_graph=self.union_default_graph)

    def close(self) -> None:
        with self._lock:
            self._store.flush()
            del self._store


_PROV = "http://www.w3.org/ns/prov#"


def _named(quads: set[ox.Quad]) -> int:
    return sum(1 for q in quads if not isinstance(q.graph_name, ox.DefaultGraph))


def _agent_iri(agent: str) -> str:
    return f"{BASE}agent/{_slug(agent)}"


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name.lower()) or "anonymous"


# Graph Store Protocol bodies we read (graphs only; no JSON-LD: its contexts can point at the web).
GRAPH_BODY_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def graph_store_update(method: str, graph: str | None, body: bytes, media_type: str) -> str:
    """The SPARQL Update equivalent of a Graph Store Protocol request (SPARQL 1.1 GSP §5).

    ``graph`` None is the default graph. PUT replaces the graph, POST merges into it, DELETE
    drops it. Blank nodes of the body stay blank nodes (fresh ones, as GSP says).

    :raises UnsupportedMediaType: a body type we do not read.
    :raises BadQuery: a body that does not parse (the message has the position).
    """
    from graph.errors import UnsupportedMediaType

    target = "DEFAULT" if graph is None else f"GRAPH <{_iri(graph)}>"
    if method == "DELETE":
        return f"DROP {target}"
    fmt = GRAPH_BODY_FORMATS.get(media_type)
    if fmt is None:
        raise UnsupportedMediaType(
            f"cannot read a {media_type or 'body without Content-Type'}; send one of "
            + ", ".join(GRAPH_BODY_FORMATS)
        )
    try:
        triples = list(ox.parse(body, format=fmt, base_iri=graph or BASE))
    except SyntaxError as error:
        raise BadQuery(f"the {media_type} body does not parse: {error}") from error
    lines = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    data = lines if graph is None else f"GRAPH <{_iri(graph)}> {{\n{lines}\n}}"
    insert = f"INSERT DATA {{\n{data}\n}}"
    if method == "PUT":
        return f"DROP SILENT {target} ;\n{insert}"
    return insert


def _iri(value: str) -> str:
    """``value`` checked as an absolute IRI (so it cannot break out of ``<…>``)."""
    try:
        return ox.NamedNode(value).value
    except ValueError as error:
        raise BadQuery(f"<{value}> is not an absolute IRI: {error}") from None
