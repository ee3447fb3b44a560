"""Describe one resource: its statements out and in, each with the passage that states it.

This module owns what a linked-data description *contains*; ``api.entities`` owns HTTP. It reads
through the ``Reader`` protocol only (never pyoxigraph) and its SPARQL lives in
``queries/entity/*.rq``.

What a description of ``<X>`` holds:

* **outgoing** statements ``<X> ?p ?o`` and **incoming** ``?s ?p <X>``, across the union of all
  graphs; each statement keeps every graph that holds it (two passages may state one fact);
* statements about the hash IRIs of the same document (``passage/en-l59#quote`` is described by
  ``passage/en-l59``, since a browser never sends the fragment) and about blank nodes reached from
  the subject (a concise bounded description, so an ontology term keeps its ``qb:component``s);
* **contents**, when ``<X>`` names a graph: what that claim states;
* the **provenance** of every claim graph involved, copied from the provenance graph: the claim,
  its passage (document, ``govkg:lineStart``/``lineEnd``, locator) and the selector with the
  verbatim ``oa:exact`` quote.

RDF forms. Which claim states which statement is a quad, not a triple, so:

* dataset formats (TriG, N-Quads) and **JSON-LD** keep every statement in its own named graph
  (the claim graph, or curation/derived/provenance), and put the claims' provenance in the
  provenance graph. JSON-LD does this with a top-level ``@graph`` of ``{"@id": graph, "@graph": …}``
  objects, which JSON-LD 1.1 defines as named graphs;
* triple formats (Turtle, N-Triples, RDF/XML) get the union: the statements plus the provenance
  triples of every claim involved. They cannot say which claim states which statement without
  reification (``rdf:Statement`` would double the size and is rarely read correctly), so they
  don't; TriG, N-Quads and JSON-LD are the forms that do.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, NamespaceManager
from rdflib.term import Node

from graph.labels import fold
from graph.namespaces import GOVKG, ID, OA, PREFIXES, PROVENANCE_GRAPH, sparql_prefixes
from graph.store.base import Reader

CLAIM_PREFIX = str(ID["claim/"])
Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, Node]
# How deep blank nodes are followed from a described subject (ontology structures nest two).
BLANK_NODE_DEPTH = 3
MAX_SUGGESTIONS = 5
SUGGESTION_CUTOFF = 0.55
MAX_LOOKUP = 120


@lru_cache(maxsize=32)
def _read_query(path: Path) -> str:
    return sparql_prefixes() + path.read_text(encoding="utf-8")


def entity_query(queries_dir: Path, name: str) -> str:
    """The text of ``queries/entity/{name}.rq`` with the shared PREFIX block."""
    return _read_query(queries_dir / "entity" / f"{name}.rq")


@dataclass(frozen=True)
class Passage:
    """Where one claim is stated: document, lines and the verbatim quote."""

    claim: Node
    passage: URIRef | None
    document: URIRef | None
    locator: str | None
    line_start: int | None
    line_end: int | None
    quote: str | None
    derived: bool
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One triple and every graph of the store that holds it."""

    subject: Node
    predicate: Node
    object: Node
    graphs: tuple[Node, ...]

    @property
    def claims(self) -> tuple[Node, ...]:
        return tuple(g for g in self.graphs if is_claim(g))

    @property
    def other_graphs(self) -> tuple[Node, ...]:
        """Graphs that are not claims (curation, derived, provenance, ontology…)."""
        return tuple(g for g in self.graphs if not is_claim(g))


@dataclass
class Description:
    """Everything served for one dereferenced IRI."""

    iri: URIRef
    outgoing: list[Statement] = field(default_factory=list)
    incoming: list[Statement] = field(default_factory=list)
    contents: list[Statement] = field(default_factory=list)
    provenance: list[Triple] = field(default_factory=list)
    passages: dict[Node, Passage] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return bool(self.outgoing or self.incoming or self.contents)

    @property
    def types(self) -> list[Node]:
        return sorted(
            {s.object for s in self.outgoing if s.subject == self.iri and s.predicate == RDF.type}
        )

    def pref_labels(self) -> list[Literal]:
        return sorted(
            (
                s.object
                for s in self.outgoing
                if s.subject == self.iri
                and s.predicate == SKOS.prefLabel
                and isinstance(s.object, Literal)
            ),
            key=lambda label: (label.language or "", str(label)),
        )

    def statements(self) -> list[Statement]:
        return self.outgoing + self.incoming + self.contents

    def to_dataset(self) -> Dataset:
        """Quads: each statement in every graph that holds it; claims' provenance in its graph."""
        dataset = Dataset()
        # Only the core prefixes plus ours, so TriG does not declare rdflib's thirty defaults.
        dataset.namespace_manager = NamespaceManager(dataset, bind_namespaces="core")
        bind_prefixes(dataset)
        for statement in self.statements():
            triple = (statement.subject, statement.predicate, statement.object)
            for name in statement.graphs:
                dataset.graph(name).add(triple)
        if self.provenance:
            target = dataset.graph(PROVENANCE_GRAPH)
            for triple in self.provenance:
                target.add(triple)
        return dataset

    def triples(self) -> list[Triple]:
        """The statements and the provenance of their claims, once each (the triple forms)."""
        seen: dict[Triple, None] = {}
        for statement in self.statements():
            seen[(statement.subject, statement.predicate, statement.object)] = None
        for triple in self.provenance:
            seen[triple] = None
        return list(seen)

    def quads(self) -> list[Quad]:
        """Each statement in every graph that holds it, and the claims' provenance in its graph."""
        quads = [
            (st.subject, st.predicate, st.object, name)
            for st in self.statements()
            for name in st.graphs
        ]
        quads += [(s, p, o, PROVENANCE_GRAPH) for s, p, o in self.provenance]
        return quads

    def to_graph(self) -> Graph:
        """``triples()`` as an rdflib Graph, for the serializers that need one (RDF/XML)."""
        graph = Graph(bind_namespaces="core")
        bind_prefixes(graph)
        for triple in self.triples():
            graph.add(triple)
        return graph


def is_claim(node: Node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(CLAIM_PREFIX)


def bind_prefixes(graph: Graph) -> None:
    """The project's prefixes, so no serialisation invents ``ns1:``."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)


def document_of(iri: str) -> str:
    """The IRI a client dereferences for ``iri``: everything before the fragment.

    >>> document_of("https://govkg.example/id/passage/en-l59#quote")
    'https://govkg.example/id/passage/en-l59'
    """
    return iri.split("#", 1)[0]


def _group(rows: Iterable[Quad]) -> list[Statement]:
    graphs: dict[Triple, list[Node]] = {}
    for s, p, o, g in rows:
        graphs.setdefault((s, p, o), []).append(g)
    return [
        Statement(s, p, o, tuple(sorted(set(gs))))
        for (s, p, o), gs in sorted(graphs.items(), key=lambda item: _sort_key(item[0]))
    ]


def _sort_key(triple: Triple) -> tuple[bool, str, str, str]:
    s, p, o = triple
    return (str(p) != str(RDF.type), str(s), str(p), str(o))


def describe(
    reader: Reader,
    iri: URIRef,
    queries_dir: Path,
    *,
    fragments: Iterable[URIRef] = (),
    graph: URIRef | None = None,
) -> Description:
    """Read the description of ``iri`` (and of its hash IRIs ``fragments``).

    ``graph`` restricts the statements to one graph: ontology terms are described from the
    ontology graph alone, not from every instance in the data that uses them.
    """
    outgoing_query = entity_query(queries_dir, "outgoing")
    incoming_query = entity_query(queries_dir, "incoming")
    restrict: dict[str, Node] = {"g": graph} if graph is not None else {}

    out_rows: list[Quad] = []
    in_rows: list[Quad] = []
    subjects: list[Node] = [iri, *fragments]
    seen: set[Node] = set()
    depth = {node: 0 for node in subjects}
    while subjects:
        subject = subjects.pop(0)
        if subject in seen:
            continue
        seen.add(subject)
        for row in reader.select(outgoing_query, {"this": subject, **restrict}):
            obj = row["o"]
            out_rows.append((subject, row["p"], obj, row["g"]))
            if isinstance(obj, BNode) and depth[subject] < BLANK_NODE_DEPTH and obj not in depth:
                depth[obj] = depth[subject] + 1
                subjects.append(obj)
        if isinstance(subject, URIRef):
            for row in reader.select(incoming_query, {"this": subject, **restrict}):
                in_rows.append((row["s"], row["p"], subject, row["g"]))

    description = Description(iri)
    description.outgoing = _group(out_rows)
    own = {(s, p, o) for s, p, o, _ in out_rows}
    description.incoming = [
        st for st in _group(in_rows) if (st.subject, st.predicate, st.object) not in own
    ]
    if graph is None and isinstance(iri, URIRef):
        contents = reader.select(entity_query(queries_dir, "contents"), {"this": iri})
        description.contents = _group((row["s"], row["p"], row["o"], iri) for row in contents)
    _add_provenance(reader, description, queries_dir)
    return description


def _add_provenance(reader: Reader, description: Description, queries_dir: Path) -> None:
    """Copy the provenance graph's account of every claim graph the statements come from."""
    claims = {c for st in description.statements() for c in st.claims}
    if is_claim(description.iri):
        claims.add(description.iri)
    query = entity_query(queries_dir, "claim-provenance")
    for claim in sorted(claims):
        rows = reader.select(query, {"this": claim})
        triples = [(row["s"], row["p"], row["o"]) for row in rows]
        description.provenance.extend(triples)
        if triples:
            description.passages[claim] = read_passage(triples, claim)


def read_passage(provenance: Iterable[Triple], claim: Node) -> Passage:
    """The passage record of one claim, read from its provenance triples."""
    values: dict[tuple[Node, Node], list[Node]] = {}
    for s, p, o in provenance:
        values.setdefault((s, p), []).append(o)

    def value(subject: Node | None, predicate: URIRef) -> Node | None:
        found = values.get((subject, predicate)) if subject is not None else None
        return found[0] if found else None

    passage = value(claim, GOVKG.statedIn)
    selector = value(passage, OA.hasSelector)
    quote = value(selector, OA.exact)
    locator = value(passage, GOVKG.locator) or value(claim, GOVKG.locator)
    start, end = value(passage, GOVKG.lineStart), value(passage, GOVKG.lineEnd)
    document = value(passage, OA.hasSource)
    notes = tuple(
        sorted(str(n) for p in (SKOS.note, RDFS.comment) for n in values.get((claim, p), []))
    )
    return Passage(
        claim=claim,
        passage=passage if isinstance(passage, URIRef) else None,
        document=document if isinstance(document, URIRef) else None,
        locator=str(locator) if locator is not None else None,
        line_start=int(start.toPython()) if isinstance(start, Literal) else None,
        line_end=int(end.toPython()) if isinstance(end, Literal) else None,
        quote=str(quote) if quote is not None else None,
        derived=GOVKG.DerivedClaim in values.get((claim, RDF.type), []),
        notes=notes,
    )


@dataclass(frozen=True)
class Index:
    """Per-dataset-version lookups: names to show, names to search, and hash IRIs per document."""

    version: str
    identifiers: frozenset[str]
    fragments: Mapping[str, tuple[URIRef, ...]]
    labels: Mapping[str, Mapping[str, str]]
    search: Mapping[str, tuple[str, ...]]

    def knows(self, iri: str) -> bool:
        """True when the IRI, or a hash IRI of that document, occurs in the graph."""
        return iri in self.identifiers or iri in self.fragments

    def label(self, node: Node, languages: tuple[str, ...] = ("en", "es", "")) -> str | None:
        names = self.labels.get(str(node))
        if not names:
            return None
        for language in languages:
            if language in names:
                return names[language]
        return next(iter(names.values()))

    def suggest(self, iri: str, limit: int = MAX_SUGGESTIONS) -> list[tuple[str, float]]:
        """IRIs whose slug or folded name is close to what was looked up, best first.

        The slug counts (``org/ongie`` finds ``org/ongei``) and so does every folded label
        (``secretaria-de-gobierno-digital`` finds ``org/segdi``): difflib's ratio on each, or the
        share of words in common, whichever is higher.
        """
        # Capped: difflib is quadratic, and a path can be as long as the server allows a URL.
        wanted = fold(iri.removeprefix(str(ID)))[:MAX_LOOKUP]
        kind, _, slug = wanted.rpartition("/")
        wanted_words = _words(slug)
        wanted_tokens = set(wanted_words.split())
        scored: list[tuple[float, str]] = []
        for candidate in self.identifiers:
            if "#" in candidate:
                continue
            candidate_kind, _, candidate_slug = candidate.removeprefix(str(ID)).rpartition("/")
            penalty = 1.0 if not kind or kind == candidate_kind else 0.9
            best = 0.0
            for name in (candidate_slug, *self.search.get(candidate, ())):
                words = _words(name)
                matcher = difflib.SequenceMatcher(None, wanted_words, words)
                if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
                    best = max(best, matcher.ratio() * penalty)
                tokens = set(words.split())
                if tokens:
                    best = max(best, len(wanted_tokens & tokens) / len(wanted_tokens | tokens))
            if best >= SUGGESTION_CUTOFF:
                scored.append((best, candidate))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [(candidate, round(score, 3)) for score, candidate in scored[:limit]]


def _words(name: str) -> str:
    """Slug or label as space-separated words: ``dl-1412`` → ``dl 1412``."""
    return " ".join(re.split(r"[-_/\s]+", name)).strip()


def build_index(reader: Reader, queries_dir: Path) -> Index:
    """Read the lookups of the served dataset; a fraction of a second, once per version."""
    identifiers: set[str] = set()
    fragments: dict[str, list[URIRef]] = {}
    for row in reader.select(entity_query(queries_dir, "identifiers")):
        iri = str(row["iri"])
        identifiers.add(iri)
        if "#" in iri:
            fragments.setdefault(document_of(iri), []).append(URIRef(iri))
    labels: dict[str, dict[str, str]] = {}
    titles: dict[str, dict[str, str]] = {}
    for row in reader.select(entity_query(queries_dir, "labels")):
        label = row["label"]
        language = label.language if isinstance(label, Literal) and label.language else ""
        target = labels if row["kind"] == RDFS.label else titles
        target.setdefault(str(row["node"]), {}).setdefault(language, str(label))
    for node, names in titles.items():
        labels.setdefault(node, names)
    search: dict[str, list[str]] = {}
    for row in reader.select(entity_query(queries_dir, "search-labels")):
        search.setdefault(str(row["node"]), []).append(str(row["label"]))
    return Index(
        version=reader.info.version,
        identifiers=frozenset(identifiers),
        fragments={doc: tuple(sorted(iris)) for doc, iris in fragments.items()},
        labels=labels,
        search={node: tuple(sorted(set(names))) for node, names in search.items()},
    )
