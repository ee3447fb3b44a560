"""``create_app(settings)``: wires the routers, middlewares and error handlers; nothing more.

Nothing happens at import. The lifespan opens the current store (as a private snapshot) and
starts the query workers (``api.runtime.Runtime``); shutdown stops them and drops the snapshot.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api import dump, errors, ops, sparql, void
from api.metrics import Metrics
from api.runtime import Runtime
from graph.settings import Settings

log = logging.getLogger("govkg.app")

DESCRIPTION = """
A sourced knowledge graph of Korea–Peru digital-government governance, served over the
SPARQL 1.1 Protocol and as linked data.

* **/sparql** — SPARQL 1.1 query endpoint (GET, POST form, POST `application/sparql-query`).
  The default graph is the union of all named graphs; `GRAPH ?g` reaches the claim and
  provenance graphs. Read-only: SERVICE, LOAD and updates are refused (400), and FROM may
  name only the dataset's own graphs. `timeout=` seconds (stopped queries answer 503),
  answers cut at the result cap carry `X-Govkg-Truncated: true`. GET without a query returns
  the SPARQL Service Description.
* **/.well-known/void** — VoID + DCAT description (counts, licence, version, dumps).
* **/dump** — the whole dataset (TriG, N-Quads, Turtle; gzip by Accept-Encoding).
* **/health**, **/metrics** — operations.

Every answer carries `ETag` = the dataset version. Errors are plain-text messages (or
`application/problem+json` when JSON is asked for).
"""

# Routers other modules provide; included when present (the lead removes this guard once both
# modules are part of the build).
OPTIONAL_ROUTERS = (
    "api.entities", "api.validate_routes", "api.lineage", "api.named", "api.pages", "api.writes"
)


def create_app(settings: Settings) -> FastAPI:
    """The govkg web application for ``settings`` (served by ``api.server.run``)."""

    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await run_in_threadpool(Runtime.open, settings, metrics)
        app.state.runtime = runtime
        try:
            yield
        finally:
            runtime.queries.detach()
            await run_in_threadpool(runtime.close)

    app = FastAPI(
        title="govkg",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    errors.install(app)
    ops.install(app, metrics, settings.max_body_bytes)
    for module in (sparql, void, dump, ops):
        app.include_router(module.router)
    for name in OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            log.warning("%s is not there yet; its routes are not served", name)
            continue
        app.include_router(module.router)
    return app
