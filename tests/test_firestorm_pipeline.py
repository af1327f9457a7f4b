"""Series, simulated stream, offline PELT and the pipeline on small hand-made corpora."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from crowdpulse.detect import StreamingDetector
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.firestorm import (
    ChangePoints,
    FirestormOptions,
    analyse_corpus,
    detection_series,
    detector_values,
    is_count_series,
    offline_changepoints,
    run_firestorm,
    series_names,
    stream_alerts,
)
from crowdpulse.firestorm.monitor import MonitorOptions
from crowdpulse.firestorm.series import NUMERIC_METRICS
from test_firestorm_truth import T0, firestorm_rows, make_posts, post

CALM = ("love this great day", "i like my coffee lol", "happy weekend everyone", "nice walk today")
ANGRY = ("they are awful, shame on you", "hate them, worst airline", "you lied to us, disgrace")


def random_corpus(
    seed: int = 0, buckets: int = 160, start: int = 110, target: str = "klm"
) -> pa.Table:
    """Chatter among 40 users, 3-9 posts a bucket; from ``start`` a crowd turns on @target."""
    rng = np.random.default_rng(seed)
    users = [f"user{k}" for k in range(40)]
    rows: list[dict[str, Any]] = []
    for b in range(buckets):
        for k in range(int(rng.integers(3, 10))):
            author = users[int(rng.integers(0, 40))]
            mentioned = users[int(rng.integers(0, 40))]
            mentions = (mentioned,) if rng.random() < 0.5 and mentioned != author else ()
            text = CALM[int(rng.integers(0, len(CALM)))]
            rows.append(post(b, author, mentions, text=text, minute=1 + k))
        if b >= start:
            for k in range(int(rng.integers(8, 16))):
                author = f"crowd{int(rng.integers(0, 200))}"
                text = ANGRY[int(rng.integers(0, len(ANGRY)))]
                rows.append(post(b, author, (target,), text=text, minute=15 + k % 14))
    return make_posts(rows)


def lexical_table() -> pa.Table:
    """The truth test's corpus with two hand-set lexical columns."""
    rows = firestorm_rows()
    for k, row in enumerate(rows):
        row["lex_i"] = float(k % 3)
        row["lex_posemo"] = None if k == 0 else float(k)
    extra = pa.schema([("lex_i", pa.float64()), ("lex_posemo", pa.float64())])
    return make_posts(rows, extra)


def test_detection_series_columns_and_values() -> None:
    table = lexical_table()
    series = detection_series(table, "@klm", origin=T0)
    names = series_names(table)
    assert series.column_names == ["bucket", "start", *names]
    assert names[:3] == ["posts", "mention_posts", "target_posts"]
    assert names[3:7] == ["lex_i:all", "lex_i:mention", "lex_posemo:all", "lex_posemo:mention"]
    assert names[7:] == ["mention_net:" + m for m in NUMERIC_METRICS]
    assert series.num_rows == 8
    assert series.column("posts").to_pylist() == [2, 2, 0, 3, 3, 5, 2, 1]
    assert series.column("target_posts").to_pylist() == [0, 1, 0, 1, 3, 5, 2, 0]
    # bucket 0 holds rows 0 (i=0, posemo null) and 1 (i=1, posemo 1)
    assert series.column("lex_i:all")[0].as_py() == 0.5
    assert series.column("lex_posemo:all")[0].as_py() == 1.0  # the null is left out
    assert np.isnan(series.column("lex_i:all")[2].as_py())  # empty bucket
    assert series.column("mention_net:max_in_degree").to_pylist() == [2, 2, 2, 2, 3, 8, 8, 8]
    only = detection_series(table, "@klm", origin=T0, lexical=False, network=False)
    assert only.column_names == ["bucket", "start", "posts", "mention_posts", "target_posts"]
    with pytest.raises(ConfigError):
        detection_series(table, "@klm", metrics=pa.table({"max_in_degree": [1]}))
    with pytest.raises(InputError):
        detection_series(make_posts(firestorm_rows()), "@klm")  # no lex_* column


def test_detector_values_stabilise_counts_only() -> None:
    names = ["posts", "lex_i:all", "mention_net:max_in_degree", "mention_net:density"]
    assert [is_count_series(n) for n in names] == [True, False, True, False]
    x = np.array([[0.0, 2.5, 9.0, 0.1], [np.nan, np.nan, 1.0, np.nan]])
    out = detector_values(names, x)
    assert out[0, 0] == pytest.approx(2 * np.sqrt(0.375))
    assert out[0, 2] == pytest.approx(2 * np.sqrt(9.375))
    assert out[0, 1] == 2.5 and out[0, 3] == 0.1
    assert np.isnan(out[1, 0]) and np.isnan(out[1, 1])
    raw = detector_values(names, x, count_transform="none")
    np.testing.assert_array_equal(raw, x)
    assert detector_values(names, x[0]).shape == (4,)
    with pytest.raises(ConfigError):
        detector_values(names, x, count_transform="log")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        detector_values(names[:2], x)


def test_stream_alerts_equal_feeding_the_detector_bucket_by_bucket() -> None:
    table = random_corpus(seed=3)
    options = FirestormOptions(lexical=False)
    series = detection_series(table, "@klm", lexical=False)
    alerts = stream_alerts(series, options)
    assert alerts
    detector = options.detector()
    names = [n for n in series.column_names if n not in ("bucket", "start")]
    fed = []
    for row in series.to_pylist():
        raw = np.array([np.nan if row[n] is None else row[n] for n in names], dtype=float)
        values = detector_values(names, raw)
        fed += detector.update(row["start"], dict(zip(names, values.tolist(), strict=True)))
    assert fed == alerts
    # The paper's detector: 49-value windows, the elbow over penalties 2..10.
    assert isinstance(detector, StreamingDetector)
    assert detector.window == 49 and tuple(detector.penalties) == tuple(range(2, 11))
    # Change point index = bucket number, time = the bucket's start.
    starts = series.column("start").to_pylist()
    assert all(a.time == starts[a.index] for a in alerts)


def test_offline_change_points_find_a_step() -> None:
    n = 60
    values = np.r_[np.zeros(30), np.full(30, 5.0)]
    values[10] = np.nan  # carried forward
    series = pa.table(
        {
            "bucket": np.arange(n),
            "start": pa.array([T0.timestamp() * 1e6 + k * 1.8e9 for k in range(n)], pa.float64())
            .cast(pa.int64())
            .cast(pa.timestamp("us", tz="UTC")),
            "lex_i:all": np.r_[np.nan, np.nan, values[2:]],
            "posts": np.r_[np.full(30, 4.0), np.full(30, 100.0)],
        }
    )
    cps = offline_changepoints(series)
    assert [c.series for c in cps] == ["lex_i:all", "posts"]
    assert [c.bucket for c in cps] == [30, 30]
    assert [c.direction for c in cps] == ["up", "up"]
    assert cps[0].magnitude == pytest.approx(5.0)
    # posts are stabilised: 2 sqrt(100.375) - 2 sqrt(4.375)
    assert cps[1].magnitude == pytest.approx(2 * np.sqrt(100.375) - 2 * np.sqrt(4.375))
    assert cps[0].time == series.column("start")[30].as_py()
    # Offline points carry no detection; the evaluation's column store marks them -1.
    assert all(c.detected_bucket is None and c.detected_at is None for c in cps)
    assert not any(c.streaming for c in cps)
    assert ChangePoints.from_points(cps).detected.tolist() == [-1, -1]


def test_run_firestorm_on_a_hand_made_crowd(tmp_path: Path) -> None:
    table = random_corpus(seed=1)
    result = run_firestorm(table, "@KLM", event="hand-made")
    # Features were computed (the corpus had none): every open-lexicon category.
    assert "lex_netspeak:mention" in result.series.column_names
    assert "lex_emo:all" in result.series.column_names
    assert result.target == "@klm"
    assert result.truth.start_bucket == 110
    stream = result.evaluations[("stream", "network")]
    assert stream.found
    assert result.evaluations[("offline", "lexical")].mode == "offline"
    assert result.evaluations[("stream", "lexical")].closest["start"].bucket is not None
    summary = result.summary()
    assert summary["start_bucket"] == 110
    assert summary["found"] is True
    assert summary["alerts"] == len(result.alerts)
    files = result.write(tmp_path / "out", figures=False)
    assert set(files) == {"series", "changepoints", "alerts", "evaluation"}
    # alerts.jsonl: one early-warning episode, opened when the crowd arrives.
    lines = [json.loads(x) for x in (tmp_path / "out" / "alerts.jsonl").read_text().splitlines()]
    assert [a["kind"] for a in lines] == ["open"]
    first = lines[0]
    assert first["target"] == "@klm" and first["episode"] == 1
    assert first["bucket"] == 110 and first["detected_bucket"] == 110
    assert first["time"] == "2015-11-08T07:00:00Z"  # start of bucket 110
    assert first["detected_at"] == "2015-11-08T07:30:00Z"  # its end
    assert first["series"][:2] == ["target_posts", "target_in_degree"]
    assert first["baseline"] == 1.0 and first["level"] >= 8
    assert summary["episodes"] == 1 and summary["first_open_delay_hours"] == 0.5
    # The paper preset writes the per-series change points instead.
    paper = FirestormOptions(preset="paper", offline=False)
    result_paper = run_firestorm(table, "@klm", options=paper)
    result_paper.write(tmp_path / "paper", figures=False)
    stored = (tmp_path / "paper" / "alerts.jsonl").read_text().splitlines()
    assert [json.loads(x) for x in stored] == result_paper.alert_records()
    assert len(stored) == len(result.alerts)
    assert set(json.loads(stored[0])) == {
        "time", "bucket", "series", "direction", "magnitude", "detected_at",
        "detected_bucket", "delay_buckets", "penalty",
    }  # fmt: skip
    evaluation = json.loads((tmp_path / "out" / "evaluation.json").read_text())
    assert evaluation["truth"]["start_bucket"] == 110
    assert len(evaluation["evaluations"]) == 6
    header = (tmp_path / "out" / "series.csv").read_text().splitlines()[0].split(",")
    assert header == result.series.column_names
    cps = (tmp_path / "out" / "changepoints.csv").read_text().splitlines()
    assert result.offline is not None
    assert len(cps) == 1 + len(result.alerts) + len(result.offline)
    assert summary["offline_changepoints"] == len(result.offline)


def test_an_empty_corpus_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="no post"):
        run_firestorm(make_posts([]), "@klm")
    with pytest.raises(InputError, match="no post"):
        run_firestorm(random_corpus(buckets=10, start=5), "@klm", origin="2030-01-01")


def test_paper_settings_without_transform_and_without_offline() -> None:
    table = random_corpus(seed=2)
    options = FirestormOptions(count_transform="none", offline=False, lexical=False)
    result = run_firestorm(table, "@klm", options=options)
    assert result.offline is None
    assert set(result.evaluations) == {("stream", g) for g in ("lexical", "network", "all")}
    assert result.evaluations[("stream", "lexical")].changepoints == 0
    # The count transform decides what the detector sees: raw counts here, so the
    # alerts are those of feeding the raw series, and their magnitudes are in posts.
    names = [n for n in result.series.column_names if n not in ("bucket", "start")]
    raw = np.column_stack([result.series.column(n).to_numpy() for n in names])
    detector = options.detector()
    fed = []
    for k, start in enumerate(result.series.column("start").to_pylist()):
        fed += detector.update(start, dict(zip(names, raw[k].tolist(), strict=True)))
    assert fed == result.alerts
    stabilised = run_firestorm(
        table, "@klm", options=FirestormOptions(offline=False, lexical=False)
    )
    assert stabilised.alerts != result.alerts
    ups = [a for a in result.alerts if a.series == "target_posts" and a.direction == "up"]
    assert ups and max(a.magnitude for a in ups) > 5  # about 12 posts a bucket in raw units
    ups = [a for a in stabilised.alerts if a.series == "target_posts" and a.direction == "up"]
    assert ups and max(a.magnitude for a in ups) < 8  # 2 sqrt(12 + 3/8) - 2 sqrt(3/8) = 5.8


def test_analyse_corpus_needs_a_target(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    corpus = tmp_path / "c.parquet"
    pq.write_table(random_corpus(seed=4, buckets=60, start=40), corpus)
    event = tmp_path / "e.toml"
    event.write_text('name = "no firestorm"\n')
    with pytest.raises(ConfigError, match="firestorm"):
        analyse_corpus(corpus, event, tmp_path / "out")
    summary = analyse_corpus(
        corpus,
        event,
        tmp_path / "out",
        target="@klm",
        options=FirestormOptions(offline=False, lexical=False),
        figures=False,
    )
    assert summary["event"] == "no firestorm"
    assert summary["start_bucket"] == 40
    assert Path(summary["files"]["alerts"]).exists()


def test_public_api_is_documented() -> None:
    import crowdpulse.firestorm as firestorm

    for name in firestorm.__all__:
        value = getattr(firestorm, name)
        if callable(value):
            assert value.__doc__, f"{name} has no docstring"


def test_network_series_are_every_numeric_window_metric() -> None:
    from crowdpulse.firestorm.series import NUMERIC_METRICS
    from crowdpulse.network import METRIC_COLUMNS

    assert set(NUMERIC_METRICS) == set(METRIC_COLUMNS) - {
        "max_in_degree_node",
        "max_out_degree_node",
    }
    assert len(NUMERIC_METRICS) == 16


def test_no_open_alert_without_a_storm(tmp_path: Path) -> None:
    """Chatter only, and a crisis in which an official account is mentioned in proportion."""
    calm = random_corpus(seed=5, buckets=120, start=10**6)  # the crowd never comes
    result = run_firestorm(calm, "@klm", options=FirestormOptions(offline=False, lexical=False))
    assert result.episodes == []
    rng = np.random.default_rng(6)
    rows: list[dict[str, Any]] = []
    for b in range(144):
        volume = 20 if b < 60 else 200  # a crisis multiplies every kind of post by 10
        for k in range(int(rng.poisson(volume))):
            mentions = ("police",) if rng.random() < 0.1 else ()
            rows.append(post(b, f"u{int(rng.integers(0, 5000))}", mentions, minute=k % 29 + 1))
    crisis = make_posts(rows)
    options = FirestormOptions(offline=False, lexical=False)
    result = run_firestorm(crisis, "@police", options=options)
    counts = result.series.column("target_posts").to_numpy()
    assert counts[:60].mean() < 3 and counts[60:].mean() > 15  # 3x and 10 posts: passed
    assert [e.kind for e in result.episodes] == []  # but the share did not rise
    result.write(tmp_path / "out", figures=False)
    assert (tmp_path / "out" / "alerts.jsonl").read_text() == ""
    # Without the share rule the same stream opens an episode.
    share_off = FirestormOptions(
        offline=False, lexical=False, monitor=MonitorOptions(share_ratio=0)
    )
    opened = run_firestorm(crisis, "@police", options=share_off).episodes
    assert [e.kind for e in opened][:1] == ["open"] and opened[0].bucket == 60
