"""Benchmark: ``crowdpulse report`` against running the commands one by one, in one run.

    .venv/bin/python benchmarks/bench_report.py [--posts 30000] [--seed 42] [--folds 10]

Generates a corpus with ``crowdpulse synth`` (seeded, planted solidarity and
firestorm), then times, each as a fresh process as a user would run them:

* the chain of commands a user would otherwise type for the same analyses:
  ``ingest`` (retweets dropped) -> ``features`` -> ``label`` -> ``classify
  evaluate`` (with and without emojis) -> ``geotag`` -> ``emojis``, and ``ingest
  --keep-retweets`` -> ``features`` -> ``firestorm`` for the networks;
* ``crowdpulse report`` on a fresh folder (every stage computed), then again with
  nothing changed (every stage cached);
* after changing one late parameter (the event's ``[emojis] min_count``):
  ``crowdpulse report`` (recomputes the emojis stage only) against ``crowdpulse
  emojis`` alone (a user who knows which step to redo) and the whole chain (a
  user re-running their script).

It checks that the chain and the report give the same numbers (label counts,
Table 1, the firestorm's start and alert count), then prints the times and ratios.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MODELS = ["svm-bigram", "svm-tfidf", "svm-tfidf-bigram", "logreg"]


def run(*args: str) -> tuple[float, str]:
    """Run ``crowdpulse ARGS`` in a new process; return its wall time and stdout."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "crowdpulse", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"crowdpulse {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def chain(event: Path, work: Path, folds: int, seed: int) -> tuple[float, dict[str, Any]]:
    """The commands one by one; returns the total time and the numbers to compare."""
    work.mkdir(parents=True, exist_ok=True)
    total = 0.0
    ev = str(event)
    steps = [
        ("ingest", "--event", ev, "-o", str(work / "originals.parquet"), "--quiet"),
        ("features", str(work / "originals.parquet"), "-o", str(work / "feat.parquet"), "-q"),
        ("label", str(work / "feat.parquet"), "--event", ev, "-o", str(work / "labelled.parquet"),
         "--json", "--quiet"),
    ]  # fmt: skip
    outputs = []
    for step in steps:
        seconds, out = run(*step)
        total += seconds
        outputs.append(out)
    labels = json.loads(outputs[-1])
    models = [arg for m in MODELS for arg in ("--model", m)]
    for extra in ([], ["--no-emoji"]):
        seconds, _ = run(
            "classify", "evaluate", str(work / "labelled.parquet"), "--folds", str(folds),
            "--balance", "undersample", "--seed", str(seed), *models, *extra, "--json", "-q",
        )  # fmt: skip
        total += seconds
    for step in (
        ("geotag", str(work / "labelled.parquet"), "-o", str(work / "geo.parquet"), "--quiet"),
        ("ingest", "--event", ev, "-o", str(work / "all.parquet"), "--keep-retweets", "--quiet"),
        ("features", str(work / "all.parquet"), "-o", str(work / "all_feat.parquet"), "-q"),
    ):
        seconds, _ = run(*step)
        total += seconds
    seconds, out = run(
        "firestorm", str(work / "all_feat.parquet"), "--event", ev,
        "-o", str(work / "firestorm"), "--json", "--quiet",
    )  # fmt: skip
    total += seconds
    firestorm = json.loads(out)
    seconds, emojis = emojis_only(event, work)
    total += seconds
    return total, {
        "labels": labels,
        "table1": emojis["table1"],
        "start": firestorm["start"],
        "alerts": firestorm["alerts"],
    }


def emojis_only(event: Path, work: Path) -> tuple[float, dict[str, Any]]:
    """``crowdpulse emojis`` on the geotagged, labelled corpus."""
    seconds, out = run(
        "emojis", str(work / "geo.parquet"), "--event", str(event),
        "-o", str(work / "emojis"), "--json", "--quiet",
    )  # fmt: skip
    return seconds, json.loads(out)


def report(event: Path, out: Path, folds: int, seed: int) -> tuple[float, dict[str, Any]]:
    """``crowdpulse report``; returns its time and its JSON summary."""
    seconds, text = run(
        "report", str(event), "-o", str(out), "--folds", str(folds), "--seed", str(seed),
        "--json", "--quiet",
    )  # fmt: skip
    return seconds, json.loads(text)


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--folds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        root = Path(tmp)
        event = root / "event.toml"
        run(
            "synth", "--seed", str(args.seed), "--posts", str(args.posts), "--noise",
            "-o", str(root / "posts.jsonl.gz"), "--event", str(event), "--quiet",
        )  # fmt: skip
        print(f"corpus: crowdpulse synth --seed {args.seed} --posts {args.posts} --noise")

        t_chain, ours = chain(event, root / "chain", args.folds, args.seed)
        t_cold, _ = report(event, root / "report", args.folds, args.seed)
        t_warm, warm = report(event, root / "report", args.folds, args.seed)
        assert warm["stages"]["run"] == [], warm["stages"]

        stages = json.loads((root / "report" / "report.json").read_text())
        details = stages["details"]
        assert details
        manifest = json.loads((root / "report" / "stages" / "emojis" / "manifest.json").read_text())
        labels = json.loads((root / "report" / "stages" / "labels" / "manifest.json").read_text())
        firestorm = json.loads(
            (root / "report" / "stages" / "firestorm" / "manifest.json").read_text()
        )
        counts = labels["summary"]["counts"]
        same = (
            counts["solidarity"] == ours["labels"]["solidarity"]
            and counts["not_solidarity"] == ours["labels"]["not_solidarity"]
            and manifest["summary"]["table1"] == ours["table1"]
            and firestorm["summary"]["start"] == ours["start"]
            and firestorm["summary"]["alerts"] == ours["alerts"]
        )
        if not same:
            raise SystemExit("the report and the chain of commands disagree")

        text = event.read_text().replace("min_count = 25", "min_count = 10")
        assert text != event.read_text()
        event.write_text(text)
        t_changed, changed = report(event, root / "report", args.folds, args.seed)
        assert changed["stages"]["run"] == ["emojis"], changed["stages"]
        t_emojis, _ = emojis_only(event, root / "chain")

    print("identical label counts, Table 1, firestorm start and alerts: yes")
    print()
    rows = [
        ("chain of 10 commands (all analyses)", t_chain, None),
        ("crowdpulse report, fresh folder", t_cold, t_chain / t_cold),
        ("crowdpulse report, nothing changed", t_warm, t_cold / t_warm),
        ("crowdpulse report, [emojis] min_count changed", t_changed, t_chain / t_changed),
        ("crowdpulse emojis alone (same change)", t_emojis, t_emojis / t_changed),
    ]
    print(f"{'run':<48}{'seconds':>10}{'ratio':>10}")
    for name, seconds, ratio in rows:
        shown = "" if ratio is None else f"{ratio:.2f}x"
        print(f"{name:<48}{seconds:>10.1f}{shown:>10}")
    print()
    print("ratios: report fresh vs chain = chain / report; nothing changed = fresh / cached;")
    print("min_count changed = chain / report; emojis alone = emojis / report (both redo one step)")


if __name__ == "__main__":
    main()
