"""Dependencies every router uses to reach the running service's shared objects.

Use the ``Annotated`` aliases in handler signatures (FastAPI resolves them per request):

* ``get_settings`` / ``SettingsDep`` → ``graph.settings.Settings`` the app was created with.
* ``get_reader`` / ``ReaderDep`` → a ``graph.store.base.Reader`` over the snapshot being served,
  evaluated **in this process without a time limit**: for small, fixed queries the code itself
  writes (an entity's description, a label lookup). Call it from ``def`` handlers (FastAPI runs
  them in a thread) so a query never blocks the event loop.
* ``get_query_service`` / ``QueryServiceDep`` → ``api.workers.QueryService``: evaluation in
  worker processes with a hard time limit. Anything a client wrote (user SPARQL) goes here:
  ``await service.answer(QueryJob(query, solutions_type, graph_type, ...), timeout)``.
* ``get_runtime`` / ``RuntimeDep`` → ``api.runtime.Runtime`` (all of the above, the dataset
  version and ETag, metrics, a per-version cache).

All of them read ``request.app.state``; nothing is created at import time. They are ``async``
only so that FastAPI calls them inline: a plain ``def`` dependency costs a thread-pool round
trip on every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.runtime import Runtime
from api.workers import QueryService
from graph.settings import Settings
from graph.store.base import Reader


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_reader(request: Request) -> Reader:
    return request.app.state.runtime.reader


async def get_query_service(request: Request) -> QueryService:
    return request.app.state.runtime.queries


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ReaderDep = Annotated[Reader, Depends(get_reader)]
QueryServiceDep = Annotated[QueryService, Depends(get_query_service)]
