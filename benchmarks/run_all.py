"""Run every benchmark in this folder, one after the other (``make bench``).

    python benchmarks/run_all.py [--only ingest,detect]

Each benchmark prints its own comparison and ratios; docs/performance.md records the
numbers. The whole set takes a while on 2 cores (the ingest and detect benchmarks time
the slow peers: pandas, ruptures); ``--only`` picks some.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="Comma-separated names, e.g. ingest,geo.")
    args = parser.parse_args()
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    scripts = sorted(HERE.glob("bench_*.py"))
    failed = []
    for script in scripts:
        name = script.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"\n=== {name} ({script.name})", flush=True)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], check=False)
        print(f"=== {name}: exit {result.returncode} in {time.perf_counter() - start:.0f} s")
        if result.returncode:
            failed.append(name)
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
