"""Answer a small RDF document (service description, VoID) in the format the client accepts.

The document is built once per (base URL, format) for the dataset version being served, and
carries the same ``ETag`` as every other answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fastapi import Request
from fastapi.responses import Response
from rdflib import Graph

from api.conditional import not_modified
from api.negotiation import DESCRIPTION, negotiate, not_acceptable
from api.runtime import Runtime
from graph.namespaces import PREFIXES

RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
}


def base_url(request: Request) -> str:
    """The URL the client reached the service at, without a trailing slash."""
    return str(request.base_url).rstrip("/")


def respond(
    request: Request,
    runtime: Runtime,
    name: str,
    build: Callable[[str], Graph],
    formats: Sequence[str] = (),
) -> Response:
    """Negotiate, build (cached) and answer ``build(base_url)`` with ETag, Vary and 304."""
    accept = request.headers.get("accept")
    media_type = negotiate(accept, formats, "graph", DESCRIPTION)
    if media_type is None:
        raise not_acceptable(accept, formats, f"the {name}", DESCRIPTION)
    headers = {"ETag": runtime.etag, "Vary": "Accept", "Cache-Control": "public, no-cache"}
    if not_modified(request, runtime.etag):
        return Response(status_code=304, headers=headers)
    root = base_url(request)

    def serialise() -> bytes:
        graph = build(root)
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace, override=True, replace=True)
        return graph.serialize(format=RDFLIB_FORMATS[media_type], encoding="utf-8")

    body = runtime.cached((name, root, media_type), serialise)
    return Response(body, media_type=media_type, headers=headers)
