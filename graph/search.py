"""The search index: entity names (en, es, acronyms) folded into an SQLite FTS5 table.

The build writes it into the store directory (``SEARCH_FILE``), so it is versioned with the store;
the server opens it read-only. Matching is accent- and case-insensitive (``graph.labels.fold`` on
both sides), by token prefix, and ranked:

1. the query is an entity's preferred label (``secretaria de gobierno digital``),
2. it is an alternative label, usually an acronym (``segdi``),
3. a name starts with it (``secretaria de gob``),
4. every token of the query starts a token of a name (``gobierno digital``),

then by FTS5's bm25 and by the shorter name. Kinds (``institution``, ``law``, …) are the broad
kinds of ``queries/projection/nodes.rq``, so the type filter means what ``/lineage`` means.

Only the standard library's ``sqlite3``; must not import FastAPI or the store.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from rdflib.namespace import SKOS

from graph.labels import fold
from graph.namespaces import sparql_prefixes
from graph.projection import KIND_ORDER

SEARCH_FILE = "govkg-search.sqlite"
MAX_LIMIT = 100
MAX_QUERY_CHARS = 200
# Rows read per lookup before ranking (prefix and token matches).
CANDIDATES = 2000
# Match classes, best first (see the module docstring).
EXACT_LABEL, EXACT_ACRONYM, PREFIX, TOKENS = 4, 3, 2, 1
MATCH_NAMES = {EXACT_LABEL: "label", EXACT_ACRONYM: "acronym", PREFIX: "prefix", TOKENS: "tokens"}

SCHEMA = """
CREATE TABLE entity (id INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL, kind TEXT,
                     label_en TEXT, label_es TEXT);
CREATE TABLE name (entity INTEGER NOT NULL REFERENCES entity(id), text TEXT NOT NULL,
                   folded TEXT NOT NULL, lang TEXT, alternative INTEGER NOT NULL);
CREATE INDEX name_folded ON name(folded);
CREATE INDEX entity_kind ON entity(kind);
CREATE VIRTUAL TABLE name_fts USING fts5(folded, content='name', content_rowid='rowid',
                                         tokenize='unicode61 remove_diacritics 2');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
"""


@dataclass(frozen=True)
class Hit:
    """One entity found: how well it matched and by which name."""

    iri: str
    kind: str | None
    label_en: str | None
    label_es: str | None
    matched: str
    match: str
    score: float
    names: tuple[str, ...] = field(default=())

    def label(self, lang: str = "en") -> str:
        pair = (self.label_es, self.label_en) if lang == "es" else (self.label_en, self.label_es)
        return pair[0] or pair[1] or self.matched

    def to_json(self, lang: str = "en") -> dict[str, object]:
        return {
            "id": self.iri,
            "label": self.label(lang),
            "label_en": self.label_en,
            "label_es": self.label_es,
            "kind": self.kind,
            "matched": self.matched,
            "match": self.match,
            "score": round(self.score, 4),
            "names": list(self.names),
        }


def _query(queries_dir: Path, name: str) -> str:
    return sparql_prefixes() + (queries_dir / name).read_text(encoding="utf-8")


# A SELECT runner giving each row as ``{variable: (value, language)}`` (``select_plain``).
PlainSelect = Callable[[str], Iterable[dict[str, tuple[str, str]]]]


def write_index(select: PlainSelect, path: Path, queries_dir: Path, version: str) -> int:
    """Read every name through ``select`` and write the index to ``path``; returns the name
    count."""
    kinds: dict[str, set[str]] = {}
    for row in select(_query(queries_dir, "projection/nodes.rq")):
        if "kind" in row:
            kinds.setdefault(row["entity"][0], set()).add(row["kind"][0])
    names: dict[str, list[tuple[str, str, bool]]] = {}
    alternative = str(SKOS.altLabel)
    for row in select(_query(queries_dir, "pages/search-entries.rq")):
        label, language = row["label"]
        names.setdefault(row["node"][0], []).append(
            (label, language, row["property"][0] == alternative)
        )
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    count = 0
    try:
        connection.executescript(SCHEMA)
        for number, (iri, entries) in enumerate(sorted(names.items()), start=1):
            own = kinds.get(iri, set())
            kind = next((k for k in KIND_ORDER if k in own), None)
            preferred = {lang: text for text, lang, alt in sorted(entries) if not alt}
            connection.execute(
                "INSERT INTO entity VALUES (?, ?, ?, ?, ?)",
                (number, iri, kind, preferred.get("en") or preferred.get(""), preferred.get("es")),
            )
            for text, lang, alternative in sorted(set(entries)):
                connection.execute(
                    "INSERT INTO name (entity, text, folded, lang, alternative) VALUES (?,?,?,?,?)",
                    (number, text, fold(text), lang, int(alternative)),
                )
                count += 1
        connection.execute("INSERT INTO name_fts(name_fts) VALUES ('rebuild')")
        connection.execute("INSERT INTO meta VALUES ('version', ?)", (version,))
        connection.commit()
    finally:
        connection.close()
    return count


class SearchIndex:
    """A read-only connection to one index file (one per thread: sqlite3 objects are not shared)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )

    @property
    def version(self) -> str | None:
        row = self.connection.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return row[0] if row else None

    def kinds(self) -> list[tuple[str, int]]:
        """Every kind in the index with its entity count, in KIND_ORDER."""
        rows = dict(
            self.connection.execute(
                "SELECT kind, COUNT(*) FROM entity WHERE kind IS NOT NULL GROUP BY kind"
            ).fetchall()
        )
        return [(k, rows[k]) for k in KIND_ORDER if k in rows]

    def search(
        self, text: str, kind: str | None = None, limit: int = 20, lang: str = "en"
    ) -> list[Hit]:
        """Entities whose names match ``text``, best first (see the module docstring)."""
        wanted = fold(text)[:MAX_QUERY_CHARS]
        tokens = re.findall(r"\w+", wanted)
        if not tokens:
            return []
        limit = max(1, min(limit, MAX_LIMIT))
        match = " ".join(f'"{t}"*' for t in tokens)
        only = " AND e.kind = ?" if kind else ""
        extra: tuple[str, ...] = (kind,) if kind else ()
        columns = "e.iri, e.kind, e.label_en, e.label_es, n.text, n.folded, n.alternative"
        # Three bounded lookups, so a common word costs the same on a million names: exact and
        # prefix matches by the B-tree on folded names, token matches by FTS5's best-ranked.
        exact = self.connection.execute(
            f"SELECT {columns}, 0.0 FROM name n JOIN entity e ON e.id = n.entity "
            f"WHERE n.folded = ?{only}",
            (wanted, *extra),
        )
        prefix = self.connection.execute(
            f"SELECT {columns}, 0.0 FROM name n JOIN entity e ON e.id = n.entity "
            f"WHERE n.folded > ? AND n.folded < ?{only} ORDER BY length(n.folded) LIMIT ?",
            (wanted, wanted + "\U0010ffff", *extra, CANDIDATES),
        )
        ranked = self.connection.execute(
            f"SELECT {columns}, bm25(name_fts) AS rank FROM name_fts "
            "JOIN name n ON n.rowid = name_fts.rowid JOIN entity e ON e.id = n.entity "
            f"WHERE name_fts MATCH ?{only} ORDER BY rank LIMIT ?",
            (match, *extra, CANDIDATES),
        )
        rows = [*exact, *prefix, *ranked]
        best: dict[str, tuple[tuple[int, float, int], Hit]] = {}
        names: dict[str, set[str]] = {}
        for iri, kind_, en, es, name, folded, alternative, rank in rows:
            if folded == wanted:
                klass = EXACT_ACRONYM if alternative else EXACT_LABEL
            elif folded.startswith(wanted):
                klass = PREFIX
            else:
                klass = TOKENS
            key = (klass, -rank, -len(folded))
            names.setdefault(iri, set()).add(name)
            if iri not in best or key > best[iri][0]:
                score = klass + 1 / (1 + len(folded))
                best[iri] = (key, Hit(iri, kind_, en, es, name, MATCH_NAMES[klass], score))
        ordered = sorted(best.values(), key=lambda item: item[1].iri)
        ordered.sort(key=lambda item: item[0], reverse=True)  # stable: ties stay in IRI order
        return [replace(hit, names=tuple(sorted(names[hit.iri]))) for _, hit in ordered[:limit]]

    def browse(self, kind: str, limit: int = MAX_LIMIT) -> list[Hit]:
        """Every entity of a kind, by English label (a listing, not a search)."""
        rows = self.connection.execute(
            "SELECT iri, kind, label_en, label_es FROM entity WHERE kind = ? "
            "ORDER BY COALESCE(label_en, label_es, iri) LIMIT ?",
            (kind, max(1, min(limit, MAX_LIMIT))),
        )
        return [Hit(iri, k, en, es, en or es or iri, "kind", 0.0) for iri, k, en, es in rows]

    def close(self) -> None:
        self.connection.close()
