"""Start and stop the benchmark targets as subprocesses on free 127.0.0.1 ports.

``with Target.start(spec) as target:`` waits until the target answers its probe (recording the
time from process start to the first good answer) and terminates the process group on exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# rdflib-endpoint parses the whole dataset before it answers: minutes at 1M triples.
START_LIMIT = 900.0
PROBE = "ASK { ?s ?p ?o }"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class TargetSpec:
    """name: label in the results; kind: govkg, rdflib-endpoint, oxigraph or trivial."""

    name: str
    kind: str
    env: dict[str, str] = field(default_factory=dict)
    data: str = ""  # N-Quads file (rdflib-endpoint) or store directory (oxigraph)

    @property
    def sparql(self) -> bool:
        return self.kind != "trivial"

    @property
    def govkg(self) -> bool:
        return self.kind == "govkg"


def govkg_spec(name: str, root: Path, workers: int, seeds: Path) -> TargetSpec:
    env = {
        "GOVKG_ROOT": str(root),
        "GOVKG_SEEDS": str(seeds),
        "GOVKG_DATA_DIR": str(root / "var"),
        "GOVKG_WORKERS": str(workers),
        "GOVKG_LOG_LEVEL": "WARNING",
    }
    return TargetSpec(name, "govkg", env)


class Target:
    def __init__(self, spec: TargetSpec, process: subprocess.Popen[bytes], port: int,
                 log: Path) -> None:
        self.spec = spec
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.start_seconds = 0.0

    @classmethod
    def start(cls, spec: TargetSpec, logs: Path) -> Target:
        port = free_port()
        if spec.kind == "govkg":
            command = [str(VENV_BIN / "govkg"), "serve", "--no-build", "--host", "127.0.0.1",
                       "--port", str(port)]
        else:
            command = [sys.executable, "-m", "bench.peers", spec.kind, str(port), spec.data]
        logs.mkdir(parents=True, exist_ok=True)
        log = logs / f"{spec.name}.log"
        env = {**os.environ, **spec.env}
        started = time.perf_counter()
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        target = cls(spec, process, port, log)
        try:
            target._wait_ready(started)
        except BaseException:
            target.stop()
            raise
        return target

    def probe_request(self) -> tuple[str, dict[str, str], dict[str, str]]:
        if not self.spec.sparql:
            return "/", {}, {}
        return "/sparql", {"query": PROBE}, {"Accept": "application/sparql-results+json"}

    def _wait_ready(self, started: float) -> None:
        path, params, headers = self.probe_request()
        deadline = started + START_LIMIT
        with httpx.Client(timeout=5.0) as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.spec.name} exited; see {self.log}")
                try:
                    response = client.get(self.url + path, params=params, headers=headers)
                    if response.status_code == 200:
                        self.start_seconds = time.perf_counter() - started
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.02)
        raise RuntimeError(f"{self.spec.name} did not answer within {START_LIMIT}s")

    def rss_mb(self) -> float:
        """Resident memory of the server and all its children (query workers), in MB."""
        import psutil

        try:
            root = psutil.Process(self.process.pid)
            processes = [root, *root.children(recursive=True)]
            return sum(p.memory_info().rss for p in processes) / 2**20
        except psutil.Error:
            return float("nan")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def __enter__(self) -> Target:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
