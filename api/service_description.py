"""The SPARQL 1.1 Service Description, answered on GET /sparql without a query.

Says what the endpoint is (a read-only SPARQL 1.1 Query service), which result formats it
writes, that the default graph is the union of the named graphs (``sd:UnionDefaultGraph``),
every named graph with its size, and where the VoID description is (``rdfs:seeAlso``; the
default dataset is the VoID dataset). No ``sd:BasicFederatedQuery``: SERVICE is refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request
from fastapi.responses import Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID

from api import rdf_document, void
from api.runtime import Runtime

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
SIMPLE_ENTAILMENT = URIRef("http://www.w3.org/ns/entailment/Simple")
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "TriG",
    "N-Quads",
)


def description(runtime: Runtime, root: str) -> Graph:
    """The service description graph, with the endpoint at ``root``/sparql."""
    settings = runtime.settings
    data = void.facts(runtime)
    graph = Graph(bind_namespaces="core")
    graph.bind("sd", SD)
    graph.bind("formats", FORMATS)
    endpoint = URIRef(f"{root}/sparql")
    dataset = void.dataset_iri(runtime)
    add = graph.add

    add((endpoint, RDF.type, SD.Service))
    add((endpoint, SD.endpoint, endpoint))
    add((endpoint, SD.supportedLanguage, SD.SPARQL11Query))
    for name in RESULT_FORMATS:
        add((endpoint, SD.resultFormat, FORMATS[name]))
    add((endpoint, SD.feature, SD.UnionDefaultGraph))
    add((endpoint, SD.defaultEntailmentRegime, SIMPLE_ENTAILMENT))
    add((endpoint, DCTERMS.title, Literal(f"SPARQL endpoint of {void.TITLE}", lang="en")))
    add(
        (
            endpoint,
            RDFS.comment,
            Literal(
                "Read-only SPARQL 1.1 Query (no Update). The default graph is the union of all "
                "named graphs; GRAPH ?g reaches each claim graph and the provenance graph. "
                "SERVICE and LOAD are refused, and FROM / FROM NAMED / default-graph-uri / "
                "named-graph-uri may name only "
                "the named graphs listed here: the server never fetches anything. "
                f"Time limit: timeout= seconds, default {settings.query_timeout:g}, at most "
                f"{settings.max_query_timeout:g}; a query stopped at its limit is answered 503. "
                f"Answers are cut at {settings.max_results} rows or triples and then carry the "
                "header X-Govkg-Truncated: true. Request bodies up to "
                f"{settings.max_body_bytes} bytes. Relative IRIs resolve against "
                f"{settings.base_iri}id/.",
                lang="en",
            ),
        )
    )
    add((endpoint, RDFS.seeAlso, URIRef(f"{root}/.well-known/void")))
    add((endpoint, RDFS.seeAlso, URIRef(f"{root}/docs")))

    add((endpoint, SD.defaultDataset, dataset))
    add((dataset, RDF.type, SD.Dataset))
    add((dataset, RDFS.seeAlso, URIRef(f"{root}/.well-known/void")))
    default = BNode()
    add((dataset, SD.defaultGraph, default))
    add((default, RDF.type, SD.Graph))
    add((default, VOID.triples, Literal(data.triples)))
    for graph_iri, count in data.graphs:
        named, inner = BNode(), BNode()
        add((dataset, SD.namedGraph, named))
        add((named, RDF.type, SD.NamedGraph))
        add((named, SD.name, URIRef(graph_iri)))
        add((named, SD.graph, inner))
        add((inner, RDF.type, SD.Graph))
        add((inner, VOID.triples, Literal(count)))
    return graph


def respond(request: Request, runtime: Runtime, formats: Sequence[str] = ()) -> Response:
    """The description in Turtle (default), RDF/XML, N-Triples or JSON-LD."""
    return rdf_document.respond(
        request,
        runtime,
        "service description",
        lambda root: description(runtime, root),
        formats,
    )
