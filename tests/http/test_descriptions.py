"""Service description (GET /sparql without a query) and VoID + DCAT (/.well-known/void)."""

from __future__ import annotations

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, VOID

from graph.namespaces import PROVENANCE_GRAPH
from graph.store.embedded import EmbeddedStore

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
# A plain Namespace: pytest probes module attributes, which rdflib's closed DCAT warns about.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
DATASET = URIRef("https://govkg.example/id/dataset/govkg")


def parse(response: httpx.Response) -> Graph:
    media_type = response.headers["content-type"].split(";")[0]
    rdflib_format = {"text/turtle": "turtle", "application/rdf+xml": "xml",
                     "application/n-triples": "nt", "application/ld+json": "json-ld"}[media_type]
    return Graph().parse(data=response.content, format=rdflib_format)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [(None, "text/turtle"), ("text/turtle", "text/turtle"),
     ("application/rdf+xml", "application/rdf+xml"), ("application/ld+json",
     "application/ld+json"), ("application/n-triples", "application/n-triples")],
)
def test_get_sparql_without_query_is_the_service_description(
    client: httpx.Client, endpoint: str, base_url: str, accept, media_type
):
    response = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"]
    graph = parse(response)
    service = URIRef(endpoint)
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                 "SPARQL_Results_TSV", "Turtle", "RDF_XML", "JSON-LD", "N-Triples"):
        assert (service, SD.resultFormat, FORMATS[name]) in graph
    assert (service, RDFS.seeAlso, URIRef(f"{base_url}/.well-known/void")) in graph
    assert (service, SD.defaultDataset, DATASET) in graph
    names = set(graph.objects(None, SD.name))
    assert PROVENANCE_GRAPH in names


def test_get_sparql_service_description_406(client: httpx.Client):
    response = client.get("/sparql", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.text


def test_get_void_describes_the_dataset(
    client: httpx.Client, base_url: str, endpoint: str, reader: EmbeddedStore
):
    response = client.get("/.well-known/void")
    assert response.status_code == 200
    assert response.headers["etag"] == f'"{reader.info.version}"'
    graph = parse(response)
    assert (DATASET, RDF.type, VOID.Dataset) in graph
    assert (DATASET, RDF.type, DCAT.Dataset) in graph
    assert graph.value(DATASET, VOID.triples) == Literal(reader.info.triples)
    assert graph.value(DATASET, OWL.versionInfo) == Literal(reader.info.version)
    assert graph.value(DATASET, DCTERMS.license) is not None
    assert graph.value(DATASET, VOID.sparqlEndpoint) == URIRef(endpoint)
    classes = reader.select("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")
    assert graph.value(DATASET, VOID.classes).toPython() == classes[0]["n"].toPython()
    assert graph.value(DATASET, VOID.entities).toPython() > 0
    subsets = set(graph.objects(DATASET, VOID.subset))
    assert len(subsets) == reader.info.named_graphs
    dumps = set(graph.objects(DATASET, VOID.dataDump))
    assert {str(d) for d in dumps} == {
        f"{base_url}/dump?format={name}" for name in ("trig", "nquads", "turtle")
    }
    for dump in dumps:
        assert (dump, RDF.type, DCAT.Distribution) in graph
        assert client.head(str(dump).removeprefix(base_url)).status_code == 200


def test_get_void_is_linked_from_the_service_description(client: httpx.Client, base_url: str):
    description = parse(client.get("/sparql"))
    void_url = URIRef(f"{base_url}/.well-known/void")
    assert void_url in set(description.objects(None, RDFS.seeAlso))
    assert client.get(str(void_url)).status_code == 200


def test_get_void_revalidates_with_etag(client: httpx.Client):
    etag = client.get("/.well-known/void").headers["etag"]
    assert client.get("/.well-known/void", headers={"If-None-Match": etag}).status_code == 304
