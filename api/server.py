"""``run(settings, host, port)``: serve the app with uvicorn (``govkg serve``, ``make serve``).

Logging: the access log is one JSON object per line on stderr (logger ``govkg.access``, written
by ``api.ops.Edge``; uvicorn's own access log is off), other messages are plain lines.

Environment (read by ``graph.settings.Settings.from_env``, which documents each variable and
its default): ``GOVKG_HOST``, ``GOVKG_PORT``, ``GOVKG_DATA_DIR``, ``GOVKG_BASE_IRI``,
``GOVKG_QUERY_TIMEOUT``, ``GOVKG_MAX_QUERY_TIMEOUT``, ``GOVKG_MAX_RESULTS``,
``GOVKG_MAX_BODY_BYTES``, ``GOVKG_WORKERS``, ``GOVKG_WORKER_MEMORY_MB``, ``GOVKG_LICENSE``;
and here ``GOVKG_LOG_LEVEL`` [INFO].
"""

from __future__ import annotations

import os
import socket
import threading
from types import TracebackType
from typing import Any

import uvicorn

from api.app import create_app
from graph.settings import Settings


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """dictConfig for uvicorn and govkg: JSON access lines, plain text for the rest."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "json": {"format": "%(message)s"},
        },
        "handlers": {
            "plain": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "govkg": {"handlers": ["plain"], "level": level, "propagate": False},
            "govkg.access": {"handlers": ["access"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["plain"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def run(settings: Settings, host: str, port: int) -> None:
    """Serve until interrupted."""
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        access_log=False,
        log_config=logging_config(os.environ.get("GOVKG_LOG_LEVEL", "INFO").upper()),
        server_header=False,
    )


class BackgroundServer:
    """The app served by uvicorn in a thread on a free 127.0.0.1 port (tests, benchmarks).

    ``with BackgroundServer(settings) as server: httpx.get(server.url + "/health")``. Startup
    failures (no store, no worker) are raised from ``__enter__``.
    """

    def __init__(self, settings: Settings, host: str = "127.0.0.1") -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Without it each answer waits ~40 ms for the client's delayed ACK (Nagle).
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind((host, 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app, access_log=False, log_config=None, lifespan="on", server_header=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]},
            name="govkg-test-server", daemon=True,
        )

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the server stopped during startup; see the log above")
            self._thread.join(0.05)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(30)
        self._socket.close()
