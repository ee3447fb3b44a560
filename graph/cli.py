"""The `govkg` command line: build, validate, query, export, stats, serve."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from graph.errors import GovkgError
from graph.settings import Settings
from graph.store.base import GRAPH_MEDIA_TYPES, SOLUTION_MEDIA_TYPES, QueryForm

EXPORT_FORMATS = {
    "turtle": "text/turtle",
    "trig": "application/trig",
    "nquads": "application/n-quads",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
QUERY_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
}


def progress(message: str) -> None:
    click.echo(f"· {message}", err=True)


def fail(error: Exception) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(2)


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """govkg: a sourced knowledge graph of Korea–Peru digital-government governance."""
    ctx.obj = Settings.from_env()


@main.command()
@click.pass_obj
def build(settings: Settings) -> None:
    """Compile graph/data, validate it, load a fresh store and swap it in."""
    from graph.build import build as run_build

    try:
        result = run_build(settings, progress)
    except GovkgError as error:
        fail(error)
    click.echo(
        f"built {result.info.version}: {result.info.triples} triples in "
        f"{result.info.named_graphs} graphs; {result.warnings} warnings, {result.infos} infos"
    )


@main.command()
@click.option(
    "--data",
    "data",
    type=click.Path(exists=True, path_type=Path),
    multiple=True,
    help="Validate this RDF file together with the graph (TriG, Turtle, N-Triples, JSON-LD).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text")
@click.option(
    "--only", is_flag=True, help="With --data: validate the file alone, not the whole graph."
)
@click.pass_obj
def validate(settings: Settings, data: tuple[Path, ...], fmt: str, only: bool) -> None:
    """Validate the graph (or --data FILE) against the shapes; exit 1 on violations."""
    from graph.build import assemble_with, load_ontology_and_shapes
    from graph.validation import validate as run_validate

    try:
        dataset, problems = assemble_with(settings, list(data), only=only, progress=progress)
        ontology, shapes = load_ontology_and_shapes(settings)
        report = run_validate(dataset, shapes, ontology)
    except GovkgError as error:
        fail(error)
    for problem in problems:
        click.echo(f"claim problem: {problem}", err=True)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    elif fmt == "turtle":
        click.echo(report.to_turtle())
    else:
        click.echo(report.to_text())
    sys.exit(0 if report.conforms and not problems else 1)


def _query_text(text: str | None, file: Path | None) -> str:
    if file is not None:
        return file.read_text(encoding="utf-8")
    if text:
        return text
    raise click.UsageError("give a query text or --file q.rq")


@main.command()
@click.argument("text", required=False)
@click.option("--file", "file", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", *QUERY_FORMATS]), default="table")
@click.pass_obj
def query(settings: Settings, text: str | None, file: Path | None, fmt: str) -> None:
    """Run a SPARQL query against the built store (default graph = union of all graphs)."""
    from graph.build import open_current
    from graph.namespaces import sparql_prefixes

    sparql = _query_text(text, file)
    try:
        store = open_current(settings)
        if fmt == "table":
            _print_table(store, sparql_prefixes() + sparql)
            return

        def choose(form: QueryForm) -> str:
            wanted = QUERY_FORMATS[fmt]
            allowed = SOLUTION_MEDIA_TYPES if form in ("select", "ask") else GRAPH_MEDIA_TYPES
            if wanted not in allowed:
                raise click.UsageError(f"--format {fmt} does not fit a {form.upper()} query")
            return wanted

        answer = store.answer(sparql_prefixes() + sparql, choose)
        sys.stdout.buffer.write(answer.body)
    except GovkgError as error:
        fail(error)


def _print_table(store, sparql: str) -> None:
    from graph.table import render, short

    stripped = sparql.upper()
    if "ASK" in stripped.split("{")[0].split():
        click.echo("yes" if store.ask(sparql) else "no")
        return
    if any(k in stripped.split("{")[0] for k in ("CONSTRUCT", "DESCRIBE")):
        click.echo(store.construct(sparql).serialize(format="turtle"))
        return
    rows = store.select(sparql)
    columns = list(dict.fromkeys(k for row in rows for k in row)) or ["(no rows)"]
    click.echo(render(columns, [[short(row.get(c)) for c in columns] for row in rows]))


@main.command()
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)), default="trig")
@click.option("--out", "out", type=click.Path(path_type=Path))
@click.pass_obj
def export(settings: Settings, fmt: str, out: Path | None) -> None:
    """Write the whole dataset (quads for trig/nquads, the union graph otherwise)."""
    from graph.build import open_current

    try:
        store = open_current(settings)
        if out is None:
            store.export(EXPORT_FORMATS[fmt], sys.stdout.buffer)
        else:
            with out.open("wb") as handle:
                store.export(EXPORT_FORMATS[fmt], handle)
            click.echo(f"wrote {out}", err=True)
    except GovkgError as error:
        fail(error)


@main.command()
@click.pass_obj
def stats(settings: Settings) -> None:
    """Triples, entities per class, sources and conflicts of the built store."""
    from graph.build import open_current
    from graph.namespaces import sparql_prefixes
    from graph.table import render, short

    try:
        store = open_current(settings)
    except GovkgError as error:
        fail(error)
    info = store.info
    click.echo(f"version {info.version}, built {info.built_at}")
    click.echo(
        f"{info.triples} distinct triples, {info.quads} quads, {info.named_graphs} named graphs\n"
    )
    for name in ("entities-per-class", "claims-per-source", "open-conflicts"):
        path = settings.queries_dir / f"{name}.rq"
        rows = store.select(sparql_prefixes() + path.read_text(encoding="utf-8"))
        columns = list(dict.fromkeys(k for row in rows for k in row)) or ["(none)"]
        click.echo(f"== {name}")
        click.echo(render(columns, [[short(r.get(c)) for c in columns] for r in rows]))
        click.echo("")


@main.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option("--no-build", is_flag=True, help="Serve the current store without rebuilding.")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, no_build: bool) -> None:
    """Build (unless --no-build) and serve the graph over HTTP."""
    from graph.build import build as run_build

    if not no_build:
        try:
            started = time.perf_counter()
            result = run_build(settings, progress)
            progress(f"built {result.info.version} in {time.perf_counter() - started:.1f}s")
        except GovkgError as error:
            fail(error)
    try:
        from api.server import run
    except ImportError:
        click.echo("the HTTP service is not part of this build yet; the store is built and valid.")
        return
    run(settings, host=host or settings.host, port=port or settings.port)


if __name__ == "__main__":
    main()
