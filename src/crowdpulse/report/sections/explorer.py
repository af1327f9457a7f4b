"""Term explorer for the solidarity classes (scattertext-style, searchable).

Every frequent term is a point placed by its frequency in the posts of each class
(per 1,000 posts, log axes) and coloured by its association with solidarity: the
z-score of the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi
and Quinn, 2008, "Fightin' Words"), the statistic scattertext offers beside its
default. Hover shows the counts; the search box outlines matching terms. The table
lists the most associated terms of each class.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
from markupsafe import Markup

from crowdpulse.report.blocks import Block, Embed, Grid, Section, fmt_int, table
from crowdpulse.report.drill import sample_posts, term_mask
from crowdpulse.report.results import LabelsResult
from crowdpulse.report.sections.context import PageContext

__all__ = ["MAX_TERMS", "MIN_POSTS", "build", "term_statistics"]

MAX_TERMS = 1500
"""The most frequent terms drawn."""

MIN_POSTS = 5
"""A term drawn appears in at least this many labelled posts."""

LEAD = Markup(
    "Which words separate solidarity posts from the rest? Each point is a term, placed by how "
    "often it appears in the posts of each class; its colour is the z-score of the log-odds "
    "ratio with an informative Dirichlet prior (blue: solidarity, vermillion: not solidarity), "
    "the statistic of Monroe et al. (2008) that scattertext, the explorer of the solidarity "
    "paper's term figure, offers. Account names (@...) and the label hashtags (which define "
    "the classes) are left out."
)


def term_statistics(
    tokens: list[list[str] | None],
    labels: list[str | None],
    *,
    leave_out: frozenset[str] = frozenset(),
) -> dict[str, Any] | None:
    """Per term: posts per class, frequencies and the log-odds z-score.

    Args:
        tokens: Tokens of each post.
        labels: ``solidarity``, ``not solidarity``, or None for unlabelled (skipped).
        leave_out: Terms not drawn (the label hashtags, which define the classes).

    Returns:
        Columns ``term``, ``n_pos``, ``n_neg``, ``x``, ``y``, ``z`` (and drawing
        columns), or None when a class is empty.
    """
    pos: Counter[str] = Counter()
    neg: Counter[str] = Counter()
    n_pos = n_neg = 0
    for toks, label in zip(tokens, labels, strict=True):
        if label is None:
            continue
        seen = {t for t in toks or () if t and not t.startswith("@") and t not in leave_out}
        if label == "solidarity":
            pos.update(seen)
            n_pos += 1
        else:
            neg.update(seen)
            n_neg += 1
    if not n_pos or not n_neg:
        return None
    total = pos + neg
    terms = [t for t, n in total.most_common() if n >= MIN_POSTS][:MAX_TERMS]
    if not terms:
        return None
    y1 = np.array([pos[t] for t in terms], dtype=float)
    y2 = np.array([neg[t] for t in terms], dtype=float)
    prior = y1 + y2  # the corpus's own counts as the prior (alpha_w), a0 = their sum
    a0 = prior.sum()
    n1, n2 = float(sum(pos.values())), float(sum(neg.values()))
    delta = np.log((y1 + prior) / (n1 + a0 - y1 - prior)) - np.log(
        (y2 + prior) / (n2 + a0 - y2 - prior)
    )
    z = delta / np.sqrt(1.0 / (y1 + prior) + 1.0 / (y2 + prior))
    floor_pos, floor_neg = 500.0 / n_pos, 500.0 / n_neg
    return {
        "term": terms,
        "n_pos": y1.astype(int).tolist(),
        "n_neg": y2.astype(int).tolist(),
        "y": np.maximum(1000.0 * y1 / n_pos, floor_pos).tolist(),
        "x": np.maximum(1000.0 * y2 / n_neg, floor_neg).tolist(),
        "z": z.tolist(),
        "size": np.clip(4 + 2 * np.log1p(prior / MIN_POSTS), 4, 16).tolist(),
        "line": ["#ffffff"] * len(terms),
        "width": [0.5] * len(terms),
        "posts": [n_pos, n_neg],
    }


def build(page: PageContext) -> Section | None:
    """Build the section (None when no labels)."""
    from crowdpulse.report.interactive import term_chart

    labels = page.typed("labels", LabelsResult)
    record = page.result.stages.get("labels")
    if labels is None or record is None or not record.has("labelled.parquet"):
        return None
    path = record.file("labelled.parquet")
    names = pq.read_schema(path).names
    wanted = [
        c for c in ("created_at", "text", "tokens", "solidarity", "label_hashtags") if c in names
    ]
    posts = pq.read_table(path, columns=wanted)
    posts = posts.filter(pc.is_valid(posts.column("solidarity")))
    tags = (
        pc.unique(pc.list_flatten(posts.column("label_hashtags"))).to_pylist()
        if "label_hashtags" in names
        else []
    )
    stats = term_statistics(
        posts.column("tokens").to_pylist(),
        posts.column("solidarity").to_pylist(),
        leave_out=frozenset(f"#{t}".lower() for t in tags if t),
    )
    if stats is None:
        return None
    n_pos, n_neg = stats.pop("posts")
    order = np.argsort(np.asarray(stats["z"]))
    top_pos = order[::-1][:15]
    top_neg = order[:15]
    target = term_chart(page, stats)
    best = stats["term"][int(top_pos[0])]
    description = (
        f"{len(stats['term']):,} terms that appear in at least {MIN_POSTS} of the "
        f"{n_pos:,} solidarity and {n_neg:,} not-solidarity posts; the most solidarity-"
        f"associated term is “{best}” (z = {stats['z'][int(top_pos[0])]:+.1f}). Scroll or "
        "box-select to zoom, hover a point for its counts, type in the box to find terms."
    )

    def rows(idx: np.ndarray) -> list[list[Any]]:
        return [
            [
                stats["term"][int(i)],
                f"{stats['z'][int(i)]:+.2f}",
                fmt_int(stats["n_pos"][int(i)]),
                fmt_int(stats["n_neg"][int(i)]),
            ]
            for i in idx
        ]

    def drills(idx: np.ndarray) -> list[str | None]:
        """Example posts of each listed term (labelled posts whose text has it)."""
        if "text" not in posts.column_names or "created_at" not in posts.column_names:
            return []
        keys: list[str | None] = []
        for i in idx:
            term = stats["term"][int(i)]
            key = f"explorer:{int(i)}"
            page.drill[key] = sample_posts(
                posts,
                term_mask(posts.column("text"), term),
                seed=page.options.seed,
                title=f"Labelled posts with “{term}”",
                what="labelled posts contain it",
                label_column="solidarity",
            )
            keys.append(key)
        return keys

    headers = ["term", "z", "solidarity posts", "not-solidarity posts"]
    blocks: tuple[Block, ...] = (
        Embed("explorer.html.j2", {"target": target, "description": description, "example": best}),
        Grid(
            (
                (
                    table(
                        "Terms most associated with solidarity (log-odds z); choose a row for "
                        "example posts",
                        headers,
                        rows(top_pos),
                        numeric=[1, 2, 3],
                        drill=drills(top_pos),
                    ),
                ),
                (
                    table(
                        "Terms most associated with not solidarity (log-odds z); choose a row "
                        "for example posts",
                        headers,
                        rows(top_neg),
                        numeric=[1, 2, 3],
                        drill=drills(top_neg),
                    ),
                ),
            )
        ),
    )
    return Section("explorer", "Term explorer (solidarity classes)", LEAD, blocks, nav="Terms")
