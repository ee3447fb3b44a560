"""Competency questions: what a researcher or policy officer asks, answered by SPARQL over the
built store, checked against what the two documents state (line references in each question)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from graph.namespaces import sparql_prefixes
from graph.store.embedded import EmbeddedStore

BASE = "BASE <https://govkg.example/id/>\n"


@dataclass(frozen=True)
class Question:
    ask: str
    sparql: str
    expected: frozenset[str]
    exact: bool = False  # True: the answer set must equal expected; False: must contain it


def q(ask: str, sparql: str, *expected: str, exact: bool = False) -> Question:
    return Question(ask, sparql, frozenset(expected), exact)


def local(value: str) -> str:
    return value.removeprefix("https://govkg.example/id/")


QUESTIONS: dict[str, Question] = {
    # --- lineage (EN L57-65) ---
    "sgtd-predecessors": q(
        "Which bodies preceded the SGTD? (EN L57-65)",
        "SELECT ?x WHERE { <org/sgtd> dcterms:replaces+ ?x }",
        "org/segdi", "org/ongei", exact=True),
    "ongei-start": q(
        "When did ONGEI start? (EN L57)",
        "SELECT ?d WHERE { <org/ongei> govkg:startDate ?d }", "2003", exact=True),
    "ongei-segdi-event-date": q(
        "When was ONGEI renamed SEGDI? (EN L59)",
        """SELECT ?d WHERE { ?e org:originalOrganization <org/ongei> ;
             org:resultingOrganization <org/segdi> ; dcterms:date ?d }""", "2017", exact=True),
    "ongei-segdi-legal-basis": q(
        "Under which instrument was ONGEI renamed? (EN L59)",
        """SELECT ?law WHERE { ?e org:originalOrganization <org/ongei> ;
             org:resultingOrganization <org/segdi> ; govkg:legalBasis ?law }""",
        "law/rof-pcm-2017"),
    "segdi-sgtd-event-date": q(
        "When was SEGDI renamed SGTD? (EN L65)",
        """SELECT ?d WHERE { ?e org:originalOrganization <org/segdi> ;
             org:resultingOrganization <org/sgtd> ; dcterms:date ?d }""", "2021-09", exact=True),
    "renaming-kinds": q(
        "What kind of change turned ONGEI into SEGDI and SEGDI into SGTD? (EN L59, L65)",
        """SELECT DISTINCT ?kind WHERE { ?e org:originalOrganization ?o ; a ?kind .
             VALUES ?o { <org/ongei> <org/segdi> } FILTER (?kind != org:ChangeEvent) }""",
        "https://govkg.example/def/govkg#Renaming", exact=True),
    "units-of-pcm": q(
        "Which of the digital-government bodies sit inside the PCM? (EN L59, L65)",
        "SELECT ?u WHERE { ?u org:unitOf <org/pcm> }", "org/segdi", "org/sgtd"),
    "sgtd-spanish-name": q(
        "What is the SGTD's Spanish name? (EN L65)",
        "SELECT ?l WHERE { <org/sgtd> skos:prefLabel ?l FILTER (lang(?l) = 'es') }",
        "Secretaría de Gobierno y Transformación Digital", exact=True),
    "segdi-spanish-name": q(
        "What is SEGDI's Spanish name? (EN L59)",
        "SELECT ?l WHERE { <org/segdi> skos:prefLabel ?l FILTER (lang(?l) = 'es') }",
        "Secretaría de Gobierno Digital", exact=True),
    "ongei-spanish-name": q(
        "What does ONGEI stand for? (EN L57)",
        "SELECT ?l WHERE { <org/ongei> skos:prefLabel|skos:altLabel ?l }",
        "Oficina Nacional de Gobierno Electrónico e Informática", "ONGEI"),
    # --- laws and norms (EN L53-63, references L232-240, notes L252-260) ---
    "dl-1412": q(
        "Which decree approved the Digital Government Act, and when? (EN L61, L233)",
        """SELECT ?v WHERE { <law/dl-1412> eli:number|dcterms:date|eli:type_document ?v }""",
        "1412", "2018", "doctype/decreto-legislativo"),
    "du-007-2020": q(
        "When and by whom was Emergency Decree 007-2020 issued? (EN L232)",
        "SELECT ?v WHERE { <law/du-007-2020> eli:date_document|eli:passed_by ?v }",
        "2020-01-09", "org/pcm", exact=True),
    "du-007-2020-establishes": q(
        "What does Emergency Decree 007-2020 establish? (EN L232)",
        "SELECT ?x WHERE { <law/du-007-2020> govkg:establishes|govkg:approves ?x }",
        "framework/digital-trust"),
    "ds-031-2006": q(
        "When was the Peruvian Digital Agenda approved, by which decree? (EN L235)",
        "SELECT ?v WHERE { <law/ds-031-2006-pcm> eli:date_document|govkg:approves ?v }",
        "2006-06-21", "plan/adp-2006"),
    "ds-081-2013": q(
        "When was DS 081-2013-PCM issued? (EN L236)",
        "SELECT ?v WHERE { <law/ds-081-2013-pcm> eli:date_document|eli:passed_by ?v }",
        "2013-07-10", "org/pcm", exact=True),
    "ds-006-2020-in": q(
        "Who issued DS 006-2020-IN, when, and what does it regulate? (EN L234)",
        """SELECT ?v WHERE { <law/ds-006-2020-in> eli:date_document|eli:passed_by|eli:based_on ?v }""",
        "2020-04-15", "org/mininter", "law/dl-1458", exact=True),
    "norms-by-pcm": q(
        "Which norms did the PCM issue? (EN L232, L235, L236)",
        "SELECT ?law WHERE { ?law a eli:LegalResource ; eli:passed_by <org/pcm> }",
        "law/du-007-2020", "law/ds-031-2006-pcm", "law/ds-081-2013-pcm"),
    "norms-2016-2017": q(
        "Which acts were enacted in 2016 and 2017? (EN L55)",
        """SELECT ?law WHERE { ?law a eli:LegalResource ; dcterms:date ?d
             FILTER (STR(?d) IN ("2016", "2017")) }""",
        "law/administrative-procedure-simplification-act-2016",
        "law/electronic-document-act-2017"),
    "admin-procedure-law-dates": q(
        "When was the Administrative Procedure Law established? (EN L55 vs reference EN L239)",
        "SELECT ?d WHERE { <law/ley-27444> dcterms:date|eli:date_document ?d }",
        "2001", "2021-03-21"),
    "laws-all-typed": q(
        "Is every norm typed? (issue: every law dated and typed)",
        """SELECT ?law WHERE { ?law a eli:LegalResource
             FILTER NOT EXISTS { ?law eli:type_document ?t } }"""),
    # --- plans (EN L67-81, ES L198-203, L161-171) ---
    "nbp-targets": q(
        "What targets did the 2011 Broadband Development Plan set? (EN L73)",
        "SELECT ?v WHERE { ?plan govkg:hasTarget ?t . ?t govkg:targetValue ?v }",
        "4000000", "12.7"),
    "nbp-target-year": q(
        "By which year was the broadband penetration target set? (EN L73)",
        "SELECT ?y WHERE { ?plan govkg:hasTarget ?t . ?t govkg:targetYear ?y }", "2016"),
    "egov-policy-period": q(
        "What period does the e-Government Policy cover? (EN L55)",
        """SELECT ?d WHERE { <plan/e-government-policy-2013-2017> govkg:startDate|govkg:endDate ?d }""",
        "2013", "2017", exact=True),
    "vision-2021-2025": q(
        "When was the Digital Government Vision 2021-2025 announced? (EN L81)",
        """SELECT ?d WHERE { <plan/digital-government-vision-2021-2025>
             govkg:announcedDate|dcterms:date ?d }""", "2021-07"),
    "plans-covering-2021": q(
        "Which national digital plans cover 2021? (EN L79-81)",
        """SELECT ?p WHERE { ?p govkg:startDate ?s ; govkg:endDate ?e .
             FILTER (SUBSTR(STR(?s),1,4) <= "2021" && SUBSTR(STR(?e),1,4) >= "2021") }""",
        "plan/digital-government-2021-2023", "plan/digital-government-vision-2021-2025"),
    "digital-government-2021-2023-petds": q(
        "How many strategic digital-transformation tasks (PETDs) does Digital Government 2021-2023 have? (EN L79)",
        """SELECT ?v WHERE { <plan/digital-government-2021-2023> ?p ?v FILTER (isLiteral(?v)) }""",
        "15"),
    "adp-2006": q(
        "When was the Peruvian digital agenda (ADP) issued, and ADP 2.0? (EN L71)",
        """SELECT ?d WHERE { { <plan/adp-2006> dcterms:date|govkg:startDate ?d }
             UNION { <plan/adp-2-0-2011> dcterms:date|govkg:startDate ?d } }""", "2006", "2011"),
    "pnic": q(
        "When was PNIC 2025 presented? (EN L67)",
        "SELECT ?d WHERE { <plan/pnic-2025> dcterms:date|govkg:announcedDate ?d }", "2022"),
    "pedn-2050": q(
        "Which plan sets Peru's national development axes to 2050? (ES L200)",
        "SELECT ?l WHERE { <plan/pedn-2050> skos:prefLabel|skos:altLabel ?l }", "PEDN"),
    "korea-digital-new-deal": q(
        "Who set up Korea's Digital New Deal, and when? (ES L167-168)",
        "SELECT ?v WHERE { <plan/kr-digital-new-deal> govkg:issuedBy|dcterms:date|govkg:startDate ?v }",
        "org/msit", "2020"),
    # --- the centre and its projects (EN L99-184, ES L205-254) ---
    "dgcc-mou": q(
        "Which MoU launched the centre, when, between whom? (EN L103)",
        "SELECT ?v WHERE { <agreement/dgcc-mou-2017> dcterms:date|govkg:party ?v }",
        "2017-09", "org/mois", "org/pcm", exact=True),
    "dgcc-lead-agencies": q(
        "Which agencies lead the centre? (EN L105)",
        "SELECT ?a WHERE { <org/dgcc-peru> govkg:leadAgency ?a }", "org/nia", "org/sgtd"),
    "dgcc-funding": q(
        "How much did each government commit to the centre, in which currency? (EN L105)",
        """SELECT DISTINCT ?v ?c WHERE { ?g a schema:MonetaryGrant ; schema:fundedItem <org/dgcc-peru> ;
             schema:amount ?a . ?a schema:value ?v ; schema:currency ?c }""",
        "1000000", "USD"),
    "dgcc-grants": q(
        "How many grants fund the centre? (EN L105: each side)",
        """SELECT ?g WHERE { ?g a schema:MonetaryGrant ; schema:fundedItem <org/dgcc-peru> }""",
        "grant/dgcc-2017-kr", "grant/dgcc-2017-pe", exact=True),
    "dgcc-location": q(
        "Where is the centre? (ES L14-15)",
        "SELECT ?p WHERE { <org/dgcc-peru> dcterms:spatial|schema:location ?p }", "place/lima"),
    "dgcc-names": q(
        "Does the graph know the centre's acronym DGCC? (EN L101)",
        "SELECT ?l WHERE { <org/dgcc-peru> skos:altLabel|skos:prefLabel ?l }", "DGCC"),
    "dgcc-other-countries": q(
        "In which other countries does Korea support such centres? (EN L117, ES L369-370)",
        """SELECT ?place WHERE { ?c a govkg:CooperationCentre ; dcterms:spatial ?place
             FILTER (?c != <org/dgcc-peru>) }""",
        "place/uzbekistan", "place/serbia", "place/laos", "place/costa-rica", "place/tunisia",
        "place/indonesia", "place/cambodia", "place/paraguay", exact=True),
    "projects-total": q(
        "How many projects does Table 1 list? (EN L123-150)",
        """SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a govkg:CooperationProject ;
             govkg:partOfProgramme <programme/kr-pe-digital-cooperation> }""", "16", exact=True),
    "projects-2020": q(
        "Were there projects in 2020? (EN L123-150: no 2020 row)",
        """SELECT ?p WHERE { ?p govkg:partOfProgramme <programme/kr-pe-digital-cooperation> ;
             dcterms:date ?d FILTER (STR(?d) = "2020") }"""),
    "projects-2019": q(
        "Which projects ran in 2019? (EN L131-133)",
        """SELECT ?l WHERE { ?p govkg:partOfProgramme <programme/kr-pe-digital-cooperation> ;
             dcterms:date ?d ; skos:prefLabel ?l FILTER (STR(?d) = "2019" && lang(?l) = "en") }""",
        "Feasibility study of the Peru National Data Center",
        "Capacity building programs for public officials in Peru", exact=True),
    "projects-2023-count": q(
        "How many projects does Table 1 list for 2023? (EN L144-147)",
        """SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {
             ?p govkg:partOfProgramme <programme/kr-pe-digital-cooperation> ;
             dcterms:date ?d FILTER (STR(?d) = "2023") }""", "3", exact=True),
    "project-counts-reported": q(
        "How many projects do the sources report? (ES L221 vs EN Table 1)",
        """SELECT ?n WHERE { <programme/kr-pe-digital-cooperation> govkg:reportedProjectCount ?n }""",
        "12", "16", exact=True),
    "stepi-programme": q(
        "Who organises and who leads the STEPI science-and-technology planning programme? (ES L239-245)",
        """SELECT ?o WHERE { <programme/stepi-concytec-st-planning>
             govkg:carriedOutBy|govkg:leadAgency|govkg:coordinatedBy|prov:wasAssociatedWith ?o }""",
        "org/stepi", "org/concytec"),
    "stepi-start": q(
        "Since when does the STEPI programme run? (ES L239)",
        """SELECT ?d WHERE { <programme/stepi-concytec-st-planning> govkg:startDate ?d }""",
        "2022"),
    # --- people (EN L3-5, ES L376-377) ---
    "shin-role": q(
        "Which role does Sang-Chul Shin hold in the centre? (EN L5)",
        """SELECT ?role WHERE { ?m org:member <person/sang-chul-shin> ;
             org:organization <org/dgcc-peru> ; org:role ?role }""", "role/co-director"),
    "shin-education": q(
        "Where did Sang-Chul Shin study? (EN L5)",
        "SELECT ?o WHERE { <person/sang-chul-shin> schema:alumniOf ?o }", "org/kaist"),
    "chocobar-post": q(
        "Who heads the SGTD according to the Spanish paper? (ES L376-377)",
        "SELECT ?p WHERE { ?post org:postIn <org/sgtd> ; org:heldBy ?p }",
        "person/marushka-chocobar"),
    "en-author": q(
        "Who wrote the English paper? (EN L3)",
        "SELECT ?a WHERE { <source/000_c168c7ecd4ccf9a4> dcterms:creator|schema:author ?a }",
        "person/sang-chul-shin"),
    # --- indicators (EN L39-47, L87; ES L124-139, notes 2, 6) ---
    "egdi-2022": q(
        "What was Peru's UN EGDI rank in 2022, out of how many, and how did it change? (EN L87)",
        """SELECT ?v WHERE { ?o govkg:indicator <indicator/un-egdi> ; govkg:refArea <place/peru> ;
             govkg:refYear ?y ; govkg:rank|govkg:rankOutOf|govkg:rankChange ?v
             FILTER (STR(?y) = "2022") }""", "59", "193", "12"),
    "epart-2022": q(
        "What was Peru's e-Participation rank? (EN L87)",
        """SELECT ?r WHERE { ?o govkg:indicator <indicator/un-epart> ; govkg:refArea <place/peru> ;
             govkg:rank ?r }""", "22"),
    "internet-users": q(
        "What share of Peru's population used the Internet in 2021? (EN L39)",
        """SELECT ?v WHERE { ?o govkg:refArea <place/peru> ; govkg:refYear ?y ;
             sdmx-measure:obsValue ?v ; sdmx-attribute:unitMeasure <unit/percent> ;
             govkg:indicator/skos:prefLabel ?l
             FILTER (STR(?y) = "2021" && CONTAINS(LCASE(STR(?l)), "using the internet")) }""",
        "71"),
    "fixed-broadband-subscriptions": q(
        "How many fixed broadband subscriptions did Peru have in 2021? (EN L39)",
        "SELECT ?v WHERE { ?o sdmx-measure:obsValue ?v FILTER (?v = 3013195) }", "3013195"),
    "mobile-speed": q(
        "What was Peru's mobile download speed in March 2023, and its rank? (EN L41)",
        """SELECT ?v WHERE { ?o govkg:refArea <place/peru> ; sdmx-measure:obsValue|govkg:rank|govkg:rankOutOf ?v
             FILTER (?v IN (18.01, 111, 178)) }""", "18.01", "111", "178"),
    "fixed-speed": q(
        "What were Peru's fixed broadband speeds in March 2023? (EN L43)",
        """SELECT ?v WHERE { ?o govkg:refArea <place/peru> ; sdmx-measure:obsValue|govkg:rank ?v
             FILTER (?v IN (78.31, 37.81, 54)) }""", "78.31", "37.81", "54"),
    "wef-gci": q(
        "How did the WEF Global Competitiveness Index rank Peru? (EN L45)",
        """SELECT ?v WHERE { ?o govkg:refArea <place/peru> ; govkg:rank|govkg:rankOutOf ?v ;
             qb:dataSet/dcterms:publisher <org/wef> }""", "65", "140", "97"),
    "cyber-index": q(
        "How did the ITU Global Cyber Security Index rank Peru? (EN L47)",
        """SELECT ?v WHERE { ?o govkg:refArea <place/peru> ; govkg:rank|govkg:rankOutOf ?v ;
             qb:dataSet/dcterms:publisher <org/itu> FILTER (?v IN (86, 194)) }""", "86", "194"),
    "inei-divide": q(
        "How large is the digital divide between Lima and rural areas? (EN L39, INEI 2022)",
        """SELECT ?v WHERE { ?o sdmx-measure:obsValue ?v ; qb:dataSet/dcterms:publisher <org/inei> }""",
        "84", "46.8"),
    "mobile-coverage": q(
        "What share of Peru's population is covered by a mobile-cellular network? (EN L41)",
        """SELECT ?v WHERE { ?o govkg:refArea <place/peru> ; sdmx-measure:obsValue ?v FILTER (?v = 89) }""",
        "89"),
    "peru-rank-changes-2022": q(
        "By how many places did Peru climb in the 2022 indices? (ES L371-374)",
        """SELECT ?v WHERE { ?o govkg:refArea <place/peru> ; govkg:rankChange ?v }""",
        "29", "12", "9", "30"),
    "korea-gii": q(
        "Where did Korea rank in the Global Innovation Index 2022? (ES L136-138)",
        """SELECT ?r WHERE { ?o govkg:refArea <place/korea> ; govkg:rank ?r ; govkg:refYear ?y ;
             govkg:indicator/skos:prefLabel ?l
             FILTER (STR(?y) = "2022" && CONTAINS(LCASE(STR(?l)), "innovation")) }""", "6"),
    "korea-un-egov": q(
        "Where did Korea rank in the UN e-government survey 2022? (ES note 2, L357)",
        """SELECT ?r WHERE { ?o govkg:refArea <place/korea> ; govkg:rank ?r ; govkg:refYear ?y
             FILTER (STR(?y) = "2022") }""", "2"),
    "korea-gdp": q(
        "What was Korea's GDP per capita in 1960 and at the end of 2021? (ES L124-125)",
        """SELECT ?v WHERE { ?o govkg:refArea <place/korea> ; sdmx-measure:obsValue|govkg:upperBound ?v ;
             sdmx-attribute:unitMeasure <unit/usd> }""", "100", "33000"),
    # --- WeGO (ES L256-307, notes 11-12) ---
    "wego-founding": q(
        "When was WeGO founded and where is it based? (ES L48-49, L266-268)",
        "SELECT ?v WHERE { <org/wego> govkg:startDate|govkg:headquarters ?v }",
        "2010", "place/seoul"),
    "wego-peruvian-members": q(
        "Which Peruvian cities are WeGO members? (ES L293-294)",
        """SELECT ?place WHERE { ?m org:organization <org/wego> ; org:member ?city .
             ?city schema:location ?place . ?place schema:containedInPlace* <place/peru> }""",
        "place/lima", "place/cusco", "place/urubamba", exact=True),
    "wego-member-counts": q(
        "How many members does WeGO have, by kind? (ES L391-393)",
        """SELECT ?v WHERE { ?o govkg:indicator <indicator/wego-member-count> ; sdmx-measure:obsValue ?v }""",
        "215", "160", "37", "18"),
    "wego-participating-cities": q(
        "About how many cities take part in WeGO? (ES L290-291)",
        """SELECT ?v WHERE { ?o govkg:approximate true ; sdmx-measure:obsValue ?v }""", "157"),
    "wego-lima-study": q(
        "Which Peruvian city benefited from a WeGO feasibility study, when? (ES L294-296)",
        """SELECT ?v WHERE { <project/2022-wego-lima-smart-tourism-destination>
             dcterms:date|govkg:beneficiary ?v }""", "2022", "org/lima-city-government"),
    # --- relations (EN L11, L23, L89; ES L70-89) ---
    "diplomatic-relations": q(
        "Since when do Peru and Korea have diplomatic relations? (EN L23, ES L74)",
        "SELECT ?d WHERE { <relation/peru-korea> govkg:startDate ?d }", "1963-04-01"),
    "fta-and-partnership": q(
        "When were the Free Trade Agreement and the strategic partnership set up? (ES L78-80)",
        """SELECT ?d WHERE { ?a govkg:party <place/korea> ; dcterms:date|govkg:startDate ?d .
             ?a a ?type FILTER (?type IN (govkg:Agreement, govkg:BilateralRelation)) }""",
        "2011", "2012"),
    "red-gealc-chair": q(
        "When was Peru elected chair of RED GEALC? (EN L89)",
        """SELECT ?d WHERE { ?e a schema:Event ; schema:startDate ?d ;
             ?p <org/red-gealc> }""", "2022-11-10"),
    # --- conflicts and labels ---
    "conflict-project-count": q(
        "Which claims compete on the number of projects? (ES L221 vs EN Table 1)",
        """SELECT ?n WHERE { ?c a govkg:Conflict ; govkg:claim ?g .
             GRAPH ?g { <programme/kr-pe-digital-cooperation> govkg:reportedProjectCount ?n } }""",
        "12", "16", exact=True),
    "conflict-centre-start": q(
        "Do the sources agree on when the centre started? (EN L103 vs ES L205-207)",
        """SELECT ?d WHERE { ?c a govkg:Conflict ; govkg:claim ?g .
             GRAPH ?g { <org/dgcc-peru> govkg:startDate ?d } }""", "2017-09", "2021"),
    "missing-english-labels": q(
        "Which entities lack an English label?",
        """SELECT ?e WHERE { ?e a ?t . FILTER (STRSTARTS(STR(?e), "https://govkg.example/id/")
             && !STRSTARTS(STR(?e), "https://govkg.example/id/claim/")
             && !STRSTARTS(STR(?e), "https://govkg.example/id/passage/")
             && ?e != <dataset/govkg>)
             FILTER NOT EXISTS { ?e skos:prefLabel ?l FILTER (lang(?l) = "en") } }"""),
    "missing-spanish-labels": q(
        "Which entities lack a Spanish label?",
        """SELECT ?e WHERE { ?e a ?t . FILTER (STRSTARTS(STR(?e), "https://govkg.example/id/")
             && !STRSTARTS(STR(?e), "https://govkg.example/id/claim/")
             && !STRSTARTS(STR(?e), "https://govkg.example/id/passage/")
             && ?e != <dataset/govkg>)
             FILTER NOT EXISTS { ?e skos:prefLabel ?l FILTER (lang(?l) = "es") } }"""),
}


def answer(reader: EmbeddedStore, sparql: str) -> set[str]:
    rows = reader.select(sparql_prefixes() + BASE + sparql)
    return {local(str(v)) for row in rows for v in row.values()}


@pytest.mark.parametrize("key", sorted(QUESTIONS))
def test_competency_question(reader: EmbeddedStore, key: str):
    question = QUESTIONS[key]
    got = answer(reader, question.sparql)
    if not question.expected:
        assert got == set(), f"{question.ask}: expected no answer, got {sorted(got)}"
    elif question.exact:
        assert got == set(question.expected), question.ask
    else:
        assert set(question.expected) <= got, f"{question.ask}: missing {sorted(question.expected - got)}"


def test_there_are_at_least_sixty_questions():
    assert len(QUESTIONS) >= 60
