"""The SPARQL 1.1 Protocol query endpoint, ``/sparql``: methods, parameters, media types, status.

HTTP only. Evaluation goes to the worker pool (``api.workers``), formats come from
``api.negotiation``, refusals and the result cap from ``graph.store.evaluator``.

* GET ``?query=``, POST ``application/x-www-form-urlencoded`` (``query=`` in the body) and POST
  ``application/sparql-query`` (the body is the query); ``default-graph-uri`` /
  ``named-graph-uri`` any number of times (in the URL, or in the form body).
* ``query`` and ``timeout`` at most once; any parameter in both the URL and the form body: 400
  (SPARQL 1.1 Protocol §2.1 leaves that ambiguous, so it is refused, as Oxigraph does).
* GET without ``query``: the service description (``api.service_description``).
* Dataset: the default graph is the **union of all named graphs**; ``GRAPH ?g`` reaches each
  claim graph and the provenance, curation, ontology, shapes and meta graphs. FROM / FROM NAMED
  and the protocol's graph parameters may name only those graphs (400 otherwise); nothing is
  ever fetched. ``urn:x-arq:DefaultGraph``, ``urn:x-arq:UnionGraph`` and ``urn:x-rdflib:default``
  (what rdflib's ``Dataset`` sends) name the union default graph. SERVICE and updates are
  refused with 400. Relative IRIs in a query resolve against ``<base_iri>id/``.
* ``timeout`` (seconds, default ``GOVKG_QUERY_TIMEOUT`` = 30, capped at
  ``GOVKG_MAX_QUERY_TIMEOUT``): at the limit evaluation is stopped (the worker is killed) and the
  answer is **503** with a message; the limit in force is echoed in ``X-Govkg-Timeout``.
* At most ``GOVKG_MAX_RESULTS`` rows (SELECT) or triples (CONSTRUCT/DESCRIBE): a longer answer
  is cut, stays a valid document, and carries ``X-Govkg-Truncated: true`` and
  ``X-Govkg-Result-Limit: <n>``.
* ``ETag`` is the dataset version; GET with a matching ``If-None-Match`` is answered 304 without
  evaluating anything. ``Vary: Accept`` on every negotiated answer.
* Unknown extension functions evaluate as errors (unbound), as in Jena; their IRIs are listed
  in ``X-Govkg-Unknown-Functions``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api import pages, service_description
from api.conditional import not_modified
from api.errors import BadRequest
from api.negotiation import GRAPH, SOLUTIONS, negotiate, not_acceptable
from api.ops import allow_options, get_and_head
from api.runtime import Runtime
from graph.errors import GovkgError, NotAcceptable, QueryTimeout, UnsupportedMediaType
from graph.store.base import QueryDataset
from graph.store.evaluator import QueryJob

router = APIRouter(tags=["sparql"])

SINGLE_VALUED = ("query", "timeout")
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
OFFERS_BY_FORM = {"select": SOLUTIONS, "ask": SOLUTIONS, "construct": GRAPH, "describe": GRAPH}


@dataclass(frozen=True)
class ProtocolRequest:
    """The protocol parameters of one request, each checked for repetition."""

    query: str | None
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    timeout: str | None
    formats: tuple[str, ...]


def _url_pairs(request: Request) -> list[tuple[str, str]]:
    """The URL's parameters, in order; what ``_pairs(request.url.query)`` returns.

    FastAPI has already parsed the query string for its own parameter handling
    (``request.query_params``); that parse is reused when it is certainly the same as ours: a
    pure ASCII query string without ``#`` (so the URL's query is the whole string) that decoded
    without a replacement character (so strict UTF-8 decoding would not have failed).
    """
    raw = request.scope.get("query_string", b"")
    if raw.isascii() and b"#" not in raw:
        items = request.query_params.multi_items()
        if not any("\ufffd" in name or "\ufffd" in value for name, value in items):
            return items
    return _pairs(request.url.query)


def _pairs(encoded: str | bytes) -> list[tuple[str, str]]:
    try:
        if isinstance(encoded, bytes):
            encoded = encoded.decode("utf-8")
        return parse_qsl(encoded, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise BadRequest(f"parameters are not valid percent-encoded UTF-8: {error}") from error


def _protocol(url: list[tuple[str, str]], body: list[tuple[str, str]]) -> ProtocolRequest:
    in_url = {name for name, _ in url}
    in_body = {name for name, _ in body}
    both = sorted(in_url & in_body)
    if both:
        raise BadRequest(
            f"parameter {', '.join(both)} is given both in the URL and in the request body; "
            "give each parameter in one place"
        )
    values: dict[str, list[str]] = {}
    for name, value in url + body:
        values.setdefault(name, []).append(value)
    for name in SINGLE_VALUED:
        if len(values.get(name, [])) > 1:
            raise BadRequest(f"parameter {name} is given {len(values[name])} times; give it once")
    if "update" in values:
        raise BadRequest(
            "SPARQL Update is not accepted: this endpoint is read-only (no update parameter)"
        )
    return ProtocolRequest(
        query=values.get("query", [None])[0],
        default_graphs=tuple(values.get("default-graph-uri", ())),
        named_graphs=tuple(values.get("named-graph-uri", ())),
        timeout=values.get("timeout", [None])[0],
        formats=tuple(values.get("format", ())),
    )


def _runtime(request: Request) -> Runtime:
    """``api.deps.get_runtime``, read directly: the protocol routes are the hot path, and a
    FastAPI dependency costs a second pass of its dependency solver on every request."""
    return request.app.state.runtime


def _timeout(value: str | None, runtime: Runtime) -> float:
    settings = runtime.settings
    if value is None or value == "":
        return min(settings.query_timeout, settings.max_query_timeout)
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise BadRequest(f"timeout={value!r} is not a positive number of seconds")
    return min(seconds, settings.max_query_timeout)


def _media_type(header: str | None) -> tuple[str, dict[str, str]]:
    if not header:
        return "", {}
    kind, *rest = header.split(";")
    params = {}
    for part in rest:
        name, _, value = part.partition("=")
        params[name.strip().lower()] = value.strip().strip('"').lower()
    return kind.strip().lower(), params


async def _answer(request: Request, runtime: Runtime, params: ProtocolRequest) -> Response:
    assert params.query is not None
    timeout = _timeout(params.timeout, runtime)
    accept = request.headers.get("accept")
    solutions_type = negotiate(accept, params.formats, "solutions", SOLUTIONS)
    graph_type = negotiate(accept, params.formats, "graph", GRAPH)
    if solutions_type is None and graph_type is None:
        raise not_acceptable(accept, params.formats, "a SPARQL query answer", SOLUTIONS + GRAPH)
    headers = {"ETag": runtime.etag, "Vary": "Accept", "Cache-Control": "public, no-cache"}
    if not_modified(request, runtime.etag):
        return Response(status_code=304, headers=headers)
    dataset = None
    if params.default_graphs or params.named_graphs:
        dataset = QueryDataset(params.default_graphs, params.named_graphs)
    job = QueryJob(
        query=params.query,
        solutions_type=solutions_type,
        graph_type=graph_type,
        dataset=dataset,
        max_results=runtime.settings.max_results,
        base_iri=runtime.settings.base_iri + "id/",
        store_path=runtime.queries.store_path_text,
    )
    state = request.scope.setdefault("state", {})
    try:
        answer = await runtime.queries.answer(job, timeout)
    except QueryTimeout:
        runtime.metrics.query("unknown", "timeout")
        state["govkg.timeout"] = timeout
        raise
    except NotAcceptable as error:
        form = str(error)
        runtime.metrics.query(form, "not_acceptable")
        offers = OFFERS_BY_FORM.get(form, SOLUTIONS + GRAPH)
        article = "an" if form == "ask" else "a"
        what = f"{article} {form.upper()} query"
        raise not_acceptable(accept, params.formats, what, offers) from None
    except GovkgError as error:
        runtime.metrics.query("unknown", type(error).__name__)
        raise
    runtime.metrics.query(answer.form, "ok", len(answer.body), answer.truncated)
    state["govkg.form"] = answer.form
    headers["X-Govkg-Timeout"] = f"{timeout:g}"
    if answer.truncated:
        state["govkg.truncated"] = True
        headers["X-Govkg-Truncated"] = "true"
        headers["X-Govkg-Result-Limit"] = str(runtime.settings.max_results)
    if answer.warnings:
        headers["X-Govkg-Unknown-Functions"] = " ".join(f"<{iri}>" for iri in answer.warnings)
    return Response(answer.body, media_type=answer.media_type, headers=headers)


_PARAMETERS = [
    {
        "name": "query",
        "in": "query",
        "schema": {"type": "string"},
        "description": "The SPARQL 1.1 query (once). Without it, GET answers the service "
        "description.",
    },
    {
        "name": "default-graph-uri",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
        "description": "Graphs merged into the default graph (replaces FROM). Only the "
        "dataset's named graphs.",
    },
    {
        "name": "named-graph-uri",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
        "description": "Named graphs available to GRAPH (replaces FROM NAMED).",
    },
    {
        "name": "timeout",
        "in": "query",
        "schema": {"type": "number"},
        "description": "Seconds before evaluation is stopped (default 30, capped by the server).",
    },
    {
        "name": "format",
        "in": "query",
        "schema": {"type": "string"},
        "description": "Overrides Accept: json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, "
        "trig, nquads, or a media type.",
    },
]
_ANSWERS = {media: {"schema": {"type": "string"}} for media in SOLUTIONS + GRAPH}
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "The answer, in the negotiated format.", "content": _ANSWERS},
    304: {"description": "Not modified (If-None-Match matched the dataset version)."},
    400: {
        "description": "Malformed query (with the parser's message and position), "
        "refused feature (SERVICE, update, foreign FROM), bad parameter."
    },
    406: {"description": "No acceptable format; the message lists those offered."},
    413: {"description": "Request body over the size cap."},
    415: {"description": "POST body in another media type than the two the protocol defines."},
    503: {"description": "The query was stopped at its time limit."},
}


@get_and_head(
    router,
    "/sparql",
    summary="SPARQL query (GET) or the service description",
    response_class=Response,
    responses=_RESPONSES,
    openapi_extra={"parameters": _PARAMETERS},
)
async def get_sparql(request: Request) -> Response:
    """Run ``?query=`` (SPARQL 1.1 Protocol §2.1.1), or describe the service when it is absent."""
    runtime = _runtime(request)
    params = _protocol(_url_pairs(request), [])
    if not params.formats and pages.wants_html(request):
        # A browser: the query editor, with the answer of ?query= as a table (api.pages).
        timeout = _timeout(params.timeout, runtime)
        return await pages.editor(request, runtime, params.query, timeout)
    if params.query is None:
        return await run_in_threadpool(
            service_description.respond, request, runtime, params.formats
        )
    return await _answer(request, runtime, params)


@router.post(
    "/sparql",
    summary="SPARQL query (POST form or direct)",
    response_class=Response,
    responses=_RESPONSES,
    openapi_extra={
        "parameters": [p for p in _PARAMETERS if p["name"] != "query"],
        "requestBody": {
            "required": True,
            "content": {
                FORM: {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string"},
                            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "timeout": {"type": "number"},
                            "format": {"type": "string"},
                        },
                        "required": ["query"],
                    }
                },
                DIRECT: {"schema": {"type": "string"}},
            },
        },
    },
)
async def post_sparql(request: Request) -> Response:
    """Run a query sent as a form (§2.1.2) or as the request body (§2.1.3)."""
    runtime = _runtime(request)
    media_type, options = _media_type(request.headers.get("content-type"))
    url = _url_pairs(request)
    if media_type == FORM:
        params = _protocol(url, _pairs(await request.body()))
    elif media_type == DIRECT:
        if options.get("charset", "utf-8") not in ("utf-8", "utf8"):
            raise UnsupportedMediaType("application/sparql-query bodies must be UTF-8")
        if any(name == "query" for name, _ in url):
            raise BadRequest("parameter query is given both in the URL and in the request body")
        body = await request.body()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BadRequest(f"the query is not valid UTF-8: {error}") from error
        params = _protocol(url + [("query", text)], [])
    elif media_type == "application/sparql-update":
        raise UnsupportedMediaType(
            "SPARQL Update is not accepted: this endpoint is read-only. POST queries as "
            f"{FORM} or {DIRECT}."
        )
    else:
        raise UnsupportedMediaType(
            f"POST /sparql takes {FORM} (query=...) or {DIRECT} (the query as the body); "
            f"got {media_type or 'no Content-Type'}."
        )
    if params.query is None:
        raise BadRequest("the query parameter is missing")
    return await _answer(request, runtime, params)


allow_options(router, "/sparql", ("GET", "HEAD", "POST"))
