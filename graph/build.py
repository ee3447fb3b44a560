"""Build: compile the authored data, validate it, load a fresh store, and only then swap it in.

A failed build leaves the served store exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, XSD

from graph.claims import ClaimProblem, check_claims, compile_claims
from graph.errors import BuildFailed
from graph.labels import derive_labels
from graph.namespaces import (
    ID,
    META_GRAPH,
    ONTOLOGY_GRAPH,
    SHAPES_GRAPH,
    VOID,
    sparql_prefixes,
)
from graph.search import SEARCH_FILE, write_index
from graph.settings import Settings
from graph.store.base import DatasetInfo
from graph.store.embedded import (
    EmbeddedStore,
    create_store,
    merge_default_graph_into,
    write_info,
)

# Bump when the build changes what it writes, so the version changes with it.
BUILD_FORMAT = "2"
DATASET_IRI = ID["dataset/govkg"]

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def input_files(settings: Settings) -> list[Path]:
    """Every file whose bytes decide the dataset, in a stable order."""
    files = [settings.ontology_file]
    files += sorted(settings.shapes_dir.glob("*.ttl"))
    files += sorted(settings.graph_data_dir.glob("*.trig"))
    return files


def dataset_version(settings: Settings) -> str:
    """Content hash of the build inputs: the dataset version and the ETag of every answer."""
    digest = hashlib.sha256(BUILD_FORMAT.encode())
    for path in input_files(settings):
        digest.update(path.relative_to(settings.root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def load_authored(settings: Settings, extra: list[Path] | None = None) -> Dataset:
    """Parse every data file (and extras) into one union-default Dataset; errors name the file."""
    dataset = Dataset(default_union=True)
    for path in sorted(settings.graph_data_dir.glob("*.trig")) + list(extra or []):
        _parse_into(dataset, path)
    return dataset


PARSE_FORMATS = {
    ".trig": "trig",
    ".nq": "nquads",
    ".ttl": "turtle",
    ".nt": "nt",
    ".jsonld": "json-ld",
    ".rdf": "xml",
}


def unsourced_graph(path: Path) -> URIRef:
    """Where triples outside any claim block land, so checks and shapes can name their file."""
    return URIRef(f"urn:govkg:unsourced:{path.name}")


def _parse_into(dataset: Dataset, path: Path) -> None:
    fmt = PARSE_FORMATS.get(path.suffix, "turtle")
    parsed = Dataset()
    try:
        parsed.parse(path, format=fmt)
    except Exception as error:  # rdflib raises many parser error types; each names the line
        raise BuildFailed(f"{path}: cannot parse as {fmt}: {error}") from error
    for s, p, o, g in parsed.quads((None, None, None, None)):
        name = g.identifier if hasattr(g, "identifier") else g
        if name is None or str(name) == "urn:x-rdflib:default":
            name = unsourced_graph(path)
        dataset.graph(name).add((s, p, o))


def assemble(settings: Settings, progress: Progress = _quiet) -> Dataset:
    """Authored data → checked, compiled dataset; raise BuildFailed on any claim problem."""
    dataset, problems = assemble_with(settings, [], only=False, progress=progress)
    if problems:
        listing = "\n".join(f"  {p}" for p in problems)
        raise BuildFailed(f"{len(problems)} claim problems:\n{listing}")
    return dataset


def assemble_with(
    settings: Settings, extra: list[Path], *, only: bool = False, progress: Progress = _quiet
) -> tuple[Dataset, list[ClaimProblem]]:
    """Parse graph/data plus extras (or, with only=True, the extras alone), compile the claims
    that are well formed, derive labels, and return the claim problems found on the way."""
    if only:
        dataset = Dataset(default_union=True)
        for path in extra:
            _parse_into(dataset, path)
    else:
        dataset = load_authored(settings, extra)
    progress(f"parsed {len(dataset)} authored quads")
    problems = check_claims(dataset, settings.seeds)
    claims = compile_claims(dataset)
    derived = derive_labels(dataset)
    progress(f"compiled {claims} claims, derived {derived} labels")
    return dataset, problems


def load_ontology_and_shapes(settings: Settings) -> tuple[Graph, Graph]:
    ontology = Graph().parse(settings.ontology_file, format="turtle")
    shapes = Graph()
    for path in sorted(settings.shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    return ontology, shapes


@dataclass(frozen=True)
class BuildResult:
    info: DatasetInfo
    store_path: Path
    warnings: int
    infos: int
    check_rows: dict[str, int]


def run_checks(store: EmbeddedStore, settings: Settings) -> dict[str, list[dict[str, str]]]:
    """queries/checks/*.rq: each lists problems; any row fails the build."""
    failures: dict[str, list[dict[str, str]]] = {}
    for path in sorted((settings.queries_dir / "checks").glob("*.rq")):
        rows = store.select(sparql_prefixes() + path.read_text(encoding="utf-8"))
        if rows:
            failures[path.name] = [{k: str(v) for k, v in row.items()} for row in rows]
    return failures


def build(settings: Settings, progress: Progress = _quiet) -> BuildResult:
    """Compile, validate, load and swap in a new store; on any error change nothing."""
    from graph.validation import validate

    started = time.perf_counter()
    version = dataset_version(settings)
    progress(f"dataset version {version}")
    dataset = assemble(settings, progress)
    ontology, shapes = load_ontology_and_shapes(settings)
    progress("validating against SHACL shapes")
    report = validate(dataset, shapes, ontology)
    if not report.conforms:
        raise BuildFailed(
            f"{len(report.violations())} SHACL violations; nothing was swapped in:\n"
            + report.to_text()
        )
    progress(f"valid: 0 violations, {len(report.warnings())} warnings, {len(report.infos())} infos")

    for triple in ontology:
        dataset.graph(ONTOLOGY_GRAPH).add(triple)
    for triple in shapes:
        dataset.graph(SHAPES_GRAPH).add(triple)
    built_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    meta = dataset.graph(META_GRAPH)
    meta.add((DATASET_IRI, RDF.type, VOID.Dataset))
    meta.add((DATASET_IRI, OWL.versionInfo, Literal(version)))
    meta.add((DATASET_IRI, DCTERMS.modified, Literal(built_at, datatype=XSD.dateTime)))

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    stores = settings.data_dir / "stores"
    stores.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = stores / f"{version}-{stamp}"
    staging = stores / f".{target.name}.building"
    try:
        writable = create_store(staging)
        nquads = dataset.serialize(format="nquads").encode("utf-8")
        import pyoxigraph as ox

        writable.load(nquads, format=ox.RdfFormat.N_QUADS)
        quads = len(writable)
        graphs = len(list(writable.named_graphs()))
        triples = merge_default_graph_into(writable, staging)
        del writable
        info = DatasetInfo(version, built_at, triples, quads, graphs)
        write_info(staging, info)
        reader = EmbeddedStore(staging)
        failures = run_checks(reader, settings)
        names = write_index(reader, staging / SEARCH_FILE, settings.queries_dir, version)
        reader.close()
        if failures:
            lines = [f"  {name}: {rows[:5]}" for name, rows in failures.items()]
            raise BuildFailed("build checks failed (queries/checks):\n" + "\n".join(lines))
        progress(f"search index: {names} names")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_in(settings, target)
    elapsed = time.perf_counter() - started
    progress(f"store {target.name}: {triples} triples, {graphs} graphs ({elapsed:.1f}s)")
    return BuildResult(info, target, len(report.warnings()), len(report.infos()), {})


def swap_in(settings: Settings, target: Path) -> None:
    """Point var/current at the new store atomically, then drop stores no longer served."""
    link = settings.store_link
    temporary = link.with_name(".current.tmp")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(target.relative_to(link.parent))
    os.replace(temporary, link)
    # Keep the previous store too: a running server may still be reading it.
    built = sorted(
        (p for p in (settings.data_dir / "stores").iterdir() if not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
    )
    for old in built[:-2]:
        if old != target:
            shutil.rmtree(old, ignore_errors=True)


def current_store_path(settings: Settings) -> Path:
    return settings.store_link.resolve()


def open_current(settings: Settings) -> EmbeddedStore:
    return EmbeddedStore(current_store_path(settings))
