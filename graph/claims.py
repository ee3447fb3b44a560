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

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from graph.namespaces import GOVKG, ID, OA, PROV, PROVENANCE_GRAPH, SYSTEM_GRAPHS
from graph.sources import LocatorError, parse_locator, quote_in_range

CLAIM_PREFIX = str(ID["claim/"])
# Predicates an author may put on a claim IRI inside its own graph.
AUTHORING_PREDICATES = {GOVKG.locator, OA.exact, RDF.type, RDFS.comment, SKOS.note}


@dataclass(frozen=True)
class ClaimProblem:
    claim: str
    message: str

    def __str__(self) -> str:
        return f"{self.claim}: {self.message}"


def claim_graphs(dataset: Dataset) -> list[URIRef]:
    """Named graphs that are not system graphs, sorted for determinism."""
    names = {
        g.identifier
        for g in dataset.graphs()
        if isinstance(g.identifier, URIRef)
        and g.identifier not in SYSTEM_GRAPHS
        and str(g.identifier) != "urn:x-rdflib:default"
    }
    return sorted(names)


def passage_iri(claim: URIRef) -> URIRef:
    """passage/{claim slug}: one Web Annotation SpecificResource per claim."""
    return ID["passage/" + str(claim)[len(CLAIM_PREFIX) :]]


def check_claims(dataset: Dataset, seeds: Path) -> list[ClaimProblem]:
    """Every claim graph has one locator, one verbatim quote in range, and at least one fact."""
    problems: list[ClaimProblem] = []
    for name in claim_graphs(dataset):
        graph = dataset.graph(name)
        claim = str(name)
        if claim.startswith("urn:govkg:unsourced:"):
            file = claim.rsplit(":", 1)[-1]
            problems.append(
                ClaimProblem(claim, f"{len(graph)} triples in {file} are outside any claim block")
            )
            continue
        if not claim.startswith(CLAIM_PREFIX):
            problems.append(ClaimProblem(claim, "named graph is not under id/claim/"))
            continue
        locators = list(graph.objects(name, GOVKG.locator))
        quotes = list(graph.objects(name, OA.exact))
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
        try:
            locator = parse_locator(str(locators[0]))
            if not quote_in_range(seeds, locator, str(quotes[0])):
                problems.append(
                    ClaimProblem(
                        claim, f"quote not found verbatim in {locator}: {str(quotes[0])!r}"
                    )
                )
        except LocatorError as error:
            problems.append(ClaimProblem(claim, str(error)))
        facts = [t for t in graph if t[0] != name]
        if not facts:
            problems.append(ClaimProblem(claim, "states no fact"))
        stray = {p for p in graph.predicates(name, None)} - AUTHORING_PREDICATES
        if stray:
            problems.append(
                ClaimProblem(claim, f"unexpected predicates on the claim: {sorted(stray)}")
            )
    return problems


def compile_claims(dataset: Dataset) -> int:
    """Move authoring triples to the provenance graph and add passages; returns the claim count."""
    provenance = dataset.graph(PROVENANCE_GRAPH)
    count = 0
    for name in claim_graphs(dataset):
        graph = dataset.graph(name)
        authored = [(p, o) for p, o in graph.predicate_objects(name)]
        locators = [o for p, o in authored if p == GOVKG.locator]
        quotes = [o for p, o in authored if p == OA.exact]
        if len(locators) != 1 or len(quotes) != 1:
            continue  # check_claims reports it; the shapes then see an unsourced graph
        try:
            locator = parse_locator(str(locators[0]))
        except LocatorError:
            continue
        quote = quotes[0]
        for p, o in authored:
            graph.remove((name, p, o))
        passage = passage_iri(name)
        selector = URIRef(str(passage) + "#quote")
        provenance.add((name, RDF.type, GOVKG.Claim))
        provenance.add((name, RDF.type, PROV.Entity))
        for p, o in authored:
            if p in (RDF.type, RDFS.comment, SKOS.note):
                provenance.add((name, p, o))
        provenance.add((name, GOVKG.statedIn, passage))
        provenance.add((name, GOVKG.locator, Literal(str(locator))))
        provenance.add((passage, RDF.type, GOVKG.Passage))
        provenance.add((passage, RDF.type, OA.SpecificResource))
        provenance.add((passage, OA.hasSource, URIRef(locator.document_iri)))
        provenance.add((passage, GOVKG.locator, Literal(str(locator))))
        provenance.add((passage, GOVKG.lineStart, Literal(locator.first, datatype=XSD.integer)))
        provenance.add((passage, GOVKG.lineEnd, Literal(locator.last, datatype=XSD.integer)))
        provenance.add((passage, OA.hasSelector, selector))
        provenance.add((selector, RDF.type, OA.TextQuoteSelector))
        provenance.add((selector, OA.exact, Literal(str(quote))))
        count += 1
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
