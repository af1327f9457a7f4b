"""The report's batch-by-batch code gives exactly what the whole-table code gives.

One small generated event is reported once; its stage files are then read again in
batches of 97 posts (row groups and batches cut anywhere) and every summary, table
and drill-down sample is compared with the whole table's, and with plain-Python
counts worked out here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from crowdpulse.corpus_info import CorpusSummary, describe, describe_file
from crowdpulse.exceptions import ConfigError
from crowdpulse.io.corpus import iter_row_groups, read_corpus
from crowdpulse.label import label_corpus, label_file
from crowdpulse.report import ReportOptions, build_report
from crowdpulse.report.drill import emoji_mask, sample_file, sample_of, sample_posts, term_mask
from crowdpulse.report.geography import CountryCounts, country_table, region_counts
from crowdpulse.report.sections.explorer import TermCounts, term_statistics
from crowdpulse.synth import SynthConfig, synthesize

BATCH = 97


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("bounded")
    synthesize(
        SynthConfig(seed=21, posts=2400, days=4),
        root / "posts.jsonl",
        fmt="v1",
        event_path=root / "event.toml",
    )
    options = ReportOptions(
        folds=2, models=("svm-tfidf",), emoji_ablation=False, term_k=5, formats=("png",), seed=5
    )
    result = build_report(root / "event.toml", root / "out", options=options)
    return root / "out" / "stages", result


def _batches(path: Path, columns: list[str] | None = None) -> list[pa.Table]:
    return [
        pa.Table.from_batches([b]) for b in iter_row_groups(path, batch_size=BATCH, columns=columns)
    ]


def test_describe_in_batches_equals_the_whole_table(report) -> None:
    stages, _ = report
    corpus = stages / "ingest" / "corpus.parquet"
    table = read_corpus(corpus)
    whole = describe(table, top=5)
    summary = CorpusSummary()
    for part in _batches(corpus):
        summary.add(part)
    assert summary.result(top=5) == whole
    assert describe_file(corpus, top=5, batch_size=BATCH) == whole
    # merged partial summaries, in the reverse order
    first, second = CorpusSummary(), CorpusSummary()
    first.add(table.slice(0, 1000))
    second.add(table.slice(1000))
    second.merge(first)
    assert second.result(top=5) == whole
    # plain Python
    rows = table.to_pylist()
    assert whole["posts"] == len(rows) > 1000
    assert whole["authors"] == len({r["author_id"] for r in rows if r["author_id"] is not None})
    tags = Counter(t for r in rows for t in r["hashtags"] or [])
    assert whole["hashtags"] == [
        [t, n] for t, n in sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    ]
    days = Counter(r["created_at"].strftime("%Y-%m-%d") for r in rows if r["created_at"])
    assert whole["posts_per_day"] == [[d, n] for d, n in sorted(days.items())]
    assert whole["retweets"] == sum(r["retweeted_id"] is not None for r in rows)
    assert whole["first"] == min(r["created_at"] for r in rows).isoformat()


def test_ingest_stage_summary_is_the_corpus_description(report) -> None:
    stages, _ = report
    manifest = json.loads((stages / "ingest" / "manifest.json").read_text(encoding="utf-8"))
    described = manifest["summary"]["corpus"]
    table = read_corpus(stages / "ingest" / "corpus.parquet")
    whole = describe(table)
    whole.pop("mentions")
    assert {k: described[k] for k in whole} == json.loads(json.dumps(whole))
    assert described["with_location"] == table.num_rows - table["author_location"].null_count
    anonymous = pc.and_(pc.is_null(table["author_id"]), pc.is_null(table["author_handle"]))
    assert described["with_author"] == table.num_rows - pc.sum(anonymous).as_py()


def test_country_counts_in_batches_equal_the_whole_table(report) -> None:
    from crowdpulse.geo.geotag import Geotagger

    stages, _ = report
    corpus = stages / "ingest" / "corpus.parquet"
    tagged = Geotagger(quiet=True).tag(read_corpus(corpus))
    whole = country_table(tagged, ["FR"])
    counts = CountryCounts()
    parts = [tagged.slice(i, BATCH) for i in range(0, tagged.num_rows, BATCH)]
    for part in parts[::2]:
        counts.add(part)
    rest = CountryCounts()
    for part in parts[1::2]:
        rest.add(part)
    counts.merge(rest)
    assert counts.table(["FR"]).equals(whole)
    assert whole.num_rows >= 3
    # plain Python: posts and distinct authors per country
    rows = tagged.select(["country", "author_id"]).to_pylist()
    posts = Counter(r["country"] for r in rows if r["country"])
    authors = {
        c: len({r["author_id"] for r in rows if r["country"] == c and r["author_id"]})
        for c in posts
    }
    assert dict(zip(whole["country"].to_pylist(), whole["posts"].to_pylist(), strict=True)) == posts
    assert (
        dict(zip(whole["country"].to_pylist(), whole["authors"].to_pylist(), strict=True))
        == authors
    )
    # the stage's files: the same tables and region counts from the geotags it wrote
    geo = pq.read_table(stages / "geography" / "geo.parquet")
    written = pa.csv.read_csv(stages / "geography" / "countries.csv")
    assert written["posts"].to_pylist() == whole["posts"].to_pylist()
    assert written["authors"].to_pylist() == whole["authors"].to_pylist()
    summary = json.loads((stages / "geography" / "manifest.json").read_text(encoding="utf-8"))
    assert summary["summary"]["regions"] == region_counts(geo, ["FR"])


def test_label_file_in_batches_equals_label_corpus(report, tmp_path) -> None:
    from crowdpulse.event import load_event

    stages, _ = report
    event = load_event(stages.parent.parent / "event.toml")
    assert event.labels is not None
    corpus = stages / "ingest" / "corpus.parquet"
    whole = label_corpus(read_corpus(corpus), event.labels)
    done = label_file(corpus, tmp_path / "l.parquet", event.labels, batch_size=BATCH, validate=True)
    assert done.counts == whole.counts
    assert done.labelled == whole.table.num_rows
    assert pq.read_table(tmp_path / "l.parquet").equals(whole.table)
    assert pq.ParquetFile(tmp_path / "l.parquet").metadata.num_row_groups > 1
    assert whole.counts.solidarity > 0 and whole.counts.not_solidarity > 0


def test_file_samples_pick_the_posts_of_the_whole_table(report) -> None:
    stages, _ = report
    path = stages / "labels" / "labelled.parquet"
    table = pq.read_table(path)
    solidarity = table.filter(pc.equal(table["solidarity"], "solidarity").fill_null(False))
    emoji = Counter(e for row in solidarity["emojis"].to_pylist() for e in row or [])
    emoji = emoji.most_common(1)[0][0]
    terms = ("paris", "the", "zzznotaword")
    samples = sample_file(
        path,
        ["text", "emojis", "solidarity"],
        lambda b: {
            **{t: term_mask(b["text"], t) for t in terms},
            "emoji": emoji_mask(b["emojis"], emoji)
            & np.asarray(pc.equal(b["solidarity"], "solidarity").fill_null(False)),
        },
        ["created_at", "text", "solidarity"],
        seed=4,
        batch_size=BATCH,
        keys=["never"],
    )
    assert samples["never"].total == 0 and samples["never"].picked.num_rows == 0
    for term in terms:
        mask = term_mask(table["text"], term)
        expected = sample_posts(table, mask, seed=4, title="t", what="w", label_column="solidarity")
        got = sample_of(
            samples[term].picked,
            samples[term].total,
            seed=4,
            title="t",
            what="w",
            label_column="solidarity",
        )
        assert got == expected
        assert samples[term].total == int(mask.sum())
    assert samples["the"].total > 8  # a sample, not every post
    # the emoji drill: the whole table filtered to the class first, as the page did
    in_class = table.filter(pc.equal(table["solidarity"], "solidarity").fill_null(False))
    expected = sample_posts(
        in_class, emoji_mask(in_class["emojis"], emoji), seed=4, title="t", what="w"
    )
    got = sample_of(samples["emoji"].picked, samples["emoji"].total, seed=4, title="t", what="w")
    assert got == expected and got["posts"]


def test_term_counts_in_batches_equal_the_whole_list(report) -> None:
    stages, _ = report
    table = pq.read_table(stages / "labels" / "labelled.parquet", columns=["tokens", "solidarity"])
    tokens, labels = table["tokens"].to_pylist(), table["solidarity"].to_pylist()
    whole = term_statistics(tokens, labels, leave_out=frozenset({"#paris"}))
    counts = TermCounts(frozenset({"#paris"}))
    for start in range(0, len(tokens), BATCH):
        counts.add(tokens[start : start + BATCH], labels[start : start + BATCH])
    assert whole is not None and counts.statistics() == whole
    assert "#paris" not in whole["term"]


def _drills(html: str) -> dict[str, object]:
    found = re.search(r'<script[^>]*id="drill-data"[^>]*>(.*?)</script>', html, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    data.pop("__charts__", None)
    return data


def test_page_in_small_batches_is_the_same_page(report, monkeypatch) -> None:
    from crowdpulse.event import load_event
    from crowdpulse.report import drill
    from crowdpulse.report.html import render_page

    stages, result = report
    event = load_event(stages.parent.parent / "event.toml")
    options = ReportOptions(
        folds=2, models=("svm-tfidf",), emoji_ablation=False, term_k=5, formats=("png",), seed=5
    )
    page = (stages.parent / "report.html").read_text(encoding="utf-8")
    monkeypatch.setattr(drill, "BATCH_ROWS", BATCH)
    again = render_page(event, options, result, truth=None)
    samples = _drills(page)
    assert _drills(again) == samples
    kinds = Counter(key.split(":")[0] for key in samples)
    assert kinds["bucket"] >= 10 and kinds["term"] and kinds["explorer"] and kinds["emoji"]
    # the same page but for the chart library's object ids (a counter of the process)
    ids = re.compile(r'"p\d+"')
    assert ids.sub('"p"', again) == ids.sub('"p"', page)


_TIES = """
import json
from crowdpulse.report.sections.explorer import term_statistics
words = [f"w{i}" for i in range(40)]
tokens = [words[i : i + 10] for i in range(0, 40, 10)] * 6
labels = ["solidarity", "not solidarity"] * 12
print(json.dumps(term_statistics(tokens, labels)["term"]))
"""


def test_term_order_is_the_same_in_every_process() -> None:
    import os
    import subprocess
    import sys

    orders = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _TIES], env=env, capture_output=True, text=True, check=True
        )
        orders.append(json.loads(done.stdout))
    # every term ties (6 posts); first appearance (solidarity posts first, then in the
    # order of the text) breaks ties
    assert orders[0] == [
        f"w{i}" for r in (range(10), range(20, 30), range(10, 20), range(30, 40)) for i in r
    ]
    assert orders[1] == orders[0] and orders[2] == orders[0]


def _run_solidarity(stages: Path, folder: Path, **extra: object) -> dict[str, object]:
    from crowdpulse.event import load_event
    from crowdpulse.progress import Progress
    from crowdpulse.report.cache import StageContext, StageRecord
    from crowdpulse.report.stages import REPORT_STAGES, ReportState, stage_params

    event = load_event(stages.parent.parent / "event.toml")
    options = ReportOptions(
        folds=2,
        models=("svm-tfidf",),
        emoji_ablation=False,
        term_k=5,
        formats=("png",),
        seed=5,
        **extra,  # type: ignore[arg-type]
    )
    manifest = json.loads((stages / "labels" / "manifest.json").read_text(encoding="utf-8"))
    labels = StageRecord("labels", "Labels", "cached", "", stages / "labels", manifest)
    spec = next(s for s in REPORT_STAGES if s.name == "solidarity")
    folder.mkdir()
    params = stage_params(event, options)["solidarity"]
    ctx = StageContext(
        "solidarity",
        folder,
        params,
        {"labels": labels},
        Progress(None, None),
        True,
        ReportState(event, options),
    )
    return json.loads(json.dumps(spec.run(ctx)))


def _without_seconds(summary: dict[str, object]) -> dict[str, object]:
    models = [{k: v for k, v in m.items() if k != "seconds"} for m in summary["models"]]  # type: ignore[union-attr, attr-defined]
    return {**summary, "models": models}


def test_max_per_class_draws_a_seeded_sample_of_each_class(report, tmp_path) -> None:
    stages, _ = report
    whole = json.loads((stages / "solidarity" / "manifest.json").read_text(encoding="utf-8"))
    counts = whole["summary"]["class_counts"]
    assert min(counts.values()) > 40
    capped = _run_solidarity(stages, tmp_path / "a", max_per_class=40)
    assert capped["class_counts"] == {k: 40 for k in counts}
    assert capped["n_posts"] == 80
    again = _run_solidarity(stages, tmp_path / "b", max_per_class=40)
    assert _without_seconds(again) == _without_seconds(capped)
    assert (tmp_path / "a" / "cv_folds.csv").read_bytes() == (
        tmp_path / "b" / "cv_folds.csv"
    ).read_bytes()
    # a cap no class reaches changes nothing
    loose = _run_solidarity(stages, tmp_path / "c", max_per_class=max(counts.values()))
    assert _without_seconds(loose) == _without_seconds(whole["summary"])
    with pytest.raises(ConfigError, match="at least the number of folds"):
        ReportOptions(folds=5, max_per_class=3)
