"""Geography (paper B: B4, B5): offline geotags, posts per country (with a hover chart)."""

from __future__ import annotations

from markupsafe import Markup

from crowdpulse.report.blocks import (
    Block,
    Grid,
    Notice,
    Section,
    figure,
    fmt_int,
    fmt_pct,
    links,
    table,
    unavailable,
)
from crowdpulse.report.results import GeographyResult
from crowdpulse.report.sections.context import PageContext

__all__ = ["build"]

LEAD = Markup(
    "Each post gets a country offline, in order of trust: from its coordinates, from the "
    "platform's place tag, else from the author's free-text profile location (each distinct "
    "location geocoded once). The emoji paper used geopy, an online geocoder; crowdpulse ships "
    "its gazetteers, so nothing is fetched."
)


def build(page: PageContext) -> Section:
    """Build the section."""
    record = page.record("geography")
    missing = unavailable(record, "Geography")
    s = page.typed("geography", GeographyResult)
    title = "Geography (paper B: B4, B5)"
    if missing or s is None:
        return Section("geography", title, LEAD, (missing or Notice(Markup("")),), nav="Geography")
    blocks: list[Block] = []
    affected = ", ".join(s.affected) or "none listed"
    rows = [
        ["posts", fmt_int(s.posts)],
        [
            "with a country",
            f"{fmt_int(s.tagged)} ({fmt_pct(s.tagged / s.posts if s.posts else None, 1)})",
        ],
        *[[f"  from {k}", fmt_int(v)] for k, v in s.by_source.items()],
        ["distinct profile locations", fmt_int(s.unique_locations)],
        [f"inside the affected regions ({affected})", fmt_int(s.regions.get("inside"))],
        ["outside", fmt_int(s.regions.get("outside"))],
        ["place unknown", fmt_int(s.regions.get("unknown"))],
    ]
    right: list[Block] = []
    if s.top_countries:
        right.append(
            table(
                f"The {len(s.top_countries)} countries with the most posts",
                ["country", "posts", "authors", "share", "affected"],
                [
                    [
                        f"{c.name} ({c.country})",
                        fmt_int(c.posts),
                        fmt_int(c.authors),
                        fmt_pct(c.share_of_tagged, 1),
                        "yes" if c.affected else "",
                    ]
                    for c in s.top_countries
                ],
                numeric=[1, 2, 3],
            )
        )
    blocks.append(
        Grid(
            (
                (table("Geotagged posts by source and region", ["", "posts"], rows, numeric=[1]),),
                tuple(right),
            )
        )
    )
    if not s.tagged:
        have = [k.replace("_", " ") for k, v in s.inputs_present.items() if v]
        reason = (
            "the corpus has no coordinates, place tags or profile locations"
            if not have
            else "none of its " + ", ".join(have) + " could be placed"
        )
        blocks.append(
            Notice(
                Markup(
                    "<b>No post could be placed</b>: {}. Table 6 and the co-occurrence networks "
                    "inside and outside the affected regions are therefore empty."
                ).format(reason),
                "info",
            )
        )
    else:
        from crowdpulse.report.interactive import country_chart

        chart = country_chart(page, s)
        if chart is not None:
            blocks.append(chart)
        top = s.top_countries[0] if s.top_countries else None
        alt = "Horizontal bar chart of geotagged posts per country"
        if top is not None:
            alt += (
                f"; the most posts come from {top.name} ({fmt_int(top.posts)}, "
                f"{fmt_pct(top.share_of_tagged, 1)} of the geotagged posts)"
            )
        alt += f"; affected regions ({affected}) highlighted."
        blocks.append(
            figure(
                record,
                "countries.png",
                alt,
                "Posts per country (all kept posts, retweets included), affected regions "
                "highlighted (static figure for papers).",
            )
        )
    if not s.affected:
        blocks.append(
            Notice(
                Markup(
                    "The event lists no <code>affected_countries</code>: every geotagged post "
                    "counts as outside."
                )
            )
        )
    blocks.append(
        links(record, ("countries.csv", "geo_sources.csv", "us_states.csv", "geo.parquet"))
    )
    return Section("geography", title, LEAD, tuple(blocks), nav="Geography")
