"""Moving quads between rdflib (pySHACL's model, uploads) and pyoxigraph (the build's model).

The build works in pyoxigraph, whose parsers and SPARQL run in Rust; rdflib is kept where a
library needs it (pySHACL) and for small datasets (uploads, test fixtures). Both directions go
through N-Quads, parsed and written natively on the pyoxigraph side.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import Dataset
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

__all__ = ["dataset_to_store", "quads_to_dataset", "replace_dataset"]


def dataset_to_store(dataset: Dataset) -> ox.Store:
    """An in-memory store with the quads of ``dataset`` (its default graph as the default)."""
    store = ox.Store()
    data = dataset.serialize(format="nquads", encoding="utf-8")
    if data.strip():
        store.load(data, format=ox.RdfFormat.N_QUADS)
    return store


def quads_to_dataset(quads: Iterable[ox.Quad], dataset: Dataset | None = None) -> Dataset:
    """``quads`` added to ``dataset`` (a new union-default Dataset if None)."""
    dataset = Dataset(default_union=True) if dataset is None else dataset
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    if data:
        dataset.parse(data=data, format="nquads")
    return dataset


def replace_dataset(dataset: Dataset, store: ox.Store) -> None:
    """Make ``dataset`` hold exactly the quads of ``store``."""
    for graph in list(dataset.graphs()):
        if graph.identifier == DATASET_DEFAULT_GRAPH_ID:
            graph.remove((None, None, None))
        else:
            dataset.remove_graph(graph)
    quads_to_dataset(store, dataset)
