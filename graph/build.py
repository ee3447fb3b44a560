"""Build: compile the authored data, validate it, load a fresh store, and only then swap it in.

A failed build leaves the served store exactly as it was.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, XSD

from graph.claims import ClaimProblem, check_claims_in, compile_claims_in, read_authoring
from graph.errors import BuildFailed
from graph.labels import derive_labels_in
from graph.namespaces import (
    ID,
    META_GRAPH,
    ONTOLOGY_GRAPH,
    SHAPES_GRAPH,
    VOID,
    sparql_prefixes,
)
from graph.rdf_bridge import quads_to_dataset
from graph.search import SEARCH_FILE, write_index
from graph.settings import Settings
from graph.shacl_sparql import compile_shapes, validate_store
from graph.store.base import DatasetInfo
from graph.store.embedded import (
    EmbeddedStore,
    create_store,
    merge_default_graph_into,
    write_info,
)
from graph.validation import ValidationReport, ontology_axioms

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


PARSE_FORMATS = {
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
}


def unsourced_graph(path: Path) -> URIRef:
    """Where triples outside any claim block land, so checks and shapes can name their file."""
    return URIRef(f"urn:govkg:unsourced:{path.name}")


def load_files_into(store: ox.Store, paths: list[Path]) -> None:
    """Parse each file into ``store`` (natively); errors name the file and position. Triples
    outside any named graph move to the file's unsourced graph."""
    for path in paths:
        fmt = PARSE_FORMATS.get(path.suffix, ox.RdfFormat.TURTLE)
        try:
            store.bulk_load(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
        except (SyntaxError, ValueError) as error:
            raise BuildFailed(f"{path}: cannot parse as {fmt}: {error}") from error
        if next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None:
            store.update(
                f"INSERT {{ GRAPH <{unsourced_graph(path)}> {{ ?s ?p ?o }} }} "
                "WHERE { ?s ?p ?o } ; DELETE WHERE { ?s ?p ?o }"
            )


def assemble_into(
    store: ox.Store,
    settings: Settings,
    extra: list[Path] | None = None,
    *,
    only: bool = False,
    progress: Progress = _quiet,
) -> list[ClaimProblem]:
    """Parse graph/data plus extras (or, with only=True, the extras alone) into ``store``,
    compile the claims that are well formed, derive labels; return the claim problems."""
    paths = [] if only else sorted(settings.graph_data_dir.glob("*.trig"))
    load_files_into(store, paths + list(extra or []))
    progress(f"parsed {len(store)} authored quads")
    authored = read_authoring(store)
    problems = check_claims_in(store, settings.seeds, authored)
    claims = compile_claims_in(store, authored)
    derived = derive_labels_in(store)
    progress(f"compiled {claims} claims, derived {derived} labels")
    return problems


def assemble(settings: Settings, progress: Progress = _quiet) -> Dataset:
    """Authored data → checked, compiled dataset (rdflib); raise BuildFailed on claim problems."""
    dataset, problems = assemble_with(settings, [], only=False, progress=progress)
    if problems:
        raise BuildFailed(_problem_listing(problems))
    return dataset


def assemble_with(
    settings: Settings, extra: list[Path], *, only: bool = False, progress: Progress = _quiet
) -> tuple[Dataset, list[ClaimProblem]]:
    """``assemble_into`` an in-memory store, returned as an rdflib Dataset (for pySHACL)."""
    store = ox.Store()
    problems = assemble_into(store, settings, extra, only=only, progress=progress)
    return quads_to_dataset(store), problems


def _problem_listing(problems: list[ClaimProblem]) -> str:
    listing = "\n".join(f"  {p}" for p in problems)
    return f"{len(problems)} claim problems:\n{listing}"


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
    started = time.perf_counter()
    version = dataset_version(settings)
    progress(f"dataset version {version}")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    stores = settings.data_dir / "stores"
    stores.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = stores / f"{version}-{stamp}"
    staging = stores / f".{target.name}.building"
    try:
        info, report = _build_staging(settings, staging, version, progress)
        staging.rename(target)
    except BaseException as error:
        _discard_staging(staging, error)
        raise
    swap_in(settings, target)
    elapsed = time.perf_counter() - started
    progress(
        f"store {target.name}: {info.triples} triples, "
        f"{info.named_graphs} graphs ({elapsed:.1f}s)"
    )
    return BuildResult(info, target, len(report.warnings()), len(report.infos()), {})


def _build_staging(
    settings: Settings, staging: Path, version: str, progress: Progress
) -> tuple[DatasetInfo, ValidationReport]:
    """Everything a build writes, into ``staging``; raises BuildFailed on any problem."""
    writable = create_store(staging)
    problems = assemble_into(writable, settings, progress=progress)
    if problems:
        raise BuildFailed(_problem_listing(problems))
    ontology, shapes = load_ontology_and_shapes(settings)
    progress("validating against SHACL shapes")
    report = _validate_staging(writable, ontology, shapes)
    if not report.conforms:
        raise BuildFailed(
            f"{len(report.violations())} SHACL violations; nothing was swapped in:\n"
            + report.to_text()
        )
    progress(
        f"valid: 0 violations, {len(report.warnings())} warnings, "
        f"{len(report.infos())} infos"
    )
    built_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    _add_system_graphs(writable, ontology, shapes, version, built_at)
    quads = len(writable)
    graphs = sum(1 for _ in writable.named_graphs())
    triples = merge_default_graph_into(writable, staging)
    del writable
    info = DatasetInfo(version, built_at, triples, quads, graphs)
    write_info(staging, info)
    reader = EmbeddedStore(staging)
    try:
        failures = run_checks(reader, settings)
        names = write_index(
            reader.select_plain, staging / SEARCH_FILE, settings.queries_dir, version
        )
    finally:
        reader.close()
    if failures:
        lines = [f"  {name}: {rows[:5]}" for name, rows in failures.items()]
        raise BuildFailed("build checks failed (queries/checks):\n" + "\n".join(lines))
    progress(f"search index: {names} names")
    return info, report


def _discard_staging(staging: Path, error: BaseException) -> None:
    """Delete a failed build's store. Its RocksDB handle lives on in the traceback's frames
    until they are cleared; deleting under an open handle can leave files behind."""
    traceback.clear_frames(error.__traceback__)
    gc.collect()
    for _ in range(5):
        shutil.rmtree(staging, ignore_errors=True)
        if not staging.exists():
            return
        time.sleep(0.05)


def _validate_staging(store: ox.Store, ontology: Graph, shapes: Graph) -> ValidationReport:
    """The shapes on the staging store, compiled to SPARQL and run by pyoxigraph
    (``graph.shacl_sparql``: pySHACL's report, 50-100× faster; tests hold the two equal).

    The ontology axioms go into the ontology graph first, as pySHACL's working copy has them;
    the rest of the ontology follows after validation."""
    axioms = Graph()
    for triple in ontology_axioms(ontology):
        axioms.add(triple)
    store.load(
        axioms.serialize(format="nt", encoding="utf-8"),
        format=ox.RdfFormat.N_TRIPLES,
        to_graph=ox.NamedNode(str(ONTOLOGY_GRAPH)),
    )
    return validate_store(store, compile_shapes(shapes))


def _add_system_graphs(
    store: ox.Store, ontology: Graph, shapes: Graph, version: str, built_at: str
) -> None:
    """The ontology, the shapes and the dataset's version record, each in its graph."""
    for graph, name in ((ontology, ONTOLOGY_GRAPH), (shapes, SHAPES_GRAPH)):
        data = graph.serialize(format="nt", encoding="utf-8")
        store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))
    meta, dataset = ox.NamedNode(str(META_GRAPH)), ox.NamedNode(str(DATASET_IRI))
    store.bulk_extend([
        ox.Quad(dataset, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(VOID.Dataset)), meta),
        ox.Quad(dataset, ox.NamedNode(str(OWL.versionInfo)), ox.Literal(version), meta),
        ox.Quad(dataset, ox.NamedNode(str(DCTERMS.modified)),
                ox.Literal(built_at, datatype=ox.NamedNode(str(XSD.dateTime))), meta),
    ])


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
