"""The pages for people, in a real chromium: the issue's acceptance walk, the editor, the
language switch, competing claims, pages without JavaScript, and screenshots."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser

# Every kind of page, for the screenshots at both widths.
PAGES = {
    "home": "/",
    "search": "/search?q=gobierno+digital",
    "entity": "/id/org/segdi",
    "entity-es": "/id/org/segdi?lang=es",
    "conflict": "/id/conflict/dgcc-start-date",
    "lineage": "/view/lineage/org/sgtd",
    "neighbourhood": "/view/neighbourhood/org/sgtd",
    "path": "/view/path?from=SGTD&to=NIA",
    "editor": "/sparql?example=laws-by-year",
    "ontology": "/ontology",
}


def test_home_search_entity_lineage_shows_the_line_in_order(page):
    page.goto("/")
    page.fill("#home-q", "segdi")
    page.press("#home-q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=segdi"))
    first = page.locator("ol.hits a.hit").first
    assert "Digital Government" in first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/id/org/segdi$"))
    assert page.locator("h1").inner_text() == "Secretariat of Digital Government"
    page.click("a.view-lineage")
    page.wait_for_url(re.compile(r"/view/lineage/org/segdi"))
    names = page.locator("tr.body-row th a").all_inner_texts()
    assert names == ["ONGEI", "SEGDI", "SGTD"]
    starts = page.locator("tr.body-row td.date:nth-of-type(1)").all_inner_texts()
    assert starts == ["2003", "2017", "2021-09"]
    drawn = page.locator("svg.drawing text.bar-dates").all_text_contents()
    assert [d.split(" – ")[0] for d in drawn] == ["2003", "2017", "2021-09"]
    svg_names = page.locator("svg.drawing a text[font-weight=bold]").all_text_contents()
    assert svg_names == ["ONGEI", "SEGDI", "SGTD"]
    events = page.locator("ol.events > li").all_inner_texts()
    assert len(events) >= 2 and "2017" in events[0] and "2021" in events[-1]
    assert "Legal act: Regulations on the Organization and Functions" in events[0]
    assert "EN L59" in events[0] and "EN L65" in events[-1]


def test_language_switch_changes_labels_and_is_remembered(page):
    page.goto("/id/org/segdi")
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("#lang-es")
    page.wait_for_url(re.compile(r"lang=es"))
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == "Secretaría de Gobierno Digital"
    page.goto("/id/org/sgtd")  # no parameter: the cookie remembers
    assert page.locator("h1").inner_text() == "Secretaría de Gobierno y Transformación Digital"
    page.click("#lang-en")
    assert page.locator("h1").inner_text() != "Secretaría de Gobierno y Transformación Digital"


def test_accept_language_spanish_is_respected(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="es-PE")
    try:
        opened = context.new_page()
        opened.goto("/id/org/segdi")
        assert opened.locator("html").get_attribute("lang") == "es"
    finally:
        context.close()


def test_editor_runs_an_example_and_shows_rows(page):
    page.goto("/sparql")
    assert page.locator("#highlight .tok-kw").count() > 0  # highlighted
    assert "30 s" in page.locator("#timeout-note").inner_text()
    page.click('a.example[data-name="laws-by-year"]')
    page.wait_for_selector("#results table.results tbody tr")
    rows = page.locator("#results table.results tbody tr").count()
    assert rows >= 1
    assert page.locator("#results a[href^='/id/law/']").count() >= 1  # entity links
    assert "/sparql?query=" in page.locator("#download-csv").get_attribute("href")
    assert page.locator("#download-csv").get_attribute("href").endswith("format=csv")


def test_editor_shows_a_malformed_query_error_at_its_position(page):
    page.goto("/sparql")
    page.fill("#query", "SELECT ?x WHERE {\n  ?x ?y \n}")
    page.click("#run")
    page.wait_for_selector("#error:not([hidden])")
    assert "line 3, column" in page.locator("#error").inner_text()
    assert page.locator("#error-position").inner_text().startswith("Line 3")
    assert page.locator("#highlight .tok-err").count() == 1


def test_conflict_page_shows_both_claims_and_both_sources(page):
    page.goto("/id/conflict/dgcc-start-date")
    cards = page.locator(".conflict .claim-card")
    assert cards.count() == 2
    texts = cards.all_inner_texts()
    assert any("EN L103" in t for t in texts) and any("ES L205-207" in t for t in texts)
    assert page.locator(".conflict .claim-card blockquote").count() == 2
    # the entity the conflict is about shows it too
    page.goto("/id/org/dgcc-peru")
    assert page.locator("#conflicts").count() == 1
    assert page.locator(".conflict .claim-card").count() >= 2


def test_pages_work_without_javascript(browser, base_url, offline):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    context.route("**/*", offline.route)
    try:
        opened = context.new_page()
        opened.goto("/sparql?example=laws-by-year")
        assert opened.locator("table.results tbody tr").count() >= 1
        opened.goto("/sparql")
        opened.fill("#query", "SELECT ?x WHERE { ?x ?y }")
        opened.click("#run")
        assert "line 1, column" in opened.locator("#error").inner_text()
        opened.goto("/search?q=Secretaria+de+Gobierno+Digital")
        assert opened.locator("ol.hits a.hit").first.get_attribute("href") == "/id/org/segdi"
    finally:
        context.close()
    assert offline.blocked == []


def test_keyboard_reaches_the_skip_link_first(page):
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_screenshots_at_desktop_and_phone_width(page, phone_page, name):
    for opened, width in ((page, "desktop"), (phone_page, "phone")):
        opened.goto(PAGES[name])
        if name == "editor":
            opened.wait_for_selector("table.results")
        path = screenshot(opened, f"{name}-{width}")
        assert path.stat().st_size > 1000
        if width == "phone":
            overflow = opened.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{name} scrolls sideways at {PHONE['width']} px"
