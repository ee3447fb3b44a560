"""Derived label triples: rdfs:label copies and accent-folded hidden labels for search."""

from __future__ import annotations

import unicodedata

import pyoxigraph as ox
from rdflib import Dataset

from graph.namespaces import DERIVED_GRAPH, ID
from graph.rdf_bridge import dataset_to_store, replace_dataset

PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
HIDDEN_LABEL = "http://www.w3.org/2004/02/skos/core#hiddenLabel"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
LABELS = f"""SELECT DISTINCT ?s ?p ?label WHERE {{
  GRAPH ?g {{ ?s ?p ?label }}
  VALUES ?p {{ <{PREF_LABEL}> <http://www.w3.org/2004/02/skos/core#altLabel> }}
  FILTER (isIRI(?s) && STRSTARTS(STR(?s), "{ID}") && isLiteral(?label))
}}"""


def fold(text: str) -> str:
    """Case- and accent-insensitive form used by search.

    >>> fold("Secretaría de Gobierno Digital")
    'secretaria de gobierno digital'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def derive_labels_in(store: ox.Store) -> int:
    """Write rdfs:label (from skos:prefLabel) and skos:hiddenLabel (folded) to the derived
    graph; returns the number of labels read."""
    derived = ox.NamedNode(str(DERIVED_GRAPH))
    rdfs_label, hidden = ox.NamedNode(RDFS_LABEL), ox.NamedNode(HIDDEN_LABEL)
    quads: list[ox.Quad] = []
    count = 0
    for row in store.query(LABELS):
        subject, label = row["s"], row["label"]
        if row["p"].value == PREF_LABEL:
            quads.append(ox.Quad(subject, rdfs_label, label, derived))
        language = label.language
        folded = fold(label.value)
        quads.append(ox.Quad(
            subject, hidden,
            ox.Literal(folded, language=language) if language else ox.Literal(folded),
            derived,
        ))
        count += 1
    store.bulk_extend(quads)
    return count


def derive_labels(dataset: Dataset) -> int:
    """``derive_labels_in`` for a small rdflib dataset, which is rewritten in place."""
    store = dataset_to_store(dataset)
    count = derive_labels_in(store)
    replace_dataset(dataset, store)
    return count
