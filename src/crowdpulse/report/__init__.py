"""The report: one event, every analysis, one self-contained HTML page.

:func:`build_report` runs the stages of an event in order (ingest, features,
labels, solidarity, geography, emojis, firestorm), each the library function of its
area, caches every stage's outputs under ``DIR/stages/<name>/`` and writes
``DIR/report.html``: tables and figures (embedded, so the page is one file; sortable
tables, zoomable charts and example posts, all inlined), the
papers' reported numbers beside ours, and the provenance (versions, parameters,
SHA-256 of every input, the ingest accounting). A re-run recomputes only the stages
whose inputs, parameters or upstream stages changed. Typical use::

    from crowdpulse.report import ReportOptions, build_report

    result = build_report("event.toml", "report/", options=ReportOptions(folds=5))
    result.page                 # report/report.html
    result.names("cached")      # stages reused from an earlier run

The pieces: :mod:`crowdpulse.report.cache` (keys, manifests, :func:`run_stages`),
:mod:`crowdpulse.report.stages` (the stages), :mod:`crowdpulse.report.results` (their
typed, frozen results), :mod:`crowdpulse.report.html` (the page, rendered by jinja2
templates from :mod:`crowdpulse.report.sections`, one module per section),
:mod:`crowdpulse.report.interactive` (the inlined charts),
:mod:`crowdpulse.report.drill` (example posts), :mod:`crowdpulse.report.provenance`,
:mod:`crowdpulse.report.papers` (the papers' numbers, with their sentences). See
``docs/report.md``.
"""

from __future__ import annotations

from crowdpulse.report.build import ReportResult, build_report, read_truth
from crowdpulse.report.cache import (
    StageContext,
    StageRecord,
    StageSpec,
    file_sha256,
    run_stages,
    stage_key,
)
from crowdpulse.report.html import Comparison, comparisons, render_page
from crowdpulse.report.papers import PAPER_NUMBERS, PAPERS, Paper, PaperNumber, paper_number
from crowdpulse.report.provenance import checksum_inputs, environment, event_input_files
from crowdpulse.report.results import RESULT_SCHEMA, StageResult, result_of
from crowdpulse.report.stages import (
    DEFAULT_MODELS,
    REPORT_STAGES,
    ReportOptions,
    ReportState,
    stage_params,
    stage_skips,
)

__all__ = [
    "DEFAULT_MODELS",
    "PAPERS",
    "PAPER_NUMBERS",
    "REPORT_STAGES",
    "RESULT_SCHEMA",
    "Comparison",
    "Paper",
    "PaperNumber",
    "ReportOptions",
    "ReportResult",
    "ReportState",
    "StageContext",
    "StageRecord",
    "StageResult",
    "StageSpec",
    "build_report",
    "checksum_inputs",
    "comparisons",
    "environment",
    "event_input_files",
    "file_sha256",
    "paper_number",
    "read_truth",
    "render_page",
    "result_of",
    "run_stages",
    "stage_key",
    "stage_params",
    "stage_skips",
]
