"""The report on a real CrisisLexT26 event: human labels, no user data, graceful notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crowdpulse.report import ReportOptions, build_report

pytestmark = pytest.mark.realdata

EVENT = "2013_West_Texas_explosion"


@pytest.fixture(scope="module")
def crisislex_report(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crisislex")
    labelled = shared_data / "crisislex" / "CrisisLexT26" / EVENT / f"{EVENT}-tweets_labeled.csv"
    (folder / "event.toml").write_text(
        f'name = "West Texas explosion 2013 (CrisisLexT26)"\n'
        f"inputs = [{json.dumps(str(labelled))}]\n"
        'affected_countries = ["US"]\n\n'
        '[labels]\ncolumn = "label"\npositive = ["Sympathy and support"]\n\n'
        '[firestorm]\ntarget = "#prayfortexas"\n\n'
        "[emojis]\nmin_count = 2\n"
    )
    options = ReportOptions(folds=5, label_exclude=("Not labeled",), formats=("png",))
    build_report(folder / "event.toml", folder / "out", options=options)
    return folder / "out"


def test_every_stage_runs_on_posts_without_users(crisislex_report: Path) -> None:
    summary = json.loads((crisislex_report / "report.json").read_text())
    assert summary["stages"]["failed"] == [] and summary["stages"]["skipped"] == []
    counts = summary["counts"]
    assert counts["read"] == counts["kept"] + counts["filtered"] + counts["quarantined"]
    assert counts["solidarity"] > 200 and counts["not_solidarity"] > 300
    assert counts["geotagged"] == 0


def test_the_page_says_what_is_empty_and_why(crisislex_report: Path) -> None:
    page = (crisislex_report / "report.html").read_text(encoding="utf-8")
    assert "No post carries an author id or handle" in page
    assert "No post could be placed" in page
    assert "No solidarity post with emojis has a known place" in page
    assert "The mention network is empty" in page
    assert "Not labeled" in page and "no label" in page


def test_labels_come_from_the_human_label_column(crisislex_report: Path) -> None:
    manifest = json.loads((crisislex_report / "stages" / "labels" / "manifest.json").read_text())
    summary = manifest["summary"]
    values = {v["value"]: v for v in summary["values"]}
    assert values["Sympathy and support"]["means"] == "solidarity"
    assert values["Not labeled"]["means"] == "no label"
    assert summary["counts"]["solidarity"] == values["Sympathy and support"]["posts"]
    assert summary["counts"]["unlabelled"] == values["Not labeled"]["posts"]
    cv = json.loads((crisislex_report / "stages" / "solidarity" / "manifest.json").read_text())
    accuracy = cv["summary"]["svm_mean_accuracy"]
    assert 0.6 < accuracy < 1.0  # well above chance (0.5 on the undersampled sets)


def test_times_come_from_the_tweet_id_file_beside_it(crisislex_report: Path) -> None:
    provenance = json.loads((crisislex_report / "provenance.json").read_text())
    roles = [item["role"] for item in provenance["inputs"]]
    assert roles.count("input-sibling") == 1
    corpus = json.loads((crisislex_report / "stages" / "ingest" / "manifest.json").read_text())
    assert corpus["summary"]["corpus"]["without_time"] == 0
