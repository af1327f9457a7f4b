"""The report page: one self-contained, interactive HTML file.

The page is rendered from the stages' typed results
(:mod:`crowdpulse.report.results`) by jinja2 templates with autoescaping
(``templates/*.html.j2``), one module per section (:mod:`crowdpulse.report.sections`).
Everything is inlined: the style sheet, the page's small script (sortable and
filterable tables, drill-down to example posts), the charting library's code
(Bokeh, see :mod:`crowdpulse.report.interactive`) and the static figures as
``data:`` URIs (their PNG/SVG files stay in the stage folders, linked from each
caption). The page loads nothing from the network, so it opens anywhere, offline.

Sections: at a glance (main numbers and the papers' beside them, stage status),
corpus (ingest accounting), solidarity (paper A) and its term explorer, geography
and emojis (paper B), firestorm (paper C) with its interactive timeline,
provenance (versions, parameters, checksums, artefacts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from crowdpulse.event import Event
from crowdpulse.report.blocks import (
    Table,
    environment,
    fmt_hours,
    fmt_int,
    fmt_num,
    fmt_pct,
    png_size,
    table,
)
from crowdpulse.report.papers import PAPERS, PaperNumber, paper_number
from crowdpulse.report.results import (
    EmojisResult,
    FirestormStageResult,
    LabelsResult,
    Provenance,
    SolidarityResult,
    result_of,
)
from crowdpulse.report.stages import ReportOptions

if TYPE_CHECKING:
    from crowdpulse.report.build import ReportResult
    from crowdpulse.report.cache import StageRecord

__all__ = ["Comparison", "comparison_table", "comparisons", "png_size", "render_page"]


@dataclass(frozen=True)
class Comparison:
    """One of our numbers beside the number a paper reports.

    Attributes:
        number: The paper's number.
        ours: Our value, as printed.
        note: How the two relate (protocol differences, scale only ...).
        section: The page section it belongs to.
    """

    number: PaperNumber
    ours: str
    note: str
    section: str


def _ok(stages: Mapping[str, StageRecord], name: str) -> StageRecord | None:
    record = stages.get(name)
    return record if record is not None and record.ok else None


def comparisons(stages: Mapping[str, StageRecord], options: ReportOptions) -> list[Comparison]:
    """Pair each number the papers report with ours, where the report measured it.

    Args:
        stages: The stage records of a report.
        options: The report's options.

    Returns:
        The comparisons, in page order (those whose stage did not run are left out).
    """
    out: list[Comparison] = []
    record = _ok(stages, "labels")
    if record is not None:
        labels = result_of(record, LabelsResult)
        if labels.sheet is not None:
            out.append(
                Comparison(
                    paper_number("kappa"),
                    fmt_num(labels.sheet.kappa, 3),
                    "Cohen's kappa of the two annotators of this event's hashtag sheet",
                    "solidarity",
                )
            )
        out.append(
            Comparison(
                paper_number("solidarity_tweets"),
                fmt_int(labels.counts.solidarity),
                "posts labelled solidarity; a different corpus, for scale only",
                "solidarity",
            )
        )
    record = _ok(stages, "solidarity")
    if record is not None:
        s = result_of(record, SolidarityResult)
        protocol = (
            f"{s.folds}-fold CV, {s.balance}"
            + (" (as the 2015 study)" if s.balance == "undersample" else "")
            + f", on {s.n_used:,} posts"
        )
        out.append(
            Comparison(
                paper_number("svm_mean_accuracy"),
                fmt_pct(s.svm_mean_accuracy),
                f"mean of the three SVMs with emoji features; {protocol}",
                "solidarity",
            )
        )
        lstm = s.lstm_accuracy
        out.append(
            Comparison(
                paper_number("lstm_accuracy"),
                fmt_pct(lstm) if lstm is not None else "not run",
                protocol
                if lstm is not None
                else "the LSTM runs only with --with-lstm (slow on a CPU)",
                "solidarity",
            )
        )
    record = _ok(stages, "emojis")
    if record is not None:
        e = result_of(record, EmojisResult)
        total = e.table4.get("solidarity")
        out.append(
            Comparison(
                paper_number("solidarity_emojis_paris"),
                fmt_int(total.emojis if total else None),
                "emojis in this event's solidarity posts; a different corpus, for scale only",
                "emojis",
            )
        )
        inside = e.table6.get("inside")
        share = inside.share_of_geotagged if inside else None
        out.append(
            Comparison(
                paper_number("inside_share_paris"),
                "–" if share is None else f"{share:.2f}%",
                "emojis of geotagged solidarity posts from inside the affected regions "
                "(the paper geocoded profiles online with geopy; crowdpulse offline)",
                "emojis",
            )
        )
        diffusion = e.diffusion.get("all")
        out.append(
            Comparison(
                paper_number("diffusion_min_count"),
                fmt_int(diffusion.min_count if diffusion else None),
                f"the event's [emojis] min_count, per {diffusion.bucket if diffusion else None} "
                "bucket",
                "emojis",
            )
        )
    record = _ok(stages, "firestorm")
    if record is not None:
        f = result_of(record, FirestormStageResult)
        lexical = f.closest_offsets_hours.get("lexical", {})
        out.append(
            Comparison(
                paper_number("firestorm_share"),
                fmt_pct(f.truth.firestorm_share),
                "posts carrying the target, of all posts of the grid",
                "firestorm",
            )
        )
        single = "one event (the paper: mean ± sd over 21 events)"
        for key, ref in (
            ("offset_start", "start"),
            ("offset_peak_in_degree", "peak_in_degree"),
            ("offset_peak_posts", "peak_posts"),
        ):
            out.append(
                Comparison(
                    paper_number(key),
                    fmt_hours(lexical.get(ref)),
                    f"closest streaming change point of a lexical series; {single}",
                    "firestorm",
                )
            )
        delay = f.closest_detection_delay_hours
        out.append(
            Comparison(
                paper_number("detection_delay"),
                "–" if delay is None else f"{delay:.2f} h",
                "from the start to the end of the bucket whose arrival raised the closest alert",
                "firestorm",
            )
        )
        out.append(
            Comparison(
                paper_number("floats_per_category"),
                fmt_int(f.options.detector_window),
                "values per series the streaming detector keeps",
                "firestorm",
            )
        )
    return out


def comparison_table(items: Sequence[Comparison], *, with_paper: bool = False) -> Table:
    """The papers' numbers beside ours, as a table block."""
    rows = []
    for c in items:
        paper = PAPERS[c.number.paper]
        what = Markup("{}").format(c.number.what)
        if with_paper:
            what += Markup("<br><small>{}</small>").format(paper.title)
        rows.append(
            [
                what,
                Markup("<b>{}</b>").format(c.ours),
                Markup("{}<br><small>“{}”</small>").format(c.number.text(), c.number.quote),
                c.note,
            ]
        )
    return table(
        "Numbers the papers report, beside this report's",
        ["measure", "this report", "paper reports", "note"],
        rows,
        row_class="paper",
    )


def _asset(name: str) -> str:
    return (resources.files("crowdpulse.report") / "templates" / name).read_text(encoding="utf-8")


def render_page(
    event: Event,
    options: ReportOptions,
    result: ReportResult,
    *,
    truth: Mapping[str, Any] | None = None,
) -> str:
    """Render the report page.

    Args:
        event: The event.
        options: The report's options.
        result: The stages' records and the provenance.
        truth: A generator's truth (``crowdpulse synth --truth``): planted numbers are
            shown beside the measured ones.

    Returns:
        The HTML document.
    """
    from crowdpulse.report import interactive
    from crowdpulse.report.drill import drill_json
    from crowdpulse.report.sections import (
        corpus,
        emojis,
        explorer,
        firestorm,
        geography,
        glance,
        provenance,
        solidarity,
    )
    from crowdpulse.report.sections.context import PageContext

    page = PageContext(event, options, result, truth, comparisons(result.stages, options))
    sections = [
        glance.build(page),
        corpus.build(page),
        solidarity.build(page),
        explorer.build(page),
        geography.build(page),
        emojis.build(page),
        firestorm.build(page),
        provenance.build(page),
    ]
    charts = interactive.collect(page)
    made = Provenance.from_dict(result.provenance)
    stages = result.stages.values()
    return (
        environment()
        .get_template("page.html.j2")
        .render(
            version=made.environment.crowdpulse,
            python=made.environment.python,
            generated=made.generated,
            event_name=event.name,
            run=sum(1 for r in stages if r.status == "run"),
            cached=sum(1 for r in stages if r.status == "cached"),
            sections=[s for s in sections if s is not None],
            css=Markup(_asset("report.css")),
            page_js=Markup(_asset("report.js")),
            charts_js=charts.scripts,
            charts_html=charts.html,
            drill_json=drill_json(page.drill),
        )
    )
