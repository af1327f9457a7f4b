"""Figure tests: colour glyph rendering, network and diffusion figures, text fallback."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image

from crowdpulse.emoji import (
    GlyphFallbackWarning,
    GlyphRenderer,
    cooccurrence_graph,
    diffusion_figure_size,
    emoji_matrix,
    find_emoji_font,
    plot_cooccurrence,
    plot_diffusion,
    prune,
    temporal_diffusion,
)
from crowdpulse.figures import FigureResult

POOL = ["🙏", "🇫🇷", "❤️", "😢", "💔", "🇺🇸", "😡", "🌀", "🐶", "😂", "💙", "🙏🏽", "❤️‍🔥", "🏳️‍🌈"]
SENTIMENT = {
    "🙏": 0.42,
    "🇫🇷": None,
    "❤️": 0.75,
    "😢": -0.1,
    "💔": -0.12,
    "😡": -0.17,
    "😂": 0.22,
    "💙": 0.7,
}
SENTIMENT = {k: v for k, v in SENTIMENT.items() if v is not None}
MISSING_FONT = "/nonexistent/NoSuchEmoji.ttf"

needs_font = pytest.mark.skipif(
    find_emoji_font() is None,
    reason="Noto Color Emoji not installed (Debian fonts-noto-color-emoji)",
)


def posts(n: int = 600, seed: int = 3) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        # skewed use: the first emojis of the pool are far more frequent
        out.append(
            [POOL[min(int(rng.expovariate(0.35)), len(POOL) - 1)] for _ in range(rng.randint(0, 4))]
        )
    return out


def network():
    return prune(cooccurrence_graph(posts(), sentiment_of=SENTIMENT, name_of={}), min_weight=2)


def diffusion():
    rng = random.Random(5)
    lists = posts(900, seed=5)
    start = datetime(2017, 9, 6, tzinfo=UTC)
    times = pa.array(
        [start + timedelta(minutes=rng.randint(0, 5 * 1440 - 1)) for _ in lists],
        pa.timestamp("us", tz="UTC"),
    )
    return temporal_diffusion(
        times, emoji_matrix(lists), min_count=8, sentiment_of=SENTIMENT, name_of={}
    )


def saturated_fraction(path, box=None) -> float:
    image = Image.open(path).convert("RGB")
    if box is not None:
        image = image.crop(box)
    hsv = np.asarray(image.convert("HSV"), dtype=float) / 255.0
    return float(((hsv[..., 1] > 0.45) & (hsv[..., 2] > 0.35)).mean())


@needs_font
def test_glyph_is_a_colour_image_not_a_box() -> None:
    renderer = GlyphRenderer(size=136)
    assert renderer.available
    for emoji in ["🙏", "🇫🇷", "❤️‍🔥", "🙏🏽"]:
        image = renderer.render(emoji)
        assert image is not None and image.shape == (136, 136, 4) and image.dtype == np.uint8
        alpha = image[..., 3]
        assert len(np.unique(alpha)) > 5  # antialiased edges, not a flat box
        assert alpha[0, 0] == 0 and alpha[-1, -1] == 0  # transparent corners
        assert 0.15 < (alpha > 0).mean() < 0.95
        rgb = image[..., :3][alpha > 200].astype(int)
        assert (rgb.max(axis=1) - rgb.min(axis=1)).max() > 100  # coloured, not grey
    # a skin tone is one glyph (shaped), different from the plain emoji
    assert not np.array_equal(renderer.render("🙏"), renderer.render("🙏🏽"))
    assert renderer.render("x") is None  # the font draws nothing for a letter


def test_missing_font_means_no_glyphs() -> None:
    renderer = GlyphRenderer(MISSING_FONT)
    assert not renderer.available and renderer.render("🙏") is None
    with pytest.warns(GlyphFallbackWarning, match="not found"):
        renderer.warn_if_unavailable()


@needs_font
def test_network_figure_colour(tmp_path) -> None:
    g = network()
    assert g.number_of_nodes() >= 8
    result = plot_cooccurrence(
        g, [tmp_path / "net.png", tmp_path / "net.svg"], title="test", seed=1
    )
    png, svg = result.paths
    assert isinstance(result, FigureResult) and (result.png, result.svg) == (png, svg)
    assert png.stat().st_size > 0 and svg.stat().st_size > 0
    assert Image.open(png).size == (1000, 1000) == (result.width_px, result.height_px)
    assert result.glyphs == "colour" and result.text_labels == ()
    assert saturated_fraction(png) > 0.005  # colour glyphs are on the page
    assert "<image" in svg.read_text(encoding="utf-8")
    sizes = result.sizes
    assert set(sizes) == set(g.nodes)
    assert len({round(v, 3) for v in sizes.values()}) > 2  # node areas are not uniform
    strongest = max(g.nodes, key=lambda n: g.nodes[n]["strength"])
    assert sizes[strongest] == pytest.approx(84.0)


@needs_font
def test_network_figure_is_seeded(tmp_path) -> None:
    g = network()
    a = plot_cooccurrence(g, [tmp_path / "a.png"], seed=7).paths[0]
    b = plot_cooccurrence(g, [tmp_path / "b.png"], seed=7).paths[0]
    c = plot_cooccurrence(g, [tmp_path / "c.png"], seed=8).paths[0]
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_network_figure_text_fallback(tmp_path) -> None:
    g = network()
    with pytest.warns(GlyphFallbackWarning):
        result = plot_cooccurrence(
            g, [tmp_path / "net.png"], font_path=MISSING_FONT, size=(6, 5), dpi=80
        )
    assert result.glyphs == "text"
    assert Image.open(result.paths[0]).size == (480, 400)
    assert saturated_fraction(result.paths[0]) < 0.0005  # names in black, grey edges: no colour


def test_empty_network_figure(tmp_path) -> None:
    g = prune(cooccurrence_graph([["🙏"]], sentiment_of=SENTIMENT, name_of={}))
    with pytest.warns(GlyphFallbackWarning):
        result = plot_cooccurrence(g, [tmp_path / "empty.png"], font_path=MISSING_FONT)
    assert result.paths[0].stat().st_size > 0 and result.sizes == {}


def test_diffusion_figure_size_formula() -> None:
    assert diffusion_figure_size(10) == (10.0, pytest.approx(0.95 + 0.9 + 4.0))
    assert diffusion_figure_size(0, width=8) == (8, pytest.approx(2.25))


@needs_font
def test_diffusion_figure_colour(tmp_path) -> None:
    d = diffusion()
    n = len(d.order)
    assert n >= 6 and d.band  # flags and other unscored emojis form a band
    result = plot_diffusion(d, [tmp_path / "d.png", tmp_path / "d.svg"], title="test")
    png = result.paths[0]
    assert Image.open(png).size == (1000, round(100 * (1.85 + 0.4 * n)))
    assert result.glyphs == "colour" and result.text_labels == ()
    # the glyph tick labels sit in the left margin (1 inch = 100 px): colour there
    height = Image.open(png).size[1]
    assert saturated_fraction(png, (0, 80, 95, height - 90)) > 0.02
    areas = list(result.sizes.values())
    assert len({round(a, 2) for a in areas}) > 2  # marker areas follow counts
    assert result.paths[1].stat().st_size > 0


def test_diffusion_figure_text_fallback(tmp_path) -> None:
    d = diffusion()
    with pytest.warns(GlyphFallbackWarning):
        result = plot_diffusion(d, [tmp_path / "d.png"], font_path=MISSING_FONT, dpi=50, width=12)
    assert result.glyphs == "text"
    assert Image.open(result.paths[0]).size == (600, round(50 * (1.85 + 0.4 * len(d.order))))
    height = Image.open(result.paths[0]).size[1]
    assert saturated_fraction(result.paths[0], (0, 40, 48, height - 45)) == 0.0  # names, no glyphs


def test_empty_diffusion_figure(tmp_path) -> None:
    times = pa.array([None], pa.timestamp("us", tz="UTC"))
    d = temporal_diffusion(times, emoji_matrix([["🙏"]]), sentiment_of=SENTIMENT, name_of={})
    with pytest.warns(GlyphFallbackWarning):
        result = plot_diffusion(d, [tmp_path / "e.png"], font_path=MISSING_FONT)
    assert Image.open(result.paths[0]).size == (1000, 225)
