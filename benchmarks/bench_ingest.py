"""Ingest of a generated v1.1 file: crowdpulse vs pandas vs pyarrow's raw parse, in one run.

    python benchmarks/bench_ingest.py [--posts 1000000] [--pandas-posts 50000]

- crowdpulse: ``crowdpulse.io.ingest`` — parse, full normalisation to the post schema,
  filters (retweets, duplicate texts), accounting and the Parquet write.
- pandas: ``pd.read_json(lines=True)`` + ``pd.json_normalize`` (what users write today);
  timed on the first ``--pandas-posts`` posts (it is too slow for the full file on this
  machine) and compared by posts/s.
- pyarrow: ``pyarrow.json.read_json`` of the whole file, raw parse only (no
  normalisation, no accounting, no output): the practical limit. With an inferred schema it
  fails on real-shaped tweets (it infers URL fields as timestamps from the first block), so
  the limit is measured with the explicit schema of the fields crowdpulse reads; the
  inferred attempt is reported too.

Each tool runs in a fresh process, which reports its own wall time and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_crowdpulse(path: str, out: str) -> dict:
    from crowdpulse.io import ingest

    start = time.perf_counter()
    summary = ingest([path], out)
    return {
        "seconds": time.perf_counter() - start,
        "posts": summary.read,
        "kept": summary.kept,
        "peak_mb": _peak_mb(),
    }


def run_pandas(path: str, posts: int) -> dict:
    import pandas as pd

    head = Path(path).with_suffix(".head.jsonl")
    with open(path, "rb") as src, open(head, "wb") as dst:
        for i, line in enumerate(src):
            if i >= posts:
                break
            dst.write(line)
    start = time.perf_counter()
    frame = pd.read_json(head, lines=True, dtype=False)
    flat = pd.json_normalize(frame.to_dict(orient="records"))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "posts": len(flat), "columns": flat.shape[1], "peak_mb": _peak_mb()}


def run_pyarrow(path: str, explicit: bool) -> dict:
    import pyarrow as pa
    import pyarrow.json as pj

    from crowdpulse.io.v1 import V1_SCHEMA

    options = (
        pj.ParseOptions(explicit_schema=V1_SCHEMA, unexpected_field_behavior="ignore")
        if explicit
        else pj.ParseOptions()
    )
    start = time.perf_counter()
    try:
        table = pj.read_json(path, parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        return {"failed": str(exc)[:200], "seconds": time.perf_counter() - start}
    return {"seconds": time.perf_counter() - start, "posts": table.num_rows, "peak_mb": _peak_mb()}


def _child(queue: mp.Queue, name: str, args: tuple) -> None:
    queue.put(globals()[name](*args))


def isolated(name: str, *args: object) -> dict:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, name, args))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--pandas-posts", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="crowdpulse-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"synth-{args.posts}.jsonl"
    if not data.exists():
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "crowdpulse",
                "synth",
                "--seed",
                str(args.seed),
                "--posts",
                str(args.posts),
                "--format",
                "v1",
                "-o",
                str(data),
                "--truth",
                str(work / "truth.json"),
                "--quiet",
            ],
            check=True,
        )
        print(f"generated {args.posts:,} posts in {time.perf_counter() - start:.1f} s")
    size_mb = data.stat().st_size / 1e6
    ours = isolated("run_crowdpulse", str(data), str(work / "corpus.parquet"))
    inferred = isolated("run_pyarrow", str(data), False)
    raw = isolated("run_pyarrow", str(data), True)
    pandas = isolated("run_pandas", str(data), args.pandas_posts)
    rate = {
        "crowdpulse": ours["posts"] / ours["seconds"],
        "pyarrow": raw["posts"] / raw["seconds"],
        "pandas": pandas["posts"] / pandas["seconds"],
    }
    result = {
        "posts": ours["posts"],
        "file_mb": round(size_mb, 1),
        "cores": os.cpu_count(),
        "crowdpulse": {
            **ours,
            "posts_per_s": rate["crowdpulse"],
            "mb_per_s": size_mb / ours["seconds"],
        },
        "pyarrow_raw_parse": {
            **raw,
            "posts_per_s": rate["pyarrow"],
            "mb_per_s": size_mb / raw["seconds"],
        },
        "pyarrow_inferred_schema": inferred,
        "pandas": {**pandas, "posts_per_s": rate["pandas"]},
        "speedup_vs_pandas": rate["crowdpulse"] / rate["pandas"],
        "time_vs_raw_parse": ours["seconds"] / raw["seconds"],
    }
    print(json.dumps(result, indent=2))
    print(
        f"\ncrowdpulse {rate['crowdpulse']:,.0f} posts/s "
        f"({result['crowdpulse']['mb_per_s']:.0f} MB/s, "
        f"peak {ours['peak_mb']:.0f} MB) | pyarrow raw parse {rate['pyarrow']:,.0f} posts/s "
        f"(peak {raw['peak_mb']:.0f} MB) | pandas {rate['pandas']:,.0f} posts/s\n"
        f"-> {result['speedup_vs_pandas']:.1f}x pandas, "
        f"{result['time_vs_raw_parse']:.2f}x the raw parse time"
    )


if __name__ == "__main__":
    main()
