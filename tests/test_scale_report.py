"""``crowdpulse report --workers 2`` writes the same CSVs and numbers as one process.

The partitioned stages (ingest, features, emojis, firestorm) run on a local Dask
cluster of two worker processes; every CSV of every stage, every stage's summary and
the emoji and firestorm network files must be identical to the single-process report
of the same generated event.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="Dask is not installed (pip install crowdpulse[dask])")

from crowdpulse.report import ReportOptions, build_report
from crowdpulse.synth import SynthConfig, synthesize

OPTIONS = dict(folds=2, models=("svm-tfidf",), term_k=5, formats=("png",), seed=3)


def _csvs(folder: Path) -> dict[str, list[list[str]]]:
    """Every stage CSV as rows; the wall-time column of the CV results left out."""
    out = {}
    for path in sorted(folder.rglob("*.csv")):
        if "stages" not in path.parts:
            continue
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        if rows and "seconds" in rows[0]:
            drop = rows[0].index("seconds")
            rows = [row[:drop] + row[drop + 1 :] for row in rows]
        out[str(path.relative_to(folder))] = rows
    return out


@pytest.mark.slow
def test_report_with_two_workers_equals_one_process(tmp_path) -> None:
    synthesize(
        SynthConfig(seed=9, posts=2500, days=4),
        tmp_path / "posts.jsonl",
        fmt="v1",
        event_path=tmp_path / "event.toml",
    )
    one = build_report(tmp_path / "event.toml", tmp_path / "one", options=ReportOptions(**OPTIONS))
    two = build_report(
        tmp_path / "event.toml",
        tmp_path / "two",
        options=ReportOptions(**OPTIONS, workers=2),
    )
    a, b = _csvs(tmp_path / "one"), _csvs(tmp_path / "two")
    assert a == b
    assert any(name.endswith("table4_emoji_totals.csv") for name in a)
    assert len(a) >= 10
    for stage in ("ingest", "features", "labels", "geography", "emojis", "firestorm"):
        manifests = [
            json.loads((root / "stages" / stage / "manifest.json").read_text(encoding="utf-8"))
            for root in (tmp_path / "one", tmp_path / "two")
        ]
        for manifest in manifests:
            manifest["summary"].pop("seconds", None)  # ingest's wall time
        assert manifests[0]["summary"] == manifests[1]["summary"], stage
        assert manifests[0]["summary"]
    for stage, pattern in (
        ("emojis", "*.md"),
        ("emojis", "*.gexf"),
        ("emojis", "*.graphml"),
        ("firestorm", "*.gexf"),
        ("firestorm", "evaluation.json"),
        ("firestorm", "alerts.jsonl"),
    ):
        files = [
            sorted((root / "stages" / stage).glob(pattern))
            for root in (tmp_path / "one", tmp_path / "two")
        ]
        assert [p.read_bytes() for p in files[0]] == [p.read_bytes() for p in files[1]] and files[0]
    assert one.to_dict().keys() == two.to_dict().keys()
