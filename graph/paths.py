"""How two entities are connected: shortest and k shortest paths, neighbourhoods, centrality.

Works on the projection only. Every hop is explained in words from the predicate labels, in the
direction it is walked ("SGTD — is a unit of → PCM", or against the stored direction with the
inverse reading), and carries the passages that state it. Must not import FastAPI or the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any, Literal

import networkx as nx

from graph.errors import BadQuery
from graph.namespaces import PREFIXES
from graph.projection import Projection, Source, to_jsonld

Direction = Literal["any", "forward", "backward"]
DIRECTIONS: tuple[Direction, ...] = ("any", "forward", "backward")
MAX_K = 10
MAX_DEPTH = 3
MAX_NEIGHBOURHOOD = 500
# A hop to or from a source document (the two papers) costs this many ordinary hops. Nearly
# everything is "mentioned in the English paper", so without it most shortest paths would go
# through a paper; with it they go through substantive links whenever one is within reach, and
# through a paper only when nothing else connects the two.
DOCUMENT_HOP_COST = 3


@dataclass(frozen=True)
class Link:
    """One stored edge walked in a path; ``forward`` when walked subject → object."""

    subject: str
    predicate: str
    object: str
    forward: bool
    sources: tuple[Source, ...]
    valid_from: str | None
    valid_to: str | None


@dataclass(frozen=True)
class Hop:
    """A step between two adjacent nodes, and every stored edge that connects them."""

    start: str
    end: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class GraphPath:
    nodes: tuple[str, ...]
    hops: tuple[Hop, ...]
    cost: int = 0

    @property
    def length(self) -> int:
        return len(self.hops)


def resolve_predicates(projection: Projection, texts: Iterable[str]) -> frozenset[str]:
    """``org:unitOf``, a full IRI or a bare local name (``leadAgency``) → predicate IRIs.

    :raises BadQuery: a name that is no predicate of the projection.
    """
    known = set(projection.predicates)
    found: set[str] = set()
    for raw in texts:
        for text in (t.strip() for t in raw.split(",")):
            if not text:
                continue
            if text in known:
                found.add(text)
                continue
            prefix, _, name = text.partition(":")
            if name and prefix in PREFIXES and PREFIXES[prefix] + name in known:
                found.add(PREFIXES[prefix] + name)
                continue
            local = [p for p in known if p.rsplit("#", 1)[-1].rsplit("/", 1)[-1] == text]
            if not local:
                raise BadQuery(f"via: {text!r} is not a predicate of the graph")
            found.update(local)
    return frozenset(found)


def _allowed(key: str, via: frozenset[str] | None) -> bool:
    return via is None or key in via


def view(
    projection: Projection, via: frozenset[str] | None = None, direction: Direction = "any"
) -> nx.Graph:
    """A simple graph to search: undirected for "any", directed along or against the edges."""
    if direction not in DIRECTIONS:
        raise BadQuery(f"direction: {direction!r} is not one of {', '.join(DIRECTIONS)}")
    cache_key = f"view:{direction}:{','.join(sorted(via or ()))}"
    cached = projection.memo(cache_key)
    if cached is not None:
        return cached
    graph: nx.Graph = nx.Graph() if direction == "any" else nx.DiGraph()
    graph.add_nodes_from(projection.graph.nodes)
    for u, v, key in projection.graph.edges(keys=True):
        if u == v or not _allowed(key, via):
            continue
        documents = projection.kind(u) == "source" or projection.kind(v) == "source"
        weight = DOCUMENT_HOP_COST if documents else 1
        graph.add_edge(*((v, u) if direction == "backward" else (u, v)), weight=weight)
    return projection.remember(cache_key, graph)


def _links(
    projection: Projection, a: str, b: str, via: frozenset[str] | None, direction: Direction
) -> tuple[Link, ...]:
    multigraph = projection.graph
    links: list[Link] = []
    if direction in ("any", "forward"):
        for key, data in (multigraph.get_edge_data(a, b) or {}).items():
            if _allowed(key, via):
                links.append(_link(a, key, b, True, data))
    if direction in ("any", "backward"):
        for key, data in (multigraph.get_edge_data(b, a) or {}).items():
            if _allowed(key, via):
                links.append(_link(b, key, a, False, data))
    return tuple(links)


def _link(subject: str, key: str, obj: str, forward: bool, data: dict[str, Any]) -> Link:
    return Link(
        subject, key, obj, forward, data["sources"], data.get("valid_from"), data.get("valid_to")
    )


def find_paths(
    projection: Projection,
    start: str,
    end: str,
    k: int = 1,
    via: frozenset[str] | None = None,
    direction: Direction = "any",
) -> list[GraphPath]:
    """The k shortest simple paths from start to end, cheapest first (a hop costs 1, through a
    source document ``DOCUMENT_HOP_COST``); [] when unconnected."""
    if not 1 <= k <= MAX_K:
        raise BadQuery(f"k: must be between 1 and {MAX_K}, got {k}")
    graph = view(projection, via, direction)
    if start == end:
        return [GraphPath((start,), ())]
    try:
        found = list(islice(nx.shortest_simple_paths(graph, start, end, weight="weight"), k))
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return []
    paths = []
    for nodes in found:
        hops = tuple(
            Hop(a, b, _links(projection, a, b, via, direction))
            for a, b in zip(nodes, nodes[1:], strict=False)
        )
        cost = nx.path_weight(graph, nodes, weight="weight")
        paths.append(GraphPath(tuple(nodes), hops, int(cost)))
    return paths


def explain(projection: Projection, link: Link) -> str:
    """One link in words, in the direction it was walked.

    Forward: "SGTD — is a unit of → PCM"; backward: "PCM — has unit → SGTD".
    """
    words = projection.words(link.predicate)
    if link.forward:
        return f"{projection.name(link.subject)} — {words.reading} → {projection.name(link.object)}"
    return f"{projection.name(link.object)} — {words.inverse} → {projection.name(link.subject)}"


def link_json(projection: Projection, link: Link) -> dict[str, Any]:
    return {
        "subject": link.subject,
        "predicate": link.predicate,
        "predicate_label": projection.words(link.predicate).label,
        "object": link.object,
        "walked": "forward" if link.forward else "backward",
        "text": explain(projection, link),
        "valid_from": link.valid_from,
        "valid_to": link.valid_to,
        "sources": [s.to_json() for s in link.sources],
    }


def path_json(projection: Projection, path: GraphPath) -> dict[str, Any]:
    return {
        "length": path.length,
        "cost": path.cost,
        "nodes": [projection.summary(n) for n in path.nodes],
        "text": " ; ".join(explain(projection, hop.links[0]) for hop in path.hops if hop.links),
        "hops": [
            {
                "from": hop.start,
                "to": hop.end,
                "text": explain(projection, hop.links[0]) if hop.links else None,
                "links": [link_json(projection, link) for link in hop.links],
            }
            for hop in path.hops
        ],
    }


def neighbourhood(
    projection: Projection, node: str, depth: int = 1, via: frozenset[str] | None = None
) -> dict[str, Any]:
    """Entities within ``depth`` hops (either direction) and every edge among them."""
    if not 1 <= depth <= MAX_DEPTH:
        raise BadQuery(f"depth: must be between 1 and {MAX_DEPTH}, got {depth}")
    graph = view(projection, via, "any")
    distances = nx.single_source_shortest_path_length(graph, node, cutoff=depth)
    ordered = sorted(distances, key=lambda n: (distances[n], n))
    truncated = len(ordered) > MAX_NEIGHBOURHOOD
    kept = set(ordered[:MAX_NEIGHBOURHOOD])
    edges = [
        link_json(projection, _link(u, key, v, True, data))
        for u, v, key, data in projection.graph.subgraph(kept).edges(keys=True, data=True)
        if _allowed(key, via)
    ]
    return {
        "center": projection.summary(node),
        "depth": depth,
        "truncated": truncated,
        "nodes": [
            {**projection.summary(n), "distance": distances[n]} for n in ordered[:MAX_NEIGHBOURHOOD]
        ],
        "edges": sorted(edges, key=lambda e: (e["subject"], e["predicate"], e["object"])),
    }


def centrality(projection: Projection, kind: str = "institution") -> list[dict[str, Any]]:
    """Degree and betweenness of every entity of a kind (institutions by default), highest first.

    Betweenness counts the shortest paths *between entities of that kind* that pass through each
    one (networkx ``betweenness_centrality_subset``, unnormalised, hops through a source
    document weighted as in ``find_paths``): "which bodies connect other bodies the most", which
    is what policy staff ask, and cheaper than all-pairs on a graph full of observations.
    """
    cached = projection.memo(f"centrality:{kind}")
    if cached is not None:
        return cached
    graph = view(projection)
    members = [n for n in graph if projection.kind(n) == kind]
    between = nx.betweenness_centrality_subset(
        graph, sources=members, targets=members, normalized=False, weight="weight"
    )
    total = max(len(graph) - 1, 1)
    rows = [
        {
            **projection.summary(n),
            "degree": graph.degree(n),
            "degree_centrality": round(graph.degree(n) / total, 6),
            "betweenness": round(between.get(n, 0.0), 3),
        }
        for n in members
    ]
    rows.sort(key=lambda r: (-r["betweenness"], -r["degree"], r["id"]))
    return projection.remember(f"centrality:{kind}", rows)


def neighbourhood_jsonld(projection: Projection, answer: dict[str, Any]) -> dict[str, Any]:
    """A neighbourhood answer (``neighbourhood()``) as JSON-LD."""
    nodes = [n["id"] for n in answer["nodes"]]
    edges = [(e["subject"], e["predicate"], e["object"]) for e in answer["edges"]]
    return to_jsonld(projection, nodes, edges)
