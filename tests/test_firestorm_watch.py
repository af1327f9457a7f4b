"""``crowdpulse watch`` as a service: resume after kill -9, quarantine, pipes, bounded dedupe."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crowdpulse.firestorm import FirestormOptions, WindowDedupe, watch
from crowdpulse.io import IngestOptions, read_posts
from crowdpulse.synth import SynthConfig, synthesize

TARGET = "@flyzephyr"


@pytest.fixture(scope="module")
def posts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-day v1.1 stream with a planted firestorm."""
    path = tmp_path_factory.mktemp("watch") / "posts.jsonl"
    synthesize(SynthConfig(seed=11, posts=3000, days=3), path, fmt="v1")
    return path


def invoke(*args: str):  # type: ignore[no-untyped-def]
    """Run ``crowdpulse watch`` in this process (faster than a subprocess)."""
    from click.testing import CliRunner

    from crowdpulse.cli import main

    return CliRunner().invoke(main, ["watch", *args])


def run_watch(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crowdpulse", "watch", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


def test_killed_and_resumed_equals_an_uninterrupted_run(posts: Path, tmp_path: Path) -> None:
    common = [str(posts), "--target", TARGET, "--preset", "paper", "--quiet"]
    whole = run_watch(*common)
    assert whole.returncode == 0, whole.stderr
    expected = whole.stdout.splitlines()
    assert len(expected) > 50
    state = tmp_path / "watch.state"
    out = tmp_path / "alerts.jsonl"
    args = [*common, "--state", str(state), "--checkpoint-buckets", "1"]

    def start_and_stop(after_lines: int, sig: signal.Signals) -> int:
        """Start watch (appending to ``out``), stop it with ``sig`` after some alerts."""
        with open(out, "a") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "crowdpulse", "watch", *args],
                stdout=handle,
                stderr=subprocess.PIPE,
            )
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and process.poll() is None:
                if len(out.read_text().splitlines()) >= after_lines:
                    break
                time.sleep(0.05)
            assert process.poll() is None, "the run ended before it could be stopped"
            os.kill(process.pid, sig)
            return process.wait()

    assert start_and_stop(10, signal.SIGKILL) == -signal.SIGKILL
    first = out.read_text().splitlines()
    assert 10 <= len(first) < len(expected)
    assert state.exists()
    # SIGTERM (a service manager's stop) ends like Ctrl-C, after a last checkpoint.
    assert start_and_stop(len(first) + 10, signal.SIGTERM) == 130
    second = out.read_text().splitlines()
    assert len(first) + 10 <= len(second) < len(expected)
    resumed = run_watch(*args)
    assert resumed.returncode == 0, resumed.stderr
    got = second + resumed.stdout.splitlines()
    # An interruption may repeat the one alert being printed when it came (it is given
    # out again after the restart, right after itself); none is ever lost.
    repeats = [i for i in range(1, len(got)) if got[i] == got[i - 1]]
    assert [line for i, line in enumerate(got) if i not in repeats] == expected
    assert len(repeats) <= 2  # one kill -9, one SIGTERM
    # A checkpoint's temporary that a kill left behind is cleaned by the next run.
    assert [p.name for p in tmp_path.iterdir() if "crowdpulse-tmp" in p.name] == []
    # A further start on the finished state gives nothing new.
    again = run_watch(*args)
    assert again.returncode == 0 and again.stdout == ""


def test_bad_lines_are_quarantined_with_line_numbers(posts: Path, tmp_path: Path) -> None:
    lines = posts.read_bytes().splitlines(keepends=True)[:600]
    good = json.loads(lines[5])
    wrong = dict(good, user=5)  # a wrong type in a known field
    nested = b"[" * 20000 + b"]" * 20000
    mixed = [*lines[:10], b"{not json\n", json.dumps(wrong).encode() + b"\n", nested + b"\n"]
    mixed += lines[10:]
    source = tmp_path / "mixed.jsonl"
    source.write_bytes(b"".join(mixed))
    quarantine = tmp_path / "rejected.jsonl"
    result = invoke(str(source), "--target", TARGET, "--quarantine", str(quarantine))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.stderr
    rejected = [json.loads(x) for x in quarantine.read_text().splitlines()]
    assert [r["line"] for r in rejected][:1] == [11]
    assert all(r["reason"] for r in rejected)
    assert {11, 13} <= {r["line"] for r in rejected}
    assert "rejected (see" in result.stderr and "buckets" in result.stderr
    clean = tmp_path / "clean.jsonl"
    clean.write_bytes(b"".join(lines))
    base = invoke(str(clean), "--target", TARGET, "--quiet", "--preset", "paper")
    bad = invoke(str(source), "--target", TARGET, "--quiet", "--preset", "paper")
    assert bad.stdout == base.stdout  # the stream went on as if the bad lines were absent


def test_a_closed_pipe_ends_quietly(posts: Path) -> None:
    command = [sys.executable, "-m", "crowdpulse", "watch", str(posts), "--target", TARGET]
    process = subprocess.Popen(
        [*command, "--preset", "paper"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # like `| head -1`
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 0
    assert json.loads(first)["series"]
    assert "Traceback" not in stderr and "Broken pipe" not in stderr


def test_window_dedupe_is_bounded_and_matches_ingest(posts: Path) -> None:
    table, _ = read_posts([posts], IngestOptions(keep_retweets=True, dedupe=False))
    dedupe = WindowDedupe(3600 * 1_000_000)  # one hour
    sizes = []
    for start in range(0, table.num_rows, 200):
        dedupe.apply(table.slice(start, 200))
        sizes.append(len(dedupe.seen))
    assert max(sizes) < 2 * 200 * 2  # ids and texts of about one hour, not of the stream
    # With a window longer than the stream it drops what ingest drops.
    options = FirestormOptions(offline=False, lexical=False, preset="paper")
    everything = list(watch(posts, TARGET, options=options))
    windowed = list(watch(posts, TARGET, options=options, dedupe_hours=24 * 30))
    assert windowed == everything


@pytest.mark.parametrize(
    "name", ["twitter_v1_sample/napa_earthquake_2014_sample.jsonl", "twitter_v2_twarc/2sets.jsonl"]
)
def test_real_files_raise_no_episode_for_their_busiest_account(
    shared_data: Path, name: str, tmp_path: Path
) -> None:
    from collections import Counter

    path = shared_data / name
    table, _ = read_posts([path])
    mentioned = Counter(
        h for handles in table.column("mention_handles").to_pylist() for h in set(handles or ())
    )
    busiest, count = mentioned.most_common(1)[0]
    assert count >= 4
    state = tmp_path / "state"
    result = invoke(str(path), "--target", f"@{busiest}", "--state", str(state))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # no open alert (the files span 1-2 half-hour buckets)
    assert "rejected" in result.stderr and state.exists()
