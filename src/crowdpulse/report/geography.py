"""The report's geography section: where the posts come from (emoji paper B4, B5).

:func:`country_table` counts posts and authors per country of a geotagged corpus
and marks the event's affected regions; :func:`plot_countries` draws the most
frequent countries as horizontal bars, affected ones in another colour.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from crowdpulse.exceptions import ConfigError
from crowdpulse.figures import FigureResult, new_figure, save_figure_as

__all__ = ["country_name", "country_table", "plot_countries", "region_counts"]


def country_name(code: str | None) -> str:
    """The English short name of an ISO 3166-1 alpha-2 code (the code if unknown)."""
    if not code:
        return "unknown"
    import pycountry

    found = pycountry.countries.get(alpha_2=code.upper())
    return str(found.name) if found is not None else code


def country_table(table: pa.Table, affected: Iterable[str]) -> pa.Table:
    """Posts and distinct authors per country, most posts first.

    Args:
        table: A geotagged table (``country``; ``author_id`` and ``us_state`` used when
            present).
        affected: The event's affected regions (``FR``, ``US-FL`` ...).

    Returns:
        Columns ``country`` (alpha-2), ``name``, ``posts``, ``authors``,
        ``share_of_tagged`` (posts / posts with a country) and ``affected`` (true
        when the country, or one of its states, is listed). Posts without a country
        are left out.
    """
    from crowdpulse.geo.regions import normalise_regions

    regions = normalise_regions(affected)
    tagged = table.filter(pc.is_valid(table.column("country")))
    schema = pa.schema(
        [
            ("country", pa.string()),
            ("name", pa.string()),
            ("posts", pa.int64()),
            ("authors", pa.int64()),
            ("share_of_tagged", pa.float64()),
            ("affected", pa.bool_()),
        ]
    )
    if tagged.num_rows == 0:
        return schema.empty_table()
    authors = (
        tagged.column("author_id")
        if "author_id" in tagged.column_names
        else pa.nulls(tagged.num_rows, pa.string())
    )
    grouped = (
        pa.table({"country": tagged.column("country"), "author": authors})
        .group_by("country")
        .aggregate([("author", "count_distinct"), ("country", "count")])
    )
    rows = sorted(
        zip(
            grouped.column("country").to_pylist(),
            grouped.column("country_count").to_pylist(),
            grouped.column("author_count_distinct").to_pylist(),
            strict=True,
        ),
        key=lambda r: (-r[1], r[0]),
    )
    total = tagged.num_rows
    return pa.table(
        {
            "country": [r[0] for r in rows],
            "name": [country_name(r[0]) for r in rows],
            "posts": [int(r[1]) for r in rows],
            "authors": [int(r[2]) for r in rows],
            "share_of_tagged": [r[1] / total for r in rows],
            "affected": [
                r[0] in regions or any(g.startswith(f"{r[0]}-") for g in regions) for r in rows
            ],
        },
        schema=schema,
    )


def region_counts(table: pa.Table, affected: Iterable[str]) -> dict[str, int]:
    """Posts inside, outside the affected regions and of unknown place.

    Args:
        table: A geotagged table.
        affected: The event's affected regions.

    Returns:
        ``{"inside", "outside", "unknown"}``; a post in a country of which only some
        states are affected, without a known state, counts as unknown.
    """
    from crowdpulse.geo.regions import affected_column

    flags = affected_column(table, affected)
    inside = pc.sum(pc.fill_null(flags, False)).as_py() or 0
    outside = pc.sum(pc.fill_null(pc.invert(flags), False)).as_py() or 0
    return {
        "inside": int(inside),
        "outside": int(outside),
        "unknown": int(table.num_rows - inside - outside),
    }


def plot_countries(
    countries: pa.Table,
    path: str | Path,
    *,
    top: int = 20,
    title: str | None = None,
    width: float = 8.0,
    height: float = 6.0,
    dpi: int = 100,
) -> FigureResult:
    """Draw the countries with the most posts as horizontal bars.

    Args:
        countries: From :func:`country_table`.
        path: The file to write (PNG, SVG or PDF by suffix).
        top: Countries drawn.
        title: The figure's title.
        width: Width in inches.
        height: Height in inches.
        dpi: Pixels per inch (the PNG is ``width * dpi`` x ``height * dpi``).

    Returns:
        The file written (:class:`~crowdpulse.figures.FigureResult`).

    Raises:
        ConfigError: No country to draw, or ``top`` < 1.
    """
    if top < 1:
        raise ConfigError("top must be at least 1", field="top")
    if countries.num_rows == 0:
        raise ConfigError("no geotagged post: nothing to draw", field="countries")
    from matplotlib.patches import Patch

    shown = countries.slice(0, top)
    names = [
        f"{n} ({c})"
        for n, c in zip(shown["name"].to_pylist(), shown["country"].to_pylist(), strict=True)
    ]
    posts = shown["posts"].to_pylist()
    flags = shown["affected"].to_pylist()
    # Okabe-Ito vermillion (hatched) and blue: told apart with colour-vision deficiencies
    colours = ["#D55E00" if f else "#0072B2" for f in flags]
    fig = new_figure(width, height, dpi)
    ax = fig.subplots()
    y = list(range(len(names)))[::-1]
    bars = ax.barh(y, posts, color=colours)
    for bar, flag in zip(bars, flags, strict=True):
        if flag:
            bar.set_hatch("//")
            bar.set_edgecolor("#ffffff")
    ax.set_yticks(y)
    ax.set_yticklabels(names)
    ax.set_xlabel("posts")
    ax.legend(
        handles=[
            Patch(facecolor="#D55E00", edgecolor="#ffffff", hatch="//", label="affected region"),
            Patch(color="#0072B2", label="other"),
        ],
        loc="lower right",
    )
    ax.set_title(title or f"Posts per country (top {len(names)})")
    fig.tight_layout()
    return FigureResult.written(fig, save_figure_as(fig, [Path(path)], dpi=dpi))
