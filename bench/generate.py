"""Seeded synthetic governance data in the claim-block authoring format (graph/data/README.md).

``write_project(out, triples, seed)`` makes a throw-away govkg project under ``out``: a copy of
``ontology/`` and ``queries/`` and one ``graph/data/synthetic.trig`` with about ``triples``
triples once built (facts + provenance + derived labels). ``govkg build`` with
``GOVKG_ROOT=out`` then runs the real product path on it: claims are checked and compiled, the
SHACL shapes validated, the checks run.

The claim quotes must occur verbatim in the source documents, so each synthetic claim cites a
real passage with its real quote, harvested from the project's own ``graph/data/*.trig``: the
facts are invented, the provenance path (locator, quote check, passage, selector) is the real one.

Shape of the data, per country: a government with a deep tree of bodies
(``org:subOrganizationOf``, depth 6), succession chains (``dcterms:replaces`` + renaming events
+ ``org:resultedFrom``), laws passed by and establishing bodies, plans with targets, a
cooperation programme with projects, and observations of shared indicators; every entity has
``skos:prefLabel`` in en and es.
"""

from __future__ import annotations

import argparse
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, URIRef

PROJECT = Path(__file__).resolve().parent.parent
GOVKG = "https://govkg.example/def/govkg#"
OA_EXACT = URIRef("http://www.w3.org/ns/oa#exact")
LOCATOR = URIRef(GOVKG + "locator")

PREFIXES = """@base <https://govkg.example/id/> .
@prefix govkg: <https://govkg.example/def/govkg#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <http://schema.org/> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

"""

# The two source documents, each introduced by the passage that the real data uses for it.
SOURCES = (
    ("EN L7", "000_c168c7ecd4ccf9a4",
     "Opportunity for cooperation as a digital government partner on the 60th anniversary of "
     "diplomatic ties between Korea and Peru"),
    ("ES L60-62", "003_8407abe9c6328940",
     "El presente artículo hace un recuento de los avances alcanzados bilateralmente en el "
     "ámbito digital"),
)

WORDS = [
    ("Digital", "Digital"), ("Government", "Gobierno"), ("Data", "Datos"),
    ("Innovation", "Innovación"), ("Transformation", "Transformación"),
    ("Security", "Seguridad"), ("Services", "Servicios"), ("Infrastructure", "Infraestructura"),
    ("Planning", "Planificación"), ("Statistics", "Estadística"), ("Trust", "Confianza"),
    ("Identity", "Identidad"), ("Interoperability", "Interoperabilidad"),
    ("Procurement", "Contrataciones"), ("Health", "Salud"), ("Education", "Educación"),
]
KINDS = [("Office", "Oficina"), ("Directorate", "Dirección"), ("Agency", "Agencia"),
         ("Secretariat", "Secretaría"), ("Unit", "Unidad"), ("Centre", "Centro")]

# Triples the build adds per claim (provenance) and per label (derived graph).
PROVENANCE_PER_CLAIM = 14
INDICATORS = 4


def esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def harvest_quotes(root: Path = PROJECT) -> list[tuple[str, str]]:
    """(locator, verbatim quote) of every real claim: checked by the real build already."""
    dataset = Dataset(default_union=True)
    for path in sorted((root / "graph" / "data").glob("*.trig")):
        dataset.parse(path, format="trig")
    pairs: dict[str, tuple[str, str]] = {}
    for claim, _, locator, _ in dataset.quads((None, LOCATOR, None, None)):
        quotes = list(dataset.objects(claim, OA_EXACT))
        if len(quotes) == 1:
            pairs[str(claim)] = (str(locator), str(quotes[0]))
    return [pairs[k] for k in sorted(pairs)]


@dataclass
class Writer:
    quotes: list[tuple[str, str]]
    rng: random.Random
    blocks: list[str] = field(default_factory=list)
    estimate: int = 0
    claims: int = 0

    def claim(self, body: list[str], facts: int, labels: int) -> None:
        """One claim block citing a real passage; body is the fact lines (Turtle)."""
        locator, quote = self.quotes[self.claims % len(self.quotes)]
        code, lines = locator.split(" ")
        slug = f"{code.lower()}-l{lines[1:].lower()}-g{self.claims}"
        self.claims += 1
        text = "\n".join("    " + line for line in body)
        self.blocks.append(
            f"<claim/{slug}> {{\n    <claim/{slug}> govkg:locator \"{locator}\" ;\n"
            f"        oa:exact \"{esc(quote)}\" .\n{text}\n}}\n"
        )
        # prefLabels give rdfs:label + hiddenLabel, altLabels a hiddenLabel.
        self.estimate += facts + PROVENANCE_PER_CLAIM + labels


def labels(en: str, es: str, acronym: str | None = None) -> tuple[list[str], int, int]:
    lines = [f'skos:prefLabel "{esc(en)}"@en , "{esc(es)}"@es ;']
    facts, derived = 2, 4
    if acronym:
        lines.append(f'skos:altLabel "{acronym}"@en , "{acronym}"@es ;')
        facts, derived = 4, 6
    return lines, facts, derived


def entity(w: Writer, iri: str, types: str, en: str, es: str, props: list[str],
           acronym: str | None = None) -> None:
    label_lines, label_facts, derived = labels(en, es, acronym)
    body = [f"<{iri}> a {types} ;", *("    " + x for x in label_lines)]
    body += ["    " + p + " ;" for p in props]
    body[-1] = body[-1][:-2] + " ."
    w.claim(body, 1 + types.count(",") + label_facts + len(props), derived)


def name(rng: random.Random) -> tuple[str, str, str]:
    (k_en, k_es) = rng.choice(KINDS)
    (a_en, a_es), (b_en, b_es) = rng.sample(WORDS, 2)
    acronym = (k_en[0] + a_en[0] + b_en[0]).upper()
    return f"{k_en} of {a_en} and {b_en}", f"{k_es} de {a_es} y {b_es}", acronym


def shared(w: Writer) -> None:
    """Entities every country links to: documents, doctype, units, indicators, publishers."""
    for locator, stem, quote in SOURCES:
        code, lines = locator.lower().split(" ")
        slug = f"{code}-{lines}-src"
        body = [
            f"<source/{stem}> a govkg:SourceDocument ;",
            f'    skos:prefLabel "Source document {stem}"@en , "Documento fuente {stem}"@es .',
        ]
        w.blocks.append(
            f"<claim/{slug}> {{\n    <claim/{slug}> govkg:locator \"{locator}\" ;\n"
            f"        oa:exact \"{esc(quote)}\" .\n" + "\n".join("    " + b for b in body) + "\n}\n"
        )
        w.estimate += 3 + PROVENANCE_PER_CLAIM + 4
    entity(w, "doctype/gen-decree", "eli:ResourceType , skos:Concept", "Decree", "Decreto", [])
    entity(w, "unit/gen-percent", "skos:Concept", "per cent", "por ciento", [])
    entity(w, "unit/gen-usd", "skos:Concept", "US dollar", "dólar estadounidense", [])
    for i in range(4):
        entity(w, f"org/gen-intl-{i}", "govkg:InternationalOrganization",
               f"International Organisation {i}", f"Organización Internacional {i}", [],
               acronym=f"IO{i}")
    for i in range(INDICATORS):
        entity(w, f"indicator/gen-i{i}", "govkg:Indicator , skos:Concept",
               f"{WORDS[i][0]} Index", f"Índice de {WORDS[i][1]}",
               [f"dcterms:publisher <org/gen-intl-{i % 4}>"])
        for year in range(2015, 2024):
            entity(w, f"dataset/gen-i{i}-{year}", "qb:DataSet",
                   f"{WORDS[i][0]} Index {year}", f"Índice de {WORDS[i][1]} {year}",
                   [f"dcterms:publisher <org/gen-intl-{i % 4}>",
                    f'dcterms:date "{year}"^^xsd:gYear'])


def country(w: Writer, c: int) -> Iterator[None]:
    """One country's institutions, laws, plans, projects and observations; yields per entity."""
    rng = w.rng
    cc = f"c{c}"
    place = f"place/{cc}"
    entity(w, place, "schema:Country", f"Country {c}", f"País {c}", [])
    cities = []
    for j in range(4):
        city = f"place/{cc}-city{j}"
        entity(w, city, "schema:City", f"City {c}-{j}", f"Ciudad {c}-{j}",
               [f"schema:containedInPlace <{place}>"])
        cities.append(city)
    gov = f"org/{cc}-gov"
    entity(w, gov, "govkg:Government", f"Government of Country {c}",
           f"Gobierno del País {c}", [f"schema:location <{place}>"])
    law_count = 0

    def law(passed_by: str, establishes: str | None, year: int) -> str:
        nonlocal law_count
        law_count += 1
        iri = f"law/{cc}-ds-{law_count:03d}-{year}"
        props = ["eli:type_document <doctype/gen-decree>", f'eli:number "{law_count:03d}-{year}"',
                 f'dcterms:date "{year}"^^xsd:gYear', f"eli:passed_by <{passed_by}>"]
        if establishes:
            props.append(f"govkg:establishes <{establishes}>")
        entity(w, iri, "eli:LegalResource", f"Decree {law_count:03d}-{year} of Country {c}",
               f"Decreto {law_count:03d}-{year} del País {c}", props)
        return iri

    # Deep parent tree: every body has 2-3 units below it, down to depth 6.
    bodies: list[tuple[str, int]] = []
    frontier = [(gov, 0)]
    n = 0
    while frontier:
        parent, depth = frontier.pop(0)
        if depth >= 6:
            continue
        for _ in range(2 if depth < 3 else 1):
            n += 1
            iri = f"org/{cc}-b{n}"
            en, es, acronym = name(rng)
            start = rng.randint(1990, 2015)
            kind = "govkg:PublicBody" if depth < 2 else "org:OrganizationalUnit"
            link = "org:subOrganizationOf" if depth < 2 else "org:unitOf"
            props = [f"{link} <{parent}>", f'govkg:startDate "{start}"^^xsd:gYear',
                     f"govkg:headquarters <{rng.choice(cities)}>"]
            entity(w, iri, kind, f"{en} {c}-{n}", f"{es} {c}-{n}", props, acronym=acronym)
            bodies.append((iri, start))
            frontier.append((iri, depth + 1))
            yield

    for p in range(6):
        issuer = rng.choice(bodies)[0]
        start = rng.randint(2005, 2020)
        plan = f"plan/{cc}-plan-{p}"
        target = f"target/{cc}-plan-{p}-1"
        entity(w, target, "govkg:Target", f"Target 1 of plan {c}-{p}", f"Meta 1 del plan {c}-{p}",
               [f'govkg:targetValue "{rng.randint(10, 99)}.5"^^xsd:decimal',
                "sdmx-attribute:unitMeasure <unit/gen-percent>",
                f'govkg:targetYear "{start + 5}"^^xsd:gYear'])
        a_en, a_es = rng.choice(WORDS)
        entity(w, plan, "govkg:Plan", f"National {a_en} Plan {c}-{p}",
               f"Plan Nacional de {a_es} {c}-{p}",
               [f"govkg:issuedBy <{issuer}>", f'govkg:startDate "{start}"^^xsd:gYear',
                f'govkg:endDate "{start + 5}"^^xsd:gYear', f"govkg:hasTarget <{target}>"])
        yield
    programme = f"programme/{cc}-cooperation"
    entity(w, programme, "govkg:CooperationProgramme", f"Cooperation programme {c}",
           f"Programa de cooperación {c}", [f"govkg:carriedOutBy <{gov}>"])
    for p in range(10):
        year = rng.randint(2010, 2023)
        a_en, a_es = rng.choice(WORDS)
        entity(w, f"project/{year}-{cc}-p{p}", "govkg:CooperationProject",
               f"{a_en} project {c}-{p}", f"Proyecto de {a_es} {c}-{p}",
               [f"govkg:carriedOutBy <{rng.choice(bodies)[0]}>",
                f"govkg:beneficiary <{rng.choice(bodies)[0]}>",
                f'govkg:startDate "{year}"^^xsd:gYear', f"govkg:partOfProgramme <{programme}>"])
        yield
    # Succession chains: every fourth body was renamed twice; predecessors end when it starts.
    for index, (body, start) in enumerate(bodies):
        if index % 4:
            continue
        newer, newer_start = body, start
        for step in range(1, 3):
            older = f"{body}-v{step}"
            older_start = newer_start - rng.randint(2, 8)
            entity(w, older, "org:OrganizationalUnit", f"Former body {step} of {body[4:]}",
                   f"Antiguo organismo {step} de {body[4:]}",
                   [f'govkg:startDate "{older_start}"^^xsd:gYear',
                    f'govkg:endDate "{newer_start}"^^xsd:gYear', f"org:unitOf <{gov}>"])
            basis = law(gov, None, newer_start)
            event = f"event/{older[4:]}-to-{newer[4:]}-{newer_start}"
            entity(w, event, "govkg:Renaming", f"Renaming of {older[4:]}",
                   f"Cambio de nombre de {older[4:]}",
                   [f"org:originalOrganization <{older}>", f"org:resultingOrganization <{newer}>",
                    f'dcterms:date "{newer_start}"^^xsd:gYear', f"govkg:legalBasis <{basis}>"])
            w.claim([f"<{newer}> dcterms:replaces <{older}> ;",
                     f"    org:resultedFrom <{event}> ."], 2, 0)
            newer, newer_start = older, older_start
            yield

    for body, start in bodies[: len(bodies) // 2]:
        law(gov, body, start)
        yield
    for i in range(INDICATORS):
        for year in range(2015, 2024):
            entity(w, f"obs/gen-i{i}-{cc}-{year}", "qb:Observation",
                   f"{WORDS[i][0]} Index, Country {c}, {year}",
                   f"Índice de {WORDS[i][1]}, País {c}, {year}",
                   [f"qb:dataSet <dataset/gen-i{i}-{year}>",
                    f"govkg:indicator <indicator/gen-i{i}>",
                    f"govkg:refArea <{place}>", f'govkg:refYear "{year}"^^xsd:gYear',
                    f'sdmx-measure:obsValue "{rng.randint(0, 100)}.{rng.randint(0, 9)}"'
                    "^^xsd:decimal",
                    "sdmx-attribute:unitMeasure <unit/gen-percent>"])
        yield


@dataclass(frozen=True)
class Generated:
    root: Path
    estimate: int
    claims: int
    countries: int


def write_project(out: Path, triples: int, seed: int = 7) -> Generated:
    """A govkg project under ``out`` whose build has about ``triples`` triples."""
    w = Writer(harvest_quotes(), random.Random(seed))
    shared(w)
    c = 0
    while w.estimate < triples:
        c += 1
        for _ in country(w, c):
            if w.estimate >= triples:
                break
    if out.exists():
        shutil.rmtree(out)
    (out / "graph" / "data").mkdir(parents=True)
    shutil.copytree(PROJECT / "ontology", out / "ontology")
    shutil.copytree(PROJECT / "queries", out / "queries")
    with (out / "graph" / "data" / "synthetic.trig").open("w", encoding="utf-8") as f:
        f.write(PREFIXES)
        for block in w.blocks:
            f.write(block)
    return Generated(out, w.estimate, w.claims, c)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(write_project(args.out, args.triples, args.seed))


if __name__ == "__main__":
    main()
