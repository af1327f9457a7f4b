"""The page renders whatever the stages gave: failed and skipped stages become notices."""

from __future__ import annotations

import re
from pathlib import Path

from crowdpulse.event import Event, FirestormSettings, LabelSource
from crowdpulse.report import ReportOptions, ReportResult, StageRecord, render_page
from crowdpulse.report.html import comparisons, png_size
from crowdpulse.report.provenance import environment

EVENT = Event(
    name="Test <event> & co",
    labels=LabelSource(column="label", positive=("yes",)),
    firestorm=FirestormSettings(target="@x"),
)


def _result(tmp_path: Path, records: dict[str, StageRecord]) -> ReportResult:
    provenance = {
        "generated": "2024-01-01T00:00:00Z",
        "command": "crowdpulse report e.toml -o out",
        "environment": environment(),
        "inputs": [],
        "stages": {
            n: {"status": r.status, "key": r.key, "params": {"p": [1, 2]}, "reason": r.reason}
            for n, r in records.items()
        },
    }
    return ReportResult(tmp_path / "report.html", tmp_path, records, provenance, 0.0)


def _record(tmp_path: Path, name: str, status: str, reason: str | None = None) -> StageRecord:
    return StageRecord(name, name.title(), status, "", tmp_path / name, reason=reason)  # type: ignore[arg-type]


def test_failed_and_skipped_stages_become_notices(tmp_path: Path) -> None:
    ingest = StageRecord(
        "ingest",
        "Ingest",
        "run",
        "k" * 64,
        tmp_path / "ingest",
        {"summary": {"read": 3, "kept": 2, "filtered": {"lang": 1}, "quarantined": 0}},
    )
    records = {
        "ingest": ingest,
        "features": _record(tmp_path, "features", "cached"),
        "labels": _record(tmp_path, "labels", "failed", "no such label column <label>"),
        "solidarity": _record(tmp_path, "solidarity", "skipped", "needs labels"),
        "geography": _record(tmp_path, "geography", "failed", "bad geocoder"),
        "emojis": _record(tmp_path, "emojis", "skipped", "needs labels"),
        "firestorm": _record(tmp_path, "firestorm", "skipped", "no [firestorm] section"),
    }
    page = render_page(EVENT, ReportOptions(), _result(tmp_path, records))
    assert "Test &lt;event&gt; &amp; co" in page and "<event>" not in page
    assert "no such label column &lt;label&gt;" in page
    for text in ("Labelling failed", "Geography failed", "Emoji analyses skipped"):
        assert text in page, text
    assert "Firestorm detection skipped" in page and "no [firestorm] section" in page
    assert "No stage that compares with the papers ran." in page
    assert page.count("<img ") == 0
    assert re.search(r"filtered: lang</td><td class=\"num\" data-sort=\"1.0\">1</td>", page)


def test_comparisons_only_for_stages_that_ran(tmp_path: Path) -> None:
    firestorm = StageRecord(
        "firestorm",
        "Firestorm",
        "run",
        "f" * 64,
        tmp_path,
        {
            "summary": {
                "truth": {"firestorm_share": 0.05},
                "closest_offsets_hours": {"lexical": {"start": -0.5, "peak_posts": 1.0}},
                "closest_detection_delay_hours": 1.0,
                "options": {"detector_window": 49},
            }
        },
    )
    items = comparisons({"firestorm": firestorm}, ReportOptions())
    ours = {c.number.key: c.ours for c in items}
    assert ours == {
        "firestorm_share": "5.00%",
        "offset_start": "-0.50 h",
        "offset_peak_in_degree": "–",
        "offset_peak_posts": "+1.00 h",
        "detection_delay": "1.00 h",
        "floats_per_category": "49",
    }
    assert all(c.section == "firestorm" for c in items)


def test_png_size_reads_the_header(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(3, 2), dpi=50)
    fig.savefig(tmp_path / "a.png")
    plt.close(fig)
    assert png_size(tmp_path / "a.png") == (150, 100)
    (tmp_path / "b.png").write_bytes(b"GIF89a" + b"\0" * 30)
    assert png_size(tmp_path / "b.png") is None
