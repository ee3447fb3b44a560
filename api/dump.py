"""``/dump``: the whole dataset as one file, in TriG, N-Quads or Turtle, optionally gzipped.

TriG and N-Quads keep every named graph (load one into a fresh store and you have the same
dataset); Turtle is the union graph, for tools that read triples only. The format comes from
``format=`` (trig, nquads, turtle) or Accept (TriG when anything goes); gzip from
``Accept-Encoding: gzip`` (then ``Content-Encoding: gzip``). ``ETag`` is the dataset version
and a matching ``If-None-Match`` gets 304.

Each file is written once per served version into the server's snapshot folder and then sent
from disk (range requests work).
"""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool

from api.conditional import not_modified
from api.deps import RuntimeDep
from api.negotiation import DATASET, negotiate, not_acceptable
from api.ops import allow_options, get_and_head
from api.runtime import Runtime

router = APIRouter(tags=["dataset"])

EXTENSIONS = {"application/trig": "trig", "application/n-quads": "nq", "text/turtle": "ttl"}


def accepts_gzip(header: str | None) -> bool:
    """Whether Accept-Encoding allows gzip (RFC 9110 §12.5.3; q=0 refuses).

    >>> accepts_gzip("gzip, deflate, br"), accepts_gzip("gzip;q=0, *"), accepts_gzip(None)
    (True, False, False)
    """
    if not header:
        return False
    weights: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().lower().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        weights[name.strip().lower()] = q
    if "gzip" in weights:
        return weights["gzip"] > 0
    return weights.get("*", 0.0) > 0


def dump_file(runtime: Runtime, media_type: str, compressed: bool) -> Path:
    """The dump on disk (written on first request for this version, format and encoding)."""

    def write() -> Path:
        folder = runtime.snapshot / "dumps"
        folder.mkdir(exist_ok=True)
        target = folder / f"govkg-{runtime.version}.{EXTENSIONS[media_type]}"
        if compressed:
            plain = dump_file(runtime, media_type, False)
            target = target.with_name(target.name + ".gz")
            partial = target.with_name(target.name + ".partial")
            with (
                plain.open("rb") as source,
                partial.open("wb") as raw,
                gzip.GzipFile("", "wb", 6, raw, mtime=0) as out,
            ):
                shutil.copyfileobj(source, out, 1 << 20)
        else:
            partial = target.with_name(target.name + ".partial")
            with partial.open("wb") as out:
                runtime.reader.export(media_type, out)
        os.replace(partial, target)
        return target

    return runtime.cached(("dump", media_type, compressed), write)


@get_and_head(
    router,
    "/dump",
    summary="Download the whole dataset",
    response_class=Response,
    responses={
        200: {"content": {m: {"schema": {"type": "string", "format": "binary"}} for m in DATASET}},
        304: {"description": "Not modified (If-None-Match matched the dataset version)."},
        406: {"description": "No acceptable format; the message lists those offered."},
    },
)
async def get_dump(request: Request, runtime: RuntimeDep, format: str | None = None) -> Response:
    """TriG or N-Quads (all named graphs) or Turtle (their union); gzip by Accept-Encoding."""
    accept = request.headers.get("accept")
    formats = (format,) if format else ()
    media_type = negotiate(accept, formats, "graph", DATASET)
    if media_type is None:
        raise not_acceptable(accept, formats, "the dump", DATASET)
    compressed = accepts_gzip(request.headers.get("accept-encoding"))
    name = f"govkg-{runtime.version}.{EXTENSIONS[media_type]}"
    headers = {
        "ETag": runtime.etag,
        "Vary": "Accept, Accept-Encoding",
        "Cache-Control": "public, no-cache",
        "Content-Disposition": f'inline; filename="{name}"',
    }
    if not_modified(request, runtime.etag):
        return Response(status_code=304, headers=headers)
    path = await run_in_threadpool(dump_file, runtime, media_type, compressed)
    if compressed:
        headers["Content-Encoding"] = "gzip"
    return FileResponse(path, media_type=media_type, headers=headers)


allow_options(router, "/dump", ("GET", "HEAD"))
