"""Figures 2, 3 and 4: files exist, are not empty and have the expected pixel size."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.network import (
    count_classes,
    plot_class_counts,
    plot_max_in_degree,
    plot_window_metrics,
    window_metrics,
)
from test_network_edges import T0, random_corpus


def _check(paths: tuple[Path, Path], size: tuple[int, int]) -> None:
    png, svg = paths
    assert png.suffix == ".png" and svg.suffix == ".svg"
    assert png.stat().st_size > 5_000 and svg.stat().st_size > 5_000
    with Image.open(png) as image:
        assert image.size == size
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")


@pytest.fixture(scope="module")
def metrics() -> pa.Table:
    return window_metrics(random_corpus(2, n_posts=600))


def test_figure2_window_metrics(tmp_path: Path, metrics: pa.Table) -> None:
    paths = plot_window_metrics(
        metrics, tmp_path / "fig2.png", firestorm_start=T0 + timedelta(hours=30), title="test event"
    )
    _check(paths, (1400, 1000))
    small = plot_window_metrics(
        metrics, tmp_path / "sub" / "fig2b", columns=["max_in_degree"], width=4, height=3, dpi=50
    )
    _check(small, (200, 150))
    with pytest.raises(ConfigError):
        plot_window_metrics(metrics, tmp_path / "x", columns=[])
    with pytest.raises(InputError):
        plot_window_metrics(metrics.drop_columns(["end"]), tmp_path / "x")
    with pytest.raises(ConfigError):
        plot_window_metrics(metrics, tmp_path / "x", width=0)


def test_figure3_max_in_degree(tmp_path: Path, metrics: pa.Table) -> None:
    other = window_metrics(random_corpus(3, n_posts=500))
    events = {"#first": metrics, "@second": other}
    starts = {"#first": T0 + timedelta(hours=30), "@second": "2014-06-23T08:00:00Z"}
    _check(plot_max_in_degree(events, tmp_path / "fig3", starts=starts), (1000, 800))
    # Without a start for every event, the x axis is the time.
    _check(plot_max_in_degree(events, tmp_path / "fig3_abs", starts={"#first": T0}), (1000, 800))
    with pytest.raises(ConfigError):
        plot_max_in_degree({}, tmp_path / "x")


def test_figure4_class_counts(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    kinds = ["significantly more", "more", "less", "significantly less"]
    events = []
    for _ in range(21):
        rows = []
        for subset in ("all", "mention"):
            for category in ("i", "we", "posemo", "negemo", "assent", "netspeak", "emo"):
                rows.append(
                    {"subset": subset, "category": category, "class": str(rng.choice(kinds))}
                )
        events.append(pa.Table.from_pylist(rows))
    counts = count_classes(events)
    _check(plot_class_counts(counts, tmp_path / "fig4.svg", title="21 events"), (1200, 800))
    _check(
        plot_class_counts(counts, tmp_path / "fig4a", subsets=["all"], width=6, height=5),
        (600, 500),
    )
    with pytest.raises(ConfigError):
        plot_class_counts(counts, tmp_path / "x", subsets=["lwcc"])
    with pytest.raises(InputError):
        plot_class_counts(counts.drop_columns(["more"]), tmp_path / "x")
