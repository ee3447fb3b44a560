"""The `govkg` command line: build, validate, query, export, stats, serve; lineage, path,
queries and run-query for the graph of institutions."""

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



# -- lineage, paths and named queries (issue 5) -----------------------------------------------


def _projection(settings: Settings):  # noqa: ANN202 - Projection, imported lazily
    from graph.build import open_current
    from graph.projection import projection_of

    return projection_of(open_current(settings))


def _resolve_or_fail(projection, text: str, prefer: tuple[str, ...] = ()) -> str:  # noqa: ANN001
    from graph.projection import local_name
    from graph.resolve import AmbiguousId, UnknownId, resolve

    try:
        return resolve(projection, text, prefer)
    except AmbiguousId as error:
        click.echo(f"error: {error}:", err=True)
        for iri in error.candidates:
            click.echo(f"  {local_name(iri):45} {projection.label(iri)}", err=True)
        sys.exit(2)
    except UnknownId as error:
        fail(error)
    raise AssertionError("unreachable")


def _source_note(sources: list[dict[str, str | None]]) -> str:
    return ", ".join(dict.fromkeys(s["locator"] or "" for s in sources if s.get("locator")))


@main.command()
@click.argument("body")
@click.option("--at", "at", help="A day, YYYY-MM-DD: which body held the role then.")
@click.option("--json", "as_json", is_flag=True, help="The JSON answer of /lineage/{id}.")
@click.pass_obj
def lineage(settings: Settings, body: str, at: str | None, as_json: bool) -> None:
    """Where a body came from and what it became (BODY: acronym, name, slug or IRI)."""
    from graph.lineage import holding_at, lineage_json
    from graph.lineage import lineage as find_lineage
    from graph.periods import parse_day
    from graph.table import render

    try:
        day = parse_day(at) if at else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--at") from None
    try:
        projection = _projection(settings)
    except GovkgError as error:
        fail(error)
    iri = _resolve_or_fail(projection, body, ("institution",))
    line = find_lineage(projection, iri)
    holding = holding_at(projection, line, day) if day else None
    answer = lineage_json(projection, line, holding)
    if as_json:
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    click.echo(f"{answer['name']} — {answer['label_es']} / {answer['label']}\n")
    rows = [
        [
            b["name"],
            b["label_es"],
            (b["start"] or {}).get("value", ""),
            (b["end"] or {}).get("value", ""),
            ", ".join(p["parent"]["name"] for p in b["parents"]),
            _source_note([s for d in (b["start"], b["end"]) if d for s in d["sources"]]),
        ]
        for b in answer["line"]
    ]
    click.echo("Line, oldest first")
    click.echo(render(["name", "label", "from", "to", "inside", "dates from"], rows))
    events = [
        [
            (e["date"] or {}).get("value", ""),
            e["kind"],
            ", ".join(b["name"] for b in e["from"]),
            ", ".join(b["name"] for b in e["to"]),
            ", ".join(a["label"] for a in e["legal_acts"]),
            _source_note(e["sources"]),
        ]
        for e in answer["events"]
    ]
    click.echo("\nChange events")
    click.echo(render(["date", "kind", "from", "to", "legal act", "source"], events))
    if "at" in answer:
        held = answer["at"]
        names = ", ".join(
            f"{h['name']} ({h['certainty']}"
            + (f", inside {', '.join(p['name'] for p in h['parents'])}" if h["parents"] else "")
            + ")"
            for h in held["holders"]
        )
        click.echo(f"\nOn {held['date']}: {names or 'no body of this line'} [{held['status']}]")
        click.echo(f"  {held['note']}")


@main.command()
@click.argument("source")
@click.argument("target")
@click.option("--k", "k", type=click.IntRange(1, 10), default=1, help="How many shortest paths.")
@click.option("--via", "via", multiple=True, help="Only this predicate (org:unitOf); repeatable.")
@click.option(
    "--direction", type=click.Choice(["any", "forward", "backward"]), default="any"
)
@click.option("--json", "as_json", is_flag=True, help="The JSON answer of /path.")
@click.pass_obj
def path(
    settings: Settings,
    source: str,
    target: str,
    k: int,
    via: tuple[str, ...],
    direction: str,
    as_json: bool,
) -> None:
    """How SOURCE is connected to TARGET, each hop in words with its passage."""
    from graph.paths import find_paths, path_json, resolve_predicates

    try:
        projection = _projection(settings)
        start = _resolve_or_fail(projection, source)
        end = _resolve_or_fail(projection, target)
        predicates = resolve_predicates(projection, via) if via else None
        paths = find_paths(projection, start, end, k, predicates, direction)  # type: ignore[arg-type]
    except GovkgError as error:
        fail(error)
    answers = [path_json(projection, p) for p in paths]
    if as_json:
        click.echo(json.dumps(answers, indent=2, ensure_ascii=False))
        return
    if not answers:
        click.echo(f"{projection.name(start)} and {projection.name(end)} are not connected.")
        return
    for number, answer in enumerate(answers, start=1):
        hops = answer["length"]
        click.echo(f"{number}. {hops} hop{'' if hops == 1 else 's'}")
        for hop in answer["hops"]:
            link = hop["links"][0]
            first = link["sources"][0] if link["sources"] else {}
            quote = first.get("quote") or ""
            quote = quote if len(quote) <= 90 else quote[:89] + "…"
            click.echo(f"   {link['text']}")
            click.echo(f"      {first.get('locator', '')}: “{quote}”")
        click.echo("")


@main.command()
@click.pass_obj
def queries(settings: Settings) -> None:
    """List the named queries (queries/*.rq) with their parameters."""
    from graph.named_queries import load_named_queries
    from graph.table import render

    try:
        named = load_named_queries(settings.queries_dir)
    except GovkgError as error:
        fail(error)
    rows = [
        [
            q.name,
            " ".join(f"--{p.name} {p.type}={p.default or '∅'}" for p in q.parameters),
            q.summary,
        ]
        for q in named.values()
    ]
    click.echo(render(["name", "parameters", "summary"], rows, max_width=70))


@main.command(
    "run-query",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.argument("name")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv", "tsv"]), default="table"
)
@click.pass_context
def run_query(ctx: click.Context, name: str, fmt: str) -> None:
    """Run the named query NAME; its parameters as --param value (see `govkg queries`)."""
    from graph.build import open_current
    from graph.named_queries import find, load_named_queries
    from graph.table import render, short

    settings: Settings = ctx.obj
    values = _named_values(ctx.args)
    try:
        query = find(load_named_queries(settings.queries_dir), name)
        bindings = query.bind(values)
        store = open_current(settings)
        if fmt == "table":
            rows = store.select(query.sparql, bindings)
            columns = list(dict.fromkeys(k for row in rows for k in row)) or ["(no rows)"]
            click.echo(render(columns, [[short(r.get(c)) for c in columns] for r in rows]))
            return
        answer = store.answer(query.sparql, lambda form: QUERY_FORMATS[fmt], bindings=bindings)
        sys.stdout.buffer.write(answer.body)
    except GovkgError as error:
        fail(error)


def _named_values(args: list[str]) -> dict[str, str]:
    """--name value / --name=value pairs after the query name."""
    values: dict[str, str] = {}
    items = iter(args)
    for item in items:
        if not item.startswith("--"):
            raise click.UsageError(f"unexpected argument {item!r}; parameters are --name value")
        name, equals, value = item[2:].partition("=")
        if not equals:
            try:
                value = next(items)
            except StopIteration:
                raise click.UsageError(f"--{name} needs a value") from None
        if name in values:
            raise click.UsageError(f"--{name} is given twice")
        values[name] = value
    return values

if __name__ == "__main__":
    main()


@main.command("hash-token")
@click.argument("token", required=False)
@click.option("--name", default=None, help="Agent name recorded in the change log.")
def hash_token_command(token: str | None, name: str | None) -> None:
    """Print the GOVKG_WRITE_TOKENS entry for a write token (a new random one if none given).

    The token goes to stderr only when it was generated; give it to the writer, configure
    the printed digest. Reading TOKEN from stdin: pass "-".
    """
    from graph.write_auth import hash_token, new_token

    if token == "-":
        token = sys.stdin.readline().strip()
    if not token:
        token = new_token()
        click.echo(f"token (give it to the writer, it is not stored): {token}", err=True)
    digest = hash_token(token)
    click.echo(f"{name}:{digest}" if name else digest)
