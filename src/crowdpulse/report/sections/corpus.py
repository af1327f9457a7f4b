"""Corpus: the ingest accounting and what the corpus holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from crowdpulse.event import Event
from crowdpulse.report.blocks import (
    Block,
    Grid,
    Heading,
    Notice,
    Paragraph,
    Section,
    fmt_int,
    table,
    unavailable,
)
from crowdpulse.report.results import IngestResult
from crowdpulse.report.sections.context import PageContext, planted

__all__ = ["build"]

LEAD = Markup(
    "Ingest reads the event's raw files into one normalised corpus. Every record ends in "
    "exactly one place: read = kept + filtered + quarantined. Malformed records are "
    "quarantined with their file, line and reason (<code>stages/ingest/quarantine.jsonl</code>)."
)


def _planted_ingest(truth: Mapping[str, Any] | None, event: Event) -> dict[str, str]:
    ingest = planted(truth, "ingest")
    if not isinstance(ingest, Mapping):
        return {}
    counts = ingest if event.lang else (planted(ingest, "any_lang") or {})
    out = {"quarantined": fmt_int(ingest.get("quarantined"))}
    if counts.get("kept") is not None:
        out["kept, not retweets"] = fmt_int(counts["kept"])
    for reason, n in (counts.get("filtered") or {}).items():
        if reason not in ("retweet", "notice"):
            out[f"filtered: {reason}"] = fmt_int(n)
    for kind in ("delete", "limit"):
        n = planted(truth, "noise", kind)
        if n is not None:
            out[f"filtered: {kind}_notice"] = fmt_int(n)
    return out


def build(page: PageContext) -> Section:
    """Build the section."""
    record = page.record("ingest")
    blocks: list[Block] = []
    s = page.typed("ingest", IngestResult)
    missing = unavailable(record, "Ingest")
    if missing or s is None:
        return Section("corpus", "Corpus", LEAD, (missing or Notice(Markup("No ingest.")),))
    rows: list[list[str]] = [["read", fmt_int(s.read)], ["kept", fmt_int(s.kept)]]
    rows += [[f"filtered: {reason}", fmt_int(n)] for reason, n in sorted(s.filtered.items())]
    rows += [["quarantined", fmt_int(s.quarantined)]]
    c = s.corpus
    if c.retweets:
        rows.append(["kept, not retweets", fmt_int(s.kept - c.retweets)])
    if s.incomplete:
        rows.append(["kept with a missing expansion (fields left null)", fmt_int(s.incomplete)])
    if s.api_errors:
        rows.append(["error entries inside API pages", fmt_int(s.api_errors)])
    planted_counts = _planted_ingest(page.truth, page.event)
    headers = ["records", "this report"]
    if planted_counts:
        headers.append("planted (generator's truth)")
        for row in rows:
            row.append(planted_counts.get(row[0], ""))
    blocks.append(Heading("Accounting"))
    blocks.append(table("Where every record read ended", headers, rows, numeric=[1, 2]))
    if planted_counts:
        blocks.append(
            Paragraph(
                Markup(
                    "Planted counts follow the generator's default filters, which drop "
                    "retweets first; where this report keeps retweets, a retweet of another "
                    "language or a repeated text counts under that reason here."
                ),
                small=True,
            )
        )
    if s.files:
        blocks.append(
            table(
                "Records per input file",
                ["input file", "format", "read", "kept", "filtered", "quarantined"],
                [
                    [
                        f.path,
                        f.format or f"skipped: {f.skipped or 'no posts'}",
                        fmt_int(f.read),
                        fmt_int(f.kept),
                        fmt_int(f.filtered),
                        fmt_int(f.quarantined),
                    ]
                    for f in s.files
                ],
                numeric=[2, 3, 4, 5],
            )
        )
    facts = [
        ["posts", fmt_int(c.posts)],
        ["distinct authors", fmt_int(c.authors)],
        ["first post", c.first or "–"],
        ["last post", c.last or "–"],
        ["posts without a time", fmt_int(c.without_time)],
        ["retweets", fmt_int(c.retweets)],
        ["replies", fmt_int(c.replies)],
        ["quotes", fmt_int(c.quotes)],
        ["posts with an author id or handle", fmt_int(c.with_author)],
        ["posts with a profile location", fmt_int(c.with_location)],
        ["posts with coordinates", fmt_int(c.with_coordinates)],
        ["posts with a tagged place", fmt_int(c.with_place)],
    ]
    right: list[Block] = []
    if c.languages:
        right.append(
            table(
                "Posts per language",
                ["language", "posts"],
                [[k or "none", fmt_int(n)] for k, n in c.languages],
                numeric=[1],
            )
        )
    if c.hashtags:
        right.append(
            table(
                "Most frequent hashtags",
                ["hashtag", "posts"],
                [[f"#{k}", fmt_int(n)] for k, n in c.hashtags],
                numeric=[1],
            )
        )
    blocks.append(Heading("What the corpus holds"))
    blocks.append(
        Grid(((table("The corpus in numbers", ["", "value"], facts, numeric=[1]),), tuple(right)))
    )
    if c.posts and not c.with_author:
        blocks.append(
            Notice(
                Markup(
                    "No post carries an author id or handle (CrisisLexT26, for one, ships only "
                    "ids, texts and labels): there are no user networks, and geography has only "
                    "what the texts' coordinates or places give."
                ),
                "info",
            )
        )
    return Section("corpus", "Corpus", LEAD, tuple(blocks))
