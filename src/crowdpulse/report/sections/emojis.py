"""Emojis of solidarity (paper B): Tables 1, 4, 5, 6, networks, diffusion; drill to posts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from markupsafe import Markup

from crowdpulse.report.blocks import (
    Block,
    Grid,
    Heading,
    Notice,
    Paragraph,
    Section,
    figure,
    fmt_int,
    fmt_num,
    link,
    table,
    unavailable,
)
from crowdpulse.report.drill import emoji_mask, sample_file, sample_of
from crowdpulse.report.results import EmojisResult, RankedEmoji
from crowdpulse.report.sections.context import PageContext, planted

__all__ = ["build"]

LEAD = Markup(
    "The emoji paper's tables for this event: posts per class (Table 1), emoji totals "
    "(Table 4), the top emojis per class (Table 5), emojis of solidarity posts inside vs "
    "outside the affected regions (Table 6), co-occurrence networks (Figures 1-4) and temporal "
    "diffusion ordered by the Emoji Sentiment Ranking (Figures 5-8). The paper's tables are not "
    "in its text; the numbers its text states stand beside ours below Table 6. Choose a row of "
    "Table 5 to read example posts with that emoji."
)


def _drill(page: PageContext, cls: str, items: Sequence[RankedEmoji]) -> list[str | None]:
    """Drill-down samples of the posts of a class carrying each emoji."""
    record = page.record("labels")
    if not record.ok or not record.has("labelled.parquet"):
        return [None] * len(items)
    keys = [f"emoji:{cls}:{item.rank}" for item in items]

    def masks(batch: pa.Table) -> dict[str, np.ndarray]:
        in_class = np.asarray(pc.equal(batch.column("solidarity"), cls).fill_null(False))
        emojis = batch.column("emojis")
        return {k: in_class & emoji_mask(emojis, i.emoji) for k, i in zip(keys, items, strict=True)}

    # batch by batch: only the row numbers of the class's posts with each emoji are kept
    samples = sample_file(
        record.file("labelled.parquet"),
        ["solidarity", "emojis"],
        masks,
        ["created_at", "text"],
        seed=page.options.seed,
        keys=keys,
    )
    for key, item in zip(keys, items, strict=True):
        page.drill[key] = sample_of(
            samples[key].picked,
            samples[key].total,
            seed=page.options.seed,
            title=f"{cls.capitalize()} posts with {item.emoji} ({item.name or 'emoji'})",
            what=f"{cls} posts carry it",
        )
    return list(keys)


def build(page: PageContext) -> Section:
    """Build the section."""
    from crowdpulse.report.html import comparison_table

    record = page.record("emojis")
    title = "Emojis of solidarity (paper B)"
    missing = unavailable(record, "Emoji analyses")
    s = page.typed("emojis", EmojisResult)
    if missing or s is None:
        return Section("emojis", title, LEAD, (missing or Notice(Markup("")),), nav="Emojis")
    blocks: list[Block] = []
    truth_emojis = planted(page.truth, "solidarity", "emojis")
    headers = ["class", "posts", "with emojis", "emojis", "distinct"]
    rows: list[list[Any]] = [
        [
            k,
            fmt_int(v.posts),
            fmt_int(v.posts_with_emojis),
            fmt_int(v.emojis),
            fmt_int(v.distinct_emojis),
        ]
        for k, v in s.table4.items()
    ]
    if isinstance(truth_emojis, Mapping):
        headers.append("planted emojis")
        for row in rows:
            row.append(fmt_int(planted(truth_emojis, str(row[0]), "total")))
    blocks.append(
        Grid(
            (
                (
                    Heading("Table 1. Posts per class"),
                    table(
                        "Table 1: posts per class",
                        ["class", "posts"],
                        [[k, fmt_int(v)] for k, v in s.table1.items()],
                        numeric=[1],
                    ),
                ),
                (
                    Heading("Table 4. Emojis per class"),
                    table("Table 4: emojis per class", headers, rows, numeric=[1, 2, 3, 4, 5]),
                ),
            )
        )
    )
    blocks.append(Heading("Table 5. Most frequent emojis per class", anchor="table5"))
    columns: list[tuple[Block, ...]] = []
    for cls, items in s.table5.items():
        if not items:
            columns.append(
                (
                    Paragraph(Markup("<b>{}</b>").format(cls)),
                    Notice(Markup("No emoji in these posts.")),
                )
            )
            continue
        headers = ["rank", "emoji", "name", "count", "sentiment"]
        trows: list[list[Any]] = [
            [i.rank, i.emoji, i.name or "", fmt_int(i.count), fmt_num(i.sentiment, 3)]
            for i in items
        ]
        counts = planted(truth_emojis, cls, "counts")
        if isinstance(counts, Mapping):
            headers.append("planted")
            for row, item in zip(trows, items, strict=True):
                row.append(fmt_int(counts.get(item.emoji, 0)))
        columns.append(
            (
                table(
                    f"Table 5 ({cls}): the {len(items)} most frequent emojis; "
                    "choose a row for example posts",
                    headers,
                    trows,
                    numeric=[0, 3, 4, 5],
                    emoji=[1],
                    drill=_drill(page, cls, items),
                ),
            )
        )
    blocks.append(Grid(tuple(columns)))
    headers = ["group", "posts", "with emojis", "emojis", "distinct", "share of geotagged"]
    rows = [
        [
            g,
            fmt_int(v.posts),
            fmt_int(v.posts_with_emojis),
            fmt_int(v.emojis),
            fmt_int(v.distinct_emojis),
            "–" if v.share_of_geotagged is None else f"{v.share_of_geotagged:.1f}%",
        ]
        for g, v in s.table6.items()
    ]
    by_region = planted(page.truth, "geo", "solidarity_emojis_by_region")
    if isinstance(by_region, Mapping):
        headers += ["planted posts", "planted emojis"]
        for row in rows:
            row.append(fmt_int(planted(by_region, str(row[0]), "posts")))
            row.append(fmt_int(planted(by_region, str(row[0]), "total")))
    blocks.append(Heading("Table 6. Emojis of solidarity posts by region"))
    blocks.append(
        table(
            "Table 6: emojis of solidarity posts inside and outside the affected regions",
            headers,
            rows,
            numeric=[1, 2, 3, 4, 5, 6, 7],
        )
    )
    inside = s.table6.get("inside")
    outside = s.table6.get("outside")
    if not (inside and inside.posts_with_emojis) and not (outside and outside.posts_with_emojis):
        blocks.append(
            Notice(
                Markup(
                    "No solidarity post with emojis has a known place: the inside/outside "
                    "comparison and its networks are empty for this corpus."
                ),
                "info",
            )
        )
    paper_items = page.items("emojis")
    if paper_items:
        blocks.append(comparison_table(paper_items))
    blocks.append(Heading("Co-occurrence networks of solidarity emojis (Figures 1-4)"))
    nrows = []
    for group, n in s.networks.items():
        pairs = " ".join(f"{p.source}{p.target} ({fmt_num(p.weight, 0)})" for p in n.top_pairs[:5])
        central = " ".join(c.emoji for c in n.central[:5])
        nrows.append(
            [
                group,
                fmt_int(n.nodes),
                fmt_int(n.edges),
                fmt_int(len(n.components)),
                pairs or "–",
                central or "–",
            ]
        )
    blocks.append(
        table(
            "Co-occurrence networks: size, strongest pairs and most central emojis",
            ["group", "emojis", "pairs", "components", "top pairs (posts)", "central"],
            nrows,
            numeric=[1, 2, 3],
            emoji=[4, 5],
        )
    )
    figs: list[tuple[Block, ...]] = []
    for group in ("inside", "outside"):
        net = s.networks.get(group)
        if net is None or not net.nodes:
            figs.append(
                (
                    Notice(
                        Markup(
                            "No emojis co-occur in solidarity posts {} the affected regions: no "
                            "network to draw."
                        ).format(group),
                        "info",
                    ),
                )
            )
            continue
        strongest = net.top_pairs[0] if net.top_pairs else None
        alt = (
            f"Network of {net.nodes} emojis and {net.edges} co-occurring pairs in solidarity "
            f"posts {group} the affected regions"
        )
        if strongest is not None:
            alt += (
                f"; the strongest pair {strongest.source} {strongest.target} co-occurs in "
                f"{fmt_num(strongest.weight, 0)} posts"
            )
        figs.append(
            (
                figure(
                    record,
                    f"cooccurrence_{group}.png",
                    alt + ".",
                    Markup(
                        "Emojis co-occurring in solidarity posts {} the affected regions "
                        "(force-directed layout; edge width: posts with both; the strongest emojis "
                        "drawn). Full network: {}."
                    ).format(group, link(f"stages/emojis/cooccurrence_{group}.gexf", "GEXF")),
                ),
            )
        )
    blocks.append(Grid(tuple(figs)))
    blocks.append(Heading("Temporal diffusion (Figures 5-8)"))
    blocks.append(
        table(
            "Temporal diffusion per group",
            ["group", "bucket", "min count", "buckets", "emojis shown", "undated posts"],
            [
                [
                    g,
                    d.bucket,
                    fmt_int(d.min_count),
                    fmt_int(d.buckets),
                    fmt_int(len(d.emojis)),
                    fmt_int(d.undated_posts),
                ]
                for g, d in s.diffusion.items()
            ],
            numeric=[2, 3, 4, 5],
        )
    )
    for group in ("all", "inside", "outside"):
        where = {"all": "all solidarity posts", "inside": "inside", "outside": "outside"}[group]
        d = s.diffusion.get(group)
        if d is None or not d.emojis:
            blocks.append(
                Notice(
                    Markup(
                        "Diffusion ({}): no emoji reaches the minimum count of {} in a bucket (the "
                        "event's <code>[emojis] min_count</code>); nothing to draw."
                    ).format(where, fmt_int(d.min_count if d else None)),
                    "info",
                )
            )
            continue
        region = "" if group == "all" else " the affected regions"
        blocks.append(
            figure(
                record,
                f"diffusion_{group}.png",
                f"Heat map of {len(d.emojis)} emojis of solidarity posts ({where}{region}) per "
                f"{d.bucket} bucket over {d.buckets} buckets, emojis ordered by sentiment; "
                f"{d.cells} cells reach the minimum count of {d.min_count}.",
                f"Emojis of solidarity posts per bucket ({where}{region}), emojis ordered by "
                "sentiment score; cells under the minimum count left out.",
            )
        )
    if s.glyphs and any(g != "colour" for g in s.glyphs):
        blocks.append(
            Notice(
                Markup(
                    "No colour emoji font was found: figures write emoji names instead of glyphs "
                    "(install <code>fonts-noto-color-emoji</code>)."
                )
            )
        )
    names = [n for n in record.outputs if n.endswith((".csv", ".md", ".gexf", ".graphml"))]
    blocks.append(
        Paragraph(Markup("Files: ") + Markup(" · ").join(link(f"stages/emojis/{n}") for n in names))
    )
    return Section("emojis", title, LEAD, tuple(blocks), nav="Emojis")
