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

__all__ = ["CountryCounts", "country_name", "country_table", "plot_countries", "region_counts"]


def country_name(code: str | None) -> str:
    """The English short name of an ISO 3166-1 alpha-2 code (the code if unknown)."""
    if not code:
        return "unknown"
    import pycountry

    found = pycountry.countries.get(alpha_2=code.upper())
    return str(found.name) if found is not None else code


class CountryCounts:
    """Posts and distinct authors per country, fed batch by batch (mergeable, exact).

    Keeps the posts per country and the distinct (country, author) pairs: memory grows
    with the distinct authors, not with the posts. :meth:`table` gives what
    :func:`country_table` gives for the posts of every batch together.
    """

    def __init__(self) -> None:
        """Start empty."""
        from crowdpulse.corpus_info import ValueCounts

        self.posts = ValueCounts(pa.string())
        self._pairs: list[pa.Table] = []
        self._pending = 0

    def add(self, table: pa.Table | pa.RecordBatch) -> None:
        """Add geotagged posts (``country``; ``author_id`` when present)."""
        countries = table.column("country")
        self.posts.add(countries)
        if "author_id" not in table.schema.names:
            return
        pairs = pa.table({"country": countries, "author": table.column("author_id")})
        pairs = pairs.filter(pc.and_(pc.is_valid(pairs["country"]), pc.is_valid(pairs["author"])))
        self._add_pairs(pairs.group_by(["country", "author"]).aggregate([]))

    def merge(self, other: CountryCounts) -> None:
        """Add another part's counts."""
        self.posts.merge(other.posts)
        for part in other._pairs:
            self._add_pairs(part)

    def _add_pairs(self, pairs: pa.Table) -> None:
        self._pairs.append(pairs)
        self._pending += pairs.num_rows
        if self._pending > 1 << 18 and len(self._pairs) > 1:
            self._pairs = [self._unique_pairs()]
            self._pending = self._pairs[0].num_rows

    def _unique_pairs(self) -> pa.Table:
        if len(self._pairs) == 1:
            return self._pairs[0]
        return pa.concat_tables(self._pairs).group_by(["country", "author"]).aggregate([])

    def authors(self) -> dict[str, int]:
        """Distinct authors per country."""
        if not self._pairs:
            return {}
        grouped = self._unique_pairs().group_by("country").aggregate([("author", "count")])
        return dict(
            zip(
                grouped.column("country").to_pylist(),
                grouped.column("author_count").to_pylist(),
                strict=True,
            )
        )

    def table(self, affected: Iterable[str]) -> pa.Table:
        """The country table (see :func:`country_table`)."""
        from crowdpulse.geo.regions import normalise_regions

        regions = normalise_regions(affected)
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
        rows = self.posts.top(len(self.posts))
        if not rows:
            return schema.empty_table()
        authors = self.authors()
        total = sum(n for _, n in rows)
        return pa.table(
            {
                "country": [r[0] for r in rows],
                "name": [country_name(r[0]) for r in rows],
                "posts": [int(r[1]) for r in rows],
                "authors": [int(authors.get(r[0], 0)) for r in rows],
                "share_of_tagged": [r[1] / total for r in rows],
                "affected": [
                    r[0] in regions or any(g.startswith(f"{r[0]}-") for g in regions) for r in rows
                ],
            },
            schema=schema,
        )


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
        are left out. The same as :class:`CountryCounts` fed the table in batches.
    """
    counts = CountryCounts()
    counts.add(table)
    return counts.table(affected)


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
