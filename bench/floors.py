"""Two reference costs the build figures are read against.

- ``bulk_load_floor``: how long pyoxigraph's own bulk loader takes to write the built dataset
  (named graphs and the merged default graph) into a fresh store on this disk. No build can
  write its output faster, so "build ÷ bulk load" says what compiling and checking cost on top.
- ``incremental_shacl``: what the write gate's focus-limited validation costs for one small
  sourced write on the built store, next to the build's full validation.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

ID = "https://govkg.example/id/"
PREFIXES = """PREFIX govkg: <https://govkg.example/def/govkg#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def bulk_load_floor(store_dir: Path) -> dict[str, float]:
    """Seconds for a fresh on-disk store to bulk-load every quad of ``store_dir`` (and flush)."""
    import pyoxigraph as ox

    source = ox.Store.read_only(str(store_dir))
    data = source.dump(format=ox.RdfFormat.N_QUADS)
    del source
    work = Path(tempfile.mkdtemp(prefix="govkg-floor-"))
    try:
        started = time.perf_counter()
        fresh = ox.Store(str(work / "store"))
        fresh.bulk_load(data, format=ox.RdfFormat.N_QUADS)
        fresh.flush()
        seconds = time.perf_counter() - started
        quads = len(fresh)
        del fresh
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"bulk_load_s": seconds, "quads": quads}


def incremental_shacl(root: Path, store_dir: Path, repeats: int = 5) -> dict[str, float]:
    """Median seconds to preview and validate one small sourced write (``INSERT DATA`` of a
    comment on an existing body, in a new claim stated in an existing passage)."""
    import pyoxigraph as ox

    from graph.store.primary import PrimaryStore
    from graph.write_gate import ShapeGate

    built = ox.Store.read_only(str(store_dir))
    row = next(iter(built.query(PREFIXES + """
            SELECT ?org ?passage WHERE {
              GRAPH ?g { ?org a ?type }
              GRAPH <https://govkg.example/graph/provenance> { ?g govkg:statedIn ?passage }
              FILTER (STRSTARTS(STR(?org), "https://govkg.example/id/org/"))
            } LIMIT 1""")))
    org, passage = row["org"].value, row["passage"].value
    del built
    work = Path(tempfile.mkdtemp(prefix="govkg-incremental-"))
    try:
        primary = PrimaryStore.open_or_seed(work / "primary", store_dir)
        gate = ShapeGate(root)
        times, focus, context = [], 0, 0
        for i in range(repeats):
            text = PREFIXES + f"""INSERT DATA {{
              GRAPH <{ID}claim/bench-incremental-{i}> {{ <{org}> rdfs:comment "note {i}"@en }}
              GRAPH <https://govkg.example/graph/provenance> {{
                <{ID}claim/bench-incremental-{i}> a govkg:Claim, prov:Entity ;
                    govkg:statedIn <{passage}> ; govkg:locator "EN L59" . }} }}"""
            started = time.perf_counter()
            report = gate.report(primary.preview(text))
            times.append(time.perf_counter() - started)
            if not report.conforms:
                raise RuntimeError("the benchmark's small write was refused:\n" + report.to_text())
            focus, context = gate.last_focus, gate.last_context
        primary.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"median_s": statistics.median(times), "focus_nodes": focus, "context_quads": context}
