"""What an entity's HTML page adds to its description: property groups with human labels,
competing claims side by side, and links to the lineage, neighbourhood and path views.

``api.entities`` owns HTTP and the description; this module only shapes data for
``templates/linked_data/entity.html``. Predicate words come from the graph projection (the same
words ``/path`` explains hops with); conflicts from ``queries/pages/conflicts-about.rq``.
"""

from __future__ import annotations

from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from api.describe import Description, Statement, read_passage
from api.lineage import projection_for
from api.runtime import Runtime
from graph.namespaces import GOVKG, ID, compact, sparql_prefixes

DATE_TYPES = {XSD.date, XSD.gYear, XSD.gYearMonth, XSD.dateTime}
NAME_PREDICATES = {SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, RDFS.label, DCTERMS.title}
HIDDEN_IN_CLAIMS = {SKOS.hiddenLabel, RDFS.label}
MAX_CLAIM_STATEMENTS = 6
# Group titles, in page order: (key, English, Spanish).
GROUPS = (
    ("names", "Names", "Nombres"),
    ("dates", "Dates", "Fechas"),
    ("links", "Links to other entities", "Enlaces a otras entidades"),
    ("values", "Other values", "Otros valores"),
)


def group_of(statement: Statement) -> str:
    """names, dates, links or values: where a statement about the entity is listed."""
    if statement.predicate in NAME_PREDICATES:
        return "names"
    obj = statement.object
    if isinstance(obj, Literal) and obj.datatype in DATE_TYPES:
        return "dates"
    if isinstance(obj, URIRef):
        return "links"
    return "values"


def predicate_label(runtime: Runtime, predicate: str, lang: str) -> str:
    """The predicate in words ("is a unit of", "fecha de inicio"), from the projection."""
    words = projection_for(runtime).words(predicate)
    if lang == "es" and words.label_es:
        return words.label_es
    return words.label


def groups(runtime: Runtime, statements: list[Statement], lang: str) -> list[dict[str, Any]]:
    """The entity's own statements (rdf:type aside) split into the groups above."""
    found: dict[str, list[Statement]] = {}
    for statement in statements:
        if statement.predicate == RDF.type:
            continue
        found.setdefault(group_of(statement), []).append(statement)
    return [
        {"key": key, "title": es if lang == "es" else en, "statements": found[key]}
        for key, en, es in GROUPS
        if key in found
    ]


def conflicts(
    runtime: Runtime, iri: URIRef, describe_claim: Any, lang: str, name: Any = compact
) -> list[dict[str, Any]]:
    """Registered conflicts involving the entity, each with its competing claims: what each
    claim states and the passage (quote, document, locator) it comes from.

    ``describe_claim(claim) -> Description`` is ``api.entities.description_of`` (cached);
    ``name(iri) -> str`` what to call an entity. The statements on the conflict's property, or
    about the entity, come first.
    """
    path = runtime.settings.queries_dir / "pages" / "conflicts-about.rq"
    query = sparql_prefixes() + path.read_text(encoding="utf-8")
    rows = runtime.reader.select(query, {"this": iri})
    about = {row["about"] for row in rows if row.get("about") is not None}
    by_conflict: dict[str, dict[str, Any]] = {}
    for row in rows:
        conflict = str(row["conflict"])
        entry = by_conflict.setdefault(
            conflict,
            {
                "iri": conflict,
                "href": _href(conflict),
                "label": str(row["label"]) if row.get("label") is not None else compact(conflict),
                "kind": compact(str(row["kind"])) if row.get("kind") is not None else None,
                "status": compact(str(row["status"])) if row.get("status") is not None else None,
                "property": compact(str(row["property"]))
                if row.get("property") is not None
                else None,
                "note": str(row["note"]) if row.get("note") is not None else None,
                "claims": [],
            },
        )
        claim = row["claim"]
        if any(c["iri"] == str(claim) for c in entry["claims"]):
            continue
        described: Description = describe_claim(claim)
        passage = described.passages.get(claim)
        if passage is None and described.provenance:
            passage = read_passage(described.provenance, claim)
        focus = {str(iri), *(str(a) for a in about)}
        on_property = row.get("property")

        def weight(st: Statement, on: Any = on_property, focus: set[str] = focus) -> int:
            if st.predicate == RDF.type:
                return -1
            return (st.predicate == on) * 2 + (str(st.subject) in focus)

        shown = sorted(
            (st for st in described.contents if st.predicate not in HIDDEN_IN_CLAIMS),
            key=lambda st: -weight(st),
        )
        entry["claims"].append(
            {
                "iri": str(claim),
                "href": _href(str(claim)),
                "name": compact(str(claim)),
                "states": [
                    {
                        "subject": name(str(st.subject)),
                        "predicate": predicate_label(runtime, str(st.predicate), lang),
                        "object": str(st.object)
                        if isinstance(st.object, Literal)
                        else name(str(st.object)),
                        "object_href": _href(str(st.object))
                        if isinstance(st.object, URIRef)
                        else None,
                        "relevant": weight(st) > 0,
                    }
                    for st in shown[:MAX_CLAIM_STATEMENTS]
                ],
                "more": max(len(shown) - MAX_CLAIM_STATEMENTS, 0),
                "quote": passage.quote if passage else None,
                "locator": passage.locator if passage else None,
                "document": name(str(passage.document)) if passage and passage.document else None,
                "document_href": _href(str(passage.document))
                if passage and passage.document
                else None,
            }
        )
    return list(by_conflict.values())


def views(iri: URIRef, kinds: list[str]) -> list[dict[str, str]]:
    """Links to the graph views of an entity (lineage only for institutions)."""
    if not str(iri).startswith(str(ID)):
        return []
    relative = str(iri)[len(str(ID)) :]
    found = []
    if "institution" in kinds:
        found.append({"key": "lineage", "href": f"/view/lineage/{relative}"})
    found.append({"key": "neighbourhood", "href": f"/view/neighbourhood/{relative}"})
    found.append({"key": "path", "href": f"/view/path?from={relative}"})
    return found


def kinds_of(runtime: Runtime, iri: URIRef) -> list[str]:
    projection = projection_for(runtime)
    kind = projection.kind(str(iri))
    return [kind] if kind else []


def is_conflict(description: Description) -> bool:
    return GOVKG.Conflict in description.types


def _href(iri: str) -> str | None:
    return f"/id/{iri[len(str(ID)) :]}" if iri.startswith(str(ID)) else None
