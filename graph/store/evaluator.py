"""Protocol query evaluation on a pyoxigraph store: refusals, dataset, result cap, serialisation.

One function, ``evaluate``, used in two places: inside the API's worker processes (``serve`` is
their main loop, fed over a pipe by ``api.workers``) and in-process by ``EmbeddedStore.answer``.
The answer leaves as serialised bytes, so the caller never iterates rows.

Kept light on purpose (pyoxigraph and the standard library only, no rdflib): a worker that was
killed at its time limit is replaced by a fresh process, and that should start in a blink.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import pickle
import re
import resource
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from graph.errors import (
    BadQuery,
    EvaluationFailed,
    GovkgError,
    NotAcceptable,
    QueryRefused,
)
from graph.store.base import Answer, QueryDataset, QueryForm
from graph.store.query_text import analyse

RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
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
# In a server snapshot, this file says the store's default graph holds the RDF merge of the
# named graphs (each triple once), so queries use it instead of pyoxigraph's union flag, which
# returns a triple once per graph stating it (pyoxigraph 0.5; oxigraph issue #1919).
MERGED_MARKER = "govkg-default-graph-is-merge"
# A writable test instance's snapshot (GOVKG_WRITE_MODE=plain): FROM of an absent graph is empty.
PLAIN_MARKER = "govkg-plain-dataset"

# Names clients use for "the default graph" (Jena's, and rdflib's Dataset sends its own as
# default-graph-uri): here that is the union of all graphs.
DEFAULT_GRAPH_ALIASES = frozenset(
    {"urn:x-arq:DefaultGraph", "urn:x-arq:UnionGraph", "urn:x-rdflib:default"}
)
# Formats whose writers declare prefixes (the others would ignore or mangle them).
PREFIXED_FORMATS = {"text/turtle", "application/trig", "application/rdf+xml"}

_UNKNOWN_FUNCTION = re.compile(r"The custom function <([^>]*)> is not supported")
_SYNTAX_POSITION = re.compile(r"^error at (\d+):(\d+): ")


@dataclass(frozen=True)
class QueryJob:
    """One protocol query: what to run, on which dataset, and how to write each answer form.

    ``solutions_type`` / ``graph_type`` are the negotiated media types for SELECT/ASK and for
    CONSTRUCT/DESCRIBE answers; None means the client accepts none for that form (406).
    ``dataset`` is the protocol's default-graph-uri / named-graph-uri (None: not given).
    """

    query: str
    solutions_type: str | None
    graph_type: str | None
    dataset: QueryDataset | None = None
    max_results: int | None = None
    base_iri: str | None = None
    # The snapshot to evaluate on; a worker reopens when it changes (after a committed write).
    store_path: str | None = None


def chooser(job: QueryJob) -> Callable[[QueryForm], str]:
    """The job's negotiated media types as a choose function; raises NotAcceptable for a gap."""

    def choose(form: QueryForm) -> str:
        media_type = job.solutions_type if form in ("select", "ask") else job.graph_type
        if media_type is None:
            raise NotAcceptable(form)
        return media_type

    return choose


def evaluate(
    store: ox.Store,
    query: str,
    choose: Callable[[QueryForm], str],
    *,
    dataset: QueryDataset | None = None,
    max_results: int | None = None,
    base_iri: str | None = None,
    prefixes: Mapping[str, str] | None = None,
    substitutions: Mapping[ox.Variable, object] | None = None,
    merged_default_graph: bool = False,
    absent_graphs_empty: bool = False,
) -> Answer:
    """Run one query the way the SPARQL endpoint does and return the serialised answer.

    The default graph is the union of all graphs unless the query (FROM / FROM NAMED) or the
    protocol (``dataset``) names graphs; named graphs must be graphs of this store. With
    ``merged_default_graph`` the store's default graph already holds that union (each triple
    once); otherwise pyoxigraph's union flag is used.

    :raises QueryRefused: SERVICE, updates, or a dataset IRI that is not one of our graphs.
    :raises BadQuery: syntax or evaluation error, with the parser's message and position.
    :raises NotAcceptable: ``choose`` refused the answer's form.
    """
    text = analyse(query, base_iri)
    kwargs: dict[str, object] = {"base_iri": base_iri, "substitutions": substitutions}
    graphs = dataset if dataset and (dataset.default_graphs or dataset.named_graphs) else None
    if graphs is None and (text.from_graphs or text.from_named_graphs):
        graphs = QueryDataset(tuple(text.from_graphs), tuple(text.from_named_graphs))
    if graphs is not None and _only_the_default_graph(graphs):
        graphs = None
    if graphs is None:
        if not merged_default_graph:
            kwargs["use_default_graph_as_union"] = True
    else:
        kwargs["default_graph"] = _default_graph(
            store, graphs.default_graphs, merged_default_graph, absent_graphs_empty
        )
        kwargs["named_graphs"] = [
            _our_graph(store, iri, absent_graphs_empty) for iri in graphs.named_graphs
        ]
    capped = text.with_limit(query, max_results + 1) if max_results is not None else None
    try:
        result, warnings = _run(store, capped or query, kwargs)
    except BadQuery:
        if capped is None:
            raise
        result, warnings = _run(store, query, kwargs)  # report the user's text, not ours
    try:
        if isinstance(result, ox.QueryBoolean):
            media_type = choose("ask")
            body = result.serialize(format=RESULT_FORMATS[media_type])
            return Answer("ask", media_type, body or b"", False, warnings)
        if isinstance(result, ox.QuerySolutions):
            media_type = choose("select")
            body = result.serialize(format=RESULT_FORMATS[media_type]) or b""
            body, truncated = _cap_rows(body, media_type, max_results)
            return Answer("select", media_type, body, truncated, warnings)
        form: QueryForm = "describe" if text.form == "DESCRIBE" else "construct"
        media_type = choose(form)
        source = iter(result)
        triples = source if max_results is None else itertools.islice(source, max_results)
        declared = dict(prefixes or {}) if media_type in PREFIXED_FORMATS else None
        body = ox.serialize(triples, format=RDF_FORMATS[media_type], prefixes=declared)
        truncated = max_results is not None and next(source, None) is not None
        return Answer(form, media_type, body or b"", truncated, warnings)
    except RuntimeError as error:
        raise BadQuery(f"query evaluation failed: {error}") from error
    except OSError as error:
        raise EvaluationFailed(f"the store could not be read: {error}") from error


def _only_the_default_graph(graphs: QueryDataset) -> bool:
    """``default-graph-uri=urn:x-arq:DefaultGraph`` alone (Jena's or rdflib's name for it)."""
    defaults = list(graphs.default_graphs)
    return not graphs.named_graphs and len(defaults) == 1 and defaults[0] in DEFAULT_GRAPH_ALIASES


def _default_graph(
    store: ox.Store, iris: Sequence[str], merged: bool, absent_empty: bool = False
) -> list[object]:
    """The graphs merged into the default graph; an alias of the default graph means all."""
    if any(iri in DEFAULT_GRAPH_ALIASES for iri in iris):
        return [ox.DefaultGraph()] if merged else [ox.DefaultGraph(), *store.named_graphs()]
    return [_our_graph(store, iri, absent_empty) for iri in iris]


def has_merged_default_graph(path: str | Path) -> bool:
    """Whether the store at ``path`` is a snapshot whose default graph is the merged union."""
    return (Path(path) / MERGED_MARKER).exists()


def is_plain_dataset(path: str | Path) -> bool:
    """Whether the store at ``path`` is a plain (conformance-test) dataset: there a graph that
    is not in the store is simply empty, as SPARQL 1.1 §13.2 allows, instead of refused."""
    return (Path(path) / PLAIN_MARKER).exists()


def _our_graph(store: ox.Store, iri: str, absent_empty: bool = False) -> ox.NamedNode:
    try:
        node = ox.NamedNode(iri)
    except ValueError as error:
        raise BadQuery(f"<{iri}> is not an absolute IRI, so it names no graph: {error}") from None
    if not absent_empty and not store.contains_named_graph(node):
        raise QueryRefused(
            f"<{iri}> is not a graph of this dataset: FROM, FROM NAMED, default-graph-uri and "
            "named-graph-uri may only name the dataset's own named graphs (see the service "
            "description); nothing is ever fetched from the web"
        )
    return node


def _run(store: ox.Store, query: str, kwargs: dict[str, object]) -> tuple[object, tuple[str, ...]]:
    """Evaluate; unknown extension functions become expression errors (unbound), as in Jena.

    SPARQL 1.1 §17.3: an extension function the engine does not provide raises an error in the
    expression, so FILTER drops the row and BIND / SELECT leave the variable unbound. pyoxigraph
    refuses the whole query instead; the names come back as warnings for a response header.
    """
    functions: dict[ox.NamedNode, Callable[..., None]] = {}
    while True:
        try:
            return store.query(query, custom_functions=functions or None, **kwargs), tuple(
                f.value for f in functions
            )
        except SyntaxError as error:
            raise BadQuery(_syntax_message(str(error))) from error
        except RuntimeError as error:
            unknown = _UNKNOWN_FUNCTION.search(str(error))
            if unknown is None or len(functions) >= 64:
                raise BadQuery(f"query evaluation failed: {error}") from error
            functions[ox.NamedNode(unknown.group(1))] = _no_value
        except OSError as error:
            raise EvaluationFailed(f"the store could not be read: {error}") from error


def _no_value(*_: object) -> None:
    return None


def _syntax_message(message: str) -> str:
    """'error at 1:44: expected …' → 'malformed query at line 1, column 44: expected …'."""
    match = _SYNTAX_POSITION.match(message)
    if match is None:
        return f"malformed query: {message}"
    line, column = match.groups()
    return f"malformed query at line {line}, column {column}: {message[match.end():]}"


def _cap_rows(body: bytes, media_type: str, cap: int | None) -> tuple[bytes, bool]:
    """Cut a serialised SELECT answer to ``cap`` rows, keeping the document valid.

    The query ran with LIMIT cap+1, so at most one row is too many. Counting is exact for XML
    and TSV (markup and newlines are escaped in values) and an upper bound for JSON and CSV,
    which are parsed only when the bound says the cap may have been hit.
    """
    if cap is None:
        return body, False
    fmt = RESULT_FORMATS[media_type]
    if fmt == ox.QueryResultsFormat.XML:
        if body.count(b"<result>") <= cap:
            return body, False
        cut = _nth(body, b"<result>", cap + 1)
        return body[:cut] + b"</results></sparql>", True
    if fmt == ox.QueryResultsFormat.TSV:
        lines = body.split(b"\n")
        if len(lines) - 2 <= cap:  # header + rows + the empty string after the last newline
            return body, False
        return b"\n".join(lines[: cap + 1]) + b"\n", True
    if fmt == ox.QueryResultsFormat.JSON:
        if b'"bindings":[]' in body or body.count(b"},{") + 1 <= cap:
            return body, False
        document = json.loads(body)
        bindings = document["results"]["bindings"]
        if len(bindings) <= cap:
            return body, False
        document["results"]["bindings"] = bindings[:cap]
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), True
    # CSV: newlines may sit inside quoted values, so the line count is only a bound.
    if body.count(b"\n") - 1 <= cap:
        return body, False
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    if len(rows) - 1 <= cap:
        return body, False
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows[: cap + 1])
    return out.getvalue().encode("utf-8"), True


def _nth(body: bytes, needle: bytes, n: int) -> int:
    position = -1
    for _ in range(n):
        position = body.find(needle, position + 1)
    return position


# --- worker process -------------------------------------------------------------------------

READY = b"ready"
# Answers up to this size go in one message with their header (copying them costs less than
# a second message); larger ones follow it as a message of their own.
INLINE_REPLY = 64 * 1024


def serve(
    conn: Connection, store_path: str, prefixes: Mapping[str, str], memory_mb: int = 0
) -> None:
    """Main loop of one worker process: answer pickled QueryJobs until the pipe closes.

    Each reply is a pickled header, ``("ok", form, media_type, truncated, warnings, size,
    inline)`` or ``("error", error class name, message)``. An answer of up to
    ``INLINE_REPLY`` bytes travels in the same message, right after the header's pickle
    (``inline``: one write here, one read there); a larger one follows as a second, raw message
    (no pickling, no extra copy of a large answer).
    The parent kills this process when a query overruns its time; nothing here needs cleanup.
    ``memory_mb`` caps the process's address space: a query that needs more makes the engine
    abort this process, instead of the machine running out of memory.
    """
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    merged = has_merged_default_graph(store_path)
    plain = is_plain_dataset(store_path)
    try:
        store = ox.Store.read_only(store_path)
    except OSError as error:
        conn.send_bytes(pickle.dumps(("error", "EvaluationFailed", f"cannot open store: {error}")))
        return
    conn.send_bytes(READY)
    while True:
        try:
            job: QueryJob = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        body = None
        try:
            if job.store_path is not None and job.store_path != store_path:
                store = ox.Store.read_only(job.store_path)
                store_path = job.store_path
                merged = has_merged_default_graph(store_path)
                plain = is_plain_dataset(store_path)
            answer = evaluate(
                store,
                job.query,
                chooser(job),
                dataset=job.dataset,
                max_results=job.max_results,
                base_iri=job.base_iri,
                prefixes=prefixes,
                merged_default_graph=merged,
                absent_graphs_empty=plain,
            )
            body = answer.body
            inline = len(body) <= INLINE_REPLY
            header = (
                "ok", answer.form, answer.media_type, answer.truncated, answer.warnings,
                len(body), inline,
            )
        except GovkgError as error:
            header = ("error", type(error).__name__, str(error))
        except Exception as error:  # a reply must always go back, or the caller waits to timeout
            header = ("error", "EvaluationFailed", f"{type(error).__name__}: {error}")
        message = pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)
        if body is None:
            conn.send_bytes(message)
        elif inline:
            conn.send_bytes(message + body)
        else:
            conn.send_bytes(message)
            conn.send_bytes(body)
