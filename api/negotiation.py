"""Content negotiation: an Accept header (or a ``format=`` value) → one offered media type.

Pure functions, no FastAPI. Rules (RFC 9110 §12.5.1):

* each offered type takes the q-value of the *most specific* range that matches it
  (``text/turtle`` beats ``text/*`` beats ``*/*``; a range with parameters beats one without);
* q=0 means "not this one"; a missing or empty Accept means ``*/*``;
* ties in q go to the server's order of preference (the order of ``offers``);
* range parameters must be satisfied: ``charset`` only by utf-8 (all we write), any other
  parameter only by an offer that carries it. Accept-extensions after ``q`` are ignored.

``format=`` overrides Accept. It takes a short name (``json``, ``turtle`` …, see ``FORMATS``) or
a media type; a short name means the natural format for the answer's kind (``xml`` is SPARQL
XML results for SELECT and RDF/XML for CONSTRUCT). Repeating it is allowed only with values
that mean the same format (SPARQLWrapper sends ``format=tsv&format=text/tab-separated-values``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from graph.errors import GovkgError, NotAcceptable

SOLUTIONS = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/json",
)
GRAPH = (
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/trig",
    "application/n-quads",
)
DATASET = ("application/trig", "application/n-quads", "text/turtle")
DESCRIPTION = ("text/turtle", "application/rdf+xml", "application/n-triples", "application/ld+json")

# format= short names, by the kind of answer they name.
FORMATS: dict[str, dict[str, str]] = {
    "json": {"solutions": "application/sparql-results+json", "graph": "application/ld+json"},
    "xml": {"solutions": "application/sparql-results+xml", "graph": "application/rdf+xml"},
    "csv": {"solutions": "text/csv"},
    "tsv": {"solutions": "text/tab-separated-values"},
    "turtle": {"graph": "text/turtle"},
    "ttl": {"graph": "text/turtle"},
    "ntriples": {"graph": "application/n-triples"},
    "n-triples": {"graph": "application/n-triples"},
    "nt": {"graph": "application/n-triples"},
    "jsonld": {"graph": "application/ld+json"},
    "json-ld": {"graph": "application/ld+json"},
    "rdfxml": {"graph": "application/rdf+xml"},
    "rdf+xml": {"graph": "application/rdf+xml"},
    "rdf": {"graph": "application/rdf+xml"},
    "trig": {"graph": "application/trig"},
    "nquads": {"graph": "application/n-quads"},
    "n-quads": {"graph": "application/n-quads"},
    "nq": {"graph": "application/n-quads"},
}


class BadFormat(GovkgError):
    """A ``format=`` value that names no format, or two values that disagree."""

    status = 400


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    params: tuple[tuple[str, str], ...]
    q: float

    def matches(self, offer: MediaRange) -> bool:
        if self.type != "*" and self.type != offer.type:
            return False
        if self.subtype != "*" and self.subtype != offer.subtype:
            return False
        offered = dict(offer.params)
        for name, value in self.params:
            if name == "charset":
                if value.lower() not in ("utf-8", "utf8"):
                    return False
            elif offered.get(name) != value:
                return False
        return True

    @property
    def specificity(self) -> tuple[int, int, int]:
        return (self.type != "*", self.subtype != "*", len(self.params))


_VALUE = r'(?:"(?:[^"\\]|\\.)*"|[^;,\s]*)'
_PARAM = re.compile(rf";\s*([^\s=;]+)\s*=\s*({_VALUE})")
_RANGE = re.compile(rf"([^\s;,/]+)/([^\s;,/]+)((?:\s*;\s*[^\s=;,]+\s*=\s*{_VALUE})*)")


@lru_cache(maxsize=512)
def parse_accept(header: str | None) -> tuple[MediaRange, ...]:
    """Media ranges of an Accept header; malformed ranges are skipped.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept('text/*;q=0.5, application/json')]
    [('text', '*', 0.5), ('application', 'json', 1.0)]
    """
    if header is None or not header.strip():
        return (MediaRange("*", "*", (), 1.0),)
    ranges: list[MediaRange] = []
    for part in _split_commas(header):
        match = _RANGE.fullmatch(part.strip())
        if match is None:
            continue
        params: list[tuple[str, str]] = []
        q = 1.0
        for name, value in _PARAM.findall(match.group(3)):
            name = name.lower()
            value = value[1:-1] if value.startswith('"') else value
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = -1.0
                break  # RFC 9110: parameters after q are accept-extensions
            params.append((name, value))
        if not 0.0 <= q <= 1.0:
            continue
        ranges.append(MediaRange(match.group(1).lower(), match.group(2).lower(), tuple(params), q))
    return tuple(ranges)


def _split_commas(header: str) -> list[str]:
    parts, current, quoted = [], [], False
    for char in header:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _as_range(media_type: str) -> MediaRange:
    kind, _, subtype = media_type.partition("/")
    return MediaRange(kind, subtype, (), 1.0)


@lru_cache(maxsize=1024)
def choose(accept: str | None, offers: tuple[str, ...]) -> str | None:
    """The offered media type the client prefers, or None when it accepts none of them.

    >>> choose("application/sparql-results+xml;q=0.9, */*;q=0.1", SOLUTIONS)
    'application/sparql-results+xml'
    >>> choose("text/*", GRAPH)
    'text/turtle'
    >>> choose("text/turtle;q=0, */*", GRAPH)
    'application/n-triples'
    >>> choose("image/png", GRAPH) is None
    True
    """
    ranges = parse_accept(accept)
    best: tuple[float, int] | None = None
    chosen: str | None = None
    for index, offer in enumerate(offers):
        target = _as_range(offer)
        matching = [r for r in ranges if r.matches(target)]
        if not matching:
            continue
        q = max(matching, key=lambda r: r.specificity).q
        if q <= 0:
            continue
        rank = (q, -index)
        if best is None or rank > best:
            best, chosen = rank, offer
    return chosen


def from_format(values: Sequence[str], kind: str, offers: Sequence[str]) -> str | None:
    """The media type ``format=`` asks for (None: a known format this answer is not offered in).

    :raises BadFormat: unknown name, or repeated values that disagree.

    >>> from_format(["tsv", "text/tab-separated-values"], "solutions", SOLUTIONS)
    'text/tab-separated-values'
    >>> from_format(["xml"], "graph", GRAPH)
    'application/rdf+xml'
    """
    meanings = {_meaning(value) for value in values}
    if len(meanings) > 1:
        raise BadFormat(f"format= is given {len(values)} times with different formats")
    media_type = dict(meanings.pop()).get(kind)
    return media_type if media_type in offers else None


def _meaning(value: str) -> tuple[tuple[str, str], ...]:
    """What one format= value names, per kind of answer (so two spellings compare equal)."""
    name = value.strip().lower()
    if name in FORMATS:
        return tuple(sorted(FORMATS[name].items()))
    if name in SOLUTIONS:
        return (("solutions", name),)
    if name in GRAPH:
        return (("graph", name),)
    if "/" in name:
        raise BadFormat(f"format={value!r} is not a media type this service writes")
    raise BadFormat(
        f"format={value!r} is not a known format; use one of {', '.join(FORMATS)} or a media type"
    )


def negotiate(
    accept: str | None, formats: Sequence[str], kind: str, offers: tuple[str, ...]
) -> str | None:
    """``format=`` if given, else Accept; None when nothing acceptable is offered."""
    if formats:
        return from_format(formats, kind, offers)
    return choose(accept, offers)


def not_acceptable(
    accept: str | None, formats: Sequence[str], what: str, offers: Sequence[str]
) -> NotAcceptable:
    """The 406 error, naming what was asked for and every format that would work."""
    asked = f"format={formats[0]}" if formats else f"Accept: {accept or '*/*'}"
    names = sorted({name for name, kinds in FORMATS.items() if set(kinds.values()) & set(offers)})
    return NotAcceptable(
        f"No acceptable format for {what} ({asked}). Formats offered: {', '.join(offers)}"
        + (f" (or format={'|'.join(names)})" if names else "")
        + "."
    )
