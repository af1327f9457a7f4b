"""``build_report``: run the cached stages of an event and write its HTML page.

The folder it writes::

    DIR/report.html         the page: one self-contained file (figures embedded)
    DIR/report.json         what ``crowdpulse report --json`` prints
    DIR/provenance.json     versions, parameters, input checksums, stage keys
    DIR/stages/<name>/      each stage's files and manifest.json (the cache)

Every CSV, PNG, SVG and GEXF the page shows stays as a file in ``DIR/stages``; the
page links to each.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crowdpulse.event import Event, load_event
from crowdpulse.exceptions import InputError
from crowdpulse.io.atomic import write_text_atomic
from crowdpulse.report.cache import StageRecord, run_stages
from crowdpulse.report.provenance import checksum_inputs, environment, event_input_files
from crowdpulse.report.stages import (
    REPORT_STAGES,
    ReportOptions,
    ReportState,
    stage_params,
    stage_skips,
)

__all__ = ["ReportResult", "build_report", "read_truth"]


@dataclass
class ReportResult:
    """What :func:`build_report` did.

    Attributes:
        page: The HTML page written.
        out_dir: The report's folder.
        stages: Stage name -> its record (run, cached, skipped, failed).
        provenance: The provenance written to ``provenance.json``.
        seconds: Wall time.
        artefacts: Every file of the stages (paths relative to ``out_dir``).
    """

    page: Path
    out_dir: Path
    stages: dict[str, StageRecord]
    provenance: dict[str, Any]
    seconds: float
    artefacts: list[str] = field(default_factory=list)

    def names(self, status: str) -> list[str]:
        """The stages with a status (``run``, ``cached``, ``skipped``, ``failed``)."""
        return [n for n, r in self.stages.items() if r.status == status]

    def counts(self) -> dict[str, Any]:
        """The main counts: posts read, kept, filtered, quarantined, labelled ..."""
        from crowdpulse.report.results import (
            FirestormStageResult,
            GeographyResult,
            IngestResult,
            LabelsResult,
            result_of,
        )

        out: dict[str, Any] = {}
        ingest = self.stages.get("ingest")
        if ingest is not None and ingest.ok:
            i = result_of(ingest, IngestResult)
            out.update(
                read=i.read,
                kept=i.kept,
                filtered=i.filtered_total,
                filtered_by_reason=dict(i.filtered),
                quarantined=i.quarantined,
            )
        labels = self.stages.get("labels")
        if labels is not None and labels.ok:
            lab = result_of(labels, LabelsResult)
            out.update(
                solidarity=lab.counts.solidarity,
                not_solidarity=lab.counts.not_solidarity,
                conflicting=lab.counts.conflicting,
                unlabelled=lab.counts.unlabelled,
                retweets_set_aside=lab.retweets_set_aside,
            )
        geo = self.stages.get("geography")
        if geo is not None and geo.ok:
            out["geotagged"] = result_of(geo, GeographyResult).tagged
        fs = self.stages.get("firestorm")
        if fs is not None and fs.ok:
            f = result_of(fs, FirestormStageResult)
            out["alerts"] = f.alerts
            out["target_posts"] = f.truth.target_posts
        out["artefacts"] = len(self.artefacts)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON object ``crowdpulse report --json`` prints."""
        return {
            "report": str(self.page),
            "out_dir": str(self.out_dir),
            "stages": {
                "run": self.names("run"),
                "cached": self.names("cached"),
                "skipped": self.names("skipped"),
                "failed": self.names("failed"),
            },
            "details": {
                n: {
                    "status": r.status,
                    "seconds": round(r.seconds, 3),
                    "key": r.key,
                    "reason": r.reason,
                }
                for n, r in self.stages.items()
            },
            "counts": self.counts(),
            "seconds": round(self.seconds, 3),
        }


def read_truth(path: str | Path | None) -> dict[str, Any] | None:
    """Read a generator's truth file (``crowdpulse synth --truth``), if given.

    Args:
        path: The JSON file, or None.

    Returns:
        The parsed truth, or None.

    Raises:
        InputError: The file is missing or not JSON.
    """
    if path is None:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the truth file: {exc.strerror}", path=str(path)) from None
    except ValueError as exc:
        raise InputError(f"the truth file is not JSON: {exc}", path=str(path)) from None
    if not isinstance(data, dict):
        raise InputError("the truth file is not a JSON object", path=str(path))
    return data


def _write_text(path: Path, text: str) -> None:
    write_text_atomic(path, text)


def build_report(
    event: str | Path | Event,
    out_dir: str | Path,
    *,
    options: ReportOptions | None = None,
    truth: str | Path | None = None,
    force: bool | Sequence[str] = False,
    command: str | None = None,
    quiet: bool = True,
    on_stage: Callable[[StageRecord], None] | None = None,
) -> ReportResult:
    """Run every stage of an event's report (reusing cached ones) and write the page.

    Args:
        event: The event TOML (or an :class:`~crowdpulse.event.Event`).
        out_dir: The report's folder (created if missing).
        options: The report's settings (default :class:`ReportOptions`).
        truth: A generator's truth file: its planted numbers are shown beside ours.
        force: Recompute every stage (True) or the named ones.
        command: The command line that asked for the report (for the provenance).
        quiet: Show no progress bars.
        on_stage: Called with each stage's record as soon as it is known.

    Returns:
        The :class:`ReportResult`.

    Raises:
        ConfigError: The event or an option is invalid.
        InputError: An input file is missing or unreadable, or ingest fails.
    """
    from crowdpulse.report.html import render_page

    started = time.perf_counter()
    if not isinstance(event, Event):
        event = load_event(event)
    options = options or ReportOptions()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    truth_data = read_truth(truth)
    files = event_input_files(event, lexicon=options.lexicon, truth=truth)
    checksums = checksum_inputs(files)
    inputs: dict[str, dict[str, str]] = {}
    for item in checksums:
        if item["stage"] is not None:
            # raw inputs by path (the corpus records it); other files by role only
            label = item["path"] if item["role"].startswith("input") else item["role"]
            inputs.setdefault(item["stage"], {})[label] = item["sha256"]
    params = stage_params(event, options)
    records = run_stages(
        REPORT_STAGES,
        out / "stages",
        params=params,
        inputs=inputs,
        skip=stage_skips(event),
        state=ReportState(event, options),
        force=force,
        quiet=quiet,
        on_stage=on_stage,
    )
    artefacts = [
        f"stages/{name}/{rel}" for name, record in records.items() for rel in record.outputs
    ]
    provenance = {
        "generated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command,
        "event": {"name": event.name, "path": str(event.path) if event.path else None},
        "environment": environment(),
        "options": options.to_dict(),
        "inputs": checksums,
        "stages": {
            name: {
                "status": r.status,
                "key": r.key,
                "params": params.get(name, {}),
                "upstream": r.manifest.get("upstream", {}),
                "seconds": round(r.seconds, 3),
                "computed_in_seconds": r.manifest.get("seconds"),
                "finished": r.manifest.get("finished"),
                "reason": r.reason,
            }
            for name, r in records.items()
        },
    }
    page = out / "report.html"
    result = ReportResult(
        page=page,
        out_dir=out,
        stages=records,
        provenance=provenance,
        seconds=0.0,
        artefacts=artefacts,
    )
    html = render_page(event, options, result, truth=truth_data)
    _write_text(page, html)
    _write_text(
        out / "provenance.json", json.dumps(provenance, indent=2, ensure_ascii=False) + "\n"
    )
    result.seconds = time.perf_counter() - started
    _write_text(out / "report.json", json.dumps(result.to_dict(), indent=2) + "\n")
    return result
