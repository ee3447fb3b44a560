"""SHACL validation on demand: ``POST /validate`` checks RDF you send, ``GET /validate`` the graph.

``POST /validate`` reads the body as Turtle, TriG, N-Triples, N-Quads or JSON-LD (by
``Content-Type``), or ``multipart/form-data`` with a ``data`` file part, or
``application/json`` ``{"data": "<RDF>", "data_format": "<media type>"}``. Relative IRIs resolve
against ``https://govkg.example/id/``, as in ``graph/data``. The answer is 200 with the report
whether or not the data conforms: ``application/json`` (the default) or the report graph as
``text/turtle``. Bad RDF is a 400 naming line and column; bodies over
``settings.max_body_bytes`` are a 413 (``api.ops.Edge``).

What "does my contribution conform" means here (the choices the issue leaves open):

* the data is handled exactly as the build handles a file of ``graph/data``: triples outside a
  named graph land in an *unsourced* graph, claim blocks are checked (one locator, a verbatim
  quote in range) and compiled into the provenance graph, labels are derived. Claim problems
  are listed apart (``claim_problems``); ``conforms`` is the SHACL verdict alone, matching the
  report's ``sh:conforms``. The build needs both;
* by default the data is checked **in context**: merged with the part of the served graph it
  touches — every statement about each govkg IRI it mentions (with those statements' claims
  and passages) and the types of what they link to — so ``org:unitOf <org/pcm>`` finds PCM's
  class. Results are then kept only for focus nodes the posted data mentions: the rest of the
  graph was validated by its build, and its partial neighbourhood would report false gaps.
  Loading the whole graph instead would take minutes per request. ``?only=true`` checks the data
  alone (like ``govkg validate --data FILE --only``);
* the shapes are always govkg's own (as served, so they match the dataset version). The one
  exception is an explicit ``shapes`` part (multipart) or key (JSON): then data and shapes are
  validated with pySHACL's defaults and nothing of govkg, which is what the W3C SHACL suite
  runner (``run_shacl_suite.py --endpoint …/validate``) expects.

Nothing posted can make the server fetch a URL (``api.rdf_body.offline``): no JSON-LD context
is fetched, ``owl:imports`` is not followed, and a ``SERVICE`` or ``FROM`` in posted shapes is
refused with a 400.

``GET /validate`` answers the report of the served graph, computed once per dataset version in
a background thread. It takes a while on the full graph, so a request waits up to
``SERVED_REPORT_WAIT`` seconds and otherwise gets 202 with ``Retry-After``.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF
from rdflib.term import Node
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep
from api.describe import entity_query
from api.entities import description_of, entity_index, served_graph
from api.errors import error_response
from api.negotiation import choose
from api.rdf_body import (
    PARSERS,
    BadRdf,
    NetworkRefused,
    media_type_of,
    offline,
    parse_multipart,
    parse_rdf,
    part_media_type,
)
from api.runtime import Runtime
from graph.build import unsourced_graph
from graph.claims import check_claims, claim_graphs, compile_claims
from graph.errors import GovkgError, NotAcceptable, PayloadTooLarge, UnsupportedMediaType
from graph.labels import derive_labels
from graph.namespaces import (
    META_GRAPH,
    ONTOLOGY_GRAPH,
    PREFIXES,
    PROVENANCE_GRAPH,
    SH,
    SHAPES_GRAPH,
)
from graph.validation import ValidationReport, ValidationResult, validate

router = APIRouter(tags=["validation"])

REPORT_OFFERS = ("application/json", "text/turtle")
ACCEPTED_BODIES = (*PARSERS, "multipart/form-data", "application/json")
# How long GET /validate waits for the served graph's report before answering 202.
SERVED_REPORT_WAIT = 20.0
RETRY_AFTER = 10
# Validations at once: each holds the GIL for seconds, so more would only slow them all.
MAX_CONCURRENT = 2
BUSY_WAIT = 60.0
# Keywords that make rdflib's SPARQL engine read a URL or a file.
_FETCHING_SPARQL = re.compile(r"\b(SERVICE|FROM|LOAD)\b", re.IGNORECASE)


class ShapesRefused(GovkgError):
    """Posted shapes that are not usable SHACL, or whose SPARQL would fetch something."""

    status = 400


class ValidationBusy(GovkgError):
    """Every validation slot stayed busy for ``BUSY_WAIT`` seconds."""

    status = 503


@dataclass
class Posted:
    """What a POST carried: the data, optional shapes, and how they were sent."""

    data: Dataset
    media_type: str
    name: str
    shapes: Graph | None = None
    same_graph: bool = False


@dataclass
class Outcome:
    """A validation answer before it is written as JSON or Turtle."""

    report: ValidationReport
    shapes: str  # "govkg" | "posted"
    context: str  # "graph" | "none" | "posted-shapes"
    version: str
    claim_problems: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "conforms": self.report.conforms,
            "counts": self.report.counts(),
            "results": [asdict(r) for r in self.report.results],
            "claim_problems": self.claim_problems,
            "shapes": self.shapes,
            "context": self.context,
            "dataset_version": self.version,
            **self.details,
            "report": self.report.to_turtle(),
            "report_format": "text/turtle",
        }


# --------------------------------------------------------------------------------------------
# Reading the request
# --------------------------------------------------------------------------------------------


def _read_posted(body: bytes, content_type: str | None) -> Posted:
    media_type = media_type_of(content_type)
    if media_type == "multipart/form-data":
        parts = parse_multipart(body, content_type or "")
        unknown = sorted(set(parts) - {"data", "shapes"})
        if unknown:
            raise BadRdf(
                f"unexpected form part(s) {', '.join(unknown)}; send 'data' (and, for a "
                "SHACL test, 'shapes')"
            )
        if "data" not in parts:
            raise BadRdf("the form has no 'data' part holding the RDF to validate")
        data_part = parts["data"]
        data_type = part_media_type(data_part)
        data = _parse_part("data", data_part.content, data_type)
        name = data_part.filename or "data"
        if "shapes" not in parts:
            return Posted(data, data_type, name)
        shapes_part = parts["shapes"]
        same = shapes_part.content == data_part.content
        shapes = None
        if not same:
            shapes_type = part_media_type(shapes_part)
            shapes = _flatten(_parse_part("shapes", shapes_part.content, shapes_type))
        return Posted(data, data_type, name, shapes, same)
    if media_type == "application/json":
        return _read_envelope(body)
    if media_type not in PARSERS:
        raise UnsupportedMediaType(
            f"POST /validate reads {', '.join(ACCEPTED_BODIES)}; "
            f"not {media_type or 'a body without Content-Type'}"
        )
    return Posted(parse_rdf(body, media_type), media_type, "request-body")


def _read_envelope(body: bytes) -> Posted:
    """``{"data": "<RDF>", "data_format": "text/turtle", "shapes": …, "shapes_format": …}``."""
    try:
        envelope = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        line = getattr(error, "lineno", None)
        column = getattr(error, "colno", None)
        raise BadRdf(f"the JSON body does not parse: {error}", line, column) from error
    if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), str):
        raise BadRdf(
            'an application/json body must be {"data": "<RDF text>", "data_format": '
            '"text/turtle"}; to send JSON-LD itself use Content-Type application/ld+json'
        )
    data_type = str(envelope.get("data_format") or "text/turtle")
    data = _parse_part("data", envelope["data"].encode("utf-8"), data_type)
    shapes_text = envelope.get("shapes")
    if shapes_text is None:
        return Posted(data, data_type, "data")
    if not isinstance(shapes_text, str):
        raise BadRdf('"shapes" must be a string of RDF')
    same = shapes_text == envelope["data"]
    shapes_type = str(envelope.get("shapes_format") or "text/turtle")
    shapes = None if same else _flatten(_parse_part("shapes", shapes_text.encode(), shapes_type))
    return Posted(data, data_type, "data", shapes, same)


def _parse_part(name: str, content: bytes, media_type: str) -> Dataset:
    """Parse one part of a form or envelope; errors say which part they are in."""
    try:
        return parse_rdf(content, media_type)
    except BadRdf as error:
        raise BadRdf(f"'{name}': {error.reason}", error.line, error.column) from error


def _flatten(dataset: Dataset) -> Graph:
    """Every triple of every graph, as one plain graph, with the prefixes the text declared
    (pySHACL resolves prefixes in SPARQL constraints from them too)."""
    graph = Graph()
    for prefix, namespace in dataset.namespaces():
        graph.bind(prefix, namespace, override=True, replace=True)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def _report_format(request: Request) -> str:
    accept = request.headers.get("accept")
    chosen = choose(accept, REPORT_OFFERS)
    if chosen is None:
        raise NotAcceptable(
            f"No acceptable format for a validation report (Accept: {accept}). "
            f"Formats offered: {', '.join(REPORT_OFFERS)}."
        )
    return chosen


def _body(outcome: Outcome, media_type: str) -> bytes:
    if media_type == "text/turtle":
        return outcome.report.to_turtle().encode("utf-8")
    return json.dumps(outcome.to_json(), ensure_ascii=False).encode("utf-8")


def _respond(outcome: Outcome, media_type: str, body: bytes | None = None) -> Response:
    content_type = "text/turtle; charset=utf-8" if media_type == "text/turtle" else media_type
    return Response(
        body if body is not None else _body(outcome, media_type),
        media_type=content_type,
        headers={"Vary": "Accept", "Cache-Control": "no-store"},
    )


# --------------------------------------------------------------------------------------------
# Validating posted data
# --------------------------------------------------------------------------------------------


def _slots(runtime: Runtime) -> threading.BoundedSemaphore:
    return runtime.cached(
        ("validation", "slots"), lambda: threading.BoundedSemaphore(MAX_CONCURRENT)
    )


def _with_slot(runtime: Runtime, work: Any) -> Any:
    slots = _slots(runtime)
    if not slots.acquire(timeout=BUSY_WAIT):
        raise ValidationBusy(
            f"all {MAX_CONCURRENT} validation slots stayed busy for {BUSY_WAIT:g}s; retry later"
        )
    try:
        with offline():
            return work()
    finally:
        slots.release()


def _validate_posted(
    runtime: Runtime, body: bytes, content_type: str | None, only: bool
) -> Outcome:
    with offline():
        posted = _read_posted(body, content_type)
    details: dict[str, Any] = {
        "data": {"media_type": posted.media_type, "quads": len(posted.data)},
    }
    if posted.shapes is not None or posted.same_graph:
        report = _with_slot(runtime, lambda: _validate_with_posted_shapes(posted))
        return Outcome(report, "posted", "posted-shapes", runtime.version, [], details)
    return _with_slot(runtime, lambda: _validate_against_govkg(runtime, posted, only, details))


def _validate_against_govkg(
    runtime: Runtime, posted: Posted, only: bool, details: dict[str, Any]
) -> Outcome:
    data = _as_authored(posted.data, posted.name)
    problems = [str(p) for p in check_claims(data, runtime.settings.seeds)]
    index = entity_index(runtime)
    problems += [
        f"{claim}: this claim IRI is already used by the served graph; pick a new one"
        for claim in claim_graphs(data)
        if index.knows(str(claim))
    ]
    compile_claims(data)
    derive_labels(data)
    mentioned = _terms(data)
    shapes = served_graph(runtime, SHAPES_GRAPH)
    ontology = served_graph(runtime, ONTOLOGY_GRAPH)
    if only:
        report = validate(data, shapes, ontology)
        return Outcome(report, "govkg", "none", runtime.version, problems, details)
    merged, known = _in_context(runtime, data, mentioned)
    details["context_quads"] = len(merged) - len(data)
    details["known_iris"] = len(known)
    report = _keep_focus(validate(merged, shapes, ontology), {str(t) for t in mentioned})
    return Outcome(report, "govkg", "graph", runtime.version, problems, details)


def _as_authored(parsed: Dataset, name: str) -> Dataset:
    """The posted quads as the build would hold a file of them: loose triples in an unsourced
    graph named after the file, so the claim checks and shapes can point at them."""
    dataset = Dataset(default_union=True)
    loose = unsourced_graph(Path(name))
    for s, p, o, g in parsed.quads((None, None, None, None)):
        graph = g.identifier if isinstance(g, Graph) else g
        if graph is None or graph == DATASET_DEFAULT_GRAPH_ID:
            graph = loose
        dataset.graph(graph).add((s, p, o))
    return dataset


def _terms(dataset: Dataset) -> set[Node]:
    """Every subject and non-literal object, and every graph name, of the posted data."""
    terms: set[Node] = set()
    for s, _, o, g in dataset.quads((None, None, None, None)):
        terms.add(s)
        if not isinstance(o, Literal):
            terms.add(o)
        graph = g.identifier if isinstance(g, Graph) else g
        if isinstance(graph, URIRef):
            terms.add(graph)
    return terms


def _in_context(
    runtime: Runtime, data: Dataset, mentioned: Iterable[Node]
) -> tuple[Dataset, list[URIRef]]:
    """The posted data plus what the served graph says about the govkg IRIs it mentions."""
    index = entity_index(runtime)
    known = sorted(t for t in mentioned if isinstance(t, URIRef) and index.knows(str(t)))
    merged = Dataset(default_union=True)
    linked: set[URIRef] = set()
    for iri in known:
        description = description_of(runtime, iri)
        for statement in description.statements():
            for name in statement.graphs:
                merged.graph(name).add((statement.subject, statement.predicate, statement.object))
            if isinstance(statement.object, URIRef) and statement.subject == iri:
                linked.add(statement.object)
        for triple in description.provenance:
            merged.graph(PROVENANCE_GRAPH).add(triple)
    types_query = entity_query(runtime.settings.queries_dir, "types")
    for node in sorted(linked - set(known)):
        if index.knows(str(node)):
            for row in runtime.reader.select(types_query, {"this": node}):
                merged.graph(row["g"]).add((node, RDF.type, row["type"]))
    for s, p, o, g in data.quads((None, None, None, None)):
        merged.graph(g.identifier if isinstance(g, Graph) else g).add((s, p, o))
    return merged, known


def _keep_focus(report: ValidationReport, focus: set[str]) -> ValidationReport:
    """Only the results about what the posted data mentions, with sh:conforms to match."""
    kept = tuple(r for r in report.results if r.focus in focus)
    conforms = not any(r.severity == "Violation" for r in kept)
    graph = _pruned_report(report.report_graph, focus, conforms)
    return ValidationReport(conforms=conforms, results=kept, report_graph=graph)


def _pruned_report(report: Graph, focus: set[str], conforms: bool) -> Graph:
    """A copy of the report graph without the results about other focus nodes."""
    pruned = Graph()
    for prefix, namespace in report.namespaces():
        pruned.bind(prefix, namespace)
    pending: list[Node] = []
    for node in report.subjects(RDF.type, SH.ValidationReport):
        for p, o in report.predicate_objects(node):
            if p == SH.result and str(report.value(o, SH.focusNode)) not in focus:
                continue
            if p == SH.conforms:
                o = Literal(conforms)
            pruned.add((node, p, o))
            if isinstance(o, BNode):
                pending.append(o)
    seen: set[Node] = set()
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in report.predicate_objects(node):
            pruned.add((node, p, o))
            if isinstance(o, BNode):
                pending.append(o)
    return pruned


def _validate_with_posted_shapes(posted: Posted) -> ValidationReport:
    """pySHACL with its defaults on the posted data and shapes, nothing of govkg added."""
    from pyshacl import validate as shacl_validate
    from pyshacl.errors import ReportableRuntimeError, ShapeLoadError

    data = _flatten(posted.data)
    shapes = data if posted.same_graph else posted.shapes
    assert shapes is not None
    _refuse_fetching_sparql(shapes)
    try:
        _, report_graph, _ = shacl_validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=False,
            abort_on_first=False,
            allow_infos=False,
            allow_warnings=False,
            meta_shacl=False,
            do_owl_imports=False,
        )
    except NetworkRefused:
        raise
    except (ShapeLoadError, ReportableRuntimeError) as error:
        raise ShapesRefused(f"the shapes graph cannot be used: {error}") from error
    except Exception as error:  # pySHACL and rdflib's SPARQL raise plain errors on bad shapes
        # Only the client's shapes and data go in, so a failure here is theirs to fix: a 400
        # that names it, not a 500 (the SHACL suite's "failure" tests rely on this).
        raise ShapesRefused(
            f"the shapes cannot be evaluated: {type(error).__name__}: {error}"
        ) from error
    if not isinstance(report_graph, Graph):
        raise ShapesRefused(f"the shapes graph cannot be used: {report_graph}")
    for prefix, namespace in PREFIXES.items():
        report_graph.bind(prefix, namespace, override=False)
    results = tuple(_plain_results(report_graph))
    verdict = report_graph.value(None, SH.conforms)
    conforms = bool(verdict.toPython()) if isinstance(verdict, Literal) else not results
    return ValidationReport(conforms=conforms, results=results, report_graph=report_graph)


def _plain_results(report: Graph) -> Iterable[ValidationResult]:
    """The report's results as ``ValidationResult`` rows (the same reader the build uses)."""
    from graph import validation

    return validation._results(report)


def _refuse_fetching_sparql(shapes: Graph) -> None:
    """rdflib evaluates SERVICE and loads FROM graphs itself; refuse shapes that ask for it.

    A keyword inside a string literal is refused too: a false alarm costs a 400 that names
    it, a miss would cost a fetch (which ``offline()`` still stops).
    """
    for predicate in (SH.select, SH.ask, SH.construct, SH.update):
        for text in shapes.objects(None, predicate):
            found = sorted({m.upper() for m in _FETCHING_SPARQL.findall(str(text))})
            if found:
                raise ShapesRefused(
                    f"a SPARQL constraint uses {', '.join(found)}; govkg never fetches "
                    "graphs or calls other endpoints for a request"
                )


# --------------------------------------------------------------------------------------------
# The served graph's report
# --------------------------------------------------------------------------------------------


class _ServedReport:
    """The report of the served graph, computed once in a background thread."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.started: float | None = None
        self.finished: float | None = None
        self.outcome: Outcome | None = None
        self.error: BaseException | None = None
        self.bodies: dict[str, bytes] = {}

    def body(self, media_type: str) -> bytes:
        """The answer in one format, written once (the report does not change)."""
        assert self.outcome is not None
        if media_type not in self.bodies:
            self.bodies[media_type] = _body(self.outcome, media_type)
        return self.bodies[media_type]

    def start(self) -> None:
        with self.lock:
            if self.started is not None:
                return
            self.started = time.monotonic()
        threading.Thread(target=self._run, name="govkg-served-report", daemon=True).start()

    def wait(self, timeout: float) -> Outcome | None:
        """The outcome, or None if it is not ready within ``timeout`` seconds.

        A failed run is raised to the request that finds it, and the next request starts over.
        """
        self.start()
        self.done.wait(timeout)
        with self.lock:
            error = self.error
            if error is not None:
                self.error, self.started = None, None
                self.done.clear()
        if error is not None:
            raise error
        return self.outcome

    def _run(self) -> None:
        try:
            runtime = self.runtime
            buffer = io.BytesIO()
            runtime.reader.export("application/n-quads", buffer)
            data = Dataset(default_union=True)
            data.parse(data=buffer.getvalue().decode("utf-8"), format="nquads")
            for name in (ONTOLOGY_GRAPH, SHAPES_GRAPH, META_GRAPH):
                data.remove_graph(data.graph(name))
            shapes = served_graph(runtime, SHAPES_GRAPH)
            ontology = served_graph(runtime, ONTOLOGY_GRAPH)
            report = _with_slot(runtime, lambda: validate(data, shapes, ontology))
            self.finished = time.monotonic()
            seconds = round(self.finished - (self.started or self.finished), 1)
            self.outcome = Outcome(
                report, "govkg", "served graph", runtime.version, [], {"seconds": seconds}
            )
        except BaseException as error:  # kept and raised to every waiting request
            self.error = error
        finally:
            self.done.set()


@router.get("/validate", summary="SHACL report of the served graph")
async def get_validate(request: Request, runtime: RuntimeDep) -> Response:
    """The served graph against govkg's shapes; 202 with Retry-After while it is computed."""
    media_type = _report_format(request)
    job = runtime.cached(("validation", "served"), lambda: _ServedReport(runtime))
    outcome = await run_in_threadpool(job.wait, SERVED_REPORT_WAIT)
    if outcome is None:
        message = (
            f"The report for dataset {runtime.version} is being computed; retry in "
            f"{RETRY_AFTER} seconds."
        )
        body = {"status": "computing", "dataset_version": runtime.version, "detail": message}
        return JSONResponse(
            body, status_code=202, headers={"Retry-After": str(RETRY_AFTER), "Vary": "Accept"}
        )
    etag = f'"{runtime.version}-validate-{REPORT_OFFERS.index(media_type)}"'
    if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers={"ETag": etag, "Vary": "Accept"})
    response = _respond(outcome, media_type, await run_in_threadpool(job.body, media_type))
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "public, no-cache"
    return response


@router.post("/validate", summary="Validate RDF against govkg's SHACL shapes")
async def post_validate(request: Request, runtime: RuntimeDep, only: bool = False) -> Response:
    """Validate the posted RDF (body, multipart ``data`` part, or JSON envelope)."""
    media_type = _report_format(request)
    body = await request.body()
    if len(body) > runtime.settings.max_body_bytes:
        raise PayloadTooLarge(
            f"The request body is larger than this server accepts "
            f"({runtime.settings.max_body_bytes} bytes)."
        )
    content_type = request.headers.get("content-type")
    try:
        outcome = await run_in_threadpool(_validate_posted, runtime, body, content_type, only)
    except BadRdf as error:
        return _bad_rdf(request, error)
    return _respond(outcome, media_type)


def _bad_rdf(request: Request, error: BadRdf) -> Response:
    """400 with the parser's message, and line and column as fields for JSON clients."""
    accept = request.headers.get("accept") or ""
    if "json" in accept or not accept or accept.strip() == "*/*":
        body = {
            "type": "about:blank",
            "title": "Bad Request",
            "status": 400,
            "detail": str(error),
            "line": error.line,
            "column": error.column,
        }
        return JSONResponse(body, status_code=400, media_type="application/problem+json")
    return error_response(request, 400, str(error))
