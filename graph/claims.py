"""Compile authored claim blocks into the provenance graph, and check their quotes.

A claim block is a named graph whose own IRI carries ``govkg:locator`` and ``oa:exact``
(see ``graph/data/README.md``). Compiling moves those authoring triples out of the claim
graph and writes, into the provenance graph, the claim, its passage and the quote selector.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, URIRef

from graph.namespaces import GOVKG, ID, OA, PROV, PROVENANCE_GRAPH, SYSTEM_GRAPHS
from graph.rdf_bridge import dataset_to_store, replace_dataset
from graph.sources import LocatorError, parse_locator, quote_in_range

CLAIM_PREFIX = str(ID["claim/"])
UNSOURCED_PREFIX = "urn:govkg:unsourced:"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
LOCATOR, EXACT = str(GOVKG.locator), str(OA.exact)
TYPE, COMMENT, NOTE = f"{_RDF}type", f"{_RDFS}comment", f"{_SKOS}note"
# Predicates an author may put on a claim IRI inside its own graph.
AUTHORING_PREDICATES = {LOCATOR, EXACT, TYPE, COMMENT, NOTE}
# Of those, the ones that stay on the claim (in the provenance graph).
KEPT_PREDICATES = {TYPE, COMMENT, NOTE}
_SYSTEM = {str(g) for g in SYSTEM_GRAPHS}

Authoring = dict[str, list[tuple[str, ox.NamedNode | ox.BlankNode | ox.Literal]]]


@dataclass(frozen=True)
class ClaimProblem:
    claim: str
    message: str

    def __str__(self) -> str:
        return f"{self.claim}: {self.message}"


def claim_graphs(dataset: Dataset) -> list[URIRef]:
    """Named graphs of an rdflib dataset that are not system graphs, sorted."""
    names = {
        g.identifier
        for g in dataset.graphs()
        if isinstance(g.identifier, URIRef)
        and str(g.identifier) not in _SYSTEM
        and str(g.identifier) != "urn:x-rdflib:default"
    }
    return sorted(names)


def claim_graph_names(store: ox.Store) -> list[str]:
    """Named graphs of ``store`` that are not system graphs, sorted for determinism."""
    return sorted(
        g.value for g in store.named_graphs()
        if isinstance(g, ox.NamedNode) and g.value not in _SYSTEM
    )


def passage_iri(claim: str) -> str:
    """passage/{claim slug}: one Web Annotation SpecificResource per claim."""
    return str(ID["passage/" + str(claim)[len(CLAIM_PREFIX) :]])


def read_authoring(store: ox.Store) -> Authoring:
    """What each graph says about its own name (the claim block's authoring triples)."""
    authored: Authoring = {}
    for row in store.query("SELECT ?g ?p ?o WHERE { GRAPH ?g { ?g ?p ?o } }"):
        authored.setdefault(row["g"].value, []).append((row["p"].value, row["o"]))
    return authored


def check_claims_in(
    store: ox.Store, seeds: Path, authored: Authoring | None = None
) -> list[ClaimProblem]:
    """Every claim graph has one locator, one verbatim quote in range, and at least one fact."""
    authored = read_authoring(store) if authored is None else authored
    with_facts = {
        row["g"].value
        for row in store.query(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o FILTER (?s != ?g) } }"
        )
    }
    problems: list[ClaimProblem] = []
    for claim in claim_graph_names(store):
        if claim.startswith(UNSOURCED_PREFIX):
            file = claim.rsplit(":", 1)[-1]
            size = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(claim)))
            problems.append(
                ClaimProblem(claim, f"{size} triples in {file} are outside any claim block")
            )
            continue
        if not claim.startswith(CLAIM_PREFIX):
            problems.append(ClaimProblem(claim, "named graph is not under id/claim/"))
            continue
        own = authored.get(claim, [])
        locators = [o for p, o in own if p == LOCATOR]
        quotes = [o for p, o in own if p == EXACT]
        if len(locators) != 1:
            problems.append(
                ClaimProblem(claim, f"needs exactly one govkg:locator, has {len(locators)}")
            )
            continue
        if len(quotes) != 1:
            problems.append(
                ClaimProblem(claim, f"needs exactly one oa:exact quote, has {len(quotes)}")
            )
            continue
        quote = quotes[0].value
        try:
            locator = parse_locator(locators[0].value)
            if not quote_in_range(seeds, locator, quote):
                problems.append(
                    ClaimProblem(claim, f"quote not found verbatim in {locator}: {quote!r}")
                )
        except LocatorError as error:
            problems.append(ClaimProblem(claim, str(error)))
        if claim not in with_facts:
            problems.append(ClaimProblem(claim, "states no fact"))
        stray = {p for p, _ in own} - AUTHORING_PREDICATES
        if stray:
            problems.append(
                ClaimProblem(claim, f"unexpected predicates on the claim: {sorted(stray)}")
            )
    return problems


def compile_claims_in(store: ox.Store, authored: Authoring | None = None) -> int:
    """Move authoring triples to the provenance graph and add passages; returns the claim count.

    Claims without exactly one well-formed locator and one quote are left as they are:
    ``check_claims_in`` reports them, and the shapes then see an unsourced graph.
    """
    authored = read_authoring(store) if authored is None else authored
    provenance = ox.NamedNode(str(PROVENANCE_GRAPH))
    claim_type, entity = ox.NamedNode(str(GOVKG.Claim)), ox.NamedNode(str(PROV.Entity))
    rdf_type = ox.NamedNode(TYPE)
    stated_in, locator_p = ox.NamedNode(str(GOVKG.statedIn)), ox.NamedNode(LOCATOR)
    passage_types = (ox.NamedNode(str(GOVKG.Passage)), ox.NamedNode(str(OA.SpecificResource)))
    has_source, has_selector = ox.NamedNode(str(OA.hasSource)), ox.NamedNode(str(OA.hasSelector))
    line_start, line_end = ox.NamedNode(str(GOVKG.lineStart)), ox.NamedNode(str(GOVKG.lineEnd))
    selector_type, exact = ox.NamedNode(str(OA.TextQuoteSelector)), ox.NamedNode(EXACT)
    removed: list[ox.Quad] = []
    added: list[ox.Quad] = []
    count = 0
    for claim in claim_graph_names(store):
        own = authored.get(claim, [])
        locators = [o for p, o in own if p == LOCATOR]
        quotes = [o for p, o in own if p == EXACT]
        if len(locators) != 1 or len(quotes) != 1:
            continue
        try:
            locator = parse_locator(locators[0].value)
        except LocatorError:
            continue
        name = ox.NamedNode(claim)
        removed += [ox.Quad(name, ox.NamedNode(p), o, name) for p, o in own]
        passage = ox.NamedNode(passage_iri(claim))
        selector = ox.NamedNode(passage.value + "#quote")
        label = ox.Literal(str(locator))

        def add(s: ox.NamedNode, p: ox.NamedNode, o: object) -> None:
            added.append(ox.Quad(s, p, o, provenance))

        add(name, rdf_type, claim_type)
        add(name, rdf_type, entity)
        for p, o in own:
            if p in KEPT_PREDICATES:
                add(name, ox.NamedNode(p), o)
        add(name, stated_in, passage)
        add(name, locator_p, label)
        for kind in passage_types:
            add(passage, rdf_type, kind)
        add(passage, has_source, ox.NamedNode(locator.document_iri))
        add(passage, locator_p, label)
        add(passage, line_start, ox.Literal(str(locator.first), datatype=_XSD_INTEGER))
        add(passage, line_end, ox.Literal(str(locator.last), datatype=_XSD_INTEGER))
        add(passage, has_selector, selector)
        add(selector, rdf_type, selector_type)
        add(selector, exact, ox.Literal(quotes[0].value))
        count += 1
    for quad in removed:
        store.remove(quad)
    store.bulk_extend(added)
    return count


def check_claims(dataset: Dataset, seeds: Path) -> list[ClaimProblem]:
    """``check_claims_in`` for a small rdflib dataset (an upload, a test fixture)."""
    return check_claims_in(dataset_to_store(dataset), seeds)


def compile_claims(dataset: Dataset) -> int:
    """``compile_claims_in`` for a small rdflib dataset, which is rewritten in place."""
    store = dataset_to_store(dataset)
    count = compile_claims_in(store)
    replace_dataset(dataset, store)
    return count


def load_files(paths: Iterable[Path]) -> Dataset:
    dataset = Dataset()
    for path in paths:
        dataset.parse(path, format="trig")
    return dataset


def main(argv: list[str] | None = None) -> int:
    """python -m graph.claims FILE.trig ... — print every claim problem; exit 1 if any."""
    from graph.sources import default_seeds

    paths = [Path(a) for a in (argv if argv is not None else sys.argv[1:])]
    dataset = load_files(paths)
    problems = check_claims(dataset, default_seeds())
    for problem in problems:
        print(problem)
    print(f"{len(claim_graphs(dataset))} claims, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
