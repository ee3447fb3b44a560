"""The store interface: what every store offers readers, independent of the engine.

Callers (API, lineage, CLI) depend on ``Reader`` only; they never import pyoxigraph. A remote
SPARQL 1.1 store can implement the same protocol later. Terms crossing this boundary are rdflib
terms; bulk answers for the HTTP protocol cross as serialised bytes, so no per-row conversion
happens on the hot path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Literal, Protocol

from rdflib import Graph
from rdflib.term import Node

QueryForm = Literal["select", "ask", "construct", "describe"]
Row = dict[str, Node]

# Media types a store serialises natively.
SOLUTION_MEDIA_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
GRAPH_MEDIA_TYPES = (
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
)
DATASET_MEDIA_TYPES = ("application/trig", "application/n-quads")


@dataclass(frozen=True)
class QueryDataset:
    """SPARQL 1.1 Protocol dataset: default-graph-uri and named-graph-uri values."""

    default_graphs: Sequence[str] = ()
    named_graphs: Sequence[str] = ()


@dataclass(frozen=True)
class Answer:
    """A serialised query answer.

    ``truncated``: rows (or triples) were cut at the result cap. ``warnings``: IRIs of extension
    functions the engine does not provide, evaluated as errors (unbound values).
    """

    form: QueryForm
    media_type: str
    body: bytes
    truncated: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DatasetInfo:
    """What a build produced: the version is a content hash of the build inputs."""

    version: str
    built_at: str
    triples: int
    quads: int
    named_graphs: int


# Given the query form, return the media type to answer in (or raise to refuse, e.g. 406).
ChooseMediaType = Callable[[QueryForm], str]


class Reader(Protocol):
    """Read access to one built, versioned dataset."""

    @property
    def info(self) -> DatasetInfo: ...

    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> list[Row]: ...

    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool: ...

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph: ...

    def answer(
        self,
        query: str,
        choose: ChooseMediaType,
        *,
        dataset: QueryDataset | None = None,
        bindings: Mapping[str, Node] | None = None,
        max_results: int | None = None,
    ) -> Answer: ...

    def export(self, media_type: str, out: BinaryIO) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Commit:
    """One committed write: the dataset version before and after, and what changed.

    ``changed`` is False for a write that left the dataset as it was (nothing is logged and the
    version stays); ``inserted``/``removed`` count quads of the named graphs.
    """

    version_before: str
    version_after: str
    changed: bool
    inserted: int
    removed: int
    change: str | None = None  # IRI of the change-log entry (prov:Activity)


class Writer(Protocol):
    """Write access: apply one SPARQL 1.1 Update as one transaction, or nothing at all.

    Separate from ``Reader`` on purpose: a read-only deployment has no writer, so the capability
    is in the types, not in exceptions raised by write methods. ``check`` sees the dataset as it
    would be after the change and returns the violations that must stop it (empty: go ahead).
    """

    @property
    def info(self) -> DatasetInfo: ...

    def apply(
        self, update: str, *, agent: str, summary: str, check: Gate | None = None
    ) -> Commit: ...

    def close(self) -> None: ...


class Gate(Protocol):
    """Decides whether a pending change may be committed (e.g. the SHACL gate)."""

    def __call__(self, pending: object) -> object | None: ...
