"""Named queries: ``queries/*.rq`` files with a grlc-style header, run with typed parameters.

A header is a block of ``#+ key: value`` lines (``queries/README.md`` documents the format). Each
``#+ param: name type default — description`` declares the SPARQL variable ``?name``. A value is
checked against its type and turned into one RDF term, which the store binds as a substitution:
it is never pasted into the query text, so ``"> } ; DROP ALL`` stays a harmless string.
Must not import FastAPI.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from graph.errors import BadQuery, GovkgError, NotFound
from graph.namespaces import ID, PREFIXES, sparql_prefixes
from graph.settings import PROJECT_ROOT
from graph.store.base import QueryForm, Reader, Row

QUERIES_DIR = PROJECT_ROOT / "queries"
MAX_STRING = 500
# Query-string names the HTTP route keeps for itself.
RESERVED_NAMES = ("format",)

_HEADER = re.compile(r"^#\+\s*(?P<key>[a-z]+)\s*:\s*(?P<value>.*)$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)\s+"
    r"(?P<default>\"(?:[^\"\\]|\\.)*\"|\S+)\s*(?:(?:—|--)\s*(?P<description>.*))?$"
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_IRI_FORBIDDEN = re.compile(r"[\s<>\"{}|^`\\]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_GYEAR = re.compile(r"^\d{4}$")
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_SELECT = re.compile(r"\bSELECT\b(?P<projection>.*?)(\bWHERE\b|\{)", re.IGNORECASE | re.DOTALL)


class HeaderError(GovkgError):
    """A query file whose header cannot be read; names the file and line."""


class ParameterError(BadQuery):
    """A parameter value that does not fit its declared type (HTTP 400, names the parameter)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"parameter {parameter!r}: {message}")
        self.parameter = parameter


def _iri(text: str) -> Node:
    prefix, _, local = text.partition(":")
    if local and prefix in PREFIXES and not local.startswith("//"):
        text = PREFIXES[prefix] + local
    elif not _SCHEME.match(text):
        text = str(ID) + text.removeprefix("/")
    if _IRI_FORBIDDEN.search(text):
        raise ValueError('is not an IRI (spaces and <>"{}|^`\\ are not allowed)')
    return URIRef(text)


def _string(text: str) -> Node:
    if len(text) > MAX_STRING:
        raise ValueError(f"is longer than {MAX_STRING} characters")
    return Literal(text)


def _integer(text: str) -> Node:
    if not _INTEGER.match(text):
        raise ValueError("is not an integer")
    return Literal(int(text), datatype=XSD.integer)


def _decimal(text: str) -> Node:
    if not _DECIMAL.match(text):
        raise ValueError("is not a decimal number")
    try:
        return Literal(Decimal(text), datatype=XSD.decimal)
    except InvalidOperation as error:
        raise ValueError("is not a decimal number") from error


def _date(text: str) -> Node:
    if not _DATE.match(text):
        raise ValueError("is not a date of the form YYYY-MM-DD")
    date.fromisoformat(text)  # rejects 2021-02-30
    return Literal(text, datatype=XSD.date)


def _gyear(text: str) -> Node:
    if not _GYEAR.match(text):
        raise ValueError("is not a year of the form YYYY")
    return Literal(text, datatype=XSD.gYear)


def _boolean(text: str) -> Node:
    value = text.lower()
    if value not in ("true", "false", "1", "0"):
        raise ValueError("is not a boolean (true or false)")
    return Literal(value in ("true", "1"), datatype=XSD.boolean)


def _lang(text: str) -> Node:
    if not _LANG.match(text):
        raise ValueError("is not a language tag such as en or es")
    return Literal(text.lower())


# Parameter type → (parser to an RDF term, JSON-schema type, JSON-schema format).
TYPES: dict[str, tuple[Callable[[str], Node], str, str | None]] = {
    "iri": (_iri, "string", "iri"),
    "string": (_string, "string", None),
    "integer": (_integer, "integer", None),
    "decimal": (_decimal, "number", None),
    "date": (_date, "string", "date"),
    "gyear": (_gyear, "string", "gyear"),
    "boolean": (_boolean, "boolean", None),
    "lang": (_lang, "string", "language-tag"),
}


def _json_default(json_type: str, default: str) -> Any:
    """The default as OpenAPI shows it: a number or boolean for those types, else the text."""
    if json_type == "integer":
        return int(default)
    if json_type == "number":
        return float(default)
    if json_type == "boolean":
        return default.lower() in ("true", "1")
    return default


@dataclass(frozen=True)
class Parameter:
    """One ``#+ param:`` line: the variable ``?name``, its type and its default (None = unbound)."""

    name: str
    type: str
    default: str | None
    description: str

    def parse(self, raw: str) -> Node:
        """The RDF term for a raw value.

        :raises ParameterError: the value does not fit the type.
        """
        parser = TYPES[self.type][0]
        try:
            return parser(raw.strip())
        except ValueError as error:
            raise ParameterError(self.name, f"{raw[:80]!r} {error} ({self.type})") from error

    def schema(self) -> dict[str, Any]:
        """JSON-schema of the parameter, for OpenAPI."""
        _, json_type, fmt = TYPES[self.type]
        schema: dict[str, Any] = {"type": json_type}
        if fmt:
            schema["format"] = fmt
        if self.default is not None:
            schema["default"] = _json_default(json_type, self.default)
        return schema

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "description": self.description,
        }


@dataclass(frozen=True)
class NamedQuery:
    """A query file: its documentation, parameters and SPARQL text (without the PREFIX block)."""

    name: str
    summary: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    text: str

    @property
    def form(self) -> QueryForm:
        """SELECT, ASK, CONSTRUCT or DESCRIBE: known before running, so a format can be refused
        (406) without evaluating anything."""
        body = "\n".join(
            line for line in self.text.splitlines() if not line.lstrip().startswith("#")
        )
        found = _FORM.search(body)
        return found.group(1).lower() if found else "select"  # type: ignore[return-value]

    @property
    def sparql(self) -> str:
        """The text as run: the standard PREFIX block, then the file."""
        return sparql_prefixes() + self.text

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def bind(self, raw: Mapping[str, str]) -> dict[str, Node]:
        """Typed RDF terms for the given values, defaults for the rest; unbound when no default.

        :raises ParameterError: an unknown parameter or a value of the wrong type.
        """
        for name in raw:
            if self.parameter(name) is None:
                known = ", ".join(p.name for p in self.parameters) or "none"
                raise ParameterError(name, f"is not a parameter of {self.name} (known: {known})")
        bindings: dict[str, Node] = {}
        for parameter in self.parameters:
            value = raw.get(parameter.name, parameter.default)
            if value is not None:
                bindings[parameter.name] = parameter.parse(value)
        return bindings

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "tags": list(self.tags),
            "parameters": [p.to_json() for p in self.parameters],
        }


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return token


def parse_header(name: str, text: str) -> NamedQuery:
    """Read the ``#+`` header of one query file.

    >>> text = '#+ summary: S\\n#+ param: year gyear 2017 — the year\\nSELECT ?year {}'
    >>> q = parse_header("x", text)
    >>> (q.summary, q.parameters[0].type, q.parameters[0].default)
    ('S', 'gyear', '2017')
    """
    fields: dict[str, list[str]] = {}
    parameters: list[Parameter] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER.match(line.strip())
        if not match:
            continue
        key, value = match.group("key"), match.group("value").strip()
        if key != "param":
            fields.setdefault(key, []).append(value)
            continue
        found = _PARAM.match(value)
        if not found or found.group("type") not in TYPES:
            raise HeaderError(
                f"{name}.rq line {number}: '#+ param: {value}' is not "
                f"'name type default — description' with type in {', '.join(TYPES)}"
            )
        if found.group("name") in RESERVED_NAMES:
            raise HeaderError(
                f"{name}.rq line {number}: '{found.group('name')}' is reserved (format=)"
            )
        default = _unquote(found.group("default"))
        parameter = Parameter(
            found.group("name"),
            found.group("type"),
            None if default == "-" else default,
            (found.group("description") or "").strip(),
        )
        if parameter.default is not None:
            try:
                parameter.parse(parameter.default)
            except ParameterError as error:
                raise HeaderError(f"{name}.rq line {number}: default {error}") from error
        parameters.append(parameter)
    if "summary" not in fields:
        raise HeaderError(f"{name}.rq has no '#+ summary:' line")
    query = NamedQuery(
        name=name,
        summary=" ".join(fields["summary"]),
        description=" ".join(fields.get("description", [])),
        tags=tuple(t.strip() for v in fields.get("tags", []) for t in v.split(",") if t.strip()),
        parameters=tuple(parameters),
        text=text,
    )
    _check_projection(query)
    return query


def _check_projection(query: NamedQuery) -> None:
    """Substitutions bind only projected variables (pyoxigraph refuses others): check up front."""
    body = "\n".join(line for line in query.text.splitlines() if not line.lstrip().startswith("#"))
    match = _SELECT.search(body)
    if not match:
        return
    projection = match.group("projection")
    for parameter in query.parameters:
        if "*" not in projection and not re.search(rf"\?{parameter.name}\b", projection):
            raise HeaderError(
                f"{query.name}.rq: parameter ?{parameter.name} must be in the SELECT projection"
            )


def load_named_query(path: Path) -> NamedQuery:
    return parse_header(path.stem, path.read_text(encoding="utf-8"))


def load_named_queries(directory: Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    """Every ``*.rq`` directly in the folder (not checks/ or projection/), by file stem."""
    queries: dict[str, NamedQuery] = {}
    for path in sorted(directory.glob("*.rq")):
        if not _NAME.match(path.stem):
            raise HeaderError(f"{path.name}: query names are lower-case kebab-case")
        queries[path.stem] = load_named_query(path)
    return queries


def find(queries: Mapping[str, NamedQuery], name: str) -> NamedQuery:
    """The query called name.

    :raises NotFound: naming the closest existing queries.
    """
    if name in queries:
        return queries[name]
    close = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise NotFound(f"no named query {name!r}{hint}")


def run_select(reader: Reader, query: NamedQuery, raw: Mapping[str, str]) -> list[Row]:
    """Run a named SELECT with typed parameters; rows as rdflib terms."""
    return reader.select(query.sparql, query.bind(raw))
