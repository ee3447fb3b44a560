"""SPARQL TSV results (``text/tab-separated-values``) read as plain strings.

For bulk readers (the graph projection) that want every value of a large answer as a string:
the store serialises TSV without holding the GIL, and splitting it costs less than one Python
term object per value. Tested against pyoxigraph's own TSV parser (``tests/test_tsv_rows.py``).
"""

from __future__ import annotations

import re

TSV = "text/tab-separated-values"

# A row as ``{variable: (value, language)}``; unbound variables are left out.
PlainRow = dict[str, tuple[str, str]]

# N-Triples escapes in a TSV literal (oxigraph writes \t \n \r \" \\; the rest for safety).
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def tsv_rows(body: bytes) -> list[PlainRow]:
    """SPARQL TSV results as rows. Escapes keep tabs and line feeds out of literals, so fields
    split on them (on "\\n" only: other line breaks may stand unescaped in a literal)."""
    lines = body.decode("utf-8").split("\n")
    names = [name[1:] for name in lines[0].split("\t")]
    if lines[-1] == "":
        lines.pop()  # after the last row's line feed
    rows: list[PlainRow] = []
    for line in lines[1:]:
        fields = zip(names, line.split("\t"), strict=True)
        rows.append({name: tsv_term(field) for name, field in fields if field})
    return rows


def tsv_term(field: str) -> tuple[str, str]:
    """One TSV term as (value, language): <iri>, _:blank, "literal"@lang or ^^<type>, or a
    bare number or boolean."""
    first = field[0]
    if first == "<":
        return field[1:-1], ""
    if first == '"':
        end = field.rindex('"')  # a language tag or datatype IRI has no quote
        value = field[1:end]
        if "\\" in value:
            value = _ESCAPE.sub(_unescape, value)
        return value, field[end + 2 :] if field[end + 1 : end + 2] == "@" else ""
    if field.startswith("_:"):
        return field[2:], ""
    return field, ""


def _unescape(match: re.Match[str]) -> str:
    code = match[1] or match[2]
    return chr(int(code, 16)) if code else _ECHAR.get(match[3], match[0])
