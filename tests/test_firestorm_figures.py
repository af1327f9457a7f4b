"""Figures 1, 3, 5, 6 and 7: files exist, are not empty and have the expected pixel size."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from PIL import Image

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.figures import FigureResult
from crowdpulse.firestorm import (
    FirestormOptions,
    FirestormResult,
    category_counts,
    evaluate_event,
    plot_category_changepoints,
    plot_category_counts,
    plot_event_changepoints,
    plot_posts_share,
    run_firestorm,
)
from crowdpulse.network import plot_max_in_degree
from test_firestorm_pipeline import random_corpus


@pytest.fixture(scope="module")
def results() -> list[FirestormResult]:
    options = FirestormOptions(offline=True, categories=("i", "posemo", "netspeak", "emo"))
    return [
        run_firestorm(random_corpus(seed=s, buckets=120, start=90 + s), "@klm", options=options,
                      event=f"event {s}")
        for s in range(2)
    ]  # fmt: skip


def check(drawn: FigureResult, size: tuple[int, int]) -> None:
    assert isinstance(drawn, FigureResult)
    png, svg = drawn.paths
    assert (png, svg) == (drawn.png, drawn.svg)
    assert png.suffix == ".png" and svg.suffix == ".svg"
    assert (drawn.width_px, drawn.height_px) == size
    assert png.stat().st_size > 0 and svg.stat().st_size > 0
    with Image.open(png) as image:
        assert image.size == size


def test_figure1_series_and_bars(results: list[FirestormResult], tmp_path: Path) -> None:
    one = {results[0].event: results[0].truth}
    check(plot_posts_share(one, tmp_path / "f1a.png"), (1000, 300))
    many = {r.event: r.truth for r in results}
    check(plot_posts_share(many, tmp_path / "f1b", dpi=50), (500, 250))  # auto: series
    check(plot_posts_share(many, tmp_path / "f1c", kind="bars", dpi=50), (500, 110))
    with pytest.raises(ConfigError):
        plot_posts_share({}, tmp_path / "x")
    with pytest.raises(ConfigError):
        plot_posts_share(one, tmp_path / "x", kind="pie")  # type: ignore[arg-type]


def test_figure3_from_the_network_package(results: list[FirestormResult], tmp_path: Path) -> None:
    events = {r.event: r.metrics for r in results}
    starts = {r.event: r.truth.time(r.truth.start_bucket) for r in results}
    check(plot_max_in_degree(events, tmp_path / "f3", starts=starts, dpi=50), (500, 400))


def test_figure5_category_with_change_points(
    results: list[FirestormResult], tmp_path: Path
) -> None:
    r = results[0]
    offline = r.changepoints("offline")
    column = "lex_netspeak:all"
    cps = [int(b) for s, b in zip(offline.series, offline.bucket, strict=True) if s == column]
    alerts = [a.index for a in r.alerts if a.series == column]
    paths = plot_category_changepoints(
        r.series, column, tmp_path / "f5", changepoints=cps, alerts=alerts,
        start_bucket=r.truth.start_bucket,
    )  # fmt: skip
    check(paths, (1200, 450))
    check(plot_category_changepoints(r.series, column, tmp_path / "f5s", span=(80, 110), dpi=40),
          (480, 180))  # fmt: skip
    with pytest.raises(InputError):
        plot_category_changepoints(r.series, "lex_nothing:all", tmp_path / "x")
    with pytest.raises(ConfigError):
        plot_category_changepoints(r.series, column, tmp_path / "x", span=(50, 40))


def test_figure6_overview(results: list[FirestormResult], tmp_path: Path) -> None:
    events = {r.event: (r.truth, [a.index for a in r.alerts][:30]) for r in results}
    check(plot_event_changepoints(events, tmp_path / "f6", width=6, dpi=50), (300, 350))
    with pytest.raises(ConfigError):
        plot_event_changepoints({}, tmp_path / "x")


def test_figure7_category_counts(results: list[FirestormResult], tmp_path: Path) -> None:
    evaluations = [
        evaluate_event(r.truth, r.changepoints("stream"), event=r.event) for r in results
    ]
    counts = category_counts(evaluations)
    assert counts.num_rows >= 1
    height = 1.5 + 0.3 * counts.num_rows
    check(plot_category_counts(counts, tmp_path / "f7", events=2), (800, round(height * 100)))
    empty = pa.table({"category": pa.array([], pa.string()), "events": pa.array([], pa.int64())})
    with pytest.raises(ConfigError):
        plot_category_counts(empty, tmp_path / "x")
    with pytest.raises(InputError):
        plot_category_counts(pa.table({"category": ["a"]}), tmp_path / "x")
