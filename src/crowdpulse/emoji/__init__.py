"""Emoji analytics: the tables and figures of "I Stand With You" (Santhanam et al. 2018).

Per event and class: posts (Table 1), emoji totals (Table 4), the top ten emojis
(Table 5); emojis of solidarity posts inside vs outside the affected regions
(Table 6); emoji co-occurrence networks (Figures 1-4); temporal diffusion of
emojis ordered by sentiment (Figures 5-8). Typical use::

    from crowdpulse.emoji import run_emojis

    report = run_emojis("corpus.parquet", "event.toml", "out/")
    report.analysis.table5["solidarity"][0]   # the most frequent solidarity emoji
    report.files                              # CSV, Markdown, PNG, SVG, GEXF, GraphML

A corpus file is read in row-group batches and reduced to integer counts
(:mod:`crowdpulse.emoji.partial`), so memory does not grow with the number of
posts, and the batches may run on a Dask cluster (:mod:`crowdpulse.engine`) with
the same results.

Each step is also available on its own (:func:`posts_per_class`,
:func:`emoji_totals`, :func:`top_emojis`, :func:`emojis_by_region`,
:func:`cooccurrence_graph`, :func:`prune`, :func:`temporal_diffusion`,
:func:`plot_cooccurrence`, :func:`plot_diffusion`). See ``docs/emojis.md``.
"""

from __future__ import annotations

from crowdpulse.emoji.cooccurrence import (
    WEIGHTINGS,
    Component,
    CooccurrenceSummary,
    EmojiPair,
    Weighting,
    components,
    cooccurrence_graph,
    edges_to_arrow,
    nodes_to_arrow,
    prune,
    strength_ranking,
    summarize,
    top_pairs,
    write_gexf,
    write_graphml,
)
from crowdpulse.emoji.diffusion import (
    Diffusion,
    DiffusionRow,
    Unscored,
    bucket_index,
    parse_bucket,
    temporal_diffusion,
)
from crowdpulse.emoji.figures import (
    EmojiFigureResult,
    FigureResult,
    diffusion_figure_size,
    plot_cooccurrence,
    plot_diffusion,
)
from crowdpulse.emoji.glyphs import (
    DEFAULT_FONT,
    GlyphFallbackWarning,
    GlyphRenderer,
    find_emoji_font,
    glyph_renderer,
)
from crowdpulse.emoji.groups import (
    CLASSES,
    GROUPS,
    NOT_SOLIDARITY,
    SOLIDARITY,
    class_masks,
    region_groups,
)
from crowdpulse.emoji.matrix import EmojiMatrix, emoji_matrix
from crowdpulse.emoji.pipeline import (
    EmojiAnalysis,
    EmojiReport,
    analyze_emojis,
    analyze_emojis_file,
    prepare_corpus,
    run_emojis,
    write_emoji_report,
)
from crowdpulse.emoji.tables import (
    EmojiCounts,
    EmojiTotals,
    PostsPerClass,
    RankedEmoji,
    RegionEmojis,
    TopEmojis,
    emoji_totals,
    emojis_by_region,
    markdown_table,
    posts_per_class,
    rank_emojis,
    top_emojis,
    write_csv,
)

__all__ = [
    "CLASSES",
    "DEFAULT_FONT",
    "GROUPS",
    "NOT_SOLIDARITY",
    "SOLIDARITY",
    "WEIGHTINGS",
    "Component",
    "CooccurrenceSummary",
    "Diffusion",
    "DiffusionRow",
    "EmojiAnalysis",
    "EmojiCounts",
    "EmojiFigureResult",
    "EmojiMatrix",
    "EmojiPair",
    "EmojiReport",
    "EmojiTotals",
    "FigureResult",
    "GlyphFallbackWarning",
    "GlyphRenderer",
    "PostsPerClass",
    "RankedEmoji",
    "RegionEmojis",
    "TopEmojis",
    "Unscored",
    "Weighting",
    "analyze_emojis",
    "analyze_emojis_file",
    "bucket_index",
    "class_masks",
    "components",
    "cooccurrence_graph",
    "diffusion_figure_size",
    "edges_to_arrow",
    "emoji_matrix",
    "emoji_totals",
    "emojis_by_region",
    "find_emoji_font",
    "glyph_renderer",
    "markdown_table",
    "nodes_to_arrow",
    "parse_bucket",
    "plot_cooccurrence",
    "plot_diffusion",
    "posts_per_class",
    "prepare_corpus",
    "prune",
    "rank_emojis",
    "region_groups",
    "run_emojis",
    "strength_ranking",
    "summarize",
    "temporal_diffusion",
    "top_emojis",
    "top_pairs",
    "write_csv",
    "write_emoji_report",
    "write_gexf",
    "write_graphml",
]
