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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from markupsafe import Markup

from crowdpulse.report.blocks import Block, Embed, Grid, Section, fmt_int, table
from crowdpulse.report.drill import FileSample, sample_file, sample_of, term_mask
from crowdpulse.report.results import LabelsResult
from crowdpulse.report.sections.context import PageContext

__all__ = ["MAX_TERMS", "MIN_POSTS", "TermCounts", "build", "term_statistics"]

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


class TermCounts:
    """Per class, the labelled posts each term appears in, fed batch by batch.

    Adding the posts in batches in their order gives exactly the counts (and the
    order of first appearance, which breaks ties) of adding them all at once, so
    :meth:`statistics` equals :func:`term_statistics` of the whole list.
    """

    def __init__(self, leave_out: frozenset[str] = frozenset()) -> None:
        """Start empty.

        Args:
            leave_out: Terms not counted (the label hashtags, which define the classes).
        """
        self.leave_out = leave_out
        self.pos: Counter[str] = Counter()
        self.neg: Counter[str] = Counter()
        self.n_pos = 0
        self.n_neg = 0

    def add(self, tokens: list[list[str] | None], labels: list[str | None]) -> None:
        """Count posts: their tokens and labels (None: unlabelled, skipped)."""
        leave_out = self.leave_out
        for toks, label in zip(tokens, labels, strict=True):
            if label is None:
                continue
            # a post's distinct terms in the order of the text: ties of the ranking go
            # by first appearance, the same in every process (a set's order of strings
            # would follow the process's hash seed)
            seen = dict.fromkeys(
                t for t in toks or () if t and not t.startswith("@") and t not in leave_out
            )
            if label == "solidarity":
                self.pos.update(seen.keys())
                self.n_pos += 1
            else:
                self.neg.update(seen.keys())
                self.n_neg += 1

    def statistics(self) -> dict[str, Any] | None:
        """The statistics (see :func:`term_statistics`), or None when a class is empty."""
        pos, neg, n_pos, n_neg = self.pos, self.neg, self.n_pos, self.n_neg
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
    counts = TermCounts(leave_out)
    counts.add(tokens, labels)
    return counts.statistics()


def _labelled_batches(path: Path, columns: list[str]) -> Iterator[pa.Table]:
    """The labelled posts (solidarity not null) of a file, batch by batch."""
    from crowdpulse.io.corpus import iter_row_groups
    from crowdpulse.report import drill

    for batch in iter_row_groups(path, columns=columns, batch_size=drill.BATCH_ROWS):
        table = pa.Table.from_batches([batch])
        yield table.filter(pc.is_valid(table.column("solidarity")))


def build(page: PageContext) -> Section | None:
    """Build the section (None when no labels)."""
    from crowdpulse.report.interactive import term_chart

    labels = page.typed("labels", LabelsResult)
    record = page.result.stages.get("labels")
    if labels is None or record is None or not record.has("labelled.parquet"):
        return None
    path = record.file("labelled.parquet")
    names = pq.read_schema(path).names
    # batch by batch, labelled posts only: first the label hashtags (left out of the
    # terms), then the tokens (only the counts per term are kept)
    tags: set[str] = set()
    if "label_hashtags" in names:
        for part in _labelled_batches(path, ["solidarity", "label_hashtags"]):
            tags.update(t for t in pc.unique(pc.list_flatten(part["label_hashtags"])).to_pylist())
    counts = TermCounts(frozenset(f"#{t}".lower() for t in tags if t))
    if "tokens" in names:
        for part in _labelled_batches(path, ["solidarity", "tokens"]):
            counts.add(part.column("tokens").to_pylist(), part.column("solidarity").to_pylist())
    stats = counts.statistics()
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

    listed = {f"explorer:{int(i)}": stats["term"][int(i)] for i in (*top_pos, *top_neg)}
    samples: dict[str, FileSample] = {}
    if "text" in names and "created_at" in names:

        def masks(batch: pa.Table) -> dict[str, np.ndarray]:
            labelled = np.asarray(pc.is_valid(batch.column("solidarity")), dtype=bool)
            texts = batch.column("text")
            return {key: labelled & term_mask(texts, term) for key, term in listed.items()}

        # the labelled posts of each listed term: row numbers kept, texts read at the end
        samples = sample_file(
            path,
            ["solidarity", "text"],
            masks,
            ["created_at", "text", "solidarity"],
            seed=page.options.seed,
            keys=list(listed),
        )

    def drills(idx: np.ndarray) -> list[str | None]:
        """Example posts of each listed term (labelled posts whose text has it)."""
        if not samples:
            return []
        keys: list[str | None] = []
        for i in idx:
            term = stats["term"][int(i)]
            key = f"explorer:{int(i)}"
            page.drill[key] = sample_of(
                samples[key].picked,
                samples[key].total,
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
