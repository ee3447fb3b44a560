"""``/.well-known/void``: a VoID + DCAT description of the dataset (RFC 5785 / VoID §7.2).

Counts (triples, entities, classes, properties, per-class and per-graph sizes), the version and
build time, the licence, the sources, the SPARQL endpoint and the dump links. The figures are
read once per served version with a few aggregate queries on the in-process reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, VOID, XSD

from api import rdf_document
from api.deps import RuntimeDep
from api.negotiation import DATASET, DESCRIPTION
from api.ops import allow_options, get_and_head
from api.runtime import Runtime
from graph.namespaces import GOVKG, PREFIXES
from graph.store.base import Reader

router = APIRouter(tags=["dataset"])

TITLE = "govkg: Korea–Peru digital-government governance knowledge graph"
DESCRIPTION_TEXT = (
    "A sourced knowledge graph of Korea–Peru cooperation in digital government: institutions "
    "and their changes, norms, plans, cooperation projects, indicators and WeGO membership. "
    "Every fact sits in a claim graph that quotes the passage of the source document stating "
    "it. The SPARQL endpoint's default graph is the union of all named graphs."
)
DUMP_NAMES = {"application/trig": "trig", "application/n-quads": "nquads", "text/turtle": "turtle"}
IANA = "https://www.iana.org/assignments/media-types/"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")


@dataclass(frozen=True)
class DatasetFacts:
    """Figures of the served dataset for VoID and the service description."""

    triples: int
    entities: int
    classes: int
    properties: int
    distinct_subjects: int
    distinct_objects: int
    class_partitions: tuple[tuple[str, int], ...]
    graphs: tuple[tuple[str, int], ...]
    sources: tuple[str, ...]
    vocabularies: tuple[str, ...]


def _count(reader: Reader, query: str) -> int:
    rows = reader.select(query)
    return int(rows[0]["n"].toPython()) if rows and "n" in rows[0] else 0


def collect(reader: Reader, uri_space: str) -> DatasetFacts:
    """Aggregate queries over the union graph (and per named graph)."""
    space = uri_space.replace("\\", "\\\\").replace('"', '\\"')
    partitions = tuple(
        (str(row["class"]), int(row["n"].toPython()))
        for row in reader.select(
            "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } "
            "GROUP BY ?class ORDER BY DESC(?n) ?class"
        )
    )
    graphs = tuple(
        (str(row["g"]), int(row["n"].toPython()))
        for row in reader.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
        )
    )
    sources = tuple(
        str(row["s"])
        for row in reader.select(
            f"SELECT DISTINCT ?s WHERE {{ ?s a <{GOVKG.SourceDocument}> }} ORDER BY ?s"
        )
    )
    terms = {
        str(row["t"])
        for row in reader.select("SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } }")
    }
    vocabularies = tuple(
        sorted(
            namespace
            for namespace in set(PREFIXES.values())
            if any(term.startswith(namespace) for term in terms)
        )
    )
    return DatasetFacts(
        triples=reader.info.triples,
        entities=_count(
            reader,
            "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
            f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{space}")) }}',
        ),
        classes=len(partitions),
        properties=_count(reader, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
        distinct_subjects=_count(reader, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        distinct_objects=_count(reader, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        class_partitions=partitions,
        graphs=graphs,
        sources=sources,
        vocabularies=vocabularies,
    )


def facts(runtime: Runtime) -> DatasetFacts:
    """The figures of the served version (computed on first use, then cached)."""
    uri_space = runtime.settings.base_iri + "id/"
    return runtime.cached("dataset-facts", lambda: collect(runtime.reader, uri_space))


def dataset_iri(runtime: Runtime) -> URIRef:
    return URIRef(runtime.settings.base_iri + "id/dataset/govkg")


def dump_url(root: str, media_type: str) -> URIRef:
    return URIRef(f"{root}/dump?format={DUMP_NAMES[media_type]}")


def description(runtime: Runtime, root: str) -> Graph:
    """The VoID/DCAT graph, with links under ``root`` (the URL the client used)."""
    data = facts(runtime)
    info = runtime.reader.info
    graph = Graph(bind_namespaces="core")
    dataset = dataset_iri(runtime)
    document = URIRef(f"{root}/.well-known/void")
    endpoint = URIRef(f"{root}/sparql")
    add = graph.add

    add((document, RDF.type, VOID.DatasetDescription))
    add((document, DCTERMS.title, Literal(f"VoID description of {TITLE}", lang="en")))
    add((document, FOAF.primaryTopic, dataset))

    for kind in (VOID.Dataset, DCAT.Dataset):
        add((dataset, RDF.type, kind))
    add((dataset, DCTERMS.title, Literal(TITLE, lang="en")))
    add((dataset, DCTERMS.description, Literal(DESCRIPTION_TEXT, lang="en")))
    add((dataset, DCTERMS.license, URIRef(runtime.settings.license)))
    add((dataset, OWL.versionInfo, Literal(info.version)))
    add((dataset, URIRef(f"{DCAT}version"), Literal(info.version)))  # DCAT 3 term
    add((dataset, DCTERMS.modified, Literal(info.built_at, datatype=XSD.dateTime)))
    add((dataset, DCTERMS.language, URIRef("http://id.loc.gov/vocabulary/iso639-1/en")))
    add((dataset, DCTERMS.language, URIRef("http://id.loc.gov/vocabulary/iso639-1/es")))
    for source in data.sources:
        add((dataset, DCTERMS.source, URIRef(source)))
    add((dataset, VOID.uriSpace, Literal(runtime.settings.base_iri + "id/")))
    add((dataset, VOID.triples, Literal(data.triples)))
    add((dataset, VOID.entities, Literal(data.entities)))
    add((dataset, VOID.classes, Literal(data.classes)))
    add((dataset, VOID.properties, Literal(data.properties)))
    add((dataset, VOID.distinctSubjects, Literal(data.distinct_subjects)))
    add((dataset, VOID.distinctObjects, Literal(data.distinct_objects)))
    add((dataset, VOID.sparqlEndpoint, endpoint))
    for vocabulary in data.vocabularies:
        add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    add(
        (
            dataset,
            RDFS.comment,
            Literal(
                f"{len(data.graphs)} named graphs: one per claim, plus the provenance, curation, "
                "ontology, shapes, derived and meta graphs.",
                lang="en",
            ),
        )
    )

    for media_type in DATASET:
        dump = dump_url(root, media_type)
        add((dataset, VOID.dataDump, dump))
        add((dataset, DCAT.distribution, dump))
        add((dump, RDF.type, DCAT.Distribution))
        add((dump, DCAT.downloadURL, dump))
        add((dump, DCAT.mediaType, URIRef(IANA + media_type)))
        add((dump, DCTERMS.license, URIRef(runtime.settings.license)))
        add(
            (
                dump,
                DCTERMS.title,
                Literal(f"Full dump ({media_type}); gzip with Accept-Encoding: gzip", lang="en"),
            )
        )

    service = BNode()
    add((dataset, DCAT.distribution, service))
    add((service, RDF.type, DCAT.Distribution))
    add((service, DCAT.accessURL, endpoint))
    add((service, DCAT.accessService, endpoint))
    add((endpoint, RDF.type, DCAT.DataService))
    add((endpoint, DCAT.endpointURL, endpoint))
    add((endpoint, DCAT.endpointDescription, endpoint))
    add((endpoint, DCAT.servesDataset, dataset))
    add((endpoint, DCTERMS.conformsTo, SPARQL_PROTOCOL))

    for class_iri, count in data.class_partitions:
        partition = BNode()
        add((dataset, VOID.classPartition, partition))
        add((partition, VOID["class"], URIRef(class_iri)))
        add((partition, VOID.entities, Literal(count)))
    for graph_iri, count in data.graphs:
        subset = URIRef(graph_iri)
        add((dataset, VOID.subset, subset))
        add((subset, RDF.type, VOID.Dataset))
        add((subset, VOID.triples, Literal(count)))
    return graph


@get_and_head(
    router,
    "/.well-known/void",
    summary="VoID + DCAT description of the dataset",
    response_class=Response,
    responses={
        200: {"content": {m: {"schema": {"type": "string"}} for m in DESCRIPTION}},
        304: {"description": "Not modified"},
        406: {"description": "No acceptable format"},
    },
)
def get_void(request: Request, runtime: RuntimeDep, format: str | None = None) -> Response:
    """Triples, entities, classes, named graphs, licence, version and dump links (Turtle,
    RDF/XML, N-Triples or JSON-LD by Accept or ``format=``)."""
    formats = (format,) if format else ()
    return rdf_document.respond(
        request, runtime, "VoID description", lambda root: description(runtime, root), formats
    )


allow_options(router, "/.well-known/void", ("GET", "HEAD"))
