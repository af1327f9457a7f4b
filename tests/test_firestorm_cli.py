"""``crowdpulse firestorm`` and ``crowdpulse watch`` end to end on generated corpora.

The watch command on a generated stream must print exactly the alerts that the
simulated stream over the same posts stored as a corpus gives.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from crowdpulse.cli import main
from crowdpulse.firestorm import FirestormOptions, alert_record, run_firestorm, watch
from crowdpulse.io import read_posts
from crowdpulse.synth import SynthConfig, synthesize

TARGET = "@flyzephyr"


@pytest.fixture(scope="module")
def small(
    tmp_path_factory: pytest.TempPathFactory, firestorm_event: dict[str, Path]
) -> dict[str, Path]:
    """The shared 3-day v1.1 event with a planted firestorm, and an event without a range."""
    folder = tmp_path_factory.mktemp("firestorm_cli")
    plain = folder / "plain.toml"  # no time range: the grid is the corpus's own
    plain.write_text(f'name = "seed 11"\n\n[firestorm]\ntarget = "{TARGET}"\n')
    return {"folder": folder, **firestorm_event, "plain": plain}


def png_size(path: str | Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def test_firestorm_command_writes_series_alerts_evaluation_and_figures(
    small: dict[str, Path],
) -> None:
    out = small["folder"] / "out"
    args = ["firestorm", str(small["corpus"]), "--event", str(small["event"]), "-o", str(out)]
    # The planted storm is small (at most 7 target posts a bucket): below the default
    # --min-posts 10, so it is opened only with a lower minimum.
    result = CliRunner().invoke(main, [*args, "--json", "--quiet", "--min-posts", "3"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    truth = json.loads(small["truth"].read_text())["firestorm"]
    assert summary["target"] == TARGET
    # The generator counts retweets' mentions too; ingest drops retweets by default.
    assert abs(summary["start_bucket"] - truth["first_top_bucket"]) <= 1
    assert summary["buckets"] == truth["buckets"] == 144
    assert summary["found"] is True
    assert summary["alerts"] > 0
    for key in ("start", "peak_in_degree", "peak_posts"):
        assert key in summary["closest_offsets_hours"]["lexical"]
    files = summary["files"]
    for name in ("series", "changepoints", "evaluation"):
        assert Path(files[name]).stat().st_size > 0
    expected = {"figure1": (1000, 300), "figure3": (1000, 400), "figure5": (1200, 450)}
    expected["figure6"] = (700, 700)
    for name, size in expected.items():
        png = Path(files[name])
        assert png.stat().st_size > 0 and png.with_suffix(".svg").stat().st_size > 0
        assert png_size(png) == size
    # The network analyses the report shows are written by the command too.
    for name in ("window_metrics", "figure2", "periods", "figure4", "timeline"):
        assert Path(files[name]).stat().st_size > 0
    metrics = Path(files["window_metrics"]).read_text().splitlines()
    assert len(metrics) == 1 + 144  # one window per bucket
    periods = Path(files["periods"]).read_text().splitlines()
    assert "category" in periods[0] and "class" in periods[0] and len(periods) > 20
    evaluation = json.loads(Path(files["evaluation"]).read_text())
    assert evaluation["summary"]["alerts"] == summary["alerts"]
    alerts = [json.loads(x) for x in Path(files["alerts"]).read_text().splitlines()]
    assert len(alerts) == sum(summary["episode_alerts"].values())
    assert [a["kind"] for a in alerts if a["kind"] == "open"] == ["open"]
    assert summary["episodes"] == 1
    # A slow, small storm: its change point is its first target posts (bucket 75); the
    # CUSUM has the evidence 6 buckets later (3 h after the measured start, bucket 76).
    assert alerts[0]["bucket"] == 75 and alerts[0]["detected_bucket"] == 81
    assert summary["first_open_delay_hours"] == (81 + 1 - summary["start_bucket"]) / 2
    assert Path(files["timeline"]).stat().st_size > 0
    # The human summary.
    human = CliRunner().invoke(main, [*args, "--quiet", "--no-figures", "--no-offline"])
    assert human.exit_code == 0, human.output
    assert "closest lexical change point" in human.stdout
    assert "early warning: 0 open" in human.stdout  # default minimum: 10 posts a bucket
    assert "found" in human.stdout


def test_watch_prints_the_alerts_of_the_stored_corpus(small: dict[str, Path]) -> None:
    out = small["folder"] / "plain_out"
    args = ["firestorm", str(small["corpus"]), "--event", str(small["plain"]), "-o", str(out)]
    paper = ["--preset", "paper"]
    batch = CliRunner().invoke(main, [*args, "--no-figures", "--no-offline", "--quiet", *paper])
    assert batch.exit_code == 0, batch.output
    stored = [json.loads(x) for x in (out / "alerts.jsonl").read_text().splitlines()]
    watch_args = ["watch", str(small["posts"]), "--target", TARGET]
    live = CliRunner().invoke(main, [*watch_args, *paper])
    assert live.exit_code == 0, live.output
    lines = [json.loads(x) for x in live.stdout.splitlines()]
    assert len(stored) > 20
    assert lines == stored
    assert "144 buckets" in live.stderr
    assert any(a["series"] == "target_posts" and a["direction"] == "up" for a in lines)
    # Early warning (the default): the same episodes in the command and in watch.
    low = ["--min-posts", "3"]
    early = CliRunner().invoke(main, [*args, "--no-figures", "--no-offline", "--quiet", *low])
    assert early.exit_code == 0, early.output
    episodes = [json.loads(x) for x in (out / "alerts.jsonl").read_text().splitlines()]
    live = CliRunner().invoke(main, [*watch_args, *low])
    assert live.exit_code == 0, live.output
    assert [json.loads(x) for x in live.stdout.splitlines()] == episodes
    assert [e["kind"] for e in episodes][:1] == ["open"]
    truth = json.loads(small["truth"].read_text())["firestorm"]
    opened = episodes[0]
    assert opened["target"] == TARGET and opened["series"][0] == "target_posts"
    assert opened["bucket"] == truth["start_bucket"] + 1 and opened["detected_bucket"] == 81
    assert opened["level"] >= 3 * opened["baseline"]


def test_watch_reads_v2_pages_from_standard_input(tmp_path: Path) -> None:
    pages = tmp_path / "pages.jsonl"
    synthesize(SynthConfig(seed=12, posts=2000, days=2), pages, fmt="v2")
    table, _ = read_posts([pages])
    batch = run_firestorm(table, TARGET, options=FirestormOptions(offline=False))
    expected = [alert_record(a) for a in batch.alerts]
    assert len(expected) > 10
    args = ["watch", "-", "--target", TARGET, "--quiet", "--preset", "paper"]
    result = CliRunner().invoke(main, args, input=pages.read_bytes())
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert [json.loads(x) for x in result.stdout.splitlines()] == expected


def test_watch_follows_a_growing_file(small: dict[str, Path], tmp_path: Path) -> None:
    lines = small["posts"].read_bytes().splitlines(keepends=True)[:1800]  # about 2 days
    whole = tmp_path / "whole.jsonl"
    whole.write_bytes(b"".join(lines))
    options = FirestormOptions(offline=False, lexical=False)
    expected = [alert_record(a) for a in watch(whole, TARGET, options=options)]
    assert expected
    growing = tmp_path / "live.jsonl"
    growing.write_bytes(b"".join(lines[:500]))

    def writer() -> None:
        with open(growing, "ab") as handle:
            for k in range(500, len(lines), 400):
                time.sleep(0.05)
                handle.write(b"".join(lines[k : k + 400]))
                handle.flush()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        followed = [
            alert_record(a)
            for a in watch(
                growing, TARGET, options=options, follow=True, poll_seconds=0.02, idle_timeout=1.0
            )
        ]
    finally:
        thread.join()
    assert followed == expected
    tiny = tmp_path / "tiny.jsonl"
    tiny.write_bytes(b"".join(lines[:40]))
    result = CliRunner().invoke(
        main, ["watch", str(tiny), "--target", TARGET, "-f", "--idle-timeout", "0.1"]
    )
    assert result.exit_code == 0, result.output
    assert "40 lines" in result.stderr


def test_cli_errors_are_one_line(small: dict[str, Path], tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["watch", str(small["posts"])])
    assert result.exit_code == 1
    assert "error" in result.stderr and "--target" in result.stderr
    result = runner.invoke(main, ["watch", str(tmp_path / "missing.jsonl"), "--target", "@a"])
    assert result.exit_code == 1 and "no such file" in result.stderr
    result = runner.invoke(main, ["watch", str(small["posts"]), "--target", "klm"])
    assert result.exit_code == 1 and "target" in result.stderr
    empty = tmp_path / "e.toml"
    empty.write_text('name = "x"\n')
    args = ["firestorm", str(small["corpus"]), "--event", str(empty), "-o", str(tmp_path / "o")]
    result = runner.invoke(main, args)
    assert result.exit_code == 1 and "firestorm" in result.stderr
    args = ["firestorm", str(tmp_path / "nope.parquet"), "--event", str(small["plain"])]
    result = runner.invoke(main, [*args, "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "no such file" in result.stderr
    for command in ("firestorm", "watch"):
        help_text = runner.invoke(main, [command, "--help"]).stdout
        assert "Example:" in help_text
