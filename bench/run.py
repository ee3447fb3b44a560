"""``python -m bench.run --quick|--full``: generate, build, serve and measure, in one run.

For each scale: generate a synthetic project (``bench.generate``), build it with the real
``govkg build`` (claims checked and compiled, SHACL, checks, store), then start each target in
turn (``bench.targets``), time its start to the first answer, run the query mix at concurrency
1 and 8 (``bench.load``), read its RSS, and stop it. Results go to ``bench/results/`` as JSON,
then ``bench.report`` writes the Markdown table and the plot.

Every loop is bounded (request count and seconds per measurement); only loopback traffic.
``GOVKG_BENCH_SECONDS`` overrides the seconds per measurement (e.g. 0.2 for a smoke run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench import floors, load
from bench.generate import write_project
from bench.targets import VENV_BIN, Target, TargetSpec, govkg_spec

RESULTS = Path(__file__).resolve().parent / "results"
SLOW_MS = 5000.0  # past this p50 at c=1, higher concurrency is not measured
SEEDS = Path(os.environ.get("GOVKG_SEEDS", Path(__file__).resolve().parents[2] / "shared/seeds"))

PREFIXES = """PREFIX govkg: <https://govkg.example/def/govkg#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
ID = "https://govkg.example/id/"
SPARQL_JSON = {"Accept": "application/sparql-results+json"}


@dataclass(frozen=True)
class Mode:
    scales: tuple[int, ...]
    max_requests: int
    max_seconds: float
    concurrency: tuple[int, ...] = (1, 8)


QUICK = Mode(scales=(10_000, 100_000), max_requests=3000, max_seconds=2.0)
FULL = Mode(scales=(10_000, 100_000, 1_000_000), max_requests=20000, max_seconds=10.0)


# -- samples: real entities of the built store, so repeated requests hit different ones --------


@dataclass(frozen=True)
class Samples:
    bodies: list[str]  # org/cN-bM
    chained: list[str]  # bodies with predecessors (dcterms:replaces)
    programmes: list[str]
    indicators: list[str]
    search_terms: list[str]


def sample(store_dir: Path, seed: int = 11) -> Samples:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_dir))

    def column(query: str) -> list[str]:
        rows = store.query(PREFIXES + query, use_default_graph_as_union=True)
        return sorted(str(row[0].value)[len(ID):] for row in rows)

    bodies = column("SELECT DISTINCT ?b { ?b org:unitOf|org:subOrganizationOf ?p "
                    "FILTER(REGEX(STR(?b), '/org/c[0-9]+-b[0-9]+$')) }")
    chained = column("SELECT DISTINCT ?b { ?b dcterms:replaces ?o "
                     "FILTER(REGEX(STR(?b), '/org/c[0-9]+-b[0-9]+$')) }")
    programmes = column("SELECT DISTINCT ?p { ?x govkg:partOfProgramme ?p }")
    indicators = column("SELECT DISTINCT ?i { ?o govkg:indicator ?i }")
    rng = random.Random(seed)
    for items in (bodies, chained, programmes, indicators):
        rng.shuffle(items)
    # "3-12" occurs in the labels of body org/c3-b12 (and of b120…): a selective label search.
    terms = [b[5:].replace("-b", "-") for b in bodies]
    return Samples(bodies, chained, programmes, indicators, terms)


# -- the query mix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuerySpec:
    name: str
    what: str
    make: Callable[[Samples, int], load.Request]
    check: load.Check
    govkg_only: bool = False


def sparql(text: Callable[[Samples, int], str]) -> Callable[[Samples, int], load.Request]:
    def make(s: Samples, i: int) -> load.Request:
        return "/sparql", {"query": PREFIXES + text(s, i)}, SPARQL_JSON

    return make


def pick(items: list[str], i: int) -> str:
    return items[i % len(items)]


QUERIES = [
    QuerySpec("point", "point lookup: all statements of one body", sparql(
        lambda s, i: f"SELECT ?p ?o WHERE {{ <{ID}{pick(s.bodies, i)}> ?p ?o }}"),
        load.check_select(3)),
    QuerySpec("label", "label search: CONTAINS over every skos:prefLabel", sparql(
        lambda s, i: "SELECT ?e ?l WHERE { ?e skos:prefLabel ?l "
        f'FILTER(CONTAINS(LCASE(STR(?l)), "{pick(s.search_terms, i)}")) }} LIMIT 20'),
        load.check_select(1)),
    QuerySpec("join2", "2-hop join: projects of a programme → bodies → parents' labels", sparql(
        lambda s, i: f"SELECT ?project ?body ?parent ?label WHERE {{ ?project "
        f"govkg:partOfProgramme <{ID}{pick(s.programmes, i)}> ; govkg:carriedOutBy ?body . "
        "?body org:unitOf|org:subOrganizationOf ?parent . ?parent skos:prefLabel ?label "
        'FILTER(lang(?label) = "en") }'),
        load.check_select(1)),
    QuerySpec("aggregate", "aggregate: count and mean of one indicator's values per area", sparql(
        lambda s, i: "SELECT ?area (COUNT(?o) AS ?n) (AVG(?v) AS ?mean) WHERE { "
        f"?o govkg:indicator <{ID}{pick(s.indicators, i)}> ; govkg:refArea ?area ; "
        "sdmx-measure:obsValue ?v } GROUP BY ?area ORDER BY DESC(?mean)"),
        load.check_select(1)),
    QuerySpec("lineage-path", "property path: (unitOf|subOrganizationOf|replaces)+ of a body",
              sparql(lambda s, i: f"SELECT DISTINCT ?a WHERE {{ <{ID}{pick(s.chained, i)}> "
                     "(org:unitOf|org:subOrganizationOf|dcterms:replaces)+ ?a }"),
              load.check_select(1)),
    QuerySpec("named", "named query /queries/body-predecessors", lambda s, i: (
        "/queries/body-predecessors", {"body": pick(s.chained, i)}, SPARQL_JSON),
        load.check_select(1), govkg_only=True),
    QuerySpec("page", "entity page (HTML) /id/{body}.html", lambda s, i: (
        f"/id/{pick(s.bodies, i)}.html", {}, {"Accept": "text/html"}),
        load.check_html, govkg_only=True),
    QuerySpec("deref", "dereference (Turtle) /id/{body}.ttl", lambda s, i: (
        f"/id/{pick(s.bodies, i)}.ttl", {}, {"Accept": "text/turtle"}),
        load.check_turtle, govkg_only=True),
    QuerySpec("path", "/path between two bodies of one country", lambda s, i: (
        "/path", {"from": pick(s.bodies, i), "to": pick(s.bodies, i + 1)},
        {"Accept": "application/json"}), load.check_json, govkg_only=True),
    QuerySpec("lineage", "/lineage of a renamed body", lambda s, i: (
        f"/lineage/{pick(s.chained, i)}", {}, {"Accept": "application/json"}),
        load.check_json, govkg_only=True),
]
SEARCH = QuerySpec("search", "/search (text index), if the build has one", lambda s, i: (
    "/search", {"q": pick(s.search_terms, i)}, {"Accept": "application/json"}),
    load.check_json, govkg_only=True)
TRIVIAL = QuerySpec("trivial", "GET / answering ok", lambda s, i: ("/", {}, {}),
                    load.check_text_ok)


# -- build -----------------------------------------------------------------------------------


def build(root: Path, log: Callable[[str], None]) -> dict[str, object]:
    """Run the real ``govkg build`` and time its phases from its progress lines."""
    env = {**os.environ, "GOVKG_ROOT": str(root), "GOVKG_DATA_DIR": str(root / "var"),
           "GOVKG_SEEDS": str(SEEDS)}
    marks: list[tuple[float, str]] = []
    started = time.perf_counter()
    process = subprocess.Popen([str(VENV_BIN / "govkg"), "build"], env=env, cwd=root,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        marks.append((time.perf_counter() - started, line.rstrip()))
        log("    " + line.rstrip())
    if process.wait() != 0:
        raise RuntimeError("govkg build failed:\n" + "\n".join(m for _, m in marks[-20:]))
    total = time.perf_counter() - started

    def at(prefix: str) -> float:
        return next(t for t, m in marks if m.startswith("· " + prefix))

    meta = json.loads((root / "var" / "current" / "govkg-meta.json").read_text())
    shacl = at("valid:") - at("validating")
    parse = at("parsed") - at("dataset version")
    compile_ = at("compiled") - at("parsed")
    store = at("store ") - at("valid:")
    excluding = total - shacl
    return {
        "triples": meta["triples"], "named_graphs": meta["named_graphs"],
        "total_s": total, "parse_s": parse, "compile_s": compile_, "shacl_s": shacl,
        "store_and_checks_s": store, "excluding_shacl_s": excluding,
        "triples_per_s_excluding_shacl": meta["triples"] / excluding,
        "shacl_over_load": shacl / excluding,
    }


def export_named_graphs(store_dir: Path, out: Path) -> int:
    """N-Quads of the named graphs only (the merged default graph is a govkg serving aid)."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_dir))
    quads = [q for q in store.quads_for_pattern(None, None, None)
             if not isinstance(q.graph_name, ox.DefaultGraph)]
    ox.serialize(quads, str(out), format=ox.RdfFormat.N_QUADS)
    return len(quads)


# -- measure ---------------------------------------------------------------------------------


def measure_target(spec: TargetSpec, samples: Samples, mode: Mode, logs: Path,
                   log: Callable[[str], None]) -> dict[str, object]:
    log(f"  {spec.name}: starting")
    with Target.start(spec, logs) as target:
        result: dict[str, object] = {
            "target": spec.name, "kind": spec.kind, "start_to_first_answer_s": target.start_seconds,
            "rss_after_start_mb": target.rss_mb(), "queries": {},
        }
        log(f"  {spec.name}: first answer after {target.start_seconds:.2f}s")
        if spec.kind == "trivial":
            specs = [TRIVIAL]
        else:
            specs = [q for q in QUERIES if spec.govkg or not q.govkg_only]
            if spec.govkg:
                import httpx

                probe = httpx.get(target.url + "/search", params={"q": "x"}, timeout=30)
                if probe.status_code != 404:
                    specs.append(SEARCH)
        queries: dict[str, object] = {}
        for query in specs:
            per_c: dict[str, object] = {}
            for c in mode.concurrency:
                slow = per_c.get("1")
                if c > 1 and isinstance(slow, dict) and slow["p50_ms"] > SLOW_MS:
                    # A peer that needs seconds per answer would only queue at c=8 until the
                    # request timeout; its c=1 figure already says what it costs.
                    per_c[f"skipped-{c}"] = f"p50 at c=1 was {slow['p50_ms'] / 1000:.1f} s"
                    log(f"    {query.name:13} c={c}: skipped ({per_c[f'skipped-{c}']})")
                    continue
                outcome = load.run_load(
                    target.url, lambda i, q=query: q.make(samples, i), query.check,
                    concurrency=c, max_requests=mode.max_requests, max_seconds=mode.max_seconds,
                )
                per_c[str(c)] = outcome.to_json()
                flag = (f" FAILED {outcome.failed}: {outcome.first_problem}"
                        if outcome.failed else "")
                log(f"    {query.name:13} c={c}: {outcome.throughput:8.1f} req/s  "
                    f"p50 {outcome.p50_ms:7.1f} ms  p95 {outcome.p95_ms:7.1f} ms  "
                    f"({outcome.requests} req, client CPU {outcome.client_cpu:.0%}){flag}")
            queries[query.name] = per_c
        result["queries"] = queries
        result["rss_after_load_mb"] = target.rss_mb()
        return result


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("govkg", "pyoxigraph", "rdflib", "pyshacl", "fastapi", "uvicorn", "httpx",
                    "rdflib-endpoint"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


def machine() -> dict[str, object]:
    import psutil

    return {
        "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
    }


def run(mode: Mode, name: str, keep: bool, log: Callable[[str], None]) -> Path:
    results: dict[str, object] = {
        "mode": name, "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(), "versions": versions(),
        "settings": {"max_requests": mode.max_requests, "max_seconds": mode.max_seconds,
                     "concurrency": list(mode.concurrency)},
        "queries": {q.name: q.what for q in [*QUERIES, SEARCH, TRIVIAL]},
        "scales": [],
    }
    work = Path(tempfile.mkdtemp(prefix="govkg-bench-"))
    try:
        for scale in mode.scales:
            log(f"scale {scale:,} triples")
            root = work / f"s{scale}"
            t0 = time.perf_counter()
            generated = write_project(root, scale)
            generate_s = time.perf_counter() - t0
            log(f"  generated {generated.claims} claims, {generated.countries} countries "
                f"in {generate_s:.1f}s; building")
            built = build(root, log)
            store_dir = (root / "var" / "current").resolve()
            built["floor"] = floors.bulk_load_floor(store_dir)
            built["incremental_shacl"] = floors.incremental_shacl(root, store_dir)
            log(f"  bulk-load floor {built['floor']['bulk_load_s']:.1f}s; one small write "
                f"validated in {built['incremental_shacl']['median_s'] * 1000:.0f} ms "
                f"({built['incremental_shacl']['context_quads']} context quads)")
            export = root / "export.nq"
            exported = export_named_graphs(store_dir, export)
            samples = sample(store_dir)
            specs = [
                TargetSpec("trivial", "trivial"),
                TargetSpec("oxigraph-floor", "oxigraph", data=str(store_dir)),
                govkg_spec("govkg", root, workers=1, seeds=SEEDS),
                govkg_spec("govkg-4w", root, workers=4, seeds=SEEDS),
                TargetSpec("rdflib-endpoint", "rdflib-endpoint", data=str(export)),
            ]
            targets = [measure_target(s, samples, mode, root / "logs", log) for s in specs]
            results["scales"].append({  # type: ignore[union-attr]
                "scale": scale, "generate_s": generate_s, "claims": generated.claims,
                "exported_quads": exported, "build": built, "targets": targets,
            })
    finally:
        if keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(results, indent=2))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="govkg benchmarks (never part of make test)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="10k and 100k, short runs (default)")
    group.add_argument("--full", action="store_true", help="10k, 100k and 1M triples")
    parser.add_argument("--scales", help="comma-separated triple counts (overrides the mode)")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    parser.add_argument("--name", help="results file name (default: quick or full)")
    args = parser.parse_args(argv)
    mode, name = (FULL, "full") if args.full else (QUICK, "quick")
    name = args.name or name
    if os.environ.get("GOVKG_BENCH_SECONDS"):
        seconds = float(os.environ["GOVKG_BENCH_SECONDS"])
        mode = Mode(mode.scales, mode.max_requests, seconds)
    if args.scales:
        mode = Mode(tuple(int(x) for x in args.scales.split(",")), mode.max_requests,
                    mode.max_seconds)

    def log(message: str) -> None:
        print(message, flush=True)

    out = run(mode, name, args.keep, log)
    log(f"wrote {out}")
    from bench import report

    for path in report.write(out):
        log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
