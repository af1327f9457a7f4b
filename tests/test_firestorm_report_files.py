"""``crowdpulse firestorm`` and the report's firestorm section list the same files.

Both call :func:`crowdpulse.firestorm.pipeline.network_analyses` (Figure 2,
``periods.csv``, Figure 4) beside :meth:`FirestormResult.write` and the peak
networks; this test runs the report's ingest, features and firestorm stages and the
command on the stage's own corpus, and compares the file lists.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crowdpulse.cli import main
from crowdpulse.event import load_event
from crowdpulse.report import ReportOptions
from crowdpulse.report.cache import run_stages
from crowdpulse.report.stages import REPORT_STAGES, ReportState, stage_params
from crowdpulse.synth import SynthConfig, synthesize


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, str]]:
    """The firestorm stage's ``files`` and the command's, on one generated corpus."""
    folder = tmp_path_factory.mktemp("firestorm_report_files")
    event_path = folder / "event.toml"
    synthesize(
        SynthConfig(seed=11, posts=3000, days=3),
        folder / "posts.jsonl",
        fmt="v1",
        truth_path=folder / "truth.json",
        event_path=event_path,
    )
    event = load_event(event_path)
    options = ReportOptions(formats=("png",), seed=1)
    specs = [s for s in REPORT_STAGES if s.name in ("ingest", "features", "firestorm")]
    records = run_stages(
        specs,
        folder / "stages",
        params=stage_params(event, options),
        state=ReportState(event, options),
    )
    stage = records["firestorm"]
    assert stage.ok, stage.reason
    corpus = records["ingest"].folder / "corpus.parquet"
    out = folder / "command"
    result = CliRunner().invoke(
        main,
        ["firestorm", str(corpus), "--event", str(event_path), "-o", str(out), "--json", "-q"],
    )
    assert result.exit_code == 0, result.output
    command = json.loads(result.stdout)["files"]
    for name in stage.summary["files"].values():
        assert (stage.folder / name).is_file(), name
    for path in command.values():
        assert Path(path).is_file(), path
    return stage.summary["files"], command


def test_the_command_and_the_report_write_the_same_files(
    both: tuple[dict[str, str], dict[str, str]],
) -> None:
    report, command = both
    assert sorted(report) == sorted(command)
    assert {k: Path(v).name for k, v in report.items()} == {
        k: Path(v).name for k, v in command.items()
    }


def test_the_files_include_figures_2_and_4_and_the_periods(
    both: tuple[dict[str, str], dict[str, str]],
) -> None:
    report, _ = both
    for name in ("window_metrics", "figure2", "periods", "figure4", "series", "alerts"):
        assert name in report
    assert report["periods"] == "periods.csv"
