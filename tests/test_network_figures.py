"""Figures 2, 3 and 4: files exist, are not empty and have the expected pixel size."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.figures import FigureResult
from crowdpulse.network import (
    count_classes,
    plot_class_counts,
    plot_max_in_degree,
    plot_window_metrics,
    window_metrics,
)
from test_network_edges import T0, random_corpus


def _check(drawn: FigureResult, size: tuple[int, int]) -> None:
    assert isinstance(drawn, FigureResult)
    png, svg = drawn.paths
    assert (png, svg) == (drawn.png, drawn.svg)
    assert png.suffix == ".png" and svg.suffix == ".svg"
    assert (drawn.width_px, drawn.height_px) == size
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


class _Capture:
    """Stand-in for ``save_figure`` that keeps the figure (and still writes it)."""

    def __init__(self) -> None:
        self.figures: list = []

    def __call__(self, figure, path):  # type: ignore[no-untyped-def]
        from crowdpulse.figures import save_figure

        self.figures.append(figure)
        return save_figure(figure, path)


def _boxes_overlap(a, b) -> bool:  # type: ignore[no-untyped-def]
    return not (a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0)


def test_figure3_layout_and_data_with_one_short_panel(
    tmp_path: Path, metrics: pa.Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    import crowdpulse.network.figures as figures

    capture = _Capture()
    monkeypatch.setattr(figures, "save_figure", capture)
    start = T0 + timedelta(hours=30)
    plot_max_in_degree({"@one": metrics}, tmp_path / "fig3", starts={"@one": start}, height=4.0)
    figure = capture.figures[0]
    renderer = figure.canvas.get_renderer()
    frame = figure.bbox
    axis = figure.axes[0]
    # The plotted line is the max in-degree, at hours since the start.
    line = next(x for x in axis.get_lines() if x.get_gid() == "in-degree-@one")
    np.testing.assert_array_equal(line.get_ydata(), metrics.column("max_in_degree").to_numpy())
    ends = metrics.column("end").cast(pa.int64()).to_numpy()
    hours = (ends - int(start.timestamp() * 1e6)) / 3.6e9
    np.testing.assert_allclose(line.get_xdata(), hours)
    # The x-axis label is inside the figure; the title does not overlap the panel's title.
    label = axis.xaxis.label.get_window_extent(renderer)
    assert label.y0 >= frame.y0 and label.x0 >= frame.x0 and label.x1 <= frame.x1
    title = figure._suptitle.get_window_extent(renderer)
    panel = axis.title.get_window_extent(renderer)
    assert title.y1 <= frame.y1 and not _boxes_overlap(title, panel)
    ticks = axis.xaxis.get_tightbbox(renderer)
    assert ticks.y0 >= frame.y0


def test_figure4_with_one_event_draws_classes_not_full_bars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import crowdpulse.network.figures as figures

    capture = _Capture()
    monkeypatch.setattr(figures, "save_figure", capture)
    one = pa.table(
        {
            "subset": ["all", "all", "mention"],
            "category": ["anger", "posemo", "anger"],
            "class": ["significantly more", "less", "more"],
        }
    )
    counts = count_classes([one])
    plot_class_counts(counts, tmp_path / "fig4", title="one event")
    figure = capture.figures[0]
    dots = {
        x.get_gid(): (float(x.get_xdata()[0]), float(x.get_ydata()[0]))
        for axis in figure.axes
        for x in axis.get_lines()
        if x.get_gid()
    }
    # One dot per category, in the column of its class (0 sig. less ... 3 sig. more).
    assert dots == {
        "class-all-anger-significantly_more": (3.0, 0.0),
        "class-all-posemo-less": (1.0, 1.0),
        "class-mention-anger-more": (2.0, 0.0),
    }
    assert not any(a.patches for a in figure.axes)  # no bars at all
    # With two events: bars, whose lengths are the counts.
    capture.figures.clear()
    plot_class_counts(count_classes([one, one]), tmp_path / "fig4b")
    bars = {
        p.get_gid(): p.get_width()
        for a in capture.figures[0].axes
        for p in a.patches
        if p.get_gid()
    }
    assert bars["bar-all-anger-significantly_more"] == 2
    assert bars["bar-all-posemo-less"] == 2
    assert bars["bar-all-posemo-more"] == 0
    assert capture.figures[0].axes[0].get_xlim()[1] > 2


def test_figure_result_names_its_files(tmp_path: Path) -> None:
    drawn = FigureResult((tmp_path / "a.PNG", tmp_path / "a.pdf"), 10, 20)
    assert drawn.png == tmp_path / "a.PNG" and drawn.path(".pdf") == tmp_path / "a.pdf"
    with pytest.raises(ConfigError, match=r"no \.svg file"):
        _ = drawn.svg
