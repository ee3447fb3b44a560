"""Turn what a person types (an IRI, ``org/sgtd``, ``sgtd``, ``SGTD``, ``Secretaría de Gobierno
Digital``) into one entity of the projection, or say why not.

Two failures, each carrying what the caller shows next: ``AmbiguousId`` with the candidates,
``UnknownId`` with close matches. Matching is case- and accent-insensitive (``graph.labels.fold``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from graph.errors import BadQuery, NotFound
from graph.labels import fold
from graph.namespaces import ID
from graph.projection import KIND_ORDER, Projection, local_name


class AmbiguousId(BadQuery):
    """The text names several entities; ``candidates`` lists their IRIs."""

    def __init__(self, text: str, candidates: list[str]) -> None:
        super().__init__(f"{text!r} names {len(candidates)} entities; use one of their ids")
        self.text = text
        self.candidates = candidates


class UnknownId(NotFound):
    """Nothing is called that; ``suggestions`` lists close matches."""

    def __init__(self, text: str, suggestions: list[str]) -> None:
        hint = (
            f"; did you mean {', '.join(local_name(s) for s in suggestions)}?"
            if suggestions
            else ""
        )
        super().__init__(f"no entity {text!r}{hint}")
        self.text = text
        self.suggestions = suggestions


def _name_index(projection: Projection) -> dict[str, set[str]]:
    """folded name or slug → entities, built once per projection."""
    index = projection.memo("name_index")
    if index is not None:
        return index
    index = {}
    for node, data in projection.graph.nodes(data=True):
        keys = {fold(n) for n in data.get("names", ())} | set(data.get("folded", ()))
        slug = local_name(node)
        keys |= {slug.lower(), slug.rsplit("/", 1)[-1].lower()}
        for key in keys:
            index.setdefault(key, set()).add(node)
    return projection.remember("name_index", index)


def _rank(projection: Projection, nodes: Iterable[str]) -> list[str]:
    def key(node: str) -> tuple[int, str]:
        kind = projection.kind(node)
        return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), node)

    return sorted(nodes, key=key)


def resolve(projection: Projection, text: str, prefer: Iterable[str] = ()) -> str:
    """The one entity IRI the text names.

    ``prefer`` lists kinds (e.g. ``{"institution"}``) that settle a tie when exactly one
    candidate has such a kind: ``govkg lineage SGTD`` means the body, not a post named after it.

    :raises AmbiguousId: several entities match.
    :raises UnknownId: none does.
    """
    text = text.strip()
    if not text:
        raise UnknownId(text, [])
    if text in projection:
        return text
    relative = text.removeprefix("/").removeprefix("id/")
    if str(ID) + relative in projection:
        return str(ID) + relative
    index = _name_index(projection)
    matches = set(index.get(fold(text), set()))
    if len(matches) == 1:
        return next(iter(matches))
    if matches:
        preferred = [m for m in matches if projection.kind(m) in set(prefer)]
        if len(preferred) == 1:
            return preferred[0]
        raise AmbiguousId(text, _rank(projection, matches))
    raise UnknownId(text, close_matches(projection, text))


def close_matches(projection: Projection, text: str, limit: int = 5) -> list[str]:
    """Entities whose names or slugs look like the text (difflib ratio ≥ 0.6)."""
    index = _name_index(projection)
    wanted = fold(text.rsplit("/", 1)[-1] if "://" in text else text)
    found: list[str] = []
    for key in difflib.get_close_matches(wanted, list(index), n=limit * 3, cutoff=0.6):
        for node in _rank(projection, index[key]):
            if node not in found:
                found.append(node)
    containing = [k for k in index if len(wanted) >= 3 and wanted in k]
    for key in sorted(containing, key=len):
        for node in _rank(projection, index[key]):
            if node not in found:
                found.append(node)
    return found[:limit]
