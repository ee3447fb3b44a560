"""Writes over HTTP: SPARQL 1.1 Update at ``/update`` and the Graph Store Protocol at ``/store``.

Off unless ``settings.write_tokens`` is set: then every route here answers 404. When on, reads
(``GET``/``HEAD /store``) are open, writes need ``Authorization: Bearer <token>`` whose SHA-256
digest is configured (``graph.write_auth``; ``Basic`` with the token as password also works):
none → 401, a wrong one → 403, and nothing changes.

A write becomes one SPARQL Update (GSP requests are translated, ``graph.store.primary``) and
goes to ``Runtime.write``: one transaction, gated on the SHACL shapes, durable before the answer,
served to readers from a new snapshot. A refused write answers 422 with the SHACL report
(JSON by default, Turtle or text by Accept). A committed write answers 204 (201 when a GSP
request created the graph) with ``ETag`` = the new dataset version.
"""

from __future__ import annotations

import base64
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep
from api.negotiation import choose
from api.runtime import Runtime
from graph.errors import BadQuery, NotAcceptable, NotFound, WriteRejected
from graph.store.base import GRAPH_MEDIA_TYPES, Commit
from graph.store.primary import graph_store_update, with_protocol_dataset
from graph.write_auth import token_agent

router = APIRouter(tags=["writes"])

REPORT_TYPES = ("application/json", "text/turtle", "text/plain")


async def writes_enabled(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    if runtime.writer is None:
        raise NotFound(
            f"Not found: {request.url.path} (writes are not enabled on this service: it has no "
            "write tokens configured)"
        )
    return runtime


WritableDep = Annotated[Runtime, Depends(writes_enabled)]


def _token(header: str) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (RFC 6750), or of ``Basic`` with the
    token as the password (RFC 7617), for clients that can only put credentials in the URL."""
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            _, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return password or None
    return None


async def write_agent(request: Request, runtime: WritableDep) -> str:
    """The agent behind the request's token, or 401 (none) / 403 (not a write token)."""
    token = _token(request.headers.get("authorization", ""))
    if token is None:
        raise HTTPException(
            401,
            "Writing needs a bearer token: Authorization: Bearer <token>",
            headers={"WWW-Authenticate": 'Bearer realm="govkg"'},
        )
    agent = token_agent(token, runtime.settings.write_tokens)
    if agent is None:
        raise HTTPException(
            403,
            "This token may not write (it is not one of the configured write tokens)",
            headers={"WWW-Authenticate": 'Bearer realm="govkg", error="invalid_token"'},
        )
    return agent


AgentDep = Annotated[str, Depends(write_agent)]


async def _write(
    request: Request, runtime: Runtime, update: str, agent: str, summary: str
) -> Commit:
    # Relative IRIs in an update resolve against the endpoint's own URL (Protocol §2.2.3).
    base = str(request.url.replace(query=""))
    try:
        return await run_in_threadpool(
            runtime.write, update, agent=agent, summary=summary, base_iri=base
        )
    except WriteRejected as rejected:
        raise _Refusal(rejected) from None


class _Refusal(Exception):
    def __init__(self, rejected: WriteRejected) -> None:
        self.rejected = rejected


def report_response(request: Request, rejected: WriteRejected) -> Response:
    """422 with the SHACL report of the refused write, in the format the client asks for."""
    report = rejected.report
    wanted = choose(request.headers.get("accept"), REPORT_TYPES) or "application/json"
    if wanted == "text/turtle":
        return Response(report.to_turtle(), 422, media_type="text/turtle")
    if wanted == "text/plain":
        return PlainTextResponse(str(rejected), 422)
    return JSONResponse(report.to_json(), 422)


def _committed(commit: Commit, status: int = 204) -> Response:
    headers = {"ETag": f'"{commit.version_after}"'}
    if commit.change:
        headers["X-Govkg-Change"] = commit.change
    return Response(status_code=status, headers=headers)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


@router.post(
    "/update",
    summary="SPARQL 1.1 Update (authorised, SHACL-gated, one transaction)",
    status_code=204,
    response_class=Response,
    responses={
        401: {"description": "no bearer token"},
        403: {"description": "a token that may not write"},
        422: {"description": "the result would violate the shapes; the SHACL report"},
    },
)
async def post_update(request: Request, runtime: WritableDep, agent: AgentDep) -> Response:
    media_type = _media_type(request)
    body = await request.body()
    using = request.query_params.getlist("using-graph-uri")
    using_named = request.query_params.getlist("using-named-graph-uri")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadQuery(f"the request body is not UTF-8: {error}") from None
    if media_type == "application/sparql-update":
        update = text
    elif media_type == "application/x-www-form-urlencoded":
        form = parse_qs(text, keep_blank_values=True)
        values = form.get("update", [])
        if len(values) != 1:
            raise BadQuery("give the update parameter exactly once")
        update = values[0]
        using += form.get("using-graph-uri", [])
        using_named += form.get("using-named-graph-uri", [])
    else:
        raise HTTPException(
            415, "send application/sparql-update, or a form with update=",
        )
    update = with_protocol_dataset(update, using, using_named)
    try:
        commit = await _write(request, runtime, update, agent, "SPARQL Update")
    except _Refusal as refusal:
        return report_response(request, refusal.rejected)
    return _committed(commit)


def _target(default: str | None, graph: str | None) -> str | None:
    """GSP §4.2: exactly one of ``?default`` and ``?graph=IRI``; None is the default graph."""
    if (default is None) == (graph is None):
        raise BadQuery("name the graph: ?default or ?graph=IRI (exactly one)")
    return graph


DefaultParam = Annotated[str | None, Query(description="the default graph")]
GraphParam = Annotated[str | None, Query(description="IRI of a named graph")]


async def read_graph(request: Request, runtime: RuntimeDep, default: DefaultParam = None,
                     graph: GraphParam = None) -> Response:
    """GSP GET/HEAD: the graph's triples in the negotiated RDF syntax (404 if it is empty)."""
    target = _target(default, graph)
    media_type = choose(request.headers.get("accept"), GRAPH_MEDIA_TYPES)
    if media_type is None:
        raise NotAcceptable("graph")
    reader = runtime.reader
    if target is None:
        query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    else:
        iri = target.replace(">", "")
        if not await run_in_threadpool(reader.ask, f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"):
            raise NotFound(f"no graph <{target}> in this dataset")
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    answer = await run_in_threadpool(reader.answer, query, lambda form: media_type)
    headers = {"ETag": runtime.etag}
    if request.method == "HEAD":
        return Response(status_code=200, media_type=media_type, headers=headers)
    return Response(answer.body, media_type=media_type, headers=headers)


router.add_api_route("/store", read_graph, methods=["GET"], summary="Graph Store Protocol: read",
                     dependencies=[Depends(writes_enabled)])
router.add_api_route("/store", read_graph, methods=["HEAD"], summary="Graph Store Protocol: head",
                     dependencies=[Depends(writes_enabled)])


async def write_graph(request: Request, runtime: WritableDep, agent: AgentDep,
                      default: DefaultParam = None, graph: GraphParam = None) -> Response:
    """GSP PUT (replace), POST (merge), DELETE (drop) of one graph."""
    target = _target(default, graph)
    assert runtime.writer is not None
    existed = target is None or runtime.writer.has_graph(target)
    if request.method == "DELETE" and not existed:
        raise NotFound(f"no graph <{target}> in this dataset")
    body = await request.body() if request.method != "DELETE" else b""
    update = graph_store_update(request.method, target, body, _media_type(request))
    name = "the default graph" if target is None else f"<{target}>"
    try:
        commit = await _write(request, runtime, update, agent, f"GSP {request.method} {name}")
    except _Refusal as refusal:
        return report_response(request, refusal.rejected)
    return _committed(commit, 201 if request.method in ("PUT", "POST") and not existed else 204)


for _method in ("PUT", "POST", "DELETE"):
    router.add_api_route(
        "/store", write_graph, methods=[_method], status_code=204, response_class=Response,
        summary=f"Graph Store Protocol: {_method} (authorised, SHACL-gated)",
    )
