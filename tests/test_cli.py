"""The `govkg` command as a user runs it: a real subprocess against the session's store."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
from cli_runner import govkg

from graph.build import BuildResult
from graph.settings import Settings


def test_stats_prints_counts_sources_and_conflicts(built: BuildResult, settings: Settings):
    result = govkg(settings, "stats")
    assert result.returncode == 0, result.stderr
    assert f"version {built.info.version}" in result.stdout
    assert "== entities-per-class" in result.stdout
    assert "org:OrganizationalUnit" in result.stdout
    assert "== open-conflicts" in result.stdout


def test_query_csv_answers_from_the_store(built: BuildResult, settings: Settings):
    result = govkg(
        settings,
        "query",
        "SELECT ?label WHERE { <https://govkg.example/id/org/sgtd> skos:altLabel ?label }",
        "--format",
        "csv",
    )
    assert result.returncode == 0, result.stderr
    labels = [row["label"] for row in csv.DictReader(io.StringIO(result.stdout))]
    assert "SGTD" in labels


def test_query_reports_a_syntax_error_with_its_position(built: BuildResult, settings: Settings):
    result = govkg(settings, "query", "SELECT ?x WHERE { ?x ?y }")
    assert result.returncode == 2
    assert "error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_nquads_round_trips(built: BuildResult, settings: Settings, tmp_path: Path):
    out = tmp_path / "dump.nq"
    result = govkg(settings, "export", "--format", "nquads", "--out", str(out))
    assert result.returncode == 0, result.stderr
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.N_QUADS)
    assert len(store) == built.info.quads


def test_validate_json_reports_zero_violations(built: BuildResult, settings: Settings):
    result = govkg(settings, "validate", "--format", "json")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["conforms"] is True


def test_validate_data_file_with_a_violation_exits_1(settings: Settings, tmp_path: Path):
    bad = tmp_path / "contribution.ttl"
    bad.write_text(
        "@prefix eli: <http://data.europa.eu/eli/ontology#> .\n"
        "<https://govkg.example/id/law/unsourced> a eli:LegalResource .\n",
        encoding="utf-8",
    )
    result = govkg(settings, "validate", "--data", str(bad), "--only", "--format", "text")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "law/unsourced" in result.stdout + result.stderr
