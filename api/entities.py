"""Linked data: every IRI of the govkg namespaces dereferences to a description of it.

Routes (GET and HEAD):

* ``/id/{path}`` describes ``https://govkg.example/id/{path}``, whatever host and port serve
  it: IRIs are stable names, and this server serves their descriptions. ``/id/org/sgtd`` is
  negotiated by ``Accept`` (``Vary: Accept``, ``Content-Location`` names the variant);
  ``/id/org/sgtd.ttl`` (``.jsonld .nt .rdf .trig .nq .html``) is one fixed variant. The answer is
  200 at the IRI itself rather than a 303 to a document: one request per lookup, and
  ``Content-Location`` still tells the document from the thing. A hash IRI
  (``passage/en-l59#quote``) is described by its document (``passage/en-l59``), because the
  fragment never reaches the server.
* ``/def/govkg`` and ``/ontology`` serve the ontology as served in the store (its version matches
  the data); ``/def/govkg/{Term}`` and ``/ontology/{Term}`` describe one term. Terms are hash IRIs
  (``…/def/govkg#PublicBody``), which a client dereferences as the whole ontology, so the HTML
  ontology page has an anchor per term and the per-term routes are extra documents, named by
  the term's local name.
* ``/shapes`` serves the SHACL shapes.

What a description contains, and how provenance is carried in each RDF syntax, is
``api.describe``'s business. Unknown IRIs get a 404 that names what was looked up and suggests up
to five close matches by label or slug, as HTML, JSON or text by ``Accept``.
"""

from __future__ import annotations

import difflib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD, NamespaceManager
from rdflib.term import Node

from api import entity_page, pages
from api.deps import RuntimeDep
from api.describe import (
    MAX_LOOKUP,
    Description,
    Index,
    Statement,
    bind_prefixes,
    build_index,
    describe,
    entity_query,
    is_claim,
)
from api.errors import error_response
from api.negotiation import choose, negotiate, not_acceptable
from api.ops import get_and_head
from api.rdf_text import write_json_ld, write_ntriples, write_turtle
from api.runtime import Runtime
from graph.namespaces import (
    GOVKG,
    ID,
    ONTOLOGY_GRAPH,
    ONTOLOGY_IRI,
    PREFIXES,
    SH,
    SHAPES_GRAPH,
    compact,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Descriptions kept per served version; a request for one IRI in five formats reads it once.
DESCRIPTION_CACHE_SIZE = 512

router = APIRouter(tags=["linked data"])


@dataclass(frozen=True)
class Format:
    """One representation a description is served in."""

    media_type: str
    suffix: str
    rdflib: str | None  # None: HTML
    dataset: bool  # keeps named graphs (which claim states what)
    label: str

    @property
    def content_type(self) -> str:
        text = self.media_type.startswith("text/") or self.media_type == "application/rdf+xml"
        return f"{self.media_type}; charset=utf-8" if text else self.media_type


# Server preference order: ties (and Accept: */*) go to Turtle; browsers ask for text/html.
FORMATS: tuple[Format, ...] = (
    Format("text/turtle", ".ttl", "turtle", False, "Turtle"),
    Format("text/html", ".html", None, False, "HTML"),
    Format("application/ld+json", ".jsonld", "json-ld", True, "JSON-LD"),
    Format("application/n-triples", ".nt", "nt", False, "N-Triples"),
    Format("application/rdf+xml", ".rdf", "xml", False, "RDF/XML"),
    Format("application/trig", ".trig", "trig", True, "TriG"),
    Format("application/n-quads", ".nq", "nquads", True, "N-Quads"),
)
OFFERS = tuple(f.media_type for f in FORMATS)
BY_MEDIA_TYPE = {f.media_type: f for f in FORMATS}
BY_SUFFIX = {f.suffix: f for f in FORMATS}
# What a 404 can be written in, by Accept.
NOT_FOUND_OFFERS = ("text/plain", "text/html", "application/problem+json", "application/json")


# --------------------------------------------------------------------------------------------
# Per-version state: the index and a bounded description cache, kept on the Runtime.
# --------------------------------------------------------------------------------------------


class _Descriptions:
    """A small thread-safe LRU of descriptions for the version being served."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple[str, str], Description] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, str], make: Callable[[], Description]) -> Description:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()  # outside the lock: two threads may both build it, both get a good one
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


def _queries_dir(runtime: Runtime) -> Path:
    return runtime.settings.queries_dir


def entity_index(runtime: Runtime) -> Index:
    """Identifiers, labels and hash IRIs of the served version (built on first use)."""
    return runtime.cached(
        ("linked-data", "index"), lambda: build_index(runtime.reader, _queries_dir(runtime))
    )


def description_of(runtime: Runtime, iri: URIRef, graph: URIRef | None = None) -> Description:
    """The description of ``iri`` (from the per-version cache)."""
    cache = runtime.cached(
        ("linked-data", "descriptions"), lambda: _Descriptions(DESCRIPTION_CACHE_SIZE)
    )
    index = entity_index(runtime)

    def make() -> Description:
        return describe(
            runtime.reader,
            iri,
            _queries_dir(runtime),
            fragments=index.fragments.get(str(iri), ()) if graph is None else (),
            graph=graph,
        )

    return cache.get((str(iri), str(graph or "")), make)


# --------------------------------------------------------------------------------------------
# Negotiation and responses
# --------------------------------------------------------------------------------------------


def _split_suffix(path: str) -> tuple[str, Format | None]:
    for suffix, fmt in BY_SUFFIX.items():
        if path.endswith(suffix) and len(path) > len(suffix):
            return path[: -len(suffix)], fmt
    return path, None


def _negotiate(request: Request, what: str) -> Format:
    """The variant asked for: ``format=`` (a short name, ``html``, or a media type), else Accept.

    :raises NotAcceptable: nothing offered is acceptable (the message lists the offers).
    """
    accept = request.headers.get("accept")
    formats = request.query_params.getlist("format")
    if formats and all(f.strip().lower() in ("html", "text/html") for f in formats):
        return BY_MEDIA_TYPE["text/html"]
    chosen = negotiate(accept, formats, "graph", OFFERS)
    if chosen is None:
        raise not_acceptable(accept, formats, what, OFFERS)
    return BY_MEDIA_TYPE[chosen]


def _etag(runtime: Runtime, fmt: Format) -> str:
    return f'"{runtime.version}{fmt.suffix}"'


def _not_modified(request: Request, etag: str) -> bool:
    match = request.headers.get("if-none-match", "")
    return etag in [tag.strip().removeprefix("W/") for tag in match.split(",")] or match == "*"


def _headers(
    request: Request, runtime: Runtime, fmt: Format, document: str, negotiated: bool
) -> dict[str, str]:
    """ETag per variant; for a negotiated answer Vary and the variant's own URL."""
    root = request.scope.get("root_path", "")
    alternates = ", ".join(
        f'<{root}{document}{f.suffix}>; rel="alternate"; type="{f.media_type}"'
        for f in FORMATS
        if f is not fmt
    )
    headers = {"ETag": _etag(runtime, fmt), "Link": alternates, "Cache-Control": "public, no-cache"}
    if negotiated:
        headers["Vary"] = "Accept"
        headers["Content-Location"] = f"{root}{document}{fmt.suffix}"
    return headers


def _serialise(fmt: Format, description: Description) -> bytes:
    """The body in ``fmt``: Turtle, N-Triples and JSON-LD by ``api.rdf_text`` (fast), RDF/XML,
    TriG and N-Quads by rdflib."""
    if fmt.rdflib == "turtle":
        return write_turtle(description.triples(), PREFIXES, description.iri)
    if fmt.rdflib == "nt":
        return write_ntriples(description.triples())
    if fmt.rdflib == "json-ld":
        return write_json_ld(description.quads(), PREFIXES)
    assert fmt.rdflib is not None
    graph = description.to_dataset() if fmt.dataset else description.to_graph()
    return graph.serialize(format=fmt.rdflib, encoding="utf-8")


def _rdf_response(
    request: Request,
    runtime: Runtime,
    fmt: Format,
    document: str,
    negotiated: bool,
    description: Description,
) -> Response:
    headers = _headers(request, runtime, fmt, document, negotiated)
    if _not_modified(request, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    body = _serialise(fmt, description)
    return Response(body, media_type=fmt.content_type, headers=headers)


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _render(
    template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    html = _environment().get_template(f"linked_data/{template}").render(**context)
    return HTMLResponse(html, status_code=status, headers=headers)


class _Links:
    """Turns terms into what a page shows: a name, and a link where one is served here."""

    def __init__(
        self, request: Request, runtime: Runtime, index: Index, lang: str = "en"
    ) -> None:
        self.root = request.scope.get("root_path", "")
        self.base = runtime.settings.base_iri
        self.index = index
        self.languages = ("es", "en", "") if lang == "es" else ("en", "es", "")

    def href(self, iri: str) -> str | None:
        if iri.startswith(str(ID)):
            return f"{self.root}/id/{iri[len(str(ID)) :]}"
        if iri.startswith(str(GOVKG)):
            return f"{self.root}/def/govkg/{iri[len(str(GOVKG)) :]}"
        if iri == ONTOLOGY_IRI:
            return f"{self.root}/def/govkg"
        if iri.startswith(("http://", "https://")) and not iri.startswith(self.base):
            return iri
        return None

    def term(self, node: Node) -> dict[str, Any]:
        if isinstance(node, URIRef):
            iri = str(node)
            return {
                "kind": "iri",
                "text": self.index.label(node, self.languages) or compact(iri),
                "iri": iri,
                "short": compact(iri),
                "href": self.href(iri),
            }
        if isinstance(node, Literal):
            datatype = compact(str(node.datatype)) if node.datatype is not None else None
            return {
                "kind": "literal",
                "text": str(node),
                "language": node.language,
                "datatype": datatype if datatype != compact(str(XSD.string)) else None,
            }
        return {"kind": "blank", "text": f"_:{node}"}


def _sources(statement: Statement, description: Description, links: _Links) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for claim in statement.claims:
        passage = description.passages.get(claim)
        row: dict[str, Any] = {"claim": links.term(claim) | {"text": compact(str(claim))}}
        if passage is not None:
            lines = None
            if passage.line_start is not None:
                lines = f"L{passage.line_start}"
                if passage.line_end is not None and passage.line_end != passage.line_start:
                    lines += f"–{passage.line_end}"
            row |= {
                "quote": passage.quote,
                "locator": passage.locator,
                "lines": lines,
                "document": links.term(passage.document) if passage.document else None,
                "derived": passage.derived,
                "notes": passage.notes,
            }
        rows.append(row)
    for graph in statement.other_graphs:
        rows.append({"graph": str(graph).rsplit("/", 1)[-1], "graph_iri": str(graph)})
    return rows


def _statement_rows(
    statements: Sequence[Statement], description: Description, links: _Links
) -> list[dict[str, Any]]:
    return [
        {
            "subject": links.term(st.subject),
            "predicate": links.term(st.predicate) | {"text": compact(str(st.predicate))},
            "object": links.term(st.object),
            "sources": _sources(st, description, links),
        }
        for st in statements
    ]


def _entity_page(
    request: Request,
    runtime: Runtime,
    description: Description,
    document: str,
    headers: dict[str, str],
) -> HTMLResponse:
    lang = pages.language(request)
    index = entity_index(runtime)
    links = _Links(request, runtime, index, lang)
    iri = description.iri
    title = index.label(iri, links.languages) or compact(str(iri))
    own = [s for s in description.outgoing if s.subject == iri]
    nested = [s for s in description.outgoing if s.subject != iri]

    def humane(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for row in rows:
            predicate = row["predicate"]
            predicate["text"] = entity_page.predicate_label(runtime, predicate["iri"], lang)
        return rows

    response = _render(
        "entity.html",
        headers={**headers, "Vary": "Accept, Accept-Language, Cookie"},
        lang=lang,
        switch={code: pages.language_link(request, code) for code in pages.LANGUAGES},
        groups=[
            g | {"rows": humane(_statement_rows(g["statements"], description, links))}
            for g in entity_page.groups(runtime, own, lang)
        ],
        conflicts=entity_page.conflicts(
            runtime,
            iri,
            lambda claim: description_of(runtime, claim),
            lang,
            lambda node: index.label(URIRef(node), links.languages) or compact(node),
        )
        if isinstance(iri, URIRef) and not is_claim(iri)
        else [],
        views=entity_page.views(iri, entity_page.kinds_of(runtime, iri)),
        title=title,
        iri=str(iri),
        version=runtime.version,
        types=[links.term(t) for t in description.types],
        labels=[
            {
                "text": str(s.object),
                "language": s.object.language,
                "kind": compact(str(s.predicate)),
            }
            for s in own
            if s.predicate in (SKOS.prefLabel, SKOS.altLabel) and isinstance(s.object, Literal)
        ],
        outgoing=_statement_rows(own, description, links),
        nested=_statement_rows(nested, description, links),
        incoming=_statement_rows(description.incoming, description, links),
        contents=_statement_rows(description.contents, description, links),
        claim=is_claim(iri),
        formats=[
            {"label": f.label, "href": f"{links.root}{document}{f.suffix}", "type": f.media_type}
            for f in FORMATS
            if f.rdflib is not None
        ],
    )
    pages.remember_language(request, response)
    return response


# --------------------------------------------------------------------------------------------
# 404 with suggestions
# --------------------------------------------------------------------------------------------


def _not_found(
    request: Request,
    runtime: Runtime,
    iri: str,
    suggestions: list[tuple[str, float]],
    what: str = "resource",
) -> Response:
    index = entity_index(runtime)
    links = _Links(request, runtime, index)
    found = [
        {
            "iri": s,
            "href": links.href(s),
            "label": index.label(URIRef(s)) or compact(s),
            "score": score,
        }
        for s, score in suggestions
    ]
    message = f"No {what} <{iri}> in govkg (dataset {runtime.version})."
    if found:
        message += " Did you mean: " + ", ".join(f"{s['label']} <{s['iri']}>" for s in found) + "?"
    accept = request.headers.get("accept")
    wanted = choose(accept, NOT_FOUND_OFFERS) if accept else "text/plain"
    headers = {"Vary": "Accept", "Cache-Control": "no-cache"}
    if wanted == "text/html":
        return _render(
            "not_found.html",
            status=404,
            headers=headers,
            iri=iri,
            what=what,
            suggestions=found,
            version=runtime.version,
        )
    if wanted in ("application/json", "application/problem+json"):
        body = {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": message,
            "iri": iri,
            "suggestions": found,
        }
        return JSONResponse(
            body, status_code=404, media_type="application/problem+json", headers=headers
        )
    return PlainTextResponse(message + "\n", status_code=404, headers=headers)


# --------------------------------------------------------------------------------------------
# /id/…
# --------------------------------------------------------------------------------------------


@get_and_head(router, "/id/{path:path}", summary="Describe a govkg IRI")
def get_entity(path: str, request: Request, runtime: RuntimeDep) -> Response:
    """The description of ``https://govkg.example/id/{path}`` (outgoing and incoming statements,
    each with its claim, passage and quote), by Accept or by suffix."""
    index = entity_index(runtime)
    base = str(ID)
    iri, fmt = base + path, None
    if not index.knows(iri):
        stem, fmt = _split_suffix(path)
        if fmt is None or not index.knows(base + stem):
            looked_up = base + stem if fmt is not None else iri
            return _not_found(request, runtime, looked_up, index.suggest(looked_up))
        iri = base + stem
    document = f"/id/{iri[len(base) :]}"
    negotiated = fmt is None
    if fmt is None:
        try:
            fmt = _negotiate(request, f"<{iri}>")
        except Exception as error:
            return _refuse(request, error)
    description = description_of(runtime, URIRef(iri))
    if fmt.rdflib is None:
        headers = _headers(request, runtime, fmt, document, negotiated)
        if _not_modified(request, headers["ETag"]):
            return Response(status_code=304, headers=headers)
        return _entity_page(request, runtime, description, document, headers)
    return _rdf_response(request, runtime, fmt, document, negotiated, description)


def _refuse(request: Request, error: Exception) -> Response:
    """406 naming the formats offered; Vary too, since another Accept would have worked."""
    status = getattr(error, "status", 500)
    if status not in (400, 406):
        raise error
    return error_response(request, status, str(error), {"Vary": "Accept"})


# --------------------------------------------------------------------------------------------
# The ontology, its terms, and the shapes
# --------------------------------------------------------------------------------------------


def served_graph(runtime: Runtime, name: URIRef) -> Graph:
    """One named graph of the store (ontology or shapes), read once per version."""

    def read() -> Graph:
        graph = runtime.reader.construct(
            entity_query(_queries_dir(runtime), "graph-triples"), {"this": name}
        )
        bind_prefixes(graph)
        return graph

    return runtime.cached(("linked-data", "graph", str(name)), read)


def _as_dataset(graph: Graph, name: URIRef) -> Callable[[], Dataset]:
    def build() -> Dataset:
        dataset = Dataset()
        dataset.namespace_manager = NamespaceManager(dataset, bind_namespaces="core")
        bind_prefixes(dataset)
        target = dataset.graph(name)
        for triple in graph:
            target.add(triple)
        return dataset

    return build


def _whole_graph(
    request: Request,
    runtime: Runtime,
    name: URIRef,
    document: str,
    suffix: str | None,
    page: Callable[[Graph, dict[str, str]], Response],
) -> Response:
    if suffix is not None and suffix not in BY_SUFFIX:
        return error_response(
            request, 404, f"Not found: {document}{suffix} (suffixes: {', '.join(BY_SUFFIX)})"
        )
    negotiated = suffix is None
    if suffix is None:
        try:
            fmt = _negotiate(request, document)
        except Exception as error:
            return _refuse(request, error)
    else:
        fmt = BY_SUFFIX[suffix]
    graph = served_graph(runtime, name)
    if fmt.rdflib is None:
        headers = _headers(request, runtime, fmt, document, negotiated)
        if _not_modified(request, headers["ETag"]):
            return Response(status_code=304, headers=headers)
        return page(graph, headers)
    headers = _headers(request, runtime, fmt, document, negotiated)
    if _not_modified(request, headers["ETag"]):
        return Response(status_code=304, headers=headers)

    def serialise() -> bytes:
        # rdflib's own writer here: it nests blank nodes and lists, which shapes are full of.
        source = _as_dataset(graph, name)() if fmt.dataset else graph
        if fmt.rdflib == "json-ld":
            return source.serialize(
                format="json-ld", context=dict(PREFIXES), auto_compact=True, encoding="utf-8"
            )
        return source.serialize(format=fmt.rdflib, encoding="utf-8")

    body = runtime.cached(("linked-data", "graph-body", str(name), fmt.media_type), serialise)
    return Response(body, media_type=fmt.content_type, headers=headers)


def _label(graph: Graph, node: Node, language: str = "en") -> str | None:
    labels = list(graph.objects(node, RDFS.label)) + list(graph.objects(node, SKOS.prefLabel))
    for label in labels:
        if isinstance(label, Literal) and label.language == language:
            return str(label)
    return str(labels[0]) if labels else None


def _ontology_page(
    request: Request, runtime: Runtime, graph: Graph, headers: dict[str, str]
) -> Response:
    ontology = URIRef(ONTOLOGY_IRI)
    terms: dict[str, list[dict[str, Any]]] = {"Classes": [], "Properties": [], "Individuals": []}
    kinds = {
        OWL.Class: "Classes",
        RDFS.Class: "Classes",
        OWL.ObjectProperty: "Properties",
        OWL.DatatypeProperty: "Properties",
        RDF.Property: "Properties",
        OWL.AnnotationProperty: "Properties",
        OWL.NamedIndividual: "Individuals",
    }
    seen: set[URIRef] = set()
    for term in sorted(
        {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(GOVKG))}
    ):
        if term in seen:
            continue
        seen.add(term)
        types = set(graph.objects(term, RDF.type))
        kind = next((kinds[t] for t in types if t in kinds), "Individuals")
        name = str(term)[len(str(GOVKG)) :]
        parents = list(graph.objects(term, RDFS.subClassOf)) + list(
            graph.objects(term, RDFS.subPropertyOf)
        )
        terms[kind].append(
            {
                "name": name,
                "iri": str(term),
                "label": _label(graph, term),
                "label_es": _label(graph, term, "es"),
                "comment": next(
                    (
                        str(c)
                        for c in graph.objects(term, RDFS.comment)
                        if getattr(c, "language", None) == "en"
                    ),
                    None,
                ),
                "parents": [compact(str(p)) for p in parents if isinstance(p, URIRef)],
                "href": f"{request.scope.get('root_path', '')}/def/govkg/{name}",
            }
        )
    return _render(
        "ontology.html",
        headers=headers,
        title=_label(graph, ontology) or "govkg ontology",
        iri=ONTOLOGY_IRI,
        version=str(graph.value(ontology, OWL.versionInfo) or ""),
        dataset=runtime.version,
        terms={k: v for k, v in terms.items() if v},
        formats=[{"label": f.label, "href": f"/def/govkg{f.suffix}"} for f in FORMATS if f.rdflib],
    )


def _shapes_page(
    request: Request, runtime: Runtime, graph: Graph, headers: dict[str, str]
) -> Response:
    shapes = []
    for shape in sorted(
        {s for s in graph.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    ):
        targets = [
            compact(str(t))
            for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
            for t in graph.objects(shape, p)
        ]
        if any(isinstance(t, BNode) for t in graph.objects(shape, SH.target)):
            targets.append("SPARQL-based target")
        messages = sorted(
            {
                str(m)
                for prop in graph.objects(shape, SH.property)
                for m in graph.objects(prop, SH.message)
            }
            | {
                str(m)
                for c in graph.objects(shape, SH.sparql)
                for m in graph.objects(c, SH.message)
            }
            | {str(m) for m in graph.objects(shape, SH.message)}
        )
        shapes.append(
            {
                "name": compact(str(shape)),
                "iri": str(shape),
                "targets": targets,
                "comment": next((str(c) for c in graph.objects(shape, RDFS.comment)), None),
                "messages": messages,
            }
        )
    return _render(
        "shapes.html",
        headers=headers,
        title="govkg SHACL shapes",
        shapes=shapes,
        dataset=runtime.version,
        formats=[{"label": f.label, "href": f"/shapes{f.suffix}"} for f in FORMATS if f.rdflib],
    )


def _ontology(request: Request, runtime: Runtime, document: str, suffix: str | None) -> Response:
    return _whole_graph(
        request,
        runtime,
        ONTOLOGY_GRAPH,
        document,
        suffix,
        lambda graph, headers: _ontology_page(request, runtime, graph, headers),
    )


@get_and_head(router, "/def/govkg", summary="The govkg ontology")
def get_ontology(request: Request, runtime: RuntimeDep) -> Response:
    return _ontology(request, runtime, "/def/govkg", None)


@get_and_head(router, "/ontology", summary="The govkg ontology")
def get_ontology_alias(request: Request, runtime: RuntimeDep) -> Response:
    return _ontology(request, runtime, "/ontology", None)


@get_and_head(router, "/def/govkg.{ext}", include_in_schema=False)
def get_ontology_file(ext: str, request: Request, runtime: RuntimeDep) -> Response:
    return _ontology(request, runtime, "/def/govkg", f".{ext}")


@get_and_head(router, "/ontology.{ext}", include_in_schema=False)
def get_ontology_alias_file(ext: str, request: Request, runtime: RuntimeDep) -> Response:
    return _ontology(request, runtime, "/ontology", f".{ext}")


def _term(request: Request, runtime: Runtime, prefix: str, name: str) -> Response:
    stem, fmt = _split_suffix(name)
    graph = served_graph(runtime, ONTOLOGY_GRAPH)
    known = {str(s)[len(str(GOVKG)) :] for s in graph.subjects() if str(s).startswith(str(GOVKG))}
    if name in known:
        stem, fmt = name, None
    elif stem not in known:
        return _term_not_found(request, runtime, name if fmt is None else stem, sorted(known))
    iri = URIRef(str(GOVKG) + stem)
    document = f"{prefix}/{stem}"
    negotiated = fmt is None
    if fmt is None:
        try:
            fmt = _negotiate(request, f"<{iri}>")
        except Exception as error:
            return _refuse(request, error)
    description = description_of(runtime, iri, graph=ONTOLOGY_GRAPH)
    if fmt.rdflib is None:
        headers = _headers(request, runtime, fmt, document, negotiated)
        if _not_modified(request, headers["ETag"]):
            return Response(status_code=304, headers=headers)
        return _entity_page(request, runtime, description, document, headers)
    return _rdf_response(request, runtime, fmt, document, negotiated, description)


def _term_not_found(request: Request, runtime: Runtime, name: str, known: list[str]) -> Response:
    lookup = name[:MAX_LOOKUP]  # difflib is quadratic in the length
    close = difflib.get_close_matches(lookup, known, n=5, cutoff=0.6)
    close += [k for k in known if lookup.lower() == k.lower() and k not in close]
    scored = [
        (str(GOVKG) + k, round(difflib.SequenceMatcher(None, lookup, k).ratio(), 3)) for k in close
    ]
    return _not_found(request, runtime, str(GOVKG) + name, scored[:5], what="ontology term")


@get_and_head(router, "/def/govkg/{name}", summary="One ontology term")
def get_term(name: str, request: Request, runtime: RuntimeDep) -> Response:
    """The ontology graph's statements about ``govkg:{name}`` (hash IRIs cannot be fetched one
    by one, so each term also has this document of its own)."""
    return _term(request, runtime, "/def/govkg", name)


@get_and_head(router, "/ontology/{name}", summary="One ontology term")
def get_term_alias(name: str, request: Request, runtime: RuntimeDep) -> Response:
    return _term(request, runtime, "/ontology", name)


@get_and_head(router, "/shapes", summary="The govkg SHACL shapes")
def get_shapes(request: Request, runtime: RuntimeDep) -> Response:
    return _whole_graph(
        request,
        runtime,
        SHAPES_GRAPH,
        "/shapes",
        None,
        lambda graph, headers: _shapes_page(request, runtime, graph, headers),
    )


@get_and_head(router, "/shapes.{ext}", include_in_schema=False)
def get_shapes_file(ext: str, request: Request, runtime: RuntimeDep) -> Response:
    return _whole_graph(
        request,
        runtime,
        SHAPES_GRAPH,
        "/shapes",
        f".{ext}",
        lambda graph, headers: _shapes_page(request, runtime, graph, headers),
    )
