"""At a glance: the main counts, the stages' status, the papers' numbers beside ours."""

from __future__ import annotations

from markupsafe import Markup

from crowdpulse.report.blocks import Grid, Heading, Notice, Section, fmt_int, table
from crowdpulse.report.sections.context import PageContext

__all__ = ["build", "status"]


def status(value: str) -> Markup:
    """A stage status as a coloured badge."""
    return Markup('<span class="status {}">{}</span>').format(value, value)


def build(page: PageContext) -> Section:
    """Build the section."""
    from crowdpulse.report.html import comparison_table

    counts = page.result.counts()
    facts = [
        ("records read", fmt_int(counts.get("read"))),
        ("posts kept", fmt_int(counts.get("kept"))),
        ("filtered (all reasons)", fmt_int(counts.get("filtered"))),
        ("quarantined (malformed)", fmt_int(counts.get("quarantined"))),
        ("labelled solidarity", fmt_int(counts.get("solidarity"))),
        ("labelled not solidarity", fmt_int(counts.get("not_solidarity"))),
        ("geotagged posts", fmt_int(counts.get("geotagged"))),
        ("firestorm target posts", fmt_int(counts.get("target_posts"))),
        ("streaming alerts", fmt_int(counts.get("alerts"))),
        ("artefact files", fmt_int(counts.get("artefacts"))),
    ]
    stage_rows = []
    for r in page.result.stages.values():
        computed = r.manifest.get("seconds")
        stage_rows.append(
            (
                r.title,
                status(r.status),
                f"{r.seconds:.2f} s",
                "–" if computed is None else f"{computed:.2f} s",
                Markup('<span class="mono">{}</span>').format(r.key[:12]) if r.key else "–",
                r.reason or "",
            )
        )
    return Section(
        id="glance",
        title="At a glance",
        nav="At a glance",
        lead=Markup(
            "The main counts of this run and, below, every number the three papers report "
            "beside ours. Each stage's files are kept in <code>stages/&lt;stage&gt;/</code> "
            "beside this page; a stage is reused when nothing it depends on changed."
        ),
        blocks=(
            Grid(
                (
                    (table("Main counts of this run", ["count", "value"], facts, numeric=[1]),),
                    (
                        table(
                            "Stages: status, time and cache key",
                            ["stage", "status", "this run", "computed in", "cache key", "note"],
                            stage_rows,
                            numeric=[2, 3],
                        ),
                    ),
                )
            ),
            Heading("Papers vs this report"),
            comparison_table(page.comparisons, with_paper=True)
            if page.comparisons
            else Notice(Markup("No stage that compares with the papers ran.")),
        ),
    )
