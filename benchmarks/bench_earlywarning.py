"""Early warning on 200+ generated streams with a known truth (issue 10, item 4).

Runs :func:`crowdpulse.firestorm.evaluate_early_warning` (the episode monitor of
:mod:`crowdpulse.firestorm.monitor` with its default settings) on seeded streams of
:func:`crowdpulse.firestorm.generate_stream` and prints the detection rate, the
median and 90th-percentile delay from the true start (collections starting at
least 4 h before the storm), false episodes per 10 stream-days, and the same per
scenario; then two ablations (no share rule, no in-degree rule) and the memory a
target costs (the pickled monitor state).

The monitor's constants were tuned on seeds 100000-100199; the default report
range is seeds 0-199 (not looked at while tuning).

With ``--real DIR`` (e.g. ``../shared/data``) it also runs the whole firestorm
pipeline on the real v1.1 and twarc2 files there, for the three most mentioned
accounts of each, and prints their episode alerts (none are expected: the files
span minutes).

Run:  .venv/bin/python benchmarks/bench_earlywarning.py [--seeds 200] [--first 0] [--real DIR]
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from collections import Counter
from pathlib import Path

from crowdpulse.firestorm.earlywarning import SCENARIOS, evaluate_early_warning
from crowdpulse.firestorm.monitor import EpisodeMonitor, MonitorOptions

GOALS = {
    "detection_rate": (">=", 0.95),
    "median_delay_hours": ("<=", 1.0),
    "p90_delay_hours": ("<=", 2.0),
    "false_episodes_per_10_days": ("<=", 1.0),
}


def _line(name: str, s: dict) -> str:
    return (
        f"{name:<24} {s['found']:>3}/{s['storm_streams']:<3} {100 * s['detection_rate']:6.1f}%  "
        f"median {s['median_delay_hours']:.2f} h  p90 {s['p90_delay_hours']:.2f} h  "
        f"max {s['max_delay_hours']:.1f} h  false {s['false_episodes']} in "
        f"{s['stream_days']:.0f} days = {s['false_episodes_per_10_days']:.2f} per 10 days"
    )


REAL_FILES = (
    "twitter_v1_sample/napa_earthquake_2014_sample.jsonl",
    "twitter_v2_twarc/2sets.jsonl",
    "twitter_v2_twarc/brexit.jsonl",
    "twitter_v2_twarc/kpop.jsonl",
    "twitter_v2_twarc/flat.jsonl",
    "twitter_v2_twarc/noflat.jsonl",
)


def real_files(folder: Path) -> None:
    """Episodes for the three most mentioned accounts of every real file."""
    import pyarrow.compute as pc

    from crowdpulse.firestorm import FirestormOptions, run_firestorm
    from crowdpulse.io import read_posts

    options = FirestormOptions(offline=False, lexical=False)
    for name in REAL_FILES:
        table, _ = read_posts([folder / name])
        times = table.column("created_at")
        minutes = (pc.max(times).value - pc.min(times).value) / 60e6
        mentioned = Counter(
            h for hs in table.column("mention_handles").to_pylist() for h in set(hs or ())
        )
        print(f"{name}: {table.num_rows} posts over {minutes:.1f} min")
        for rank, (handle, count) in enumerate(mentioned.most_common(3), start=1):
            result = run_firestorm(table, f"@{handle}", options=options)
            kinds = dict(Counter(e.kind for e in result.episodes)) or "none"
            print(f"  account #{rank}: {count} mentions, {result.series.num_rows} buckets, "
                  f"{len(result.alerts)} per-series alerts, episodes {kinds}")  # fmt: skip
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--real", help="folder of the shared real data (../shared/data)")
    args = parser.parse_args()
    if args.real:
        real_files(Path(args.real))
    seeds = range(args.first, args.first + args.seeds)
    t0 = time.perf_counter()
    evaluation = evaluate_early_warning(seeds)
    seconds = time.perf_counter() - t0
    summary = evaluation.summary()
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"seeds {args.first}..{args.first + args.seeds - 1}: {len(evaluation.rows)} streams "
          f"({summary['storm_streams']} with a storm), {seconds:.2f} s")  # fmt: skip
    print(_line("default", summary))
    print(f"  delays over {summary['delay_streams']} storms whose collection starts >= 4 h "
          f"before; escalations per storm {summary['escalations_per_storm']:.2f}")  # fmt: skip
    print("\nper scenario:")
    print(f"{'scenario':<10} {'streams':>7} {'found':>5} {'median delay':>12} {'false':>5} "
          f"{'days':>6}")  # fmt: skip
    for name in SCENARIOS:
        row = summary["scenarios"].get(name)
        if row is None:
            continue
        median = "-" if row["median_delay_hours"] is None else f"{row['median_delay_hours']:.2f} h"
        print(f"{name:<10} {row['streams']:>7} {row['found']:>5} {median:>12} "
              f"{row['false_episodes']:>5} {row['days']:>6.1f}")  # fmt: skip
    print("\nablations (same seeds):")
    print(_line("without the share rule", evaluate_early_warning(seeds, share=False).summary()))
    print(_line("without the in-degree", evaluate_early_warning(seeds, in_degree=False).summary()))
    print("\ngoals:")
    for key, (op, bound) in GOALS.items():
        value = summary[key]
        ok = value >= bound if op == ">=" else value <= bound
        print(f"  {key:<28} {value:8.3f} {op} {bound}: {'met' if ok else 'NOT met'}")
    monitor = EpisodeMonitor("@target", MonitorOptions())
    for k in range(500):
        monitor.update(float(k % 7), posts=100.0, in_degree=float(k % 5), moved=["lex_anger:all"])
    size = len(pickle.dumps(monitor.state()))
    print(f"\nmemory per target: the monitor's pickled state is {size} bytes after 500 buckets")


if __name__ == "__main__":
    main()
