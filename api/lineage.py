"""Graph routes for policy staff: lineage, paths, neighbourhoods and centrality, in JSON.

* ``GET /lineage/{id}`` (``?at=YYYY-MM-DD``): predecessors, successors, change events, parents
  over time; with ``at``, who held the role that day (``graph.lineage`` explains the rule for
  dates the sources give only to the year or month). JSON-LD by ``Accept: application/ld+json``.
* ``GET /path?from=&to=&k=&via=&direction=``: the k shortest paths, every hop in words with
  its passages.
* ``GET /neighbourhood/{id}?depth=&via=``: entities within depth hops and the edges among them
  (JSON-LD too).
* ``GET /centrality?kind=&limit=``: degree and betweenness of institutions (or another kind).

An ``{id}`` is an IRI, a path under ``/id/`` (``org/sgtd``), a slug or a name (``SGTD``,
``Secretaría de Gobierno Digital``), matched without case or accents. Ambiguous → 400 with the
candidates; unknown → 404 with close matches; both as ``application/problem+json``.

The projection is built once per served dataset version (``Runtime.cached``). Handlers are
plain ``def``: FastAPI runs them in a thread, so graph work never blocks the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.deps import RuntimeDep
from api.negotiation import choose, not_acceptable
from api.runtime import Runtime
from graph.errors import BadQuery
from graph.lineage import holding_at, lineage, lineage_json, lineage_jsonld
from graph.paths import (
    DIRECTIONS,
    MAX_DEPTH,
    MAX_K,
    Direction,
    centrality,
    find_paths,
    neighbourhood,
    neighbourhood_jsonld,
    path_json,
    resolve_predicates,
)
from graph.periods import parse_day
from graph.projection import Projection, project
from graph.resolve import AmbiguousId, UnknownId, resolve

router = APIRouter(tags=["lineage and paths"])

JSON = "application/json"
JSON_LD = "application/ld+json"
PROBLEM = "application/problem+json"
GRAPH_OFFERS = (JSON, JSON_LD)


def projection_for(runtime: Runtime) -> Projection:
    """The projection of the served version, built on first use and kept with the runtime."""
    queries = runtime.settings.queries_dir / "projection"
    return runtime.cached(
        ("govkg.projection", str(queries)), lambda: project(runtime.reader, queries)
    )


class IdProblem(Exception):
    """An id that resolves to no entity or to several: answered with the candidates."""

    def __init__(self, response: JSONResponse) -> None:
        self.response = response


def _problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _entity(projection: Projection, text: str, parameter: str, prefer: tuple[str, ...] = ()) -> str:
    try:
        return resolve(projection, text, prefer)
    except AmbiguousId as error:
        raise IdProblem(
            _problem(
                400,
                "Ambiguous id",
                f"{parameter}: {error}",
                parameter=parameter,
                candidates=[projection.summary(c) for c in error.candidates],
            )
        ) from None
    except UnknownId as error:
        raise IdProblem(
            _problem(
                404,
                "Not Found",
                f"{parameter}: {error}",
                parameter=parameter,
                candidates=[projection.summary(c) for c in error.suggestions],
            )
        ) from None


def _headers(runtime: Runtime) -> dict[str, str]:
    return {"ETag": runtime.etag, "Vary": "Accept", "Cache-Control": "public, no-cache"}


def _format(request: Request, offers: tuple[str, ...]) -> str:
    accept = request.headers.get("accept")
    chosen = choose(accept, offers)
    if chosen is None:
        raise not_acceptable(accept, (), request.url.path, offers)
    return chosen


def _json(runtime: Runtime, body: dict[str, Any], media_type: str = JSON) -> JSONResponse:
    return JSONResponse(body, media_type=media_type, headers=_headers(runtime))


@router.get(
    "/lineage/{id:path}",
    summary="Where a body came from and what it became; who held the role on a day",
    responses={200: {"content": {JSON: {}, JSON_LD: {}}}, 400: {}, 404: {}},
)
def get_lineage(
    id: str,
    request: Request,
    runtime: RuntimeDep,
    at: Annotated[
        str | None,
        Query(description="A day, YYYY-MM-DD: which body of the line held the role then."),
    ] = None,
) -> JSONResponse:
    """Predecessors and successors (transitively) with each change event — kind, date as
    precise as the source, legal act, passage — the parents over time and, with ``at``, the
    holder that day (``status`` certain / uncertain / none, ``precision`` and a ``note``)."""
    media_type = _format(request, GRAPH_OFFERS)
    day = None
    if at is not None:
        try:
            day = parse_day(at)
        except ValueError as error:
            raise BadQuery(f"at: {error}") from None
    projection = projection_for(runtime)
    try:
        body = _entity(projection, id, "id", prefer=("institution",))
    except IdProblem as problem:
        return problem.response
    line = lineage(projection, body)
    if media_type == JSON_LD:
        return _json(runtime, lineage_jsonld(projection, line), JSON_LD)
    holding = holding_at(projection, line, day) if day else None
    return _json(runtime, lineage_json(projection, line, holding))


@router.get("/path", summary="How two entities are connected: the k shortest paths, in words")
def get_path(
    request: Request,
    runtime: RuntimeDep,
    source: Annotated[str, Query(alias="from", description="Start entity: IRI, path or name.")],
    target: Annotated[str, Query(alias="to", description="End entity: IRI, path or name.")],
    k: Annotated[int, Query(ge=1, le=MAX_K, description="How many shortest paths.")] = 1,
    via: Annotated[
        list[str] | None,
        Query(
            description="Only these predicates (org:unitOf, a full IRI or a local name); "
            "repeat or comma-separate."
        ),
    ] = None,
    direction: Annotated[
        str,
        Query(description="any (default), forward (subject → object only) or backward."),
    ] = "any",
) -> JSONResponse:
    """Fewest hops first; every hop lists each stored edge between the two nodes with its
    predicate, the sentence it reads as, the dates it holds and the passages that state it."""
    _format(request, (JSON,))
    if direction not in DIRECTIONS:
        raise BadQuery(f"direction: {direction!r} is not one of {', '.join(DIRECTIONS)}")
    projection = projection_for(runtime)
    try:
        start = _entity(projection, source, "from")
        end = _entity(projection, target, "to")
    except IdProblem as problem:
        return problem.response
    predicates = resolve_predicates(projection, via) if via else None
    paths = find_paths(projection, start, end, k, predicates, cast(Direction, direction))
    return _json(
        runtime,
        {
            "from": projection.summary(start),
            "to": projection.summary(end),
            "k": k,
            "direction": direction,
            "via": sorted(predicates) if predicates else None,
            "found": len(paths),
            "paths": [path_json(projection, p) for p in paths],
        },
    )


@router.get(
    "/neighbourhood/{id:path}",
    summary="Entities within a few hops of one entity, and the edges among them",
    responses={200: {"content": {JSON: {}, JSON_LD: {}}}},
)
def get_neighbourhood(
    id: str,
    request: Request,
    runtime: RuntimeDep,
    depth: Annotated[int, Query(ge=1, le=MAX_DEPTH, description="Hops, either direction.")] = 1,
    via: Annotated[list[str] | None, Query(description="Only these predicates.")] = None,
) -> JSONResponse:
    media_type = _format(request, GRAPH_OFFERS)
    projection = projection_for(runtime)
    try:
        center = _entity(projection, id, "id")
    except IdProblem as problem:
        return problem.response
    predicates = resolve_predicates(projection, via) if via else None
    answer = neighbourhood(projection, center, depth, predicates)
    if media_type == JSON_LD:
        return _json(runtime, neighbourhood_jsonld(projection, answer), JSON_LD)
    return _json(runtime, answer)


@router.get("/centrality", summary="Which bodies connect the most: degree and betweenness")
def get_centrality(
    request: Request,
    runtime: RuntimeDep,
    kind: Annotated[
        str, Query(description="Entity kind to rank (institution, law, plan, project …).")
    ] = "institution",
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> JSONResponse:
    """Betweenness counts shortest paths between entities of the kind that pass through each
    one; degree counts distinct neighbours of any kind."""
    _format(request, (JSON,))
    projection = projection_for(runtime)
    kinds = {projection.kind(n) for n in projection.graph} - {None}
    if kind not in kinds:
        raise BadQuery(f"kind: {kind!r} is not one of {', '.join(sorted(k for k in kinds if k))}")
    rows = centrality(projection, kind)
    return _json(
        runtime,
        {"kind": kind, "version": projection.version, "total": len(rows), "ranking": rows[:limit]},
    )
