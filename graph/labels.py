"""Derived label triples: rdfs:label copies and accent-folded hidden labels for search."""

from __future__ import annotations

import unicodedata

from rdflib import Dataset, Literal
from rdflib.namespace import RDFS, SKOS

from graph.namespaces import DERIVED_GRAPH, ID


def fold(text: str) -> str:
    """Case- and accent-insensitive form used by search.

    >>> fold("Secretaría de Gobierno Digital")
    'secretaria de gobierno digital'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def derive_labels(dataset: Dataset) -> int:
    """Write rdfs:label (from skos:prefLabel) and skos:hiddenLabel (folded) to the derived graph."""
    derived = dataset.graph(DERIVED_GRAPH)
    added = 0
    for subject, predicate, label in dataset.triples((None, None, None)):
        if predicate not in (SKOS.prefLabel, SKOS.altLabel) or not str(subject).startswith(str(ID)):
            continue
        if predicate == SKOS.prefLabel:
            derived.add((subject, RDFS.label, label))
        folded = fold(str(label))
        derived.add((subject, SKOS.hiddenLabel, Literal(folded, lang=label.language)))
        added += 1
    return added
