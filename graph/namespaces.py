"""IRIs govkg mints or reuses: one place, so no module spells a namespace twice."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

BASE = "https://govkg.example/"
ID = Namespace(BASE + "id/")
GOVKG = Namespace(BASE + "def/govkg#")
ONTOLOGY_IRI = BASE + "def/govkg"
GRAPH = Namespace(BASE + "graph/")

PROVENANCE_GRAPH = GRAPH["provenance"]
CURATION_GRAPH = GRAPH["curation"]
ONTOLOGY_GRAPH = GRAPH["ontology"]
SHAPES_GRAPH = GRAPH["shapes"]
DERIVED_GRAPH = GRAPH["derived"]
META_GRAPH = GRAPH["meta"]

# Graphs that are not claims; every other named graph must be a sourced claim.
SYSTEM_GRAPHS = (
    PROVENANCE_GRAPH,
    CURATION_GRAPH,
    ONTOLOGY_GRAPH,
    SHAPES_GRAPH,
    DERIVED_GRAPH,
    META_GRAPH,
)

ORG = Namespace("http://www.w3.org/ns/org#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("http://schema.org/")
TIME = Namespace("http://www.w3.org/2006/time#")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VANN = Namespace("http://purl.org/vocab/vann/")

PREFIXES: dict[str, str] = {
    "govkg": str(GOVKG),
    "org": str(ORG),
    "eli": str(ELI),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "schema": str(SCHEMA),
    "time": str(TIME),
    "qb": str(QB),
    "sdmx-measure": str(SDMX_MEASURE),
    "sdmx-attribute": str(SDMX_ATTRIBUTE),
    "oa": str(OA),
    "foaf": str(FOAF),
    "rdfs": str(RDFS),
    "rdf": str(RDF),
    "xsd": str(XSD),
    "owl": str(OWL),
    "sh": str(SH),
    "void": str(VOID),
    "dcat": str(DCAT),
    "vann": str(VANN),
}


def sparql_prefixes() -> str:
    """The PREFIX block every named query and check may assume."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def compact(iri: str) -> str:
    """The short form people read: our id/ IRIs as paths, known namespaces as prefixed names.

    >>> compact("https://govkg.example/id/org/sgtd")
    'org/sgtd'
    >>> compact("http://www.w3.org/2004/02/skos/core#prefLabel")
    'skos:prefLabel'
    """
    if iri.startswith(str(ID)):
        return iri[len(str(ID)) :]
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri
