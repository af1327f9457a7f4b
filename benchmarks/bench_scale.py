"""Measure how time and peak memory grow with the number of posts, with and without Dask.

Run from the project root (long: run it with ``nice`` on a shared machine):

    nice .venv/bin/python benchmarks/bench_scale.py --posts 250000 1000000
    nice .venv/bin/python benchmarks/bench_scale.py --posts 250000 1000000 4000000 \\
        --workers 0 2 --steps ingest features emojis --out /tmp/scale

For each size it generates an event with ``crowdpulse synth`` (v1 lines, not
timed in the table: the generator is measured on its own as ``synth``), then runs
each step as its own ``crowdpulse`` process, once per ``--workers`` value
(0: one process; N: a local Dask cluster of N worker processes):

- ``ingest``: ``crowdpulse ingest posts*.jsonl.gz -o corpus.parquet --lang en``
  (always one process: ingest takes no ``--workers``). Each size is one generated
  event (``crowdpulse synth`` streams its corpus); with ``--max-generate N``, a
  size above N posts is made of several generated events (seeds 42, 43...)
  ingested together, and the report's event lists them all (``event_all.toml``);
- ``features``: ``crowdpulse features corpus.parquet -o features.parquet -j 1``;
- ``emojis``: ``crowdpulse emojis features.parquet --event event.toml``: labels
  and geotags computed on the fly batch by batch, every table, network and
  diffusion figure written;
- ``firestorm`` (only when asked; one process): ``crowdpulse firestorm
  features_w0.parquet --event event.toml`` (every CSV, figure and network);
- ``report`` (only when asked: ``--steps ... report``): ``crowdpulse report
  event.toml`` (of the one generated event, or ``event_all.toml``) with 2 folds of
  one SVM (the other stages as by default).

Wall time is measured around each process; peak memory is the largest sum of
the resident set sizes of the process and all its descendants (the Dask
scheduler and workers included), sampled every 0.1 s with psutil. At the end it
prints a Markdown table and the least-squares slope of time against posts (s
per million posts) with the ratio of the per-post time at the largest size to
that at the smallest (1.0: perfectly linear). Results are also written as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

CLI = [sys.executable, "-m", "crowdpulse"]


def run_measured(command: list[str], cwd: Path) -> dict[str, Any]:
    """Run a command; return wall and CPU seconds and the peak RSS (MB) of its process tree."""
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            root = psutil.Process(process.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            total = 0
            try:
                for proc in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                break
            peak = max(peak, total)
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, err = process.communicate()
    done.set()
    thread.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{err[-2000:]}")
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
    return {"seconds": round(seconds, 2), "cpu_s": round(cpu, 1), "peak_mb": round(peak / 2**20, 1)}


def steps_for(folder: Path, step: str, workers: int) -> list[str]:
    """The command line of one step."""
    extra = ["--workers", str(workers)] if workers else []
    if step == "ingest":
        inputs = sorted(p.name for p in folder.glob("posts*.jsonl.gz"))
        return [*CLI, "ingest", *inputs, "-o", "corpus.parquet", "--lang", "en", "-q"]
    if step == "features":
        out = f"features_w{workers}.parquet"
        return [*CLI, "features", "corpus.parquet", "-o", out, "-j", "1", "-q", *extra]
    if step == "emojis":
        return [
            *CLI, "emojis", "features_w0.parquet", "--event", "event.toml",
            "-o", f"emojis_w{workers}", "--format", "png", "-q", *extra,
        ]  # fmt: skip
    if step == "firestorm":  # one process: the firestorm takes no --workers
        return [
            *CLI, "firestorm", "features_w0.parquet", "--event", "event.toml",
            "-o", "firestorm_w0", "-q",
        ]  # fmt: skip
    if step == "report":
        event = "event_all.toml" if (folder / "event_all.toml").exists() else "event.toml"
        return [
            *CLI, "report", event, "-o", f"report_w{workers}", "--folds", "2",
            "--model", "svm-tfidf", "--no-emoji-ablation", "--no-svg", "-q", *extra,
        ]  # fmt: skip
    raise ValueError(step)


def write_event_all(folder: Path, inputs: list[str]) -> Path:
    """``event_all.toml``: the first event's description with every part as input."""
    import re

    text = (folder / "event.toml").read_text(encoding="utf-8")
    listed = "inputs = [" + ", ".join(json.dumps(name) for name in inputs) + "]"
    path = folder / "event_all.toml"
    path.write_text(re.sub(r"(?m)^inputs = \[.*\]$", listed, text, count=1), encoding="utf-8")
    return path


def slope(rows: list[dict[str, Any]], key: str) -> tuple[float, float] | None:
    """Seconds per million posts (least squares) and per-post time ratio largest/smallest."""
    pts = [(r["posts"], r[key]) for r in rows if key in r]
    if len(pts) < 2:
        return None
    n = len(pts)
    mx = sum(p for p, _ in pts) / n
    my = sum(t for _, t in pts) / n
    sxx = sum((p - mx) ** 2 for p, _ in pts)
    b = sum((p - mx) * (t - my) for p, t in pts) / sxx
    small, large = min(pts), max(pts)
    ratio = (large[1] / large[0]) / (small[1] / small[0])
    return b * 1e6, ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[250_000, 1_000_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    parser.add_argument("--steps", nargs="+", default=["ingest", "features", "emojis"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--max-generate",
        type=int,
        default=None,
        help="Largest event generated at once; larger sizes ingest several events together "
        "(default: one event per size).",
    )
    parser.add_argument("--out", type=Path, default=None, help="Work folder (default: temp).")
    parser.add_argument("--json", type=Path, default=None, help="Write the results here.")
    args = parser.parse_args()
    root = args.out or Path(tempfile.mkdtemp(prefix="bench_scale_"))
    root.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    env_note = f"{os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB"
    print(f"# bench_scale: {env_note}; work folder {root}", file=sys.stderr)
    for posts in args.posts:
        folder = root / f"n{posts}"
        folder.mkdir(exist_ok=True)
        if not (folder / "event.toml").exists():
            # one generated event per size; above --max-generate posts, several generated
            # events (seeds seed, seed+1...) ingested together
            parts = -(-posts // args.max_generate) if args.max_generate else 1
            for i in range(parts):
                name = "posts.jsonl.gz" if parts == 1 else f"posts_{i}.jsonl.gz"
                synth = run_measured(
                    [*CLI, "synth", "--seed", str(args.seed + i), "--posts", str(posts // parts),
                     "-q", "-o", name, "--event", "event.toml" if i == 0 else f"event_{i}.toml"],
                    folder,
                )  # fmt: skip
                rows.append({"posts": posts, "step": "synth", "workers": 0, "part": i, **synth})
                print(json.dumps(rows[-1]), file=sys.stderr)
            if parts > 1:
                write_event_all(folder, [f"posts_{i}.jsonl.gz" for i in range(parts)])
        for step in args.steps:
            for workers in [0] if step in ("ingest", "firestorm") else args.workers:
                measured = run_measured(steps_for(folder, step, workers), folder)
                rows.append({"posts": posts, "step": step, "workers": workers, **measured})
                print(json.dumps(rows[-1]), file=sys.stderr)
                if args.json:
                    args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print("| posts | step | workers | seconds | CPU s | peak MB (all processes) |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['posts']:,} | {r['step']} | {r['workers']} | {r['seconds']} "
            f"| {r['cpu_s']} | {r['peak_mb']} |"
        )
    print()
    for step in ["synth", *args.steps]:
        for workers in sorted({r["workers"] for r in rows}):
            chosen = [r for r in rows if r["step"] == step and r["workers"] == workers]
            for key in ("seconds", "cpu_s"):
                fitted = slope(chosen, key)
                if fitted:
                    print(
                        f"{step} (workers {workers}, {key}): {fitted[0]:.1f} s per million "
                        f"posts; per-post time largest/smallest = {fitted[1]:.2f}"
                    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
