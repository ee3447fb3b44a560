"""Server-side SVG drawings for the pages: a lineage timeline and a neighbourhood graph.

Pure functions from plain data to SVG text (escaped here, so the templates insert it with
``|safe``). They know nothing of RDF, the store or the projection: ``api.pages`` turns
``graph.lineage`` and ``graph.paths`` answers into the rows below. Each drawing has a ``<title>``
and ``<desc>`` (``role="img"`` + ``aria-labelledby``), scales with its ``viewBox`` down to a
phone's width, and links each entity to its page.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import escape

ROW = 46
LEFT = 150
RIGHT = 30
TOP = 40
WIDTH = 900
CHAR_WIDTH = 6.4  # average width of a 12 px sans-serif character
MAX_MARK_CHARS = int((WIDTH - 8) / CHAR_WIDTH)
LABEL_ROOM = 190  # pixels left and right of the outer ring for node names
MAX_NODE_CHARS = 30
PALETTE = ("#2f6f9f", "#b5562b", "#4f7d39", "#7a4f9a", "#8a6d1d", "#2b7f7a")


@dataclass(frozen=True)
class Bar:
    """One body of a line: its name, page, and the dates the sources give (as written)."""

    name: str
    label: str
    href: str | None
    start: str | None
    end: str | None
    parents: str = ""


@dataclass(frozen=True)
class Mark:
    """One change event on the time axis."""

    date: str
    label: str
    href: str | None
    acts: str = ""


def year_of(value: str | None) -> float | None:
    """A date as written (2017, 2021-09, 2003-01-01) → a year with a fraction.

    >>> year_of("2021-09")
    2021.6666666666667
    >>> year_of("2003") , year_of(None), year_of("unknown")
    (2003.0, None, None)
    """
    if not value:
        return None
    found = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value)
    if not found:
        return None
    year, month, day = found.groups()
    fraction = (int(month) - 1) / 12 if month else 0.0
    if day:
        fraction += (int(day) - 1) / 365
    return int(year) + fraction


def _a(href: str | None, inner: str) -> str:
    return f'<a href="{escape(href)}">{inner}</a>' if href else inner


def _text_place(x: float, width: float) -> tuple[float, str]:
    """Where a label of about ``width`` pixels goes so it stays inside the drawing."""
    if x + width <= WIDTH - 4:
        return x, "start"
    if x - width >= 4:
        return x, "end"
    return max(4.0, WIDTH - 4 - width), "start"


def timeline(bars: list[Bar], marks: list[Mark], title: str, now: float) -> str:
    """Bars over a time axis, oldest first, with the change events as labelled ticks."""
    years = [y for b in bars for y in (year_of(b.start), year_of(b.end)) if y is not None]
    years += [y for m in marks if (y := year_of(m.date)) is not None]
    first = math.floor(min(years, default=now - 10)) - 1
    last = math.ceil(max([*years, now], default=now)) + 1
    span = max(last - first, 1)
    inner = WIDTH - LEFT - RIGHT
    height = TOP + ROW * len(bars) + 40 + 22 * len(marks)

    def x(year: float) -> float:
        return LEFT + (year - first) / span * inner

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="tl-title tl-desc" class="drawing">',
        f'<title id="tl-title">{escape(title)}</title>',
        '<desc id="tl-desc">'
        + escape(
            "; ".join(f"{b.name}: {b.start or 'start not given'} to {b.end or 'now'}" for b in bars)
        )
        + "</desc>",
    ]
    step = 1 if span <= 12 else 2 if span <= 30 else 5
    for year in range(first, last + 1):
        if year % step:
            continue
        out.append(
            f'<line x1="{x(year):.1f}" y1="{TOP - 12}" x2="{x(year):.1f}" '
            f'y2="{TOP + ROW * len(bars)}" stroke="#ddd"/>'
            f'<text x="{x(year):.1f}" y="{TOP - 18}" font-size="12" text-anchor="middle" '
            f'fill="#444">{year}</text>'
        )
    for number, bar in enumerate(bars):
        y = TOP + ROW * number
        start, end = year_of(bar.start), year_of(bar.end)
        x0 = x(start if start is not None else first)
        x1 = x(end if end is not None else now)
        colour = PALETTE[number % len(PALETTE)]
        dates = f"{bar.start or '?'} – {bar.end or 'now'}"
        out.append(
            _a(
                bar.href,
                f'<text x="{LEFT - 8}" y="{y + 22}" font-size="15" font-weight="bold" '
                f'text-anchor="end" fill="{colour}">{escape(bar.name)}</text>',
            )
        )
        out.append(
            f'<rect x="{x0:.1f}" y="{y + 8}" width="{max(x1 - x0, 3):.1f}" height="20" rx="3" '
            f'fill="{colour}" opacity="0.85"><title>{escape(bar.label)}: {escape(dates)}'
            f"</title></rect>"
        )
        out.append(
            f'<text x="{x0 + 4:.1f}" y="{y + 40}" font-size="11" fill="#333" '
            f'class="bar-dates" data-body="{escape(bar.name)}">{escape(dates)}'
            f"{escape('  ·  ' + bar.parents) if bar.parents else ''}</text>"
        )
    base = TOP + ROW * len(bars) + 14
    for number, mark in enumerate(marks):
        year = year_of(mark.date)
        if year is None:
            continue
        y = base + 22 * number
        out.append(
            f'<line x1="{x(year):.1f}" y1="{TOP}" x2="{x(year):.1f}" y2="{y - 4}" '
            f'stroke="#333" stroke-dasharray="3 3"/>'
        )
        text = f"{mark.date}: {mark.label}" + (f" ({mark.acts})" if mark.acts else "")
        text = text if len(text) <= MAX_MARK_CHARS else text[: MAX_MARK_CHARS - 1] + "…"
        at, anchor = _text_place(x(year), len(text) * CHAR_WIDTH)
        out.append(
            _a(
                mark.href,
                f'<text x="{at:.1f}" y="{y + 8}" font-size="12" text-anchor="{anchor}" '
                f'fill="#222">{escape(text)}</text>',
            )
        )
    out.append("</svg>")
    return "\n".join(out)


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    href: str | None
    distance: int
    kind: str | None = None


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str


def network(nodes: list[Node], edges: list[Edge], title: str, size: int = 720) -> str:
    """The centre in the middle, each further hop on a wider ring (an ellipse, leaving room for
    the labels left and right), edges as lines."""
    rings: dict[int, list[Node]] = {}
    for node in nodes:
        rings.setdefault(node.distance, []).append(node)
    width = int(size * 1.4)
    cx, cy = width / 2, size / 2
    steps = max(len(rings) - 1, 1)
    place: dict[str, tuple[float, float]] = {}
    for distance, members in sorted(rings.items()):
        rx = (width / 2 - LABEL_ROOM) * distance / steps
        ry = (size / 2 - 30) * distance / steps
        for number, node in enumerate(members):
            angle = 2 * math.pi * number / len(members) + distance * 0.35
            place[node.id] = (cx + rx * math.cos(angle), cy + ry * math.sin(angle))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {size}" width="100%" '
        f'role="img" aria-labelledby="nb-title nb-desc" class="drawing">',
        f'<title id="nb-title">{escape(title)}</title>',
        f'<desc id="nb-desc">{len(nodes)} entities and {len(edges)} links.</desc>',
    ]
    for edge in edges:
        if edge.source not in place or edge.target not in place:
            continue
        (x0, y0), (x1, y1) = place[edge.source], place[edge.target]
        out.append(
            f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="#999">'
            f"<title>{escape(edge.label)}</title></line>"
        )
    for node in nodes:
        x, y = place[node.id]
        colour = PALETTE[node.distance % len(PALETTE)]
        radius = 9 if node.distance == 0 else 6
        anchor = "start" if x >= cx else "end"
        dx = 10 if x >= cx else -10
        name = (
            node.name if len(node.name) <= MAX_NODE_CHARS else node.name[: MAX_NODE_CHARS - 1] + "…"
        )
        out.append(
            _a(
                node.href,
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}">'
                f"<title>{escape(node.name)} ({escape(node.kind or 'entity')})</title></circle>"
                f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" font-size="11" text-anchor="{anchor}" '
                f'fill="#222">{escape(name)}</text>',
            )
        )
    out.append("</svg>")
    return "\n".join(out)
