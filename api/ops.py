"""Operations: /health, Prometheus /metrics, access logs, CORS, OPTIONS, the request-body cap.

Metrics (``api/metrics.py``, Prometheus text format written by hand). Series (prefix ``govkg_``):

* ``http_requests_total{route,method,status}`` and ``http_request_duration_seconds{route}``;
  ``route`` is the route template (``/sparql``), or ``unmatched``, so labels stay few;
* ``sparql_queries_total{form,outcome}``, ``sparql_timeouts_total``,
  ``sparql_result_bytes{form}`` (histogram), ``sparql_truncated_total``;
* ``query_workers``, ``query_workers_alive``, ``query_workers_busy``,
  ``query_worker_restarts_total``;
* ``dataset_triples``, ``dataset_info{version}``.

Access logs: one JSON object per request on the ``govkg.access`` logger (method, path, route,
status, duration_ms, bytes, client, user_agent, request_id; for SPARQL also form, truncated and
error). The request id is the client's ``X-Request-Id`` or a new one, echoed in the response.

Imports no engine.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import RuntimeDep
from api.metrics import Metrics
from graph.errors import PayloadTooLarge

access_log = logging.getLogger("govkg.access")
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

READ_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
EXPOSED_HEADERS = (
    "ETag",
    "Vary",
    "Content-Disposition",
    "X-Request-Id",
    "X-Govkg-Truncated",
    "X-Govkg-Result-Limit",
    "X-Govkg-Timeout",
    "X-Govkg-Unknown-Functions",
    "X-Govkg-Change",
    "Location",
)


class Edge:
    """The one pure ASGI middleware in front of the app: each request passes one layer, not four.

    What it does, innermost first (the order the separate middlewares it replaces ran in):

    * **request-body cap**: a Content-Length over ``limit`` bytes is refused with 413 before the
      app runs; a chunked body is counted as it is received (``PayloadTooLarge`` at the limit);
    * **plain OPTIONS**: a router 405 to OPTIONS (not a CORS preflight) becomes 204 with
      ``Allow`` (the route's methods and OPTIONS);
    * **CORS** (Starlette's ``CORSMiddleware`` semantics, configured by ``cors``): preflights
      are answered by it; other answers get ``Access-Control-Allow-Origin`` and
      ``Access-Control-Expose-Headers`` when the request has an Origin, and ``Origin`` added to
      ``Vary`` always;
    * **observation**: the request id (the client's ``X-Request-Id`` or a new one, echoed),
      request metrics, and one JSON access-log line (built only when ``govkg.access`` logs INFO).
    """

    def __init__(self, app: ASGIApp, metrics: Metrics, limit: int, cors: CORSMiddleware) -> None:
        self.app = app
        self.metrics = metrics
        self.limit = limit
        self.cors = cors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = origin = length = None
        preflight = False
        for key, value in scope.get("headers", ()):
            if key == b"x-request-id":
                if request_id is None:
                    request_id = value.decode("latin-1")
            elif key == b"origin":
                if origin is None:
                    origin = value
            elif key == b"content-length":
                if length is None:
                    length = value.decode("latin-1")
            elif key == b"access-control-request-method":
                preflight = True
        request_id = request_id or uuid.uuid4().hex
        encoded_id = request_id.encode("latin-1")
        method = scope["method"]
        state = scope.setdefault("state", {})
        status = 500
        size = 0
        options = method == "OPTIONS"
        rewritten = False

        async def observed_send(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", encoded_id)]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        async def answer_send(message: Message) -> None:
            nonlocal rewritten
            if message["type"] == "http.response.start":
                if options and message["status"] == 405:
                    rewritten = True
                    message = _options_answer(message)
                message["headers"] = raw = list(message.get("headers", []))
                headers = MutableHeaders(raw=raw)  # edits ``raw`` in place
                if origin is not None:
                    headers.update(self.cors.simple_headers)
                headers.add_vary_header("Origin")
            elif rewritten and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await observed_send(message)

        try:
            if origin is not None and options and preflight:
                response = self.cors.preflight_response(request_headers=Headers(scope=scope))
                await response(scope, receive, observed_send)
            elif length and length.isdigit() and int(length) > self.limit:
                await _send_text(answer_send, 413, self._too_large())
            else:
                await self.app(scope, self._limited(receive), answer_send)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.request(template, method, status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                record: dict[str, Any] = {
                    "event": "access",
                    "ts": round(time.time(), 3),
                    "method": method,
                    "path": scope["path"],
                    "route": template,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "bytes": size,
                    "client": (scope.get("client") or ("", 0))[0],
                    "user_agent": _header(scope, b"user-agent"),
                    "request_id": request_id,
                }
                record.update({k[6:]: v for k, v in state.items() if k.startswith("govkg.")})
                access_log.info(json.dumps(record, ensure_ascii=False, default=str))

    def _limited(self, receive: Receive) -> Receive:
        """``receive``, counting body bytes: ``PayloadTooLarge`` once they pass the limit."""
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise PayloadTooLarge(self._too_large())
            return message

        return limited_receive

    def _too_large(self) -> str:
        return (
            f"The request body is larger than this server accepts ({self.limit} bytes, "
            "GOVKG_MAX_BODY_BYTES)."
        )


def _options_answer(message: Message) -> Message:
    """A router's 405 to a plain OPTIONS, as 204 with ``Allow``: its methods and OPTIONS."""
    allow = next((v for k, v in message.get("headers", []) if k == b"allow"), b"")
    methods = {m.strip() for m in allow.decode().split(",") if m.strip()}
    value = ", ".join(sorted(methods | {"OPTIONS"})).encode()
    headers = [(k, v) for k, v in message.get("headers", [])
               if k not in (b"allow", b"content-length", b"content-type")]
    return {**message, "status": 204,
            "headers": [*headers, (b"allow", value), (b"content-length", b"0")]}


def get_and_head(router: APIRouter, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
    """Register a handler for GET and for HEAD as two routes, so OpenAPI gets one operation id
    per method (one route with both methods would give both the same id)."""

    def register(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(path, endpoint, methods=["GET"], **options)
        router.add_api_route(path, endpoint, methods=["HEAD"], **options)
        return endpoint

    return register


def allow_options(router: APIRouter, path: str, methods: Sequence[str]) -> None:
    """Answer a plain OPTIONS on ``path`` with 204 and ``Allow: methods, OPTIONS``."""
    allow = ", ".join([*methods, "OPTIONS"])

    async def options() -> Response:
        return Response(status_code=204, headers={"Allow": allow})

    router.add_api_route(
        path, options, methods=["OPTIONS"], summary=f"Methods allowed on {path}",
        response_class=Response, responses={204: {"description": f"Allow: {allow}"}},
    )


async def _send_text(send: Send, status: int, text: str) -> None:
    body = (text + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def install(app: Any, metrics: Metrics, max_body_bytes: int) -> None:
    """Add the middleware (``Edge``: body cap, OPTIONS, CORS, metrics and access logs)."""
    cors = CORSMiddleware(
        None,  # type: ignore[arg-type]  # only its preflight answers and settings are used
        allow_origins=["*"],
        allow_methods=list(READ_METHODS),
        allow_headers=["*"],
        expose_headers=list(EXPOSED_HEADERS),
        max_age=86400,
    )
    app.add_middleware(Edge, metrics=metrics, limit=max_body_bytes, cors=cors)


# --- routes ---------------------------------------------------------------------------------

router = APIRouter(tags=["operations"])


@get_and_head(
    router,
    "/health",
    summary="Liveness and the dataset served",
    responses={200: {"description": "store open"}, 503: {"description": "store not readable"}},
)
def get_health(runtime: RuntimeDep) -> Response:
    """Whether the store is open and readable, which version it is, and the worker pool state."""
    info = runtime.reader.info
    try:
        runtime.reader.ask("ASK { }")
        store = "open"
    except Exception as error:  # any failure to read is exactly what health reports
        store = f"unreadable: {error}"
    body = {
        "status": "ok" if store == "open" and runtime.queries.alive else "degraded",
        "store": store,
        "version": info.version,
        "built_at": info.built_at,
        "triples": info.triples,
        "quads": info.quads,
        "named_graphs": info.named_graphs,
        "workers": {
            "size": runtime.queries.size,
            "alive": runtime.queries.alive,
            "busy": runtime.queries.busy,
        },
        "uptime_s": round(time.time() - runtime.started, 1),
    }
    return JSONResponse(
        body,
        status_code=200 if body["status"] == "ok" else 503,
        headers={"Cache-Control": "no-store"},
    )


@get_and_head(
    router,
    "/metrics",
    summary="Prometheus metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain; version=0.0.4": {}}}},
)
def get_metrics(runtime: RuntimeDep) -> Response:
    """Counters and histograms in the Prometheus text format (series listed in api/ops.py)."""
    queries = runtime.queries
    gauges = {
        "govkg_query_workers": ("Configured query worker processes.", queries.size, {}),
        "govkg_query_workers_alive": ("Query workers running.", queries.alive, {}),
        "govkg_query_workers_busy": ("Query workers evaluating a query.", queries.busy, {}),
        "govkg_query_worker_restarts_total": (
            "Workers replaced (timeouts, crashes).",
            queries.restarts,
            {},
        ),
        "govkg_dataset_triples": ("Distinct triples served.", runtime.reader.info.triples, {}),
        "govkg_dataset_info": (
            "The dataset version served.",
            1,
            {"version": runtime.reader.info.version},
        ),
    }
    return PlainTextResponse(
        runtime.metrics.render(gauges),
        media_type="text/plain; version=0.0.4",
        headers={"Cache-Control": "no-store"},
    )


allow_options(router, "/health", ("GET", "HEAD"))
allow_options(router, "/metrics", ("GET", "HEAD"))
