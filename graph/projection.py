"""The graph projection: entities and their sourced links as one networkx multigraph.

Lineage, paths and centrality work on this projection, never on the store. Nodes and edges come
only from the SPARQL files in ``queries/projection/`` (no hand-listed edges), so a new link in the
data appears here without code changes. The projection is built once per dataset version (the
reader's ``info.version``) and reused until the version changes. Must not import FastAPI.
"""

from __future__ import annotations

import ctypes
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import Literal, URIRef
from rdflib.term import Node

from graph.namespaces import GOVKG, ID, PREFIXES, sparql_prefixes
from graph.settings import PROJECT_ROOT
from graph.store.base import Reader

# A query row as ``{variable: (value, language)}`` strings (``EmbeddedStore.select_plain``),
# unbound variables left out.
PlainRow = dict[str, tuple[str, str]]

PROJECTION_QUERIES = PROJECT_ROOT / "queries" / "projection"
START = str(GOVKG.startDate)
END = str(GOVKG.endDate)
PLAIN_DATATYPES = (
    "http://www.w3.org/2001/XMLSchema#string",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
)


# When an entity has types of several kinds, the first listed wins (a body that is also a
# skos:Concept is an institution; an indicator is an indicator before it is a concept).
KIND_ORDER = (
    "institution",
    "event",
    "law",
    "project",
    "programme",
    "plan",
    "phase",
    "indicator",
    "observation",
    "dataset",
    "place",
    "person",
    "membership",
    "post",
    "agreement",
    "relation",
    "grant",
    "amount",
    "target",
    "framework",
    "system",
    "recommendation",
    "conflict",
    "source",
    "work",
    "role",
    "concept",
)


@dataclass(frozen=True)
class Source:
    """Where a statement comes from: the claim graph and its passage."""

    claim: str
    locator: str | None = None
    quote: str | None = None
    document: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "claim": self.claim,
            "locator": self.locator,
            "quote": self.quote,
            "document": self.document,
        }


@dataclass(frozen=True)
class Dated:
    """One date value as written in the data (gYear, gYearMonth or date) and who states it."""

    value: str
    datatype: str | None
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class PredicateWords:
    """How to say a link in words, both ways."""

    iri: str
    label: str
    label_es: str | None
    reading: str
    inverse: str


@dataclass
class Projection:
    """One dataset version projected to networkx, with lookups the graph functions share."""

    version: str
    graph: nx.MultiDiGraph
    predicates: dict[str, PredicateWords]
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __contains__(self, iri: object) -> bool:
        return iri in self.graph

    def kind(self, iri: str) -> str | None:
        return self.graph.nodes[iri].get("kind") if iri in self.graph else None

    def label(self, iri: str, lang: str = "en") -> str:
        """The preferred label in a language, falling back to the other one, then the slug."""
        data = self.graph.nodes[iri] if iri in self.graph else {}
        labels: dict[str, str] = data.get("labels", {})
        other = "es" if lang == "en" else "en"
        return labels.get(lang) or labels.get(other) or local_name(iri)

    def acronyms(self, iri: str) -> list[str]:
        """Alternative labels: the acronyms (ONGEI, SEGDI, SGTD) and other names the sources use."""
        return sorted(self.graph.nodes[iri].get("alt", ())) if iri in self.graph else []

    def name(self, iri: str) -> str:
        """What a person calls it in a sentence: its acronym when it has one (SGTD, WeGO; an
        English one first), else the preferred label."""
        data = self.graph.nodes[iri] if iri in self.graph else {}
        for pool in (data.get("alt_en", ()), data.get("alt", ())):
            short = sorted(a for a in pool if is_acronym(a))
            if short:
                return min(short, key=len)
        return self.label(iri)

    def dates(self, iri: str, prop: str) -> list[Dated]:
        if iri not in self.graph:
            return []
        found: list[Dated] = self.graph.nodes[iri].get("dates", {}).get(prop, [])
        return found

    def first_date(self, iri: str, *props: str) -> Dated | None:
        """The earliest-written value of the first property that has one."""
        for prop in props:
            values = self.dates(iri, prop)
            if values:
                return sorted(values, key=lambda d: d.value)[0]
        return None

    def words(self, predicate: str) -> PredicateWords:
        return self.predicates.get(predicate) or default_words(predicate)

    def summary(self, iri: str) -> dict[str, Any]:
        """The small JSON description of a node every answer uses."""
        return {
            "id": iri,
            "name": self.name(iri),
            "label": self.label(iri, "en"),
            "label_es": self.label(iri, "es"),
            "kind": self.kind(iri),
            "alt_labels": self.acronyms(iri),
        }

    def memo(self, key: str) -> Any:
        return self._cache.get(key)

    def remember(self, key: str, value: Any) -> Any:
        self._cache[key] = value
        return value


def is_acronym(text: str) -> bool:
    """Short, one word, and at least two capitals or a capital and a digit.

    >>> [is_acronym(t) for t in ("SGTD", "WeGO", "D1412", "Corea", "ADP 2.0")]
    [True, True, True, False, False]
    """
    capitals = sum(c.isupper() for c in text)
    digits = any(c.isdigit() for c in text)
    return " " not in text and len(text) <= 12 and (capitals >= 2 or (capitals and digits))


def local_name(iri: str) -> str:
    """The id/ path of an IRI (org/sgtd), or its last segment for other namespaces.

    >>> local_name("https://govkg.example/id/org/sgtd")
    'org/sgtd'
    """
    if iri.startswith(str(ID)):
        return iri[len(str(ID)) :]
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def humanise(name: str) -> str:
    """camelCase or snake_case → words.

    >>> humanise("carriedOutBy")
    'carried out by'
    """
    words: list[str] = []
    current = ""
    for char in name.replace("_", " "):
        if char.isupper() and current and not current[-1].isupper():
            words.append(current)
            current = char.lower()
        elif char == " ":
            words.append(current)
            current = ""
        else:
            current += char.lower() if char.isupper() else char
    words.append(current)
    return " ".join(w for w in words if w)


def default_words(predicate: str) -> PredicateWords:
    """Words for a predicate nobody labelled: its local name, read backwards with 'inverse of'."""
    label = humanise(local_name(predicate))
    return PredicateWords(predicate, label, None, label, f"is the object of '{label}' for")


def _text(row: PlainRow, name: str) -> str | None:
    value = row.get(name)
    return None if value is None else value[0]


class _Shared:
    """One object per distinct string and per distinct source: a quote cited by a thousand
    statements is kept once, not a thousand times (at 1M triples the server keeps 130 MB less)."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._sources: dict[tuple[str, str | None, str | None, str | None], Source] = {}

    def text(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    def optional(self, row: PlainRow, name: str) -> str | None:
        value = row.get(name)
        return None if value is None else self.text(value[0])

    def source(
        self, claim: str, locator: str | None, quote: str | None, document: str | None
    ) -> Source:
        key = (self.text(claim), locator, quote, document)
        found = self._sources.get(key)
        if found is None:
            found = self._sources[key] = Source(*key)
        return found


def _run(reader: Reader, queries_dir: Path, name: str) -> list[PlainRow]:
    """The rows of one projection query as plain strings: the store's ``select_plain`` where it
    has one. An rdflib term per value would cost more than the queries at 1M triples; reading
    TSV answers on a thread was faster still (9 s against 14 s) but kept ~90 MB more RSS."""
    query = sparql_prefixes() + (queries_dir / f"{name}.rq").read_text(encoding="utf-8")
    select_plain = getattr(reader, "select_plain", None)
    if select_plain is not None:
        plain: list[PlainRow] = select_plain(query)
        return plain
    return [{k: _plain(v) for k, v in row.items()} for row in reader.select(query)]


def _plain(term: Node) -> tuple[str, str]:
    return str(term), ((term.language or "") if isinstance(term, Literal) else "")


@lru_cache(maxsize=65536)
def _lexical(value: str, datatype: str | None) -> str:
    """The lexical form as rdflib gives it (it normalises some datatypes, e.g. 007 → 7)."""
    return value if datatype is None else str(Literal(value, datatype=URIRef(datatype)))


def _add_nodes(graph: nx.MultiDiGraph, rows: list[PlainRow], shared: _Shared) -> None:
    kinds: dict[str, set[str]] = defaultdict(set)
    types: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        entity = shared.text(row["entity"][0])
        types[entity].add(shared.text(row["type"][0]))
        if "kind" in row:
            kinds[entity].add(shared.text(row["kind"][0]))
    for entity, entity_types in types.items():
        kind = next((k for k in KIND_ORDER if k in kinds[entity]), None)
        graph.add_node(entity, types=tuple(sorted(entity_types)), kind=kind)


def _add_names(graph: nx.MultiDiGraph, rows: list[PlainRow], shared: _Shared) -> None:
    for row in rows:
        entity = shared.text(row["entity"][0])
        if entity not in graph:
            graph.add_node(entity, types=(), kind=None)
        data = graph.nodes[entity]
        name, lang = row["name"]
        text = shared.text(name)
        prop = shared.text(row["property"][0])
        if prop.endswith("prefLabel") and lang in ("en", "es"):
            data.setdefault("labels", {})[lang] = text
        elif prop.endswith("altLabel"):
            data.setdefault("alt", set()).add(text)
            if lang == "en":
                data.setdefault("alt_en", set()).add(text)
        elif prop.endswith("hiddenLabel"):
            data.setdefault("folded", set()).add(text)
        if not prop.endswith("hiddenLabel"):
            data.setdefault("names", set()).add(text)


def _sources(rows: list[PlainRow], shared: _Shared) -> dict[str, list[Source]]:
    """Each claim's sources, one per passage (``sources.rq``)."""
    found: dict[str, list[Source]] = defaultdict(list)
    for row in rows:
        claim = shared.text(row["claim"][0])
        found[claim].append(
            shared.source(
                claim,
                shared.optional(row, "locator"),
                shared.optional(row, "quote"),
                shared.optional(row, "document"),
            )
        )
    return found


def _stated_by(claim: str, sources: dict[str, list[Source]], shared: _Shared) -> list[Source]:
    """The sources of a claim; a claim no passage states is its own source, without passage."""
    return sources.get(claim) or [shared.source(claim, None, None, None)]


def _add_dates(
    graph: nx.MultiDiGraph,
    rows: list[PlainRow],
    sources: dict[str, list[Source]],
    shared: _Shared,
) -> None:
    grouped: dict[tuple[str, str, str, str | None], list[Source]] = defaultdict(list)
    for row in rows:
        datatype = row["datatype"][0] if "datatype" in row else None
        if datatype in PLAIN_DATATYPES:
            datatype = None
        key = (
            shared.text(row["entity"][0]),
            shared.text(row["property"][0]),
            shared.text(_lexical(row["date"][0], datatype)),
            None if datatype is None else shared.text(datatype),
        )
        grouped[key].extend(_stated_by(row["claim"][0], sources, shared))
    for (entity, prop, value, datatype), sources in grouped.items():
        if entity not in graph:
            graph.add_node(entity, types=(), kind=None)
        dates = graph.nodes[entity].setdefault("dates", {})
        dates.setdefault(prop, []).append(
            Dated(value, datatype, tuple(sorted(set(sources), key=str)))
        )


def _add_edges(
    graph: nx.MultiDiGraph,
    rows: list[PlainRow],
    sources: dict[str, list[Source]],
    shared: _Shared,
) -> None:
    grouped: dict[tuple[str, str, str], set[Source]] = defaultdict(set)
    for row in rows:
        key = (shared.text(row["s"][0]), shared.text(row["p"][0]), shared.text(row["o"][0]))
        grouped[key].update(_stated_by(row["claim"][0], sources, shared))
    for (subject, predicate, obj), sources in grouped.items():
        for node in (subject, obj):
            if node not in graph:
                graph.add_node(node, types=(), kind=None)
        graph.add_edge(
            subject,
            obj,
            key=predicate,
            predicate=predicate,
            sources=tuple(sorted(sources, key=lambda s: (s.locator or "", s.claim))),
        )


def _add_validity(graph: nx.MultiDiGraph) -> None:
    """An edge holds while its subject exists: copy the subject's start/end dates onto it."""
    for subject, _, _, data in graph.edges(keys=True, data=True):
        dates = graph.nodes[subject].get("dates", {})
        starts = sorted(d.value for d in dates.get(START, []))
        ends = sorted(d.value for d in dates.get(END, []))
        data["valid_from"] = starts[0] if starts else None
        data["valid_to"] = ends[-1] if ends else None


def _predicates(rows: list[PlainRow]) -> dict[str, PredicateWords]:
    words: dict[str, PredicateWords] = {}
    for row in rows:
        iri = row["predicate"][0]
        fallback = default_words(iri)
        reading = _text(row, "reading") or _text(row, "label") or fallback.reading
        label = _text(row, "label") or reading
        inverse = _text(row, "inverse") or fallback.inverse
        words[iri] = PredicateWords(iri, label, _text(row, "labelEs"), reading, inverse)
    return words


def project(reader: Reader, queries_dir: Path = PROJECTION_QUERIES) -> Projection:
    """Run the projection queries and assemble the multigraph (nodes keyed by IRI string)."""
    graph = nx.MultiDiGraph()
    shared = _Shared()
    _add_nodes(graph, _run(reader, queries_dir, "nodes"), shared)
    _add_names(graph, _run(reader, queries_dir, "names"), shared)
    sources = _sources(_run(reader, queries_dir, "sources"), shared)
    _add_edges(graph, _run(reader, queries_dir, "edges"), sources, shared)
    _add_dates(graph, _run(reader, queries_dir, "dates"), sources, shared)
    _add_validity(graph)
    predicates = _predicates(_run(reader, queries_dir, "predicates"))
    del shared, sources
    release_free_memory()
    return Projection(reader.info.version, graph, predicates)


def release_free_memory() -> None:
    """Hand the heap freed by the projection's query rows back to the OS (glibc ``malloc_trim``);
    without it a server keeps the peak of the build as RSS. A no-op where there is no glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


def compact_iri(iri: str) -> str:
    """prefix:local for the known namespaces, else the IRI (for JSON-LD keys and types)."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and "/" not in iri[len(namespace) :]:
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def to_jsonld(
    projection: Projection, nodes: Iterable[str], edges: Iterable[tuple[str, str, str]]
) -> dict[str, Any]:
    """A JSON-LD document of some nodes (types, labels, dates) and the edges among them.

    The facts only: which passage states each one is in the JSON answers (``sources``) and at
    ``/id/…`` in TriG, since plain JSON-LD has no place for a per-triple source.
    """
    context: dict[str, Any] = {**PREFIXES, "@base": str(ID)}
    by_node: dict[str, dict[str, Any]] = {}
    for iri in dict.fromkeys(nodes):
        data = projection.graph.nodes[iri] if iri in projection.graph else {}
        node: dict[str, Any] = {"@id": iri}
        if data.get("types"):
            node["@type"] = [compact_iri(t) for t in data["types"]]
        labels = [{"@value": v, "@language": k} for k, v in sorted(data.get("labels", {}).items())]
        if labels:
            node["skos:prefLabel"] = labels
        for prop, values in sorted(data.get("dates", {}).items()):
            node[compact_iri(prop)] = [
                {"@value": d.value, "@type": d.datatype} if d.datatype else d.value for d in values
            ]
        by_node[iri] = node
    for subject, predicate, obj in edges:
        if subject in by_node:
            by_node[subject].setdefault(compact_iri(predicate), []).append({"@id": obj})
    return {"@context": context, "@graph": list(by_node.values())}


class ProjectionCache:
    """Keeps the projection of the dataset version last asked for; rebuilds on a new version.

    Thread-safe: concurrent requests for a new version build it once.
    """

    def __init__(self, queries_dir: Path = PROJECTION_QUERIES) -> None:
        self.queries_dir = queries_dir
        self._lock = threading.Lock()
        self._current: Projection | None = None

    def get(self, reader: Reader) -> Projection:
        version = reader.info.version
        current = self._current
        if current is not None and current.version == version:
            return current
        with self._lock:
            current = self._current
            if current is None or current.version != version:
                current = project(reader, self.queries_dir)
                self._current = current
            return current


_SHARED = ProjectionCache()


def projection_of(reader: Reader) -> Projection:
    """The shared per-version projection for a reader (what the CLI and HTTP routes use)."""
    return _SHARED.get(reader)
