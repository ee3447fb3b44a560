"""Institutional lineage: where a body came from, what it became, and who held the role on a day.

Works on the projection only (``graph.projection``), so it needs no SPARQL of its own. Succession
is read from ORG change events (``org:originalOrganization`` / ``org:resultingOrganization``,
``org:resultedFrom`` / ``org:changedBy``) and from the ``dcterms:replaces`` shortcut (newer →
older); both lead to the same steps, each carrying the events and passages behind it.

How a date of lower precision compares with a day (``at=``): a change the sources date only to
"2017" may have happened on any day of 2017. A day inside that span gets *both* bodies, each
marked ``possible``, with ``status: "uncertain"``, the precision of the date that causes it and a
note in words. We never pick one silently: a policy officer asking who was responsible on
2017-06-01 needs to know the sources cannot tell, and who the two candidates are. Days before or
after the span get one ``certain`` body.

Must not import FastAPI or the store.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from rdflib.namespace import DCTERMS

from graph.namespaces import GOVKG, ORG, PROV, SCHEMA
from graph.periods import Position, Span, try_parse
from graph.projection import Dated, Projection, Source, to_jsonld

REPLACES = str(DCTERMS.replaces)
ORIGINAL = str(ORG.originalOrganization)
RESULTING = str(ORG.resultingOrganization)
RESULTED_FROM = str(ORG.resultedFrom)
CHANGED_BY = str(ORG.changedBy)
PARENT_PREDICATES = (str(ORG.unitOf), str(ORG.subOrganizationOf))
CHILD_PREDICATES = (str(ORG.hasUnit), str(ORG.hasSubOrganization))
ACT_PREDICATES = (str(GOVKG.legalBasis), str(PROV.used))
ESTABLISHES = str(GOVKG.establishes)
EVENT_DATES = (str(DCTERMS.date), str(SCHEMA.startDate), str(GOVKG.startDate))
# org:ChangeEvent and the govkg subclasses the ontology defines (graph/data/README.md).
CHANGE_CLASSES = {str(ORG.ChangeEvent)} | {
    str(GOVKG[name])
    for name in ("Creation", "Renaming", "Merger", "Absorption", "Dissolution", "Restructuring")
}

Certainty = Literal["certain", "possible"]


@dataclass(frozen=True)
class ChangeEvent:
    """One ORG change event: what changed into what, when, under which act, said where."""

    id: str
    kind: str
    date: Dated | None
    originals: tuple[str, ...]
    results: tuple[str, ...]
    acts: tuple[str, ...]
    sources: tuple[Source, ...]

    @property
    def span(self) -> Span | None:
        return try_parse(self.date.value) if self.date else None


@dataclass(frozen=True)
class Step:
    """older → newer, with the events that effected it (none when only dcterms:replaces says so)."""

    older: str
    newer: str
    events: tuple[str, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Relative:
    """A predecessor or successor, how many steps away, and the step that reaches it."""

    body: str
    depth: int
    step: Step


@dataclass(frozen=True)
class Tenure:
    """When a body existed, as the sources date it (None = not given)."""

    body: str
    start: Dated | None
    end: Dated | None
    other_starts: tuple[Dated, ...] = ()
    other_ends: tuple[Dated, ...] = ()

    @property
    def disputed(self) -> bool:
        """The sources give more than one start or end (e.g. the centre: 2017-09 vs 2021)."""
        return bool(self.other_starts or self.other_ends)

    @property
    def start_span(self) -> Span | None:
        return try_parse(self.start.value) if self.start else None

    @property
    def end_span(self) -> Span | None:
        return try_parse(self.end.value) if self.end else None


@dataclass(frozen=True)
class ParentLink:
    """body is a unit or sub-organisation of parent, stated by these passages."""

    body: str
    parent: str
    predicates: tuple[str, ...]
    valid_from: str | None
    valid_to: str | None
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Holder:
    body: str
    certainty: Certainty
    parents: tuple[ParentLink, ...]
    disputed: bool = False


@dataclass(frozen=True)
class Holding:
    """Who held the role on a day: one certain body, or the candidates when the sources
    cannot tell."""

    day: date
    status: Literal["certain", "uncertain", "none"]
    holders: tuple[Holder, ...]
    precision: str | None
    note: str


@dataclass(frozen=True)
class Lineage:
    body: str
    predecessors: tuple[Relative, ...]
    successors: tuple[Relative, ...]
    tenures: tuple[Tenure, ...]
    events: tuple[ChangeEvent, ...]
    parents: tuple[ParentLink, ...]

    @property
    def bodies(self) -> tuple[str, ...]:
        return tuple(t.body for t in self.tenures)


def _edge_sources(projection: Projection, node: str) -> set[Source]:
    graph = projection.graph
    found: set[Source] = set()
    for _, _, data in graph.out_edges(node, data=True):
        found.update(data["sources"])
    for _, _, data in graph.in_edges(node, data=True):
        found.update(data["sources"])
    return found


def _targets(projection: Projection, node: str, predicate: str) -> list[str]:
    return sorted(v for _, v, k in projection.graph.out_edges(node, keys=True) if k == predicate)


def _origins(projection: Projection, node: str, predicate: str) -> list[str]:
    return sorted(u for u, _, k in projection.graph.in_edges(node, keys=True) if k == predicate)


def _kind(projection: Projection, event: str) -> str:
    """The most specific event class: govkg:Renaming → "renaming"; org:ChangeEvent → "change"."""
    types = projection.graph.nodes[event].get("types", ())
    specific = [t for t in types if t.startswith(str(GOVKG))]
    if specific:
        return specific[0].rsplit("#", 1)[-1].lower()
    return "change"


def change_events(projection: Projection) -> dict[str, ChangeEvent]:
    """Every change event the projection knows, by IRI (memoised per projection)."""
    cached = projection.memo("change_events")
    if cached is not None:
        return cached
    graph = projection.graph
    candidates: set[str] = set()
    for u, v, key in graph.edges(keys=True):
        if key in (ORIGINAL, RESULTING):
            candidates.add(u)
        elif key in (RESULTED_FROM, CHANGED_BY):
            candidates.add(v)
    for node, data in graph.nodes(data=True):
        if set(data.get("types", ())) & CHANGE_CLASSES:
            candidates.add(node)
    events: dict[str, ChangeEvent] = {}
    for event in sorted(candidates):
        originals = set(_targets(projection, event, ORIGINAL)) | set(
            _origins(projection, event, CHANGED_BY)
        )
        results = set(_targets(projection, event, RESULTING)) | set(
            _origins(projection, event, RESULTED_FROM)
        )
        acts: set[str] = set()
        for predicate in ACT_PREDICATES:
            acts.update(_targets(projection, event, predicate))
        for result in results:
            acts.update(_origins(projection, result, ESTABLISHES))
        sources = _edge_sources(projection, event)
        when = projection.first_date(event, *EVENT_DATES)
        if when is not None:
            sources.update(when.sources)
        events[event] = ChangeEvent(
            id=event,
            kind=_kind(projection, event),
            date=when,
            originals=tuple(sorted(originals - results)),
            results=tuple(sorted(results)),
            acts=tuple(sorted(acts)),
            sources=tuple(sorted(sources, key=lambda s: (s.locator or "", s.claim))),
        )
    return projection.remember("change_events", events)


def succession_steps(projection: Projection) -> list[Step]:
    """All older → newer steps, merging what events and dcterms:replaces say about the same pair."""
    cached = projection.memo("succession_steps")
    if cached is not None:
        return cached
    pairs: dict[tuple[str, str], tuple[set[str], set[Source]]] = {}
    for event in change_events(projection).values():
        for older in event.originals:
            for newer in event.results:
                events, sources = pairs.setdefault((older, newer), (set(), set()))
                events.add(event.id)
                sources.update(event.sources)
    for newer, older, key, data in projection.graph.edges(keys=True, data=True):
        if key == REPLACES and newer != older:
            _, sources = pairs.setdefault((older, newer), (set(), set()))
            sources.update(data["sources"])
    steps = [
        Step(older, newer, tuple(sorted(ev)), tuple(sorted(src, key=lambda s: s.locator or "")))
        for (older, newer), (ev, src) in sorted(pairs.items())
    ]
    return projection.remember("succession_steps", steps)


def _walk(projection: Projection, body: str, backwards: bool) -> list[Relative]:
    steps = succession_steps(projection)
    found: dict[str, Relative] = {}
    queue: deque[tuple[str, int]] = deque([(body, 0)])
    while queue:
        current, depth = queue.popleft()
        for step in steps:
            here, there = (step.newer, step.older) if backwards else (step.older, step.newer)
            if here == current and there != body and there not in found:
                found[there] = Relative(there, depth + 1, step)
                queue.append((there, depth + 1))
    return sorted(found.values(), key=lambda r: (r.depth, r.body))


def predecessors(projection: Projection, body: str) -> list[Relative]:
    """Bodies this one descends from, nearest first (transitively)."""
    return _walk(projection, body, backwards=True)


def successors(projection: Projection, body: str) -> list[Relative]:
    """Bodies this one became, nearest first (transitively)."""
    return _walk(projection, body, backwards=False)


def tenure(projection: Projection, body: str) -> Tenure:
    """A body's start and end: its own dates, else those of the events that made or ended it."""
    starts = sorted(projection.dates(body, str(GOVKG.startDate)), key=lambda d: d.value)
    ends = sorted(projection.dates(body, str(GOVKG.endDate)), key=lambda d: d.value)
    for event in change_events(projection).values():
        if not starts and body in event.results and event.date:
            starts = [event.date]
        if not ends and body in event.originals and event.date:
            ends = [event.date]
    # The widest reading: earliest start, latest end; the others are kept and reported.
    start = starts[0] if starts else None
    end = ends[-1] if ends else None
    return Tenure(body, start, end, tuple(starts[1:]), tuple(ends[:-1]))


def parent_links(projection: Projection, body: str) -> list[ParentLink]:
    """The bodies this one is a unit or sub-organisation of, with the dates the link holds."""
    graph = projection.graph
    by_parent: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for _, parent, key, data in graph.out_edges(body, keys=True, data=True):
        if key in PARENT_PREDICATES:
            by_parent.setdefault(parent, []).append((key, data))
    for parent, _, key, data in graph.in_edges(body, keys=True, data=True):
        if key in CHILD_PREDICATES:
            by_parent.setdefault(parent, []).append((key, data))
    links = []
    held = tenure(projection, body)
    for parent, edges in sorted(by_parent.items()):
        sources = {s for _, data in edges for s in data["sources"]}
        links.append(
            ParentLink(
                body=body,
                parent=parent,
                predicates=tuple(sorted(k for k, _ in edges)),
                valid_from=held.start.value if held.start else None,
                valid_to=held.end.value if held.end else None,
                sources=tuple(sorted(sources, key=lambda s: (s.locator or "", s.claim))),
            )
        )
    return links


def _sort_key(projection: Projection, body: str) -> tuple[str, str]:
    held = tenure(projection, body)
    return (held.start.value if held.start else "", body)


def lineage(projection: Projection, body: str) -> Lineage:
    """Predecessors, successors, tenures, events and parents of a body's whole line."""
    before = predecessors(projection, body)
    after = successors(projection, body)
    line = sorted(
        {body, *(r.body for r in before), *(r.body for r in after)},
        key=lambda b: _sort_key(projection, b),
    )
    events = [
        e
        for e in change_events(projection).values()
        if set(e.originals) & set(line) or set(e.results) & set(line)
    ]
    events.sort(key=lambda e: (e.date.value if e.date else "", e.id))
    parents = [link for member in line for link in parent_links(projection, member)]
    return Lineage(
        body=body,
        predecessors=tuple(before),
        successors=tuple(after),
        tenures=tuple(tenure(projection, b) for b in line),
        events=tuple(events),
        parents=tuple(parents),
    )


def _certainty(held: Tenure, day: date) -> tuple[Certainty | None, str | None, Span | None]:
    """certain / possible / None (not then); for possible, which boundary ("start"/"end") and its
    span made it so."""
    start, end = held.start_span, held.end_span
    started = start is None or start.locate(day) is Position.AFTER
    not_ended = end is None or end.locate(day) is Position.BEFORE
    if started and not_ended:
        return "certain", None, None
    maybe_started = start is None or start.locate(day) is not Position.BEFORE
    maybe_not_ended = end is None or end.locate(day) is not Position.AFTER
    if maybe_started and maybe_not_ended:
        if start is not None and start.locate(day) is Position.WITHIN:
            return "possible", "start", start
        return "possible", "end", end
    return None, None, None


def _uncertainty_note(
    day: date, names: dict[str, str], culprits: list[tuple[str, str, Span]], holders: list[Holder]
) -> str:
    """Say in words which imprecise date makes the day ambiguous, e.g. the 2017 renaming."""
    phrases = []
    for text in sorted({span.text for _, _, span in culprits}):
        ended = [names[b] for b, edge, s in culprits if s.text == text and edge == "end"]
        began = [names[b] for b, edge, s in culprits if s.text == text and edge == "start"]
        precision = next(s.precision for _, _, s in culprits if s.text == text)
        if ended and began:
            what = f"the change from {' and '.join(ended)} to {' and '.join(began)}"
        elif began:
            what = f"the start of {' and '.join(began)}"
        else:
            what = f"the end of {' and '.join(ended)}"
        phrases.append(f"{what} only to {text} ({precision} precision)")
    who = " or ".join(names[h.body] for h in holders)
    return (
        f"The sources date {'; '.join(phrases)}. {day} falls within that period, so the role "
        f"may have been held by {who}: each candidate is marked 'possible', none is guessed."
    )


def _dispute_note(line: Lineage, names: dict[str, str], bodies: set[str]) -> str:
    """Mention dates the sources disagree on, so a 'certain' answer is not read as undisputed."""
    parts = []
    for held in line.tenures:
        if held.body not in bodies or not held.disputed:
            continue
        for label, main, others in (
            ("start", held.start, held.other_starts),
            ("end", held.end, held.other_ends),
        ):
            if main and others:
                values = ", ".join(_cited(d) for d in (main, *others))
                parts.append(
                    f" The sources disagree on the {label} of {names[held.body]}: {values}."
                )
    return "".join(parts)


def _dated(line: Lineage, body: str) -> bool:
    return any(t.body == body and (t.start or t.end) for t in line.tenures)


def _cited(value: Dated) -> str:
    where = ", ".join(s.locator for s in value.sources if s.locator)
    return f"{value.value} ({where})" if where else value.value


def holding_at(projection: Projection, line: Lineage, day: date) -> Holding:
    """Which body of the line held the role on a day, under which name and parent."""
    holders: list[Holder] = []
    culprits: list[tuple[str, str, Span]] = []
    for held in line.tenures:
        certainty, edge, span = _certainty(held, day)
        if certainty is None:
            continue
        parents = tuple(p for p in line.parents if p.body == held.body)
        holders.append(Holder(held.body, certainty, parents, held.disputed))
        if edge is not None and span is not None:
            culprits.append((held.body, edge, span))
    names = {b: projection.name(b) for b in line.bodies}
    if not holders:
        first = line.tenures[0] if line.tenures else None
        if first and first.start and first.start_span and day < first.start_span.first:
            note = f"{day} is before {names[first.body]} existed (from {first.start.value})."
        else:
            note = f"No body of this line is recorded on {day}."
        return Holding(day, "none", (), None, note)
    disputes = _dispute_note(line, names, {h.body for h in holders})
    if len(holders) == 1 and holders[0].certainty == "certain":
        only = holders[0].body
        undated = "" if _dated(line, only) else f" The sources give no dates for {names[only]}."
        note = f"{names[only]} held the role on {day}.{undated}{disputes}"
        return Holding(day, "certain", tuple(holders), None, note)
    order = ("day", "month", "year")
    precision = max((s.precision for _, _, s in culprits), key=order.index, default=None)
    note = _uncertainty_note(day, names, culprits, holders) + disputes
    return Holding(day, "uncertain", tuple(holders), precision, note)


# -- JSON: one shape shared by the CLI and the HTTP routes --------------------------------------


def _dated_json(value: Dated | None) -> dict[str, Any] | None:
    if value is None:
        return None
    span = try_parse(value.value)
    return {
        "value": value.value,
        "precision": span.precision if span else None,
        "sources": [s.to_json() for s in value.sources],
    }


def event_json(projection: Projection, event: ChangeEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind,
        "label": projection.label(event.id),
        "date": _dated_json(event.date),
        "from": [projection.summary(b) for b in event.originals],
        "to": [projection.summary(b) for b in event.results],
        "legal_acts": [projection.summary(a) for a in event.acts],
        "sources": [s.to_json() for s in event.sources],
    }


def _parent_json(projection: Projection, link: ParentLink) -> dict[str, Any]:
    return {
        "body": link.body,
        "parent": projection.summary(link.parent),
        "predicates": [projection.words(p).label for p in link.predicates],
        "from": link.valid_from,
        "to": link.valid_to,
        "sources": [s.to_json() for s in link.sources],
    }


def _relative_json(projection: Projection, relative: Relative) -> dict[str, Any]:
    return {
        **projection.summary(relative.body),
        "depth": relative.depth,
        "events": list(relative.step.events),
        "sources": [s.to_json() for s in relative.step.sources],
    }


def holding_json(projection: Projection, holding: Holding) -> dict[str, Any]:
    return {
        "date": holding.day.isoformat(),
        "status": holding.status,
        "precision": holding.precision,
        "note": holding.note,
        "holders": [
            {
                **projection.summary(h.body),
                "certainty": h.certainty,
                "disputed": h.disputed,
                "parents": [projection.summary(p.parent) for p in h.parents],
            }
            for h in holding.holders
        ],
    }


def lineage_json(
    projection: Projection, line: Lineage, holding: Holding | None = None
) -> dict[str, Any]:
    """The lineage answer: the body, its line in order, the events and, with at=, the holder."""
    answer: dict[str, Any] = {
        **projection.summary(line.body),
        "version": projection.version,
        "predecessors": [_relative_json(projection, r) for r in line.predecessors],
        "successors": [_relative_json(projection, r) for r in line.successors],
        "line": [
            {
                **projection.summary(t.body),
                "start": _dated_json(t.start),
                "end": _dated_json(t.end),
                "other_starts": [_dated_json(d) for d in t.other_starts],
                "other_ends": [_dated_json(d) for d in t.other_ends],
                "parents": [_parent_json(projection, p) for p in line.parents if p.body == t.body],
            }
            for t in line.tenures
        ],
        "events": [event_json(projection, e) for e in line.events],
    }
    if holding is not None:
        answer["at"] = holding_json(projection, holding)
    return answer


def lineage_jsonld(projection: Projection, line: Lineage) -> dict[str, Any]:
    """The line as JSON-LD: bodies, change events, legal acts and parents, with the ORG links."""
    nodes = [*line.bodies]
    for event in line.events:
        nodes += [event.id, *event.acts]
    nodes += [p.parent for p in line.parents]
    keep = set(nodes)
    edges = [
        (u, k, v)
        for u, v, k in projection.graph.edges(keys=True)
        if u in keep and v in keep and u != v
    ]
    return to_jsonld(projection, nodes, edges)
