"""Prometheus metrics of one server process, written in the text format (0.0.4) by hand.

A handful of counters and histograms do not justify a dependency. ``api/ops.py`` lists the
series and serves them at /metrics.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
INFINITY = 'le="+Inf"'
SIZE_BUCKETS = (100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000)


class _Histogram:
    def __init__(self, buckets: Sequence[float]) -> None:
        self.buckets = tuple(buckets)
        self.counts: dict[tuple[str, ...], list[int]] = {}
        self.sums: dict[tuple[str, ...], float] = defaultdict(float)

    def observe(self, labels: tuple[str, ...], value: float) -> None:
        counts = self.counts.setdefault(labels, [0] * (len(self.buckets) + 1))
        for index, bound in enumerate(self.buckets):
            if value <= bound:
                counts[index] += 1
        counts[-1] += 1
        self.sums[labels] += value

    def render(self, name: str, label_names: Sequence[str]) -> list[str]:
        lines = []
        for labels, counts in sorted(self.counts.items()):
            base = _labels(label_names, labels)
            for bound, count in zip(self.buckets, counts, strict=False):
                le = f'le="{bound:g}"'
                lines.append(f"{name}_bucket{_join(base, le)} {count}")
            lines.append(f"{name}_bucket{_join(base, INFINITY)} {counts[-1]}")
            lines.append(f"{name}_sum{_wrap(base)} {self.sums[labels]:.6f}")
            lines.append(f"{name}_count{_wrap(base)} {counts[-1]}")
        return lines


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(names: Sequence[str], values: Sequence[str]) -> str:
    return ",".join(f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True))


def _join(base: str, extra: str) -> str:
    return "{" + (f"{base},{extra}" if base else extra) + "}"


def _wrap(base: str) -> str:
    return "{" + base + "}" if base else ""


class Metrics:
    """Counters and histograms of one server process (updated on the event loop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.latency = _Histogram(LATENCY_BUCKETS)
        self.queries: dict[tuple[str, str], int] = defaultdict(int)
        self.result_bytes = _Histogram(SIZE_BUCKETS)
        self.timeouts = 0
        self.truncated = 0

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(route, method, str(status))] += 1
            self.latency.observe((route,), seconds)

    def query(
        self, form: str, outcome: str, size: int | None = None, truncated: bool = False
    ) -> None:
        with self._lock:
            self.queries[(form, outcome)] += 1
            if outcome == "timeout":
                self.timeouts += 1
            if size is not None:
                self.result_bytes.observe((form,), size)
            if truncated:
                self.truncated += 1

    def render(self, gauges: dict[str, tuple[str, float, dict[str, str]]]) -> str:
        """The text exposition; ``gauges`` adds name → (help, value, labels) read at scrape time."""
        out: list[str] = []

        def header(name: str, kind: str, text: str) -> None:
            out.append(f"# HELP {name} {text}")
            out.append(f"# TYPE {name} {kind}")

        with self._lock:
            header("govkg_http_requests_total", "counter", "HTTP requests by route/method/status.")
            for (route, method, status), count in sorted(self.requests.items()):
                labels = _labels(("route", "method", "status"), (route, method, status))
                out.append(f"govkg_http_requests_total{{{labels}}} {count}")
            header("govkg_http_request_duration_seconds", "histogram", "Request latency by route.")
            out += self.latency.render("govkg_http_request_duration_seconds", ("route",))
            header("govkg_sparql_queries_total", "counter", "SPARQL queries by form and outcome.")
            for (form, outcome), count in sorted(self.queries.items()):
                labels = _labels(("form", "outcome"), (form, outcome))
                out.append(f"govkg_sparql_queries_total{{{labels}}} {count}")
            header("govkg_sparql_timeouts_total", "counter", "Queries stopped at their time limit.")
            out.append(f"govkg_sparql_timeouts_total {self.timeouts}")
            header("govkg_sparql_result_bytes", "histogram", "Size of SPARQL answers in bytes.")
            out += self.result_bytes.render("govkg_sparql_result_bytes", ("form",))
            header("govkg_sparql_truncated_total", "counter", "Answers cut at the result cap.")
            out.append(f"govkg_sparql_truncated_total {self.truncated}")
        for name, (text, value, labels) in gauges.items():
            kind = "counter" if name.endswith("_total") else "gauge"
            header(name, kind, text)
            label_text = _wrap(_labels(tuple(labels), tuple(labels.values())))
            out.append(f"{name}{label_text} {value:g}")
        return "\n".join(out) + "\n"
