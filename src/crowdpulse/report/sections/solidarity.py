"""Solidarity (paper A): labels, cross-validation, term weights with example posts."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
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
    fmt_pct,
    links,
    table,
    unavailable,
)
from crowdpulse.report.drill import sample_file, sample_of, term_mask
from crowdpulse.report.results import LabelsResult, ModelScore, SolidarityResult
from crowdpulse.report.sections.context import PageContext, planted

__all__ = ["build"]

LEAD = Markup(
    "Original posts (retweets set aside) get a distant label from the event's hashtag sheet "
    "(the hashtags both annotators agree on; posts whose label hashtags conflict are dropped; "
    "the label hashtags are removed from the text) or from a label column. Linear models are "
    "cross-validated on the same folds, with and without emoji features (RQ1 of the emoji "
    "paper); an L2 logistic regression gives the term weights."
)

_BALANCE = {
    "undersample": "every class cut to the smallest one's size (seeded), as the 2015 "
    "study's balanced sets",
    "class-weight": "class weights (the 2018 study)",
    "none": "no class balancing",
}


def _ablation(models: Sequence[ModelScore]) -> str:
    with_e = {m.model: m.accuracy for m in models if m.emojis}
    without = {m.model: m.accuracy for m in models if not m.emojis}
    pairs = [
        f"{name} {100 * (acc - other):+.2f} points"
        for name, acc in with_e.items()
        if acc is not None and (other := without.get(name)) is not None
    ]
    return "accuracy with emojis minus without: " + "; ".join(pairs) + "." if pairs else ""


def _term_rows(page: PageContext) -> list[dict[str, Any]]:
    record = page.record("solidarity")
    if not record.has("term_weights.csv"):
        return []
    with open(record.file("term_weights.csv"), encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["label"] == "solidarity"]


def _term_table(page: PageContext, rows: list[dict[str, Any]]) -> Block | None:
    """The top terms with drill-down to labelled posts that contain them."""
    if not rows:
        return None
    labels = page.record("labels")
    keys = [f"term:{i}" for i in range(len(rows))]

    def masks(batch: pa.Table) -> dict[str, np.ndarray]:
        texts = batch.column("text")
        return {k: term_mask(texts, r["term"]) for k, r in zip(keys, rows, strict=True)}

    # batch by batch: only the row numbers of the posts with each term are kept
    samples = sample_file(
        labels.file("labelled.parquet"),
        ["text"],
        masks,
        ["created_at", "text", "solidarity"],
        seed=page.options.seed,
        keys=keys,
    )
    keyed = []
    for key, r in zip(keys, rows, strict=True):
        direction = "solidarity" if r["direction"] == "positive" else "not solidarity"
        page.drill[key] = sample_of(
            samples[key].picked,
            samples[key].total,
            seed=page.options.seed,
            title=f"Posts with the term “{r['term']}” (pulls towards {direction})",
            what="labelled original posts contain the term",
            label_column="solidarity",
        )
        keyed.append((key, r, direction, samples[key].total))
    return table(
        "Top terms of the logistic regression; choose a row for example posts",
        ["term", "pulls towards", "rank", "coefficient", "posts with it"],
        [
            [r["term"], direction, int(r["rank"]), fmt_num(float(r["coefficient"]), 3), fmt_int(n)]
            for _, r, direction, n in keyed
        ],
        numeric=[2, 3, 4],
        drill=[k for k, *_ in keyed],
    )


def build(page: PageContext) -> Section:
    """Build the section."""
    from crowdpulse.report.html import comparison_table

    labels_record = page.record("labels")
    blocks: list[Block] = []
    missing = unavailable(labels_record, "Labelling")
    s = page.typed("labels", LabelsResult)
    if missing or s is None:
        return Section(
            "solidarity",
            "Solidarity (paper A)",
            LEAD,
            (missing or Notice(Markup("")),),
            nav="Solidarity",
        )
    counts = s.counts
    rows: list[list[str]] = [
        ["solidarity", fmt_int(counts.solidarity)],
        ["not solidarity", fmt_int(counts.not_solidarity)],
        ["conflicting (dropped)", fmt_int(counts.conflicting)],
        ["no label", fmt_int(counts.unlabelled)],
        ["retweets set aside", fmt_int(s.retweets_set_aside)],
    ]
    headers = ["original posts", "this report"]
    planted_counts = planted(page.truth, "solidarity", "counts")
    if isinstance(planted_counts, dict):
        headers.append("planted (generator's truth)")
        values = [
            planted_counts.get("solidarity"),
            planted_counts.get("not solidarity"),
            planted_counts.get("conflicting"),
            planted_counts.get("unlabelled"),
            None,
        ]
        for row, value in zip(rows, values, strict=True):
            row.append(fmt_int(value) if value is not None else "")
    right: list[Block] = []
    if s.sheet is not None:
        sheet = s.sheet
        right.append(
            table(
                "The hashtag sheet",
                ["hashtag sheet", "value"],
                [
                    ["Cohen's kappa (two annotators)", fmt_num(sheet.kappa, 3)],
                    ["rows", fmt_int(sheet.rows)],
                    *[[f"final label: {k}", fmt_int(v)] for k, v in sheet.hashtags.items()],
                    ["label hashtags: solidarity", fmt_int(sheet.lexicon.get("solidarity"))],
                    [
                        "label hashtags: not solidarity",
                        fmt_int(sheet.lexicon.get("not solidarity")),
                    ],
                    [
                        "hashtags with conflicting rows (left out)",
                        fmt_int(sheet.inconsistent_hashtags),
                    ],
                ],
                numeric=[1],
            )
        )
    if s.values:
        right.append(
            table(
                "Values of the label column",
                ["label value", "posts", "counts as"],
                [[v.value, fmt_int(v.posts), v.means] for v in s.values],
                numeric=[1],
            )
        )
    blocks.append(Heading("Labels"))
    blocks.append(
        Grid(((table("Original posts per label", headers, rows, numeric=[1, 2]),), tuple(right)))
    )
    if s.top_hashtags:
        blocks.append(Heading("Most used label hashtags"))
        blocks.append(
            table(
                "Label hashtags by the posts that carry them",
                ["hashtag", "label", "posts"],
                [[f"#{t.hashtag}", t.label or "", fmt_int(t.posts)] for t in s.top_hashtags],
                numeric=[2],
            )
        )
    blocks.append(Heading("Cross-validation"))
    record = page.record("solidarity")
    missing = unavailable(record, "Cross-validation")
    cv = page.typed("solidarity", SolidarityResult)
    if missing or cv is None:
        blocks.append(missing or Notice(Markup("")))
        return Section("solidarity", "Solidarity (paper A)", LEAD, tuple(blocks), nav="Solidarity")
    blocks.append(
        Paragraph(
            Markup(
                "{}-fold stratified cross-validation (seed {}) on {} of {} labelled posts; "
                "balancing: {}. Accuracy and macro-F1: mean ± sd over the folds."
            ).format(
                fmt_int(cv.folds),
                page.options.seed,
                fmt_int(cv.n_used),
                fmt_int(cv.n_posts),
                _BALANCE.get(cv.balance, cv.balance),
            )
        )
    )
    blocks.append(
        table(
            "Cross-validated scores per model, with and without emoji features",
            [
                "model",
                "emojis",
                "accuracy",
                "macro-F1",
                "solidarity precision",
                "solidarity recall",
                "fit time",
            ],
            [
                [
                    m.model,
                    "yes" if m.emojis else "no",
                    f"{fmt_pct(m.accuracy)} ± {fmt_pct(m.accuracy_sd)}",
                    f"{fmt_pct(m.macro_f1)} ± {fmt_pct(m.macro_f1_sd)}",
                    fmt_pct(m.solidarity_precision),
                    fmt_pct(m.solidarity_recall),
                    f"{m.seconds:.1f} s",
                ]
                for m in cv.models
            ],
            numeric=[2, 3, 4, 5, 6],
        )
    )
    ablation = _ablation(cv.models)
    if ablation:
        blocks.append(Paragraph(Markup("Emoji ablation: {}").format(ablation)))
    blocks.append(
        links(record, ("cv_results.csv", "cv_results.json", "cv_folds.csv", "term_weights.csv"))
    )
    blocks.append(comparison_table(page.items("solidarity")))
    blocks.append(Heading("Term weights"))
    positive = cv.top_terms.get("positive", ())
    if positive:
        blocks.append(
            Paragraph(
                Markup("Terms pulling hardest towards solidarity: ")
                + Markup(", ").join(Markup("<b>{}</b>").format(t) for t in positive)
                + Markup("; towards not solidarity: {}.").format(
                    ", ".join(cv.top_terms.get("negative", ()))
                )
            )
        )
    if cv.account_terms_left_out:
        blocks.append(
            Paragraph(
                Markup(
                    "{} account name(s) (@...) among the top terms are left out of the list, the "
                    "figure and <code>term_weights.csv</code>: the page shows no user names."
                ).format(fmt_int(cv.account_terms_left_out)),
                small=True,
            )
        )
    terms = _term_rows(page)
    top_pos = next((r for r in terms if r["direction"] == "positive"), None)
    top_neg = next((r for r in terms if r["direction"] == "negative"), None)
    alt = "Bar chart of the term weights of an L2 logistic regression: the terms pulling "
    if top_pos and top_neg:
        alt += (
            f"hardest towards solidarity (first: “{top_pos['term']}”, coefficient "
            f"{float(top_pos['coefficient']):.2f}) and towards not solidarity (first: "
            f"“{top_neg['term']}”, {float(top_neg['coefficient']):.2f})."
        )
    else:
        alt += "towards each class."
    blocks.append(
        figure(
            record,
            "term_weights.png",
            alt,
            "L2-penalised logistic regression (word TF-IDF, class weights) fitted on all "
            "labelled posts: the terms with the largest coefficients for solidarity (right) and "
            "for not solidarity (left), as the 2015 paper's Figure 1.",
        )
    )
    term_table = _term_table(page, terms)
    if term_table is not None:
        blocks.append(term_table)
    return Section("solidarity", "Solidarity (paper A)", LEAD, tuple(blocks), nav="Solidarity")
