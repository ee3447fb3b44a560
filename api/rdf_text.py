"""Small, fast writers for descriptions: Turtle, N-Triples and JSON-LD with named graphs.

rdflib's serializers spend most of a description request computing prefixed names and layout
(Turtle 7 ms, JSON-LD 4 ms of ~20); descriptions are flat (a few dozen subjects, no lists), so
direct writers do the same job in a fraction. They write only what the grammars surely allow:
prefixed names only for conservative local names, every other IRI in full (``<…>`` with UCHAR
escapes in Turtle), blank nodes relabelled ``_:b0…``. Every description the server can produce
is parsed back with rdflib by ``tests/http/test_entities.py``. Whole graphs with nested blank
nodes (the shapes) still go through rdflib, which writes them more readably.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from itertools import groupby

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

Triple = tuple[Node, Node, Node]

_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_IRI_ESCAPE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_STRING_ESCAPE = re.compile(r'[\\"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return _STRING_ESCAPES.get(char) or f"\\u{ord(char):04X}"


class _Writer:
    def __init__(self, prefixes: Mapping[str, str]) -> None:
        # Longest namespace first, so ``sdmx-measure:`` wins over a shorter overlapping one.
        self.namespaces = sorted(prefixes.items(), key=lambda item: -len(item[1]))
        self.used: set[str] = set()
        self.blank: dict[BNode, str] = {}

    def iri(self, node: URIRef) -> str:
        text = str(node)
        for prefix, namespace in self.namespaces:
            if text.startswith(namespace):
                local = text[len(namespace) :]
                if _LOCAL.fullmatch(local):
                    self.used.add(prefix)
                    return f"{prefix}:{local}"
        return "<" + _IRI_ESCAPE.sub(lambda m: f"\\u{ord(m.group(0)):04X}", text) + ">"

    def term(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return self.iri(node)
        if isinstance(node, BNode):
            return self.blank.setdefault(node, f"_:b{len(self.blank)}")
        if isinstance(node, Literal):
            text = '"' + _STRING_ESCAPE.sub(_escape_char, str(node)) + '"'
            if node.language:
                return f"{text}@{node.language}"
            if node.datatype is not None and node.datatype != XSD.string:
                return f"{text}^^{self.iri(node.datatype)}"
            return text
        raise TypeError(f"cannot write {node!r} in Turtle")


def write_turtle(
    triples: Iterable[Triple], prefixes: Mapping[str, str], first: Node | None = None
) -> bytes:
    """Turtle for ``triples``, ``first``'s statements at the top, the rest by subject.

    >>> print(write_turtle([(URIRef("http://x/a"), RDF.type, URIRef("http://x/B"))],
    ...                    {"x": "http://x/"}).decode(), end="")
    @prefix x: <http://x/> .
    <BLANKLINE>
    x:a a x:B .
    """
    writer = _Writer(prefixes)

    def order(triple: Triple) -> tuple[bool, str, bool, str, str]:
        s, p, o = triple
        return (s != first, str(s), p != RDF.type, str(p), str(o))

    blocks: list[str] = []
    for subject, group in groupby(sorted(set(triples), key=order), key=lambda t: t[0]):
        lines: list[str] = []
        for predicate, objects in groupby(group, key=lambda t: t[1]):
            verb = "a" if predicate == RDF.type else writer.term(predicate)
            values = " ,\n        ".join(writer.term(o) for _, _, o in objects)
            lines.append(f"{verb} {values}")
        blocks.append(writer.term(subject) + " " + " ;\n    ".join(lines) + " .")
    header = "".join(
        f"@prefix {prefix}: <{namespace}> .\n"
        for prefix, namespace in sorted(prefixes.items())
        if prefix in writer.used
    )
    return (header + "\n" + "\n\n".join(blocks) + "\n").encode("utf-8")


def write_ntriples(triples: Iterable[Triple]) -> bytes:
    """N-Triples, one line per distinct triple (the Turtle term syntax minus prefixes).

    >>> write_ntriples([(URIRef("http://x/a"), URIRef("http://x/p"), Literal("é\\n"))])
    b'<http://x/a> <http://x/p> "\\xc3\\xa9\\\\n" .\\n'
    """
    writer = _Writer({})
    lines = sorted(
        f"{writer.term(s)} {writer.term(p)} {writer.term(o)} .\n" for s, p, o in set(triples)
    )
    return "".join(lines).encode("utf-8")


def write_json_ld(
    quads: Iterable[tuple[Node, Node, Node, Node]], prefixes: Mapping[str, str]
) -> bytes:
    """JSON-LD 1.1: an inline context of ``prefixes`` and one ``{"@id", "@graph"}`` object per
    named graph, so each statement stays in the graph (claim) that states it.

    >>> body = write_json_ld([(URIRef("http://x/a"), URIRef("http://x/p"), Literal("v", lang="en"),
    ...                        URIRef("http://x/g"))], {"x": "http://x/"})
    >>> json.loads(body)["@graph"][0]["@graph"]
    [{'@id': 'http://x/a', 'x:p': [{'@value': 'v', '@language': 'en'}]}]
    """
    namespaces = sorted(prefixes.items(), key=lambda item: -len(item[1]))
    blank: dict[BNode, str] = {}

    def node_id(node: Node) -> str:
        if isinstance(node, BNode):
            return blank.setdefault(node, f"_:b{len(blank)}")
        return str(node)

    def compact(iri: Node) -> str:
        text = str(iri)
        for prefix, namespace in namespaces:
            if text.startswith(namespace) and _LOCAL.fullmatch(text[len(namespace) :]):
                return f"{prefix}:{text[len(namespace) :]}"
        return text

    def value(node: Node) -> dict[str, str]:
        if isinstance(node, Literal):
            if node.language:
                return {"@value": str(node), "@language": node.language}
            if node.datatype is not None and node.datatype != XSD.string:
                return {"@value": str(node), "@type": compact(node.datatype)}
            return {"@value": str(node)}
        return {"@id": node_id(node)}

    graphs: dict[str, dict[str, dict[str, list[object]]]] = {}
    for s, p, o, g in sorted(
        set(quads), key=lambda q: (str(q[3]), str(q[0]), str(q[1]), str(q[2]))
    ):
        nodes = graphs.setdefault(node_id(g), {})
        node = nodes.setdefault(node_id(s), {})
        if p == RDF.type and not isinstance(o, Literal):
            node.setdefault("@type", []).append(compact(o))
        else:
            node.setdefault(compact(p), []).append(value(o))
    document = {
        "@context": dict(sorted(prefixes.items())),
        "@graph": [
            {"@id": name, "@graph": [{"@id": subject, **props} for subject, props in nodes.items()]}
            for name, nodes in graphs.items()
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
