"""RDF a client sends us: read it without touching the network, and say where it is broken.

Owns parsing request bodies (``POST /validate``) into an rdflib ``Dataset``, the media types we
read, the line-and-column of syntax errors, and the guard that keeps the server from fetching
any URL while it handles client data. Imports no FastAPI, no store.

Never fetching a URL takes two layers:

* JSON-LD is parsed as JSON first, and any ``@context`` that is a reference (a string, absolute
  or relative: rdflib would fetch it over HTTP or open it as a local file) or uses ``@import`` is
  refused with a 400 that says to inline the context. Turtle, TriG, N-Triples and N-Quads have
  no way to make a parser fetch; RDF/XML is not read at all (external entities);
* ``offline()`` marks the current thread of work; a process-wide audit hook (PEP 578) then
  refuses every socket connection, DNS lookup and ``urllib`` request made inside it. That
  covers what the first layer cannot see: pySHACL following ``owl:imports``, a ``SERVICE`` or
  ``FROM <url>`` in a posted shape's SPARQL, a library we did not read. The hook costs one
  context-variable read per network event and does nothing outside ``offline()``.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from rdflib import Dataset

from graph.errors import GovkgError, UnsupportedMediaType
from graph.namespaces import ID

# What POST bodies may be, and the rdflib parser for each.
PARSERS: dict[str, str] = {
    "text/turtle": "turtle",
    "application/trig": "trig",
    "application/n-triples": "nt",
    "application/n-quads": "nquads",
    "application/ld+json": "json-ld",
}
# Relative IRIs in posted data resolve as in graph/data: against the id/ namespace.
DEFAULT_BASE = str(ID)

_NETWORK_EVENTS = frozenset(
    {
        "socket.connect",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "urllib.Request",
        "http.client.connect",
    }
)
_offline: ContextVar[bool] = ContextVar("govkg_offline", default=False)
_hook_lock = threading.Lock()
_hook_installed = False


class BadRdf(GovkgError):
    """A body that does not parse as the RDF syntax it claims; carries where, when known."""

    status = 400

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"{message.rstrip('.')}{where}." if where else message)
        self.line = line
        self.column = column
        self.reason = message


class NetworkRefused(GovkgError):
    """Something in the request would have made the server fetch a URL."""

    status = 400


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event in _NETWORK_EVENTS and _offline.get():
        if event == "socket.connect" and len(args) > 1:
            target = args[1]
        else:
            target = args[0] if args else "the network"
        raise NetworkRefused(
            f"this request would make the server reach {target!s}; "
            "govkg never fetches URLs for a client (inline contexts, imports and data instead)"
        )


def _install_hook() -> None:
    """Add the audit hook once per process (hooks cannot be removed, so it must be cheap)."""
    global _hook_installed
    with _hook_lock:
        if not _hook_installed:
            sys.addaudithook(_audit)
            _hook_installed = True


@contextmanager
def offline() -> Iterator[None]:
    """Within this block, any network access by this thread of work raises ``NetworkRefused``."""
    _install_hook()
    token = _offline.set(True)
    try:
        yield
    finally:
        _offline.reset(token)


def media_type_of(content_type: str | None) -> str:
    """``text/turtle; charset=utf-8`` → ``text/turtle``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_rdf(body: bytes, media_type: str, base: str = DEFAULT_BASE) -> Dataset:
    """Parse a body into a Dataset (triples in its default graph, quads in named graphs).

    :raises UnsupportedMediaType: a media type we do not read.
    :raises BadRdf: the body does not parse; line and column are given when the syntax has them.
    """
    fmt = PARSERS.get(media_type)
    if fmt is None:
        raise UnsupportedMediaType(
            f"cannot read {media_type or 'a body without Content-Type'} as RDF; "
            f"send one of {', '.join(PARSERS)}"
        )
    text = _decode(body)
    dataset = Dataset()
    with offline():
        if fmt == "json-ld":
            _parse_json_ld(text, dataset, base)
        elif fmt in ("nt", "nquads"):
            _parse_lines(text, dataset, fmt, base)
        else:
            _parse_turtle_family(text, dataset, fmt, base)
    return dataset


def _decode(body: bytes) -> str:
    """UTF-8 (all five syntaxes require it), without a byte-order mark."""
    try:
        return body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line, column = _position(body, error.start)
        raise BadRdf("the body is not UTF-8", line, column) from error


def _position(data: bytes, index: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset."""
    index = max(0, min(index, len(data)))
    start = data.rfind(b"\n", 0, index) + 1
    return data.count(b"\n", 0, index) + 1, len(data[start:index].decode("utf-8", "replace")) + 1


def _parse_turtle_family(text: str, dataset: Dataset, fmt: str, base: str) -> None:
    try:
        dataset.parse(data=text, format=fmt, publicID=base)
    except Exception as error:  # rdflib's N3-family parser raises BadSyntax, others on odd input
        offset = getattr(error, "_i", None)
        why = getattr(error, "_why", None) or str(error).splitlines()[0]
        if isinstance(offset, int):
            line, column = _position(text.encode("utf-8"), offset)
            raise BadRdf(f"not valid {_NAMES[fmt]}: {why}", line, column) from error
        raise BadRdf(f"not valid {_NAMES[fmt]}: {why}") from error


_NAMES = {
    "turtle": "Turtle",
    "trig": "TriG",
    "nt": "N-Triples",
    "nquads": "N-Quads",
    "json-ld": "JSON-LD",
}
_REST = re.compile(r"(?:Invalid line: (?P<a>.*)$)|(?: at (?P<b>.*)\):)", re.DOTALL)


def _parse_lines(text: str, dataset: Dataset, fmt: str, base: str) -> None:
    """N-Triples/N-Quads; rdflib names no position, but each line stands alone, so find it."""
    try:
        dataset.parse(data=text, format=fmt, publicID=base)
        return
    except Exception as error:  # rdflib raises ParserError (and others on odd input)
        whole = error
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            Dataset().parse(data=line + "\n", format=fmt, publicID=base)
        except Exception as error:  # same parser, one line: this is the broken one
            message = str(error)
            match = _REST.search(message)
            rest = (match.group("a") or match.group("b") or "") if match else ""
            rest = rest.strip()
            found = line.find(rest) if rest else -1
            column = found + 1 if found >= 0 else 1
            reason = f"cannot read {line[column - 1 :][:40]!r}"
            raise BadRdf(f"not valid {_NAMES[fmt]}: {reason}", number, column) from error
    raise BadRdf(f"not valid {_NAMES[fmt]}: {whole}") from whole


def _parse_json_ld(text: str, dataset: Dataset, base: str) -> None:
    from rdflib.plugins.parsers.jsonld import to_rdf

    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadRdf(f"not valid JSON: {error.msg}", error.lineno, error.colno) from error
    refused = _context_references(data)
    if refused:
        raise BadRdf(
            f"JSON-LD context {refused!r} is a reference; govkg never fetches contexts, "
            "so inline it as an object"
        )
    try:
        to_rdf(data, dataset, base=base)
    except NetworkRefused:
        raise
    except Exception as error:  # rdflib's JSON-LD processor raises plain Python errors
        raise BadRdf(f"not valid JSON-LD: {error}") from error


def _context_references(node: Any) -> str | None:
    """The first ``@context`` (or ``@import``) that names a document instead of holding one."""
    if isinstance(node, list):
        for item in node:
            found = _context_references(item)
            if found:
                return found
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                found = _reference_in_context(value)
            else:
                found = _context_references(value)
            if found:
                return found
    return None


def _reference_in_context(context: Any) -> str | None:
    if isinstance(context, str):
        return context
    if isinstance(context, list):
        for item in context:
            found = _reference_in_context(item)
            if found:
                return found
    if isinstance(context, dict):
        if "@import" in context:
            return str(context["@import"])
        # Term definitions may carry scoped contexts of their own.
        for value in context.values():
            if isinstance(value, dict) and "@context" in value:
                found = _reference_in_context(value["@context"])
                if found:
                    return found
    return None


@dataclass(frozen=True)
class Part:
    """One part of a multipart/form-data body."""

    name: str
    media_type: str
    content: bytes
    filename: str | None


def parse_multipart(body: bytes, content_type: str) -> dict[str, Part]:
    """Split a multipart/form-data body into its named parts (the standard library's MIME parser).

    :raises BadRdf: no boundary, or a part without a name.
    """
    if "boundary=" not in content_type:
        raise BadRdf("multipart/form-data without a boundary parameter")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise BadRdf("the multipart body has no parts")
    parts: dict[str, Part] = {}
    for item in message.iter_parts():
        assert isinstance(item, Message)
        name = item.get_param("name", header="content-disposition")
        if not name:
            raise BadRdf("a multipart part has no name (Content-Disposition: form-data; name=…)")
        payload = item.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = item.get_filename()
        declared = media_type_of(item.get("content-type")) if item.get("content-type") else ""
        parts[str(name)] = Part(str(name), declared, content, filename)
    return parts


# A posted file's extension names its syntax when its part says only text/plain or nothing.
SUFFIXES: dict[str, str] = {
    ".ttl": "text/turtle",
    ".trig": "application/trig",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".jsonld": "application/ld+json",
    ".json": "application/ld+json",
}


def part_media_type(part: Part) -> str:
    """The RDF syntax of an uploaded part: its Content-Type, else its file name's extension."""
    if part.media_type in PARSERS:
        return part.media_type
    if part.filename:
        for suffix, media_type in SUFFIXES.items():
            if part.filename.lower().endswith(suffix):
                return media_type
    return part.media_type
