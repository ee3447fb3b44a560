"""Named queries over HTTP: ``GET /queries`` lists them, ``GET /queries/{name}`` runs one.

Each ``queries/*.rq`` file becomes its own route, so the OpenAPI schema shows its summary,
description and typed parameters (from the file's ``#+`` header). A value is checked against
its type and bound as an RDF term (``graph.named_queries``); a wrong type is a 400 naming the
parameter, an unknown or repeated parameter too. Results come in the SPARQL result formats by
``Accept`` (or ``format=``): JSON (default), XML, CSV, TSV.

Named queries are the service's own fixed queries, so they run in-process through the reader
(``ReaderDep``), with the service's result cap, not in the time-limited worker pool kept for
client-written SPARQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api.deps import RuntimeDep
from api.errors import BadRequest
from api.negotiation import GRAPH, SOLUTIONS, negotiate, not_acceptable
from graph.named_queries import (
    QUERIES_DIR,
    NamedQuery,
    ParameterError,
    find,
    load_named_queries,
)

RESERVED = ("format",)
RESULT_MEDIA_TYPES = {
    "application/sparql-results+json": {},
    "application/sparql-results+xml": {},
    "text/csv": {},
    "text/tab-separated-values": {},
}


def _values(request: Request) -> tuple[dict[str, str], tuple[str, ...]]:
    """Query-string parameters, each at most once; format= apart."""
    values: dict[str, str] = {}
    formats: list[str] = []
    for name, value in request.query_params.multi_items():
        if name in RESERVED:
            formats.append(value)
            continue
        if name in values:
            raise ParameterError(name, "is given more than once; give it once")
        values[name] = value
    return values, tuple(formats)


def _handler(query: NamedQuery) -> Callable[..., Response]:
    def run_named_query(request: Request, runtime: RuntimeDep) -> Response:
        values, formats = _values(request)
        bindings = query.bind(values)
        accept = request.headers.get("accept")
        solutions = query.form in ("select", "ask")
        kind, offers = ("solutions", SOLUTIONS) if solutions else ("graph", GRAPH)
        media_type = negotiate(accept, formats, kind, offers)
        if media_type is None:
            raise not_acceptable(accept, formats, f"the query {query.name}", offers)
        if media_type == "application/json":
            media_type = "application/sparql-results+json"
        answer = runtime.reader.answer(
            query.sparql,
            lambda form: media_type,
            bindings=bindings,
            max_results=runtime.settings.max_results,
        )
        headers = {"ETag": runtime.etag, "Vary": "Accept", "Cache-Control": "public, no-cache"}
        if answer.truncated:
            headers["X-Govkg-Truncated"] = "true"
            headers["X-Govkg-Result-Limit"] = str(runtime.settings.max_results)
        return Response(answer.body, media_type=answer.media_type, headers=headers)

    run_named_query.__name__ = f"query_{query.name.replace('-', '_')}"
    return run_named_query


def _openapi(query: NamedQuery) -> dict[str, Any]:
    parameters = [
        {
            "name": p.name,
            "in": "query",
            "required": False,
            "schema": p.schema(),
            "description": f"{p.type}: {p.description}".rstrip(": ")
            + ("" if p.default is not None else " (unset: unbound, matches any)"),
        }
        for p in query.parameters
    ]
    parameters.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": ["json", "xml", "csv", "tsv"]},
            "description": "Overrides Accept.",
        }
    )
    return {
        "parameters": parameters,
        "responses": {
            "200": {"content": RESULT_MEDIA_TYPES},
            "400": {"description": "A parameter of the wrong type, unknown or repeated."},
            "406": {"description": "No acceptable result format."},
        },
    }


def build_router(queries: Mapping[str, NamedQuery]) -> APIRouter:
    """One GET route per named query, the catalogue, and a 404 with close names for the rest."""
    named = APIRouter(tags=["named queries"])

    @named.get("/queries", summary="The named queries: what each answers and its parameters")
    def list_named_queries(request: Request) -> JSONResponse:
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "queries": [
                    {**q.to_json(), "href": f"{base}/queries/{q.name}"} for q in queries.values()
                ]
            }
        )

    for query in queries.values():
        named.add_api_route(
            f"/queries/{query.name}",
            _handler(query),
            methods=["GET"],
            summary=query.summary,
            description=query.description
            + ("\n\nTags: " + ", ".join(query.tags) if query.tags else ""),
            operation_id=f"query_{query.name.replace('-', '_')}",
            openapi_extra=_openapi(query),
            response_class=Response,
        )

    @named.get("/queries/{name}", include_in_schema=False)
    def unknown_named_query(name: str) -> Response:
        find(queries, name)  # raises NotFound naming close matches
        raise BadRequest(f"{name} is not served")  # unreachable: served names match above

    return named


def default_router(directory: Path = QUERIES_DIR) -> APIRouter:
    return build_router(load_named_queries(directory))


# The repository's queries/ folder is part of the code, like templates: reading it here only
# declares routes (no store is touched), so create_app can include ``router`` like the others.
router = default_router()
