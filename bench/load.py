"""An asyncio load generator (a minimal keep-alive HTTP/1.1 client), bounded in requests and time.

``run_load(url, make_request, check, concurrency, max_requests, max_seconds)`` keeps
``concurrency`` requests in flight until either bound is reached (requests already sent are
awaited, each with its own timeout), then checks every answer: status 200 and a body that
parses as what was asked for (``check``). Checks run after the timed window so that parsing
costs the client nothing while it measures; a failed check makes the whole measurement fail,
so a broken server cannot look fast.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import urlencode, urlsplit

REQUEST_TIMEOUT = 120.0
Request = tuple[str, dict[str, str], dict[str, str]]  # path, params, headers
Check = Callable[[bytes, str], str | None]  # body, content type → problem or None


@dataclass(frozen=True)
class LoadResult:
    requests: int
    ok: int
    failed: int
    seconds: float
    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    client_cpu: float  # CPU seconds of the load generator ÷ wall seconds (1.0 = one core busy)
    first_problem: str | None

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


class _Connection:
    """One keep-alive HTTP/1.1 connection: a minimal client, so that the client side costs far
    less than the servers it measures (httpx costs ~1 ms of CPU per request, which on a small
    machine is most of what a trivial route costs)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str, headers: dict[str, str]) -> tuple[int, bytes, str]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"GET {target} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        self.writer.write("\r\n".join(lines).encode("utf-8"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        fields = {}
        for line in header_lines:
            if ":" in line:
                k, v = line.split(":", 1)
                fields[k.strip().lower()] = v.strip()
        if "content-length" in fields:
            body = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await self.reader.read()
            await self.close()
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, body, fields.get("content-type", "")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _target(path: str, params: dict[str, str]) -> str:
    return path + ("?" + urlencode(params) if params else "")


async def _load(
    url: str, make: Callable[[int], Request], concurrency: int, max_requests: int,
    max_seconds: float, warmup: int,
) -> tuple[list[float], list[tuple[int, bytes, str]], float]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    connections = [_Connection(host, port) for _ in range(concurrency)]
    for i in range(warmup):  # failures here show again, counted, in the measured requests
        path, params, headers = make(10_000_000 + i)
        try:
            await asyncio.wait_for(
                connections[0].get(_target(path, params), headers), REQUEST_TIMEOUT
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            await connections[0].close()
    latencies: list[float] = []
    answers: list[tuple[int, bytes, str]] = []
    counter = 0
    started = time.perf_counter()
    deadline = started + max_seconds

    async def worker(connection: _Connection) -> None:
        nonlocal counter
        while counter < max_requests and time.perf_counter() < deadline:
            index = counter
            counter += 1
            path, params, headers = make(index)
            t0 = time.perf_counter()
            try:
                answer = await asyncio.wait_for(
                    connection.get(_target(path, params), headers), REQUEST_TIMEOUT
                )
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
                await connection.close()
                answer = (0, repr(error).encode(), "")
            latencies.append(time.perf_counter() - t0)
            answers.append(answer)

    try:
        await asyncio.gather(*(worker(c) for c in connections))
    finally:
        for connection in connections:
            await connection.close()
    return latencies, answers, time.perf_counter() - started


def run_load(
    url: str, make: Callable[[int], Request], check: Check, *, concurrency: int,
    max_requests: int, max_seconds: float, warmup: int = 3,
) -> LoadResult:
    cpu = time.process_time()
    latencies, answers, seconds = asyncio.run(
        _load(url, make, concurrency, max_requests, max_seconds, warmup)
    )
    cpu = time.process_time() - cpu
    failed = 0
    first_problem = None
    for status, body, kind in answers:
        problem = f"status {status}: {body[:200]!r}" if status != 200 else check(body, kind)
        if problem:
            failed += 1
            first_problem = first_problem or problem
    ms = [x * 1000 for x in latencies]
    return LoadResult(
        requests=len(answers), ok=len(answers) - failed, failed=failed, seconds=seconds,
        throughput=len(answers) / seconds if seconds else 0.0,
        p50_ms=percentile(ms, 0.50), p95_ms=percentile(ms, 0.95), p99_ms=percentile(ms, 0.99),
        mean_ms=statistics.fmean(ms) if ms else float("nan"),
        client_cpu=cpu / seconds if seconds else 0.0, first_problem=first_problem,
    )


# -- checks: parse every answer as what was asked for ----------------------------------------


def check_select(min_rows: int = 1) -> Check:
    def check(body: bytes, kind: str) -> str | None:
        try:
            doc = json.loads(body)
        except ValueError as error:
            return f"not JSON ({kind}): {error}"
        if "boolean" in doc:
            return None
        rows = doc.get("results", {}).get("bindings")
        if not isinstance(rows, list):
            return "no results.bindings"
        if len(rows) < min_rows:
            return f"{len(rows)} rows, expected at least {min_rows}"
        return None

    return check


def check_json(body: bytes, kind: str) -> str | None:
    try:
        json.loads(body)
    except ValueError as error:
        return f"not JSON ({kind}): {error}"
    return None


def check_turtle(body: bytes, kind: str) -> str | None:
    from rdflib import Graph

    try:
        graph = Graph().parse(data=body, format="turtle")
    except Exception as error:  # rdflib's parser errors have no common base
        return f"not Turtle ({kind}): {error}"
    return None if len(graph) else "empty graph"


def check_html(body: bytes, kind: str) -> str | None:
    from html.parser import HTMLParser

    if "text/html" not in kind:
        return f"content type {kind}, not HTML"
    parser = HTMLParser()
    try:
        parser.feed(body.decode("utf-8"))
        parser.close()
    except (UnicodeDecodeError, AssertionError) as error:
        return f"not HTML: {error}"
    return None if b"<html" in body[:2000].lower() else "no <html> element"


def check_text_ok(body: bytes, kind: str) -> str | None:
    return None if body == b"ok" else f"unexpected body {body[:50]!r}"
