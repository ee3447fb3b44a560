"""Pages for people over HTTP: search (JSON and HTML), the editor's negotiation at /sparql, the
language choice, and an HTML validity check of every template's output."""

from __future__ import annotations

import doctest

import html5lib
import httpx
import pytest

from api import svg

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# One URL per template (and per state of a template: empty, answered, error).
PAGES = {
    "home": "/",
    "search-empty": "/search",
    "search": "/search?q=segdi",
    "search-kind": "/search?type=law",
    "entity": "/id/org/segdi",
    "entity-es": "/id/org/segdi?lang=es",
    "conflict": "/id/conflict/dgcc-start-date",
    "claim": "/id/claim/en-l59-i",
    "not-found": "/id/org/ongie",
    "ontology": "/ontology",
    "ontology-term": "/def/govkg/PublicBody",
    "shapes": "/shapes",
    "lineage": "/view/lineage/org/sgtd",
    "lineage-unknown": "/view/lineage/nothing-called-this",
    "lineage-at": "/view/lineage/org/sgtd?at=2017-06-01",
    "lineage-at-bad": "/view/lineage/org/sgtd?at=2017-13-01",
    "neighbourhood": "/view/neighbourhood/org/sgtd?depth=2",
    "path-empty": "/view/path",
    "path": "/view/path?from=SGTD&to=NIA&k=2",
    "path-unknown": "/view/path?from=SGTD&to=nothing-called-this",
    "editor": "/sparql",
    "editor-results": "/sparql?example=laws-by-year",
    "editor-error": "/sparql?query=SELEC+x",
}


def check_html(text: str) -> list[str]:
    """Parse strictly (html5lib raises on any parse error) and list accessibility problems:
    lang, title, unique ids, labelled form controls, alt text."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document = parser.parse(text)
    problems = []
    root = document if document.tag == "html" else document.find("html")
    if not root.get("lang"):
        problems.append("<html> has no lang")
    title = document.find(".//title")
    if title is None or not (title.text or "").strip():
        problems.append("no <title>")
    ids = [e.get("id") for e in document.iter() if isinstance(e.tag, str) and e.get("id")]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"duplicate ids {duplicates}")
    labelled = {e.get("for") for e in document.iter("label")}
    for tag in ("input", "select", "textarea"):
        for control in document.iter(tag):
            if control.get("type") in ("hidden", "submit", "button"):
                continue
            if control.get("id") not in labelled and not control.get("aria-label"):
                problems.append(f"<{tag} name={control.get('name')}> has no label")
    for image in document.iter("img"):
        if image.get("alt") is None:
            problems.append("<img> without alt")
    if document.find(".//main") is None:
        problems.append("no <main>")
    return problems


@pytest.mark.parametrize("name", sorted(PAGES))
def test_get_page_is_valid_accessible_html(client: httpx.Client, name: str):
    response = client.get(PAGES[name], headers={"Accept": BROWSER})
    assert response.headers["content-type"].startswith("text/html"), response.text[:300]
    assert response.status_code in (200, 400, 404)
    assert check_html(response.text) == []
    assert "http://" not in response.text.split("<main")[0].replace("http://www.w3.org", "")


def test_get_search_json_ranks_acronym_and_label_first(client: httpx.Client):
    texts = ("segdi", "SEGDI", "Secretaria de Gobierno Digital", "secretaría de gobierno digital")
    for text in texts:
        answer = client.get("/search", params={"q": text}).json()
        assert answer["results"][0]["id"] == "https://govkg.example/id/org/segdi", text
    answer = client.get("/search", params={"q": "segdi"}).json()
    assert answer["results"][0]["match"] == "acronym"
    label = client.get("/search", params={"q": "Secretaría de Gobierno Digital"}).json()
    assert label["results"][0]["match"] == "label"


def test_get_search_token_match_and_type_filter(client: httpx.Client):
    found = client.get("/search", params={"q": "gobierno digital", "limit": 50}).json()
    ids = [r["id"] for r in found["results"]]
    assert "https://govkg.example/id/org/segdi" in ids
    assert "https://govkg.example/id/law/dl-1412" in ids
    laws = client.get("/search", params={"q": "gobierno digital", "type": "law"}).json()
    assert laws["results"] and all(r["kind"] == "law" for r in laws["results"])


def test_get_search_lang_chooses_the_label(client: httpx.Client):
    english = client.get("/search", params={"q": "segdi", "lang": "en"}).json()
    spanish = client.get("/search", params={"q": "segdi", "lang": "es"}).json()
    assert english["results"][0]["label"] == "Secretariat of Digital Government"
    assert spanish["results"][0]["label"] == "Secretaría de Gobierno Digital"


def test_get_search_unknown_type_400(client: httpx.Client):
    response = client.get("/search", params={"q": "x", "type": "spaceship"})
    assert response.status_code == 400
    assert "institution" in response.text


def test_get_search_html_by_accept_and_json_by_format(client: httpx.Client):
    page = client.get("/search", params={"q": "segdi"}, headers={"Accept": BROWSER})
    assert page.headers["content-type"].startswith("text/html")
    assert 'href="/id/org/segdi"' in page.text
    forced = client.get(
        "/search", params={"q": "segdi", "format": "json"}, headers={"Accept": BROWSER}
    )
    assert forced.headers["content-type"].startswith("application/json")


def test_get_sparql_from_a_browser_is_the_editor(client: httpx.Client):
    page = client.get("/sparql", headers={"Accept": BROWSER})
    assert page.status_code == 200
    assert '<textarea id="query"' in page.text
    assert 'src="/static/editor.js"' in page.text
    # Turtle, RDF/XML … still get the service description (tests/http/test_descriptions.py)
    described = client.get("/sparql", headers={"Accept": "*/*"})
    assert described.headers["content-type"].startswith("text/turtle")


def test_get_sparql_query_from_a_browser_renders_the_table(client: httpx.Client):
    page = client.get("/sparql", params={"example": "laws-by-year"}, headers={"Accept": BROWSER})
    assert page.status_code == 200
    assert 'class="results"' in page.text and 'href="/id/law/' in page.text
    error = client.get(
        "/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"}, headers={"Accept": BROWSER}
    )
    assert error.status_code == 400
    assert "line 1, column" in error.text and 'id="error-position"' in error.text


def test_get_lineage_view_says_who_held_the_role(client: httpx.Client):
    certain = client.get("/view/lineage/SGTD", params={"at": "2019-06-01"}).text
    assert 'class="holding holding-certain"' in certain and "SEGDI held the role" in certain
    unsure = client.get("/view/lineage/SGTD", params={"at": "2017-06-01"}).text
    assert 'class="holding holding-uncertain"' in unsure
    assert "ONGEI</a> (possible)" in unsure and "SEGDI</a> (possible)" in unsure


def test_get_page_lang_parameter_sets_a_cookie(client: httpx.Client):
    response = client.get("/id/org/segdi", params={"lang": "es"}, headers={"Accept": BROWSER})
    assert response.cookies.get("govkg_lang") == "es"
    assert '<html lang="es">' in response.text
    spanish = client.get("/", headers={"Accept": BROWSER, "Accept-Language": "es-PE,es;q=0.9"})
    assert '<html lang="es">' in spanish.text


def test_get_static_serves_only_known_files(client: httpx.Client):
    assert client.get("/static/editor.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/govkg.css").status_code == 200
    assert client.get("/static/../pages.py").status_code == 404
    assert client.get("/static/nothing.js").status_code == 404


def test_svg_doctests_and_escaping():
    failed, attempted = doctest.testmod(svg)
    assert attempted > 0 and failed == 0
    drawing = svg.timeline(
        [
            svg.Bar("A<B", "A & B", "/id/org/a", "2003", "2017"),
            svg.Bar("C", "C", None, "2017", None),
        ],
        [svg.Mark("2017", "Renaming <x>", None, "Act")],
        "Lineage",
        now=2026.0,
    )
    assert "A&lt;B" in drawing and "Renaming &lt;x&gt;" in drawing and "<x>" not in drawing
    html5lib.HTMLParser(strict=True).parse(f"<!DOCTYPE html><title>t</title>{drawing}")
