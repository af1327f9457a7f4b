"""``crowdpulse report`` end to end on a generated corpus: page, artefacts, provenance, cache."""

from __future__ import annotations

import base64
import dataclasses
import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crowdpulse.cli import main
from crowdpulse.report import ReportOptions, ReportResult, build_report, file_sha256
from crowdpulse.report.html import png_size

OPTIONS = ReportOptions(
    folds=3, models=("svm-tfidf", "logreg"), term_k=10, formats=("png", "svg"), seed=1
)
STAGES = ["ingest", "features", "labels", "solidarity", "geography", "emojis", "firestorm"]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ReportResult]:
    """A report of a small generated corpus, built once per test session.

    Under pytest-xdist the workers share the folder (behind a lock): the first builds,
    the others find every stage in the cache.
    """
    from crowdpulse.synth import SynthConfig, synthesize

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder = root / "report-synth"
    with _locked(root / "report-synth.lock"):
        event = folder / "event.toml"
        if not event.exists():
            folder.mkdir(parents=True, exist_ok=True)
            synthesize(
                SynthConfig(seed=5, posts=3000, days=6, noise=True),
                folder / "posts.jsonl.gz",
                fmt="v1",
                truth_path=folder / "truth.json",
                event_path=event,
            )
        result = build_report(event, folder / "out", options=OPTIONS, truth=folder / "truth.json")
    return folder, result


def _copy(built: tuple[Path, ReportResult], tmp_path: Path) -> Path:
    """A private copy of the built report to change things in.

    The report folder (with its cache) is copied; the event is written anew beside it
    with absolute paths to the same raw files (their path is part of the corpus).
    """
    from crowdpulse.event import event_to_toml, load_event

    folder, _ = built
    target = tmp_path / "copy"
    target.mkdir()
    with _locked(folder.parent / "report-synth.lock"):
        shutil.copytree(folder / "out", target / "out")
    (target / "event.toml").write_text(event_to_toml(load_event(folder / "event.toml")))
    return target


def test_every_stage_ran_or_was_cached(built: tuple[Path, ReportResult]) -> None:
    _, result = built
    assert list(result.stages) == STAGES
    assert all(r.status in ("run", "cached") for r in result.stages.values())
    summary = json.loads((result.out_dir / "report.json").read_text())
    assert summary["report"] == str(result.page)
    assert sorted(summary["stages"]["run"] + summary["stages"]["cached"]) == sorted(STAGES)
    assert summary["counts"]["kept"] == result.stages["ingest"].summary["kept"]


def test_ingest_accounting_is_exact_and_shown(built: tuple[Path, ReportResult]) -> None:
    folder, result = built
    s = result.stages["ingest"].summary
    assert s["read"] == s["kept"] + sum(s["filtered"].values()) + s["quarantined"]
    truth = json.loads((folder / "truth.json").read_text())
    assert s["quarantined"] == truth["ingest"]["quarantined"] > 0
    assert s["corpus"]["posts"] - s["corpus"]["retweets"] == truth["ingest"]["kept"]
    page = result.page.read_text()
    section = page[page.index('id="corpus"') : page.index('id="solidarity"')]
    for reason, n in s["filtered"].items():
        assert f"filtered: {reason}" in section and f"{n:,}" in section
    assert f"{s['quarantined']:,}" in section


def test_labels_and_emoji_tables_match_the_planted_truth(built: tuple[Path, ReportResult]) -> None:
    folder, result = built
    truth = json.loads((folder / "truth.json").read_text())
    counts = result.stages["labels"].summary["counts"]
    planted = truth["solidarity"]["counts"]
    assert counts["solidarity"] == planted["solidarity"]
    assert counts["not_solidarity"] == planted["not solidarity"]
    assert counts["conflicting"] == planted["conflicting"]
    emojis = result.stages["emojis"].summary
    assert (
        emojis["table4"]["solidarity"]["emojis"]
        == truth["solidarity"]["emojis"]["solidarity"]["total"]
    )
    inside = truth["geo"]["solidarity_emojis_by_region"]["inside"]
    assert emojis["table6"]["inside"]["posts"] == inside["posts"]


def test_page_is_one_self_contained_file(built: tuple[Path, ReportResult]) -> None:
    _, result = built
    page = result.page.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    # scripts are inlined (the page's own and the charting library's), never fetched
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert 'id="drill-data"' in page and "Bokeh.embed.embed_item" in page
    assert len(page.encode("utf-8")) < 5_000_000  # the size budget of docs/report.md
    images = re.findall(r'<img src="([^"]+)" alt="[^"]*" width="(\d+)" height="(\d+)"', page)
    assert len(images) == page.count("<img ") >= 10
    for src, width, height in images:
        assert src.startswith("data:image/png;base64,")
        data = base64.b64decode(src.split(",", 1)[1])
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (
            int(width),
            int(height),
        )
    for section in ("glance", "corpus", "solidarity", "geography", "emojis", "firestorm"):
        assert f'id="{section}"' in page
    assert 'id="provenance"' in page


def test_every_linked_file_exists(built: tuple[Path, ReportResult]) -> None:
    _, result = built
    page = result.page.read_text(encoding="utf-8")
    links = set(re.findall(r'href="(stages/[^"]+)"', page))
    assert links
    for rel in links:
        assert (result.out_dir / rel).is_file(), rel
    assert set(result.artefacts) >= links
    suffixes = {Path(a).suffix for a in result.artefacts}
    assert {".csv", ".png", ".svg", ".gexf", ".json", ".parquet"} <= suffixes


def test_figures_have_their_pixel_sizes(built: tuple[Path, ReportResult]) -> None:
    _, result = built
    out = result.out_dir / "stages"
    assert png_size(out / "geography" / "countries.png") == (800, 600)
    k = OPTIONS.term_k
    height = round(max(6.0, 1.6 + 0.3 * 2 * k) * 100)
    assert png_size(out / "solidarity" / "term_weights.png") == (800, height)
    for name in ("countries.svg", "countries.png"):
        assert (out / "geography" / name).stat().st_size > 1000
    for name in (
        "figure1_posts.png",
        "figure2_window_metrics.png",
        "figure3_max_in_degree.png",
        "figure4_classes.png",
        "figure5_category.png",
        "figure6_overview.png",
    ):
        size = png_size(out / "firestorm" / name)
        assert size is not None and min(size) > 200, name
    assert (out / "firestorm" / "mention_network_peak.gexf").read_text().startswith("<?xml")


def test_papers_numbers_stand_beside_ours(built: tuple[Path, ReportResult]) -> None:
    _, result = built
    page = result.page.read_text(encoding="utf-8")
    for text in ("75.97%", "88.70%", "&gt; 0.65", "-0.55 ± 2.34 h", "+1.19 ± 2.51 h", "2-8%"):
        assert text in page, text
    ours = result.stages["solidarity"].summary
    assert ours["svm_mean_accuracy"] is None  # only one of the three SVMs ran
    accuracy = next(m["accuracy"] for m in ours["models"] if m["model"] == "svm-tfidf")
    assert f"{100 * accuracy:.2f}%" in page
    assert "not run" in page  # the LSTM, without --with-lstm


def test_provenance_has_versions_params_and_checksums(built: tuple[Path, ReportResult]) -> None:
    _, result = built
    provenance = json.loads((result.out_dir / "provenance.json").read_text())
    env = provenance["environment"]
    assert env["crowdpulse"] and env["python"] and env["libraries"]["pyarrow"]
    roles = {item["role"]: item for item in provenance["inputs"]}
    assert set(roles) == {"event", "input", "label-sheet", "truth"}
    for item in provenance["inputs"]:
        assert item["sha256"] == file_sha256(item["path"])
    assert provenance["stages"]["solidarity"]["params"]["folds"] == OPTIONS.folds
    assert provenance["stages"]["emojis"]["key"] == result.stages["emojis"].key
    page = result.page.read_text(encoding="utf-8")
    assert roles["input"]["sha256"] in page and result.stages["firestorm"].key in page


def test_second_run_with_nothing_changed_recomputes_nothing(
    built: tuple[Path, ReportResult], tmp_path: Path
) -> None:
    copy = _copy(built, tmp_path)
    manifests = {n: (copy / "out" / "stages" / n / "manifest.json").read_text() for n in STAGES}
    again = build_report(copy / "event.toml", copy / "out", options=OPTIONS)
    assert again.names("run") == [] and again.names("cached") == STAGES
    for name in STAGES:
        assert (copy / "out" / "stages" / name / "manifest.json").read_text() == manifests[name]


def _retoml(path: Path, section: str, key: str, value: Any) -> None:
    lines = path.read_text().splitlines()
    start = lines.index(f"[{section}]")
    for i in range(start + 1, len(lines)):
        if lines[i].startswith(f"{key} ="):
            lines[i] = f"{key} = {json.dumps(value)}"
            break
    else:
        raise AssertionError(f"{section}.{key} not in {path}")
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("change", "recomputed"),
    [
        (("emojis", "min_count", 3), ["emojis"]),
        (("firestorm", "window_buckets", 12), ["firestorm"]),
        ("folds", ["solidarity"]),
    ],
    ids=["emoji-min-count", "firestorm-window", "cv-folds"],
)
def test_a_late_parameter_recomputes_only_its_stage(
    built: tuple[Path, ReportResult], tmp_path: Path, change: Any, recomputed: list[str]
) -> None:
    copy = _copy(built, tmp_path)
    options = OPTIONS
    if change == "folds":
        options = dataclasses.replace(OPTIONS, folds=2)
    else:
        _retoml(copy / "event.toml", *change)
    again = build_report(copy / "event.toml", copy / "out", options=options)
    assert again.names("run") == recomputed
    assert again.names("cached") == [n for n in STAGES if n not in recomputed]
    if change == "folds":
        assert again.stages["solidarity"].summary["folds"] == 2
    elif change[0] == "emojis":
        assert again.stages["emojis"].summary["diffusion"]["all"]["min_count"] == 3
    else:
        assert again.stages["firestorm"].summary["options"]["window_buckets"] == 12


def test_an_earlier_change_recomputes_the_stages_after_it(
    built: tuple[Path, ReportResult], tmp_path: Path
) -> None:
    folder, _ = built
    copy = _copy(built, tmp_path)
    text = (folder / "event_hashtags.csv").read_text()
    same = copy / "same_sheet.csv"
    same.write_text(text)  # the same bytes elsewhere: nothing to recompute
    _retoml(copy / "event.toml", "labels", "sheet", str(same))
    again = build_report(copy / "event.toml", copy / "out", options=OPTIONS)
    assert again.names("run") == []
    same.write_text(text.replace("\n", "\r\n"))  # the same rows, other bytes
    again = build_report(copy / "event.toml", copy / "out", options=OPTIONS)
    assert again.names("run") == ["labels", "solidarity", "emojis"]
    assert again.names("cached") == ["ingest", "features", "geography", "firestorm"]


def test_cli_json_and_errors(built: tuple[Path, ReportResult], tmp_path: Path) -> None:
    copy = _copy(built, tmp_path)
    runner = CliRunner()
    args = ["report", str(copy / "event.toml"), "-o", str(copy / "out"), "--folds", "3"]
    args += ["--model", "svm-tfidf", "--model", "logreg", "--term-k", "10", "--seed", "1"]
    result = runner.invoke(main, [*args, "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["stages"]["cached"] == STAGES and summary["stages"]["run"] == []
    assert Path(summary["report"]).is_file()
    assert summary["counts"]["quarantined"] > 0 and summary["counts"]["artefacts"] > 30
    text = runner.invoke(main, [*args, "--quiet"])
    assert text.exit_code == 0 and "report.html" in text.output
    bad = copy / "bad.toml"
    bad.write_text('name = "x"\ninputs = ["missing.jsonl"]\n')
    failed = runner.invoke(main, ["report", str(bad), "-o", str(tmp_path / "r"), "--quiet"])
    assert failed.exit_code == 1
    assert "crowdpulse: error:" in failed.output and "Traceback" not in failed.output
    unknown = runner.invoke(main, ["report", str(copy / "nope.toml"), "-o", str(tmp_path / "r")])
    assert unknown.exit_code == 1 and "not found" in unknown.output


def test_early_warning_episodes_are_shown_as_alerts_jsonl_has_them(
    built: tuple[Path, ReportResult],
) -> None:
    _, result = built
    record = result.stages["firestorm"]
    alerts = [
        json.loads(line)
        for line in (record.folder / "alerts.jsonl").read_text().splitlines()
        if line.strip()
    ]
    kinds = [a["kind"] for a in alerts]
    assert set(kinds) <= {"open", "escalate", "close"}
    assert record.summary["episodes"] == kinds.count("open")
    page = result.page.read_text()
    section = page[page.index('id="firestorm"') : page.index('id="provenance"')]
    assert "Early warning: alert episodes for the target" in section
    assert "alert_timeline.png" in section
    row = section[section.index("episodes opened") :]
    assert f">{kinds.count('open')}<" in row[: row.index("</tr>")]
