"""HTML pages for people: home, search, the query editor, lineage, neighbourhood and path views.

Routes (HTML unless said otherwise; every page links to its machine-readable form):

* ``GET /`` — what the graph holds, entry points, search box.
* ``GET /search?q=&type=&lang=&limit=`` — HTML by Accept (a browser), JSON otherwise or with
  ``format=json``; ranked matches from ``graph.search``.
* ``GET /view/lineage/{id}`` — the lineage timeline (SVG drawn by ``api.svg``) with the events
  and their legal acts and passages (machine form: ``/lineage/{id}``).
* ``GET /view/neighbourhood/{id}?depth=`` — the neighbourhood drawing (``/neighbourhood/{id}``).
* ``GET /view/path?from=&to=&k=`` — paths with every edge explained (``/path``).
* ``GET /static/{name}`` — the editor's script and the stylesheet (no CDN anywhere).
* ``GET /sparql`` with a browser's Accept — the editor, or the results of ``?query=`` as a
  table (``api.sparql`` hands those requests here; everything else there is unchanged).

The language (``en``/``es``) comes from ``?lang=`` (then remembered in a cookie), else the
cookie, else Accept-Language. Templates get data from the same graph functions as the JSON
routes; the SPARQL lives in ``queries/pages/``.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api import svg
from api.deps import RuntimeDep
from api.lineage import projection_for
from api.negotiation import SOLUTIONS, choose
from api.runtime import Runtime
from graph.build import current_store_path
from graph.errors import BadQuery, GovkgError
from graph.lineage import holding_at, lineage
from graph.named_queries import NamedQuery, load_named_queries
from graph.namespaces import ID, PREFIXES, compact, sparql_prefixes
from graph.paths import MAX_DEPTH, MAX_K, explain, find_paths, neighbourhood
from graph.periods import parse_day
from graph.projection import Projection
from graph.resolve import AmbiguousId, UnknownId, resolve
from graph.search import MAX_LIMIT, SEARCH_FILE, SearchIndex, write_index
from graph.store.embedded import read_info
from graph.store.evaluator import QueryJob

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".txt": "text/plain"}
LANGUAGES = ("en", "es")
LANG_COOKIE = "govkg_lang"
# Entry points of the home page: (kind of graph.search, English, Spanish).
ENTRY_POINTS = (
    ("institution", "Institutions", "Instituciones"),
    ("law", "Laws and norms", "Leyes y normas"),
    ("plan", "Plans and strategies", "Planes y estrategias"),
    ("project", "Cooperation projects", "Proyectos de cooperación"),
    ("indicator", "Indicators", "Indicadores"),
    ("conflict", "Conflicts between sources", "Conflictos entre fuentes"),
)
NEIGHBOURHOOD_DRAWN = 60

router = APIRouter(tags=["pages"])


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def language(request: Request) -> str:
    """``?lang=``, else the remembered choice, else the first of en/es in Accept-Language."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return asked
    ranked: list[tuple[float, int, str]] = []
    for number, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and q > 0:
            ranked.append((-q, number, primary))
    return min(ranked)[2] if ranked else "en"


def wants_html(request: Request) -> bool:
    """A browser: text/html is preferred to every other answer the route could give.

    text/html comes last in the server's order, so ``*/*`` or no Accept keeps the machine form.
    """
    accept = request.headers.get("accept")
    if not accept:
        return False
    return choose(accept, (*SOLUTIONS, "application/ld+json", "text/html")) == "text/html"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env


def render(
    request: Request,
    runtime: Runtime,
    template: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    lang = language(request)
    html = (
        environment()
        .get_template(f"pages/{template}")
        .render(
            lang=lang,
            version=runtime.version,
            path=request.url.path,
            switch={code: language_link(request, code) for code in LANGUAGES},
            **context,
        )
    )
    vary = {"Vary": "Accept, Accept-Language, Cookie"}
    response = HTMLResponse(html, status_code=status, headers={**vary, **(headers or {})})
    remember_language(request, response)
    return response


def language_link(request: Request, code: str) -> str:
    """This page in another language (the other parameters kept)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*params, ('lang', code)])}"


def remember_language(request: Request, response: Response) -> None:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=365 * 24 * 3600, samesite="lax")


def href(iri: str) -> str | None:
    """Where an entity's page is served here."""
    return f"/id/{iri[len(str(ID)) :]}" if iri.startswith(str(ID)) else None


def _query(runtime: Runtime, name: str) -> str:
    return sparql_prefixes() + (runtime.settings.queries_dir / "pages" / name).read_text("utf-8")


def search_index(runtime: Runtime) -> SearchIndex:
    """The search index of the served version, next to the snapshot.

    The build writes it into the store; the snapshot (``Store.backup``) copies only the RDF, so
    the file is copied beside it on first use, or rebuilt from the snapshot when the current
    store is already a newer build.
    """

    def open_index() -> SearchIndex:
        target = runtime.snapshot / SEARCH_FILE
        if not target.exists():
            built = current_store_path(runtime.settings)
            source = built / SEARCH_FILE
            try:
                same = read_info(built).version == runtime.version
            except (OSError, ValueError):
                same = False
            if same and source.exists():
                shutil.copyfile(source, target)
            else:
                write_index(
                    runtime.reader.select_plain, target, runtime.settings.queries_dir,
                    runtime.version,
                )
        return SearchIndex(target)

    return runtime.cached(("pages", "search-index"), open_index)


def _label(projection: Projection, iri: str, lang: str) -> str:
    return projection.label(iri, lang)


class _Problem(Exception):
    def __init__(self, status: int, message: str, candidates: list[str]) -> None:
        self.status, self.message, self.candidates = status, message, candidates


def _resolve(projection: Projection, text: str, prefer: tuple[str, ...] = ()) -> str:
    try:
        return resolve(projection, text, prefer)
    except AmbiguousId as error:
        raise _Problem(400, str(error), error.candidates) from None
    except UnknownId as error:
        raise _Problem(404, str(error), error.suggestions) from None


def _problem_page(
    request: Request, runtime: Runtime, problem: _Problem, projection: Projection
) -> HTMLResponse:
    lang = language(request)
    return render(
        request,
        runtime,
        "problem.html",
        status=problem.status,
        title="Not found" if problem.status == 404 else "Ambiguous name",
        message=problem.message,
        candidates=[
            {"label": _label(projection, c, lang), "href": href(c), "iri": c}
            for c in problem.candidates
        ],
    )


# --------------------------------------------------------------------------------------------
# Static files
# --------------------------------------------------------------------------------------------


@router.get("/static/{name:path}", include_in_schema=False)
def get_static(name: str) -> Response:
    path = (STATIC / name).resolve()
    if STATIC not in path.parents or not path.is_file() or path.suffix not in STATIC_TYPES:
        return Response("Not found\n", status_code=404, media_type="text/plain")
    return Response(
        path.read_bytes(),
        media_type=f"{STATIC_TYPES[path.suffix]}; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


# --------------------------------------------------------------------------------------------
# Home
# --------------------------------------------------------------------------------------------


def _home_data(runtime: Runtime) -> dict[str, Any]:
    def read() -> dict[str, Any]:
        classes = [
            {
                "iri": str(row["class"]),
                "label": str(row["label"])
                if row.get("label") is not None
                else compact(str(row["class"])),
                "count": int(row["count"].toPython()),
            }
            for row in runtime.reader.select(_query(runtime, "class-counts.rq"))
        ]
        sources = [
            {
                "iri": str(row["document"]),
                "title": str(row["title"]) if row.get("title") is not None else None,
                "claims": int(row["claims"].toPython()),
            }
            for row in runtime.reader.select(_query(runtime, "sources.rq"))
        ]
        return {"classes": classes, "sources": sources}

    return runtime.cached(("pages", "home"), read)


@router.get("/", response_class=HTMLResponse, summary="Home page (HTML)")
def get_home(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    data = _home_data(runtime)
    kinds = dict(search_index(runtime).kinds())
    info = runtime.reader.info
    lang = language(request)
    entries = [
        {"kind": kind, "label": es if lang == "es" else en, "count": kinds.get(kind, 0)}
        for kind, en, es in ENTRY_POINTS
    ]
    projection = projection_for(runtime)
    wego = next((n for n in projection.graph if n.endswith("/id/org/wego")), None)
    return render(
        request,
        runtime,
        "home.html",
        title="govkg",
        machine="/.well-known/void",
        machine_type="text/turtle",
        info=info,
        classes=[c | {"href": _class_href(c["iri"])} for c in data["classes"]],
        sources=[s | {"href": href(s["iri"])} for s in data["sources"]],
        entries=entries,
        wego=href(wego) if wego else None,
    )


def _class_href(iri: str) -> str | None:
    prefix = "https://govkg.example/def/govkg#"
    return f"/def/govkg/{iri[len(prefix) :]}" if iri.startswith(prefix) else None


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------


@router.get("/search", summary="Search entities by name (accent- and case-insensitive)")
def get_search(
    request: Request,
    runtime: RuntimeDep,
    q: Annotated[str, Query(description="Words, a name or an acronym.", max_length=200)] = "",
    type: Annotated[
        str | None, Query(description="Only this kind: institution, law, plan, project …")
    ] = None,
    lang: Annotated[str | None, Query(description="Label language: en or es.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 25,
    format: Annotated[str | None, Query(description="json or html; overrides Accept.")] = None,
) -> Response:
    """Ranked: exact label, then acronym, then name prefix, then every word as a prefix."""
    index = search_index(runtime)
    kinds = index.kinds()
    kind = type or None
    if kind is not None and kind not in dict(kinds):
        raise BadQuery(f"type: {kind!r} is not one of {', '.join(k for k, _ in kinds)}")
    started = time.perf_counter()
    hits = index.search(q, kind, limit) if q.strip() else index.browse(kind) if kind else []
    elapsed = time.perf_counter() - started
    chosen = lang if lang in LANGUAGES else language(request)
    html = format == "html" or (format is None and wants_html(request))
    if format not in (None, "html", "json"):
        raise BadQuery(f"format: {format!r} is not json or html")
    headers = {"ETag": runtime.etag, "Cache-Control": "public, no-cache"}
    if not html:
        body = {
            "query": q,
            "type": kind,
            "lang": chosen,
            "version": runtime.version,
            "count": len(hits),
            "results": [h.to_json(chosen) for h in hits],
        }
        return JSONResponse(body, headers={**headers, "Vary": "Accept"})
    return render(
        request,
        runtime,
        "search.html",
        headers=headers,
        machine="/search?" + urlencode({"q": q, "type": kind or "", "format": "json"}),
        title=f"Search: {q}" if q else f"All of kind {kind}" if kind else "Search",
        q=q,
        kind=kind,
        kinds=kinds,
        hits=[h.to_json(chosen) | {"href": href(h.iri)} for h in hits],
        elapsed_ms=round(elapsed * 1000, 1),
    )


# --------------------------------------------------------------------------------------------
# Lineage, neighbourhood and path views
# --------------------------------------------------------------------------------------------


def _sources_view(sources: Any) -> list[dict[str, Any]]:
    return [
        {
            "locator": s.locator,
            "quote": s.quote,
            "document": s.document,
            "claim": s.claim,
            "href": href(s.claim),
        }
        for s in sources
    ]


@router.get("/view/lineage/{id:path}", response_class=HTMLResponse, summary="Lineage timeline")
def get_lineage_view(
    id: str,
    request: Request,
    runtime: RuntimeDep,
    at: Annotated[str | None, Query(description="A day, YYYY-MM-DD: who held the role.")] = None,
) -> HTMLResponse:
    projection = projection_for(runtime)
    lang = language(request)
    try:
        body = _resolve(projection, id, ("institution",))
    except _Problem as problem:
        return _problem_page(request, runtime, problem, projection)
    line = lineage(projection, body)
    holding = None
    at_error = None
    if at:
        try:
            found = holding_at(projection, line, parse_day(at))
        except ValueError as error:
            at_error = f"at: {error}"
        else:
            holding = {
                "status": found.status,
                "note": found.note,
                "holders": [
                    {
                        "name": projection.name(h.body),
                        "href": href(h.body),
                        "certainty": h.certainty,
                    }
                    for h in found.holders
                ],
            }
    bars = []
    rows = []
    for held in line.tenures:
        parents = [p for p in line.parents if p.body == held.body]
        parent_names = ", ".join(projection.name(p.parent) for p in parents)
        bars.append(
            svg.Bar(
                name=projection.name(held.body),
                label=_label(projection, held.body, lang),
                href=href(held.body),
                start=held.start.value if held.start else None,
                end=held.end.value if held.end else None,
                parents=("in " + parent_names) if parent_names else "",
            )
        )
        rows.append(
            {
                "name": projection.name(held.body),
                "label": _label(projection, held.body, lang),
                "href": href(held.body),
                "start": held.start.value if held.start else None,
                "end": held.end.value if held.end else None,
                "start_sources": _sources_view(held.start.sources) if held.start else [],
                "end_sources": _sources_view(held.end.sources) if held.end else [],
                "disputed": held.disputed,
                "parents": [
                    {
                        "name": projection.name(p.parent),
                        "href": href(p.parent),
                        "sources": _sources_view(p.sources),
                    }
                    for p in parents
                ],
            }
        )
    events = []
    marks = []
    for event in line.events:
        acts = [
            {"name": projection.name(a), "label": _label(projection, a, lang), "href": href(a)}
            for a in event.acts
        ]
        label = _label(projection, event.id, lang)
        date = event.date.value if event.date else None
        events.append(
            {
                "label": label,
                "href": href(event.id),
                "kind": event.kind,
                "date": date,
                "from": [{"name": projection.name(b), "href": href(b)} for b in event.originals],
                "to": [{"name": projection.name(b), "href": href(b)} for b in event.results],
                "acts": acts,
                "sources": _sources_view(event.sources),
            }
        )
        if date:
            marks.append(svg.Mark(date, label, href(event.id), ", ".join(a["name"] for a in acts)))
    title = f"Lineage of {projection.name(body)}"
    drawing = svg.timeline(bars, marks, title, now=time.gmtime().tm_year + 0.9)
    return render(
        request,
        runtime,
        "lineage.html",
        title=title,
        entity={
            "name": projection.name(body),
            "href": href(body),
            "iri": body,
            "label": _label(projection, body, lang),
        },
        drawing=drawing,
        rows=rows,
        events=events,
        at=at or "",
        holding=holding,
        at_error=at_error,
        machine=f"/lineage/{body[len(str(ID)) :]}" if body.startswith(str(ID)) else None,
    )


@router.get(
    "/view/neighbourhood/{id:path}", response_class=HTMLResponse, summary="Neighbourhood drawing"
)
def get_neighbourhood_view(
    id: str,
    request: Request,
    runtime: RuntimeDep,
    depth: Annotated[int, Query(ge=1, le=MAX_DEPTH)] = 1,
) -> HTMLResponse:
    projection = projection_for(runtime)
    lang = language(request)
    try:
        center = _resolve(projection, id)
    except _Problem as problem:
        return _problem_page(request, runtime, problem, projection)
    answer = neighbourhood(projection, center, depth)
    shown = answer["nodes"][:NEIGHBOURHOOD_DRAWN]
    kept = {n["id"] for n in shown}
    nodes = [svg.Node(n["id"], n["name"], href(n["id"]), n["distance"], n["kind"]) for n in shown]
    edges = [e for e in answer["edges"] if e["subject"] in kept and e["object"] in kept]
    drawing = svg.network(
        nodes,
        [svg.Edge(e["subject"], e["object"], e["text"]) for e in edges],
        f"Neighbourhood of {projection.name(center)}",
    )
    relative = center[len(str(ID)) :] if center.startswith(str(ID)) else center
    return render(
        request,
        runtime,
        "neighbourhood.html",
        title=f"Neighbourhood of {projection.name(center)}",
        entity={
            "name": projection.name(center),
            "href": href(center),
            "label": _label(projection, center, lang),
        },
        drawing=drawing,
        depth=depth,
        max_depth=MAX_DEPTH,
        relative=relative,
        total=len(answer["nodes"]),
        drawn=len(shown),
        edges=[{"text": e["text"], "sources": e["sources"]} for e in edges],
        machine=f"/neighbourhood/{relative}?depth={depth}",
    )


@router.get("/view/path", response_class=HTMLResponse, summary="Paths between two entities")
def get_path_view(
    request: Request,
    runtime: RuntimeDep,
    source: Annotated[str, Query(alias="from")] = "",
    target: Annotated[str, Query(alias="to")] = "",
    k: Annotated[int, Query(ge=1, le=MAX_K)] = 3,
) -> HTMLResponse:
    projection = projection_for(runtime)
    lang = language(request)
    paths: list[dict[str, Any]] = []
    problem = None
    if source.strip() and target.strip():
        try:
            start = _resolve(projection, source)
            end = _resolve(projection, target)
        except _Problem as error:
            problem = error
        else:
            for found in find_paths(projection, start, end, k):
                paths.append(
                    {
                        "nodes": [
                            {
                                "name": projection.name(n),
                                "href": href(n),
                                "label": _label(projection, n, lang),
                            }
                            for n in found.nodes
                        ],
                        "hops": [
                            {
                                "links": [
                                    {
                                        "text": explain(projection, link),
                                        "from": link.valid_from,
                                        "to": link.valid_to,
                                        "sources": _sources_view(link.sources),
                                    }
                                    for link in hop.links
                                ]
                            }
                            for hop in found.hops
                        ],
                    }
                )
    return render(
        request,
        runtime,
        "path.html",
        status=problem.status if problem else 200,
        machine="/path?" + urlencode({"from": source, "to": target, "k": k}) if paths else None,
        title="Paths between two entities",
        source=source,
        target=target,
        k=k,
        max_k=MAX_K,
        paths=paths,
        problem=problem.message if problem else None,
        candidates=[
            {"label": _label(projection, c, lang), "href": href(c), "iri": c}
            for c in (problem.candidates if problem else [])
        ],
        asked=bool(source.strip() and target.strip()),
    )


# --------------------------------------------------------------------------------------------
# The query editor (GET /sparql from a browser; api.sparql hands over)
# --------------------------------------------------------------------------------------------


def example_text(query: NamedQuery) -> str:
    """The query text with each defaulted parameter bound by an inline VALUES at the start of
    the WHERE group, so the example runs as it stands."""
    text = "\n".join(line for line in query.text.splitlines() if not line.startswith("#+"))
    bindings = []
    for parameter in query.parameters:
        if parameter.default is None:
            continue
        try:
            term = parameter.parse(parameter.default)
        except GovkgError:
            continue
        bindings.append(f"  VALUES ?{parameter.name} {{ {term.n3()} }}")
    position = text.upper().find("WHERE {")
    if bindings and position >= 0:
        cut = position + len("WHERE {")
        text = text[:cut] + "\n" + "\n".join(bindings) + text[cut:]
    return declarations(text) + text


def declarations(text: str) -> str:
    """PREFIX lines for the shared prefixes the text uses, so an example runs anywhere."""
    used = [
        f"PREFIX {name}: <{namespace}>\n"
        for name, namespace in PREFIXES.items()
        if re.search(rf"(?<![\w-]){re.escape(name)}:", text)
    ]
    return "".join(used)


def examples(runtime: Runtime) -> list[dict[str, str]]:
    def read() -> list[dict[str, str]]:
        return [
            {"name": q.name, "summary": q.summary, "text": example_text(q).strip() + "\n"}
            for q in load_named_queries(runtime.settings.queries_dir).values()
        ]

    return runtime.cached(("pages", "examples"), read)


DEFAULT_QUERY = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?body ?name WHERE {
  ?body a org:Organization ; skos:prefLabel ?name .
  FILTER (LANG(?name) = "en")
}
ORDER BY ?name
LIMIT 20
"""


def _cell(term: dict[str, Any] | None) -> dict[str, Any]:
    if term is None:
        return {"text": ""}
    value = term.get("value", "")
    if term.get("type") == "uri":
        return {"text": compact(value), "href": href(value) or value, "iri": value}
    return {"text": value, "lang": term.get("xml:lang"), "datatype": term.get("datatype")}


ERROR_POSITION = re.compile(r"line (\d+), column (\d+)")


def error_position(message: str, query: str) -> dict[str, Any] | None:
    """Where the parser stopped, with the query line, from "… at line L, column C: …"."""
    found = ERROR_POSITION.search(message)
    if not found:
        return None
    line, column = int(found.group(1)), int(found.group(2))
    lines = query.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return {"line": line, "column": max(column, 1), "text": text}


async def editor(
    request: Request, runtime: Runtime, query: str | None, timeout: float | None = None
) -> HTMLResponse:
    """The editor page; with a query, its answer (SELECT/ASK as a table) or its error below.

    ``?example=NAME`` loads and runs one of the named queries (a link that works without JS).
    """
    example = request.query_params.get("example")
    if query is None and example:
        query = next((e["text"] for e in examples(runtime) if e["name"] == example), None)
    table = None
    error = None
    status = 200
    boolean = None
    truncated = False
    limit = runtime.settings.query_timeout
    if timeout is not None:
        limit = max(0.1, min(timeout, runtime.settings.max_query_timeout))
    if query is not None and query.strip():
        job = QueryJob(
            query=query,
            solutions_type="application/sparql-results+json",
            graph_type="application/n-triples",
            dataset=None,
            max_results=runtime.settings.max_results,
            base_iri=runtime.settings.base_iri + "id/",
        )
        try:
            answer = await runtime.queries.answer(job, limit)
        except GovkgError as failure:
            error = str(failure)
            status = getattr(failure, "status", 400)
        else:
            truncated = answer.truncated
            if answer.media_type.startswith("application/sparql-results+json"):
                parsed = json.loads(answer.body)
                if "boolean" in parsed:
                    boolean = parsed["boolean"]
                else:
                    names = parsed["head"]["vars"]
                    table = {
                        "vars": names,
                        "rows": [
                            [_cell(binding.get(n)) for n in names]
                            for binding in parsed["results"]["bindings"]
                        ],
                    }
            else:
                lines = answer.body.decode("utf-8").splitlines()
                table = {
                    "vars": ["triple"],
                    "rows": [[{"text": line}] for line in lines],
                }
    return render(
        request,
        runtime,
        "sparql.html",
        status=status,
        title="SPARQL query editor",
        query=query if query is not None and query.strip() else DEFAULT_QUERY,
        ran=bool(query and query.strip()),
        examples=examples(runtime),
        table=table,
        boolean=boolean,
        error=error,
        position=error_position(error, query or "") if error else None,
        truncated=truncated,
        timeout=runtime.settings.query_timeout,
        max_timeout=runtime.settings.max_query_timeout,
        max_results=runtime.settings.max_results,
    )


def label_of(runtime: Runtime, iri: str, lang: str) -> str | None:
    """A label for an IRI in a language, from the projection (None when it has none)."""
    projection = projection_for(runtime)
    return projection.label(iri, lang) if iri in projection else None
