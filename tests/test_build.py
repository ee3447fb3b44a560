"""The build: versioned by content, and a failed build never replaces the store being served."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from graph.build import BuildResult, build, dataset_version, open_current
from graph.errors import BuildFailed
from graph.settings import Settings

BROKEN_QUOTE = """@base <https://govkg.example/id/> .
@prefix govkg: <https://govkg.example/def/govkg#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<claim/en-l57-broken> {
  <claim/en-l57-broken> govkg:locator "EN L57" ; oa:exact "ONGEI was founded in 1999" .
  <org/ongei> skos:note "broken"@en .
}
"""

UNDATED_LAW = """@base <https://govkg.example/id/> .
@prefix govkg: <https://govkg.example/def/govkg#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<claim/en-l55-undated-test> {
  <claim/en-l55-undated-test> govkg:locator "EN L55" ; oa:exact "the Electronic Document Act" .
  <law/undated-test> a eli:LegalResource ;
      skos:prefLabel "Undated test law"@en , "Ley de prueba sin fecha"@es .
}
"""


@pytest.fixture()
def project_copy(tmp_path: Path, settings: Settings) -> Settings:
    """A private copy of the build inputs, so a test can break them."""
    root = tmp_path / "project"
    for folder in ("ontology", "graph/data", "queries"):
        shutil.copytree(settings.root / folder, root / folder)
    return dataclasses.replace(settings, root=root, data_dir=tmp_path / "var")


def test_version_is_a_content_hash_of_the_inputs(project_copy: Settings):
    first = dataset_version(project_copy)
    assert first == dataset_version(project_copy)
    data = project_copy.graph_data_dir / "places.trig"
    data.write_text(data.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert dataset_version(project_copy) != first


def test_build_records_version_and_counts(built: BuildResult, settings: Settings):
    store = open_current(settings)
    assert store.info.version == dataset_version(settings)
    assert store.info.triples > 1000
    assert built.store_path == settings.store_link.resolve()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("zz-broken-quote.trig", BROKEN_QUOTE, "quote not found verbatim in EN L57"),
        ("zz-undated-law.trig", UNDATED_LAW, "SHACL violations"),
        ("zz-not-trig.trig", "<a> <b> .", "cannot parse"),
    ],
)
def test_failed_build_keeps_the_served_store(
    project_copy: Settings, name: str, content: str, expected: str
):
    good = build(project_copy)
    (project_copy.graph_data_dir / name).write_text(content, encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        build(project_copy)
    assert expected in str(failure.value)
    served = open_current(project_copy)
    assert served.info.version == good.info.version
    assert served.path == good.store_path
    assert served.info.triples == good.info.triples
    leftovers = [p.name for p in (project_copy.data_dir / "stores").iterdir()]
    assert all(not p.endswith(".building") for p in leftovers)
