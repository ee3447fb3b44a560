"""Errors → HTTP answers, in one place: the status is ``GovkgError.status`` (graph/errors.py).

Every error body is a short readable message, never a stack trace: ``text/plain`` by default,
RFC 9457 ``application/problem+json`` when the client asks for JSON. Unexpected exceptions are
logged with their traceback on the server and answered with a plain 500 message.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.negotiation import choose
from graph.errors import GovkgError

log = logging.getLogger("govkg.errors")

_ERROR_TYPES = ("text/plain", "application/problem+json", "application/json")


class BadRequest(GovkgError):
    """A request the protocol does not allow: a repeated parameter, a bad timeout value, …"""

    status = 400


def error_response(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """A readable error answer in the format the client prefers (text unless it asks for JSON)."""
    accept = request.headers.get("accept")
    wanted = choose(accept, _ERROR_TYPES) if accept and "json" in accept else "text/plain"
    if wanted in ("application/problem+json", "application/json"):
        return JSONResponse(
            {
                "type": "about:blank",
                "title": HTTPStatus(status).phrase,
                "status": status,
                "detail": message,
            },
            status_code=status,
            media_type="application/problem+json",
            headers=headers,
        )
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


async def _govkg_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, GovkgError)
    status = error.status
    if status >= 500 and status != 503:
        log.error("%s: %s", type(error).__name__, error)
    request.scope.setdefault("state", {})["govkg.error"] = type(error).__name__
    return error_response(request, status, str(error) or HTTPStatus(status).phrase)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    phrase = HTTPStatus(error.status_code).phrase
    message = error.detail if isinstance(error.detail, str) else phrase
    if error.status_code == 404:
        message = f"Not found: {request.url.path}"
    elif error.status_code == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}"
    return error_response(request, error.status_code, message, dict(error.headers or {}))


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    parts = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem.get("loc", ()) if p not in ("query", "body"))
        parts.append(f"{where}: {problem.get('msg', 'invalid')}" if where else problem.get("msg"))
    return error_response(request, 400, "Invalid request: " + "; ".join(map(str, parts)))


async def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return error_response(request, 500, "Internal server error; the server log has the details.")


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(GovkgError, _govkg_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
