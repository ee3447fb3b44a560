"""Plain-text tables for the terminal: the CLI's readable output format."""

from __future__ import annotations

from collections.abc import Sequence

from rdflib import Literal, URIRef
from rdflib.term import Node

from graph.namespaces import ID, compact


def short(term: Node | None) -> str:
    """Compact a term for reading: prefixed IRIs, id/ IRIs as <org/sgtd>, literals with @lang.

    >>> short(URIRef("https://govkg.example/id/org/sgtd"))
    '<org/sgtd>'
    """
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        short_form = compact(text)
        if text.startswith(str(ID)) or short_form == text:
            return f"<{short_form}>"
        return short_form
    if isinstance(term, Literal) and term.language:
        return f"{term}@{term.language}"
    return str(term)


def render(columns: Sequence[str], rows: Sequence[Sequence[str]], max_width: int = 60) -> str:
    """Left-aligned columns, clipped to max_width characters each."""
    clipped = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in r] for r in rows]
    widths = [len(c) for c in columns]
    for row in clipped:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in clipped]
    return "\n".join([line, rule, *body, f"({len(rows)} rows)"])
