"""Fuzz every reader: byte and structure mutations of the shared real files, through ingest.

Each case is one real file from ``../shared/data`` (Twitter v1.1, twarc2 v2 pages and
flat lines, twarc-csv CSVs, CrisisLex CSVs, Bluesky, Mastodon, Reddit and Telegram
samples), cut to a small slice and mutated with a seeded generator:

- bytes: flip bytes, insert a newline, delete / duplicate / swap a range or lines,
  truncate, insert a hostile token (a lone ``null`` line, 10,000 ``[``, a NUL byte,
  invalid UTF-8, ``1e400``, ``NaN``, a stray quote, U+2028);
- structure: in a JSON record (or document), replace a value by another type (number,
  string, list, object, null, bool, a 5,000-deep list, a 100,000-character string) or
  delete a key; in a CSV, replace a cell (``1e400``, ``NaN``, a quote, a newline, a
  bad date), add or drop a cell, open a quote that never closes;
- compression: some cases are gzip / bz2 / zstd compressed, some of those truncated or
  with a damaged byte inside the compressed stream.

Every case goes through :func:`crowdpulse.io.ingest.ingest` in a worker subprocess
(one per batch, restarted after a crash), so that a segmentation fault is caught and
attributed to its case. A case is:

- ``ok``: ingest finished and ``read == kept + filtered + quarantined`` and the corpus
  has ``kept`` rows;
- ``error``: a :class:`~crowdpulse.exceptions.CrowdpulseError` (a one-line message);
- ``oserror``: an :class:`OSError` (the CLI prints it as one line, exit 1);
- ``crash``: any other exception (a traceback), a signal, or no answer in 60 s;
- ``violation``: finished, but the accounting or the row count is wrong.

Usage::

    python benchmarks/fuzz_readers.py --cases 10000 --seed 1 --out fuzz.json

Prints a summary (counts by reader and outcome, crashes by reader and signature) and
writes every failing case (seed file, mutation, signature) to ``--out``; ``--keep DIR``
keeps the failing inputs to reproduce them.
"""

from __future__ import annotations

import argparse
import bz2
import csv
import gzip
import io
import json
import os
import random
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SLICE_LINES = 60  # lines of a line-based seed file kept per case
SLICE_BYTES = 96_000  # at most this much of a seed file
CASE_TIMEOUT = 60.0

# --------------------------------------------------------------------------- seeds


def seed_files(data: Path = DATA) -> list[tuple[str, Path]]:
    """Every shared real file the readers take: ``(family, path)``."""
    found: list[tuple[str, Path]] = []

    def add(family: str, paths: Iterator[Path]) -> None:
        found.extend((family, p) for p in sorted(paths) if p.is_file())

    add("twitter-v1", (data / "twitter_v1_sample").glob("*.jsonl"))
    add("twitter-v2", (data / "twitter_v2_twarc").glob("*.json*"))
    add("twarc-csv", (data / "twitter_v2_twarc" / "twarc_csv").glob("*.csv"))
    add("crisislex-t26", (data / "crisislex" / "CrisisLexT26").glob("*/*labeled.csv"))
    add("crisislex-t6", (data / "crisislex" / "CrisisLexT6").glob("*/*.csv"))
    for platform in ("bluesky", "mastodon", "reddit", "telegram"):
        folder = data / "platforms" / platform
        add(platform, (p for p in folder.glob("*") if p.suffix in (".json", ".jsonl", ".ndjson")))
    return found


def _slice(path: Path, rng: random.Random) -> bytes:
    """A slice of a seed file: whole documents, or a run of whole lines from a random start."""
    raw = path.read_bytes()
    if path.suffix == ".json" or len(raw) <= SLICE_BYTES:
        return raw
    lines = raw.splitlines(keepends=True)
    header = lines[:1] if path.suffix == ".csv" else []
    body = lines[1:] if header else lines
    start = rng.randrange(max(1, len(body) - SLICE_LINES))
    picked = body[start : start + SLICE_LINES]
    out = b"".join(header + picked)
    return out[:SLICE_BYTES]


# ------------------------------------------------------------------------ mutations

_TOKENS = (
    b"null",
    b"\nnull\n",
    b"\n[]\n",
    b"\n1\n",
    b'\n"x"\n',
    b"[" * 10_000,
    b"{" * 5_000,
    b'"',
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    b"1e400",
    b"-1e400",
    b"NaN",
    b"\r",
    b",",
    b"\\u0000",
    b"\xe2\x80\xa8",
    b"\n\n\n",
    b'{"a":',
)


_DEEP = "\u0001deep\u0001"  # stands for a 5,000-deep list until the record is dumped


def _dumps(value: Any) -> bytes:
    deep = b"[" * 5_000 + b"]" * 5_000
    return json.dumps(value).encode().replace(json.dumps(_DEEP).encode(), deep)


def _loads(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


_VALUES: tuple[Callable[[], Any], ...] = (
    lambda: 12345,
    lambda: -1,
    lambda: 1.5e308,
    lambda: "text",
    lambda: "",
    lambda: [],
    lambda: ["a", 1, None],
    lambda: {},
    lambda: {"a": {"b": [1]}},
    lambda: None,
    lambda: True,
    lambda: _DEEP,
    lambda: "x" * 100_000,
    lambda: "2015-13-45T99:99:99Z",
    lambda: [[1, 2], [3]],
    lambda: "12.5,abc",
)


def _byte_mutation(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    kind = rng.choice(
        ["flip", "newline", "delete", "duplicate", "truncate", "token", "swap_lines", "token",
         "split_value"]
    )  # fmt: skip
    n = len(data)
    at = rng.randrange(n + 1) if n else 0
    if kind == "flip" and n:
        out = bytearray(data)
        for _ in range(rng.randint(1, 5)):
            out[rng.randrange(n)] = rng.randrange(256)
        return bytes(out), kind
    if kind == "newline":
        return data[:at] + b"\n" + data[at:], kind
    if kind == "delete" and n:
        end = min(n, at + rng.randint(1, 200))
        return data[:at] + data[end:], kind
    if kind == "duplicate" and n:
        end = min(n, at + rng.randint(1, 400))
        return data[:end] + data[at:end] + data[end:], kind
    if kind == "truncate":
        return data[:at], kind
    if kind == "split_value":  # a newline between a key and its value (a lone value line)
        colons = [i for i in range(len(data) - 1) if data[i : i + 2] == b'":']
        if colons:
            cut = rng.choice(colons) + 2
            return data[:cut] + b"\n" + data[cut:], kind
    if kind == "swap_lines":
        lines = data.splitlines(keepends=True)
        if len(lines) > 2:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        return b"".join(lines), kind
    token = rng.choice(_TOKENS)
    return data[:at] + token + data[at:], f"token {token[:12]!r}"


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node[:20]):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


def _mutate_json(node: Any, rng: random.Random) -> tuple[Any, str]:
    paths = list(_paths(node))
    if not paths:
        return rng.choice(_VALUES)(), "replace root"
    path = rng.choice(paths)
    parent = node
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if isinstance(parent, dict) and rng.random() < 0.2:
        del parent[last]
        return node, f"delete {'.'.join(map(str, path))}"
    value = rng.choice(_VALUES)()
    parent[last] = value
    shown = "deep list" if value == _DEEP else type(value).__name__
    return node, f"set {'.'.join(map(str, path))} = {shown}"


def _structure_mutation(data: bytes, suffix: str, rng: random.Random) -> tuple[bytes, str]:
    if suffix == ".csv":
        return _csv_mutation(data, rng)
    if suffix == ".json":
        document = _loads(data)
        if document is None:
            return _byte_mutation(data, rng)
        mutated, what = _mutate_json(document, rng)
        return _dumps(mutated), what
    lines = data.splitlines(keepends=True)
    candidates = [i for i, line in enumerate(lines) if line.strip().startswith(b"{")]
    if not candidates:
        return _byte_mutation(data, rng)
    index = rng.choice(candidates)
    record = _loads(lines[index])
    if record is None:
        return _byte_mutation(data, rng)
    mutated, what = _mutate_json(record, rng)
    lines[index] = _dumps(mutated) + b"\n"
    return b"".join(lines), f"line {index + 1}: {what}"


def _csv_mutation(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    text = data.decode("utf-8", errors="replace")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:  # an earlier mutation broke the CSV beyond Python's reader
        return _byte_mutation(data, rng)
    if len(rows) < 2:
        return _byte_mutation(data, rng)
    r = rng.randrange(1, len(rows))
    row = rows[r]
    kind = rng.choice(["cell", "cell", "add", "drop", "open_quote"])
    if kind == "open_quote":
        lines = text.splitlines(keepends=True)
        i = rng.randrange(1, len(lines))
        lines[i] = '"' + lines[i]
        return "".join(lines).encode(), f"open quote at line {i + 1}"
    if kind == "add":
        row.append("extra")
    elif kind == "drop" and row:
        row.pop(rng.randrange(len(row)))
    elif row:
        c = rng.randrange(len(row))
        row[c] = rng.choice(
            ["", "1e400", "NaN", "inf", '"', "a,b", "\n", "x" * 50_000, "-", "2015-13-45", "[1]"]
        )
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode(), f"row {r + 1}: {kind}"


def make_case(family: str, path: Path, rng: random.Random) -> tuple[bytes, str, str]:
    """One mutated input: ``(bytes, file suffix, description)``."""
    data = _slice(path, rng)
    suffix = path.suffix if path.suffix in (".json", ".csv") else ".jsonl"
    steps = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        if rng.random() < 0.5:
            try:
                data, what = _structure_mutation(data, suffix, rng)
            except Exception:  # the harness itself must never stop: fall back to bytes
                data, what = _byte_mutation(data, rng)
        else:
            data, what = _byte_mutation(data, rng)
        steps.append(what)
    roll = rng.random()
    if roll < 0.12:
        codec = rng.choice(["gz", "bz2", "zst"])
        if codec == "gz":
            data = gzip.compress(data, mtime=0)
        elif codec == "bz2":
            data = bz2.compress(data)
        else:
            import zstandard

            data = zstandard.ZstdCompressor().compress(data)
        suffix += "." + codec
        damage = rng.random()
        if damage < 0.4 and len(data) > 20:
            data = data[: rng.randrange(10, len(data))]
            steps.append(f"{codec} truncated")
        elif damage < 0.7 and len(data) > 20:  # a damaged byte inside the compressed stream
            out = bytearray(data)
            for _ in range(rng.randint(1, 3)):
                out[rng.randrange(10, len(out))] = rng.randrange(256)
            data = bytes(out)
            steps.append(f"{codec} corrupted")
        else:
            steps.append(codec)
    return data, suffix, "; ".join(steps)


# --------------------------------------------------------------------------- worker


def _signature(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "crowdpulse" in f.filename]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    place = f"{Path(where.filename).name}:{where.name}" if where else "?"
    return f"{type(exc).__name__} at {place}"


def _self_test(path: str) -> None:
    """With FUZZ_SELF_TEST=1: cases named ``*.segv`` / ``*.raise`` crash on purpose."""
    if os.environ.get("FUZZ_SELF_TEST") != "1":
        return
    if path.endswith(".segv"):
        import signal

        os.kill(os.getpid(), signal.SIGSEGV)
    if path.endswith(".raise"):
        raise KeyError("planted")


def worker() -> None:
    """Read case paths on stdin (one JSON object a line); answer on stdout."""
    from crowdpulse.exceptions import CrowdpulseError
    from crowdpulse.io.ingest import IngestOptions, ingest

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    options = IngestOptions(keep_retweets=True)
    out_dir = Path(tempfile.mkdtemp(prefix="crowdpulse-fuzz-out-"))
    try:
        for line in sys.stdin:
            case = json.loads(line)
            print(json.dumps({"start": case["id"]}), flush=True)
            result: dict[str, Any] = {"id": case["id"]}
            out = out_dir / "corpus.parquet"
            try:
                _self_test(case["path"])
                summary = ingest([case["path"]], out, options=options, quiet=True)
            except CrowdpulseError as exc:
                result.update(outcome="error", signature=type(exc).__name__, message=str(exc))
            except OSError as exc:
                result.update(outcome="oserror", signature=_signature(exc))
            except BaseException as exc:
                result.update(outcome="crash", signature=_signature(exc), message=str(exc)[:200])
            else:
                total = summary.kept + sum(summary.filtered.values()) + summary.quarantined
                rows = _rows(out) if out.exists() else 0
                if summary.read != total:
                    result.update(
                        outcome="violation",
                        signature=f"read {summary.read} != kept+filtered+quarantined {total}",
                    )
                elif rows != summary.kept:
                    result.update(
                        outcome="violation", signature=f"kept {summary.kept} != {rows} rows"
                    )
                else:
                    result.update(outcome="ok", read=summary.read)
            for leftover in out_dir.iterdir():
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink()
            print(json.dumps(result), flush=True)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.read_metadata(path).num_rows)


# --------------------------------------------------------------------------- driver


def _run_batch(cases: list[dict[str, Any]], results: dict[int, dict[str, Any]]) -> None:
    """Run cases in worker processes, restarting after a crash or a hang."""
    pending = list(cases)
    env = dict(os.environ, PYTHONFAULTHANDLER="0")
    while pending:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("".join(json.dumps(c) + "\n" for c in pending))
        proc.stdin.close()
        current: int | None = None
        while True:
            ready, _, _ = select.select([proc.stdout], [], [], CASE_TIMEOUT)
            if not ready:
                proc.kill()
                proc.wait()
                if current is not None:
                    results[current] = {"id": current, "outcome": "crash", "signature": "hang"}
                break
            line = proc.stdout.readline()
            if not line:
                code = proc.wait()
                if current is not None:
                    signal_name = f"signal {-code}" if code < 0 else f"exit {code}"
                    results[current] = {
                        "id": current,
                        "outcome": "crash",
                        "signature": f"died: {signal_name}",
                    }
                break
            message = json.loads(line)
            if "start" in message:
                current = message["start"]
            else:
                results[message["id"]] = message
                current = None
        done = set(results)
        left = [c for c in pending if c["id"] not in done]
        if len(left) == len(pending):  # the worker died before its first case (an import error)
            first = left.pop(0)
            results[first["id"]] = {
                "id": first["id"],
                "outcome": "crash",
                "signature": f"worker failed to start (exit {proc.returncode})",
            }
        pending = left


def run(
    cases: int,
    seed: int,
    batch: int = 200,
    keep: Path | None = None,
    quiet: bool = False,
    out: Path | None = None,
) -> dict[str, Any]:
    """Generate and run ``cases`` mutated inputs; return the summary.

    With ``out``, the summary so far is written there after every batch.
    """
    seeds = seed_files()
    if not seeds:
        raise SystemExit(f"no shared data at {DATA}")
    by_family: dict[str, list[Path]] = defaultdict(list)
    for family, path in seeds:
        by_family[family].append(path)
    families = sorted(by_family)
    work = Path(tempfile.mkdtemp(prefix="crowdpulse-fuzz-"))
    started = time.perf_counter()
    results: dict[int, dict[str, Any]] = {}
    described: dict[int, dict[str, Any]] = {}
    try:
        for first in range(0, cases, batch):
            specs: list[dict[str, Any]] = []
            for case in range(first, min(cases, first + batch)):
                rng = random.Random(f"{seed}:{case}")
                family = families[case % len(families)]  # every reader family in turn
                path = rng.choice(by_family[family])
                data, suffix, what = make_case(family, path, rng)
                file = work / f"case{case}{suffix}"
                file.write_bytes(data)
                described[case] = {"family": family, "seed_file": str(path.relative_to(DATA)),
                                   "mutation": what, "path": str(file)}  # fmt: skip
                specs.append({"id": case, "path": str(file)})
            _run_batch(specs, results)
            for spec in specs:
                outcome = results[spec["id"]]["outcome"]
                if keep is not None and outcome in ("crash", "violation"):
                    keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy(spec["path"], keep / Path(spec["path"]).name)
                Path(spec["path"]).unlink()
            if not quiet:
                print(f"  {len(results):,} / {cases:,} cases", file=sys.stderr, flush=True)
            if out is not None:
                partial = summarise(results, described, seed, time.perf_counter() - started)
                out.write_text(json.dumps(partial, indent=2) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return summarise(results, described, seed, time.perf_counter() - started)


def summarise(
    results: dict[int, dict[str, Any]],
    described: dict[int, dict[str, Any]],
    seed: int,
    seconds: float,
) -> dict[str, Any]:
    """Counts by reader family and outcome, and the failing cases grouped by signature."""
    by_family: dict[str, Counter[str]] = defaultdict(Counter)
    failures: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case, result in sorted(results.items()):
        info = described[case]
        by_family[info["family"]][result["outcome"]] += 1
        if result["outcome"] in ("crash", "violation"):
            key = f"{info['family']} | {result['outcome']} | {result['signature']}"
            failures[key].append(
                {
                    "case": case,
                    "seed_file": info["seed_file"],
                    "mutation": info["mutation"],
                    "message": result.get("message"),
                }
            )
    outcomes: Counter[str] = Counter(r["outcome"] for r in results.values())
    errors: Counter[str] = Counter(
        re.sub(r"\d+", "N", str(r.get("message", "")).split(": ", 1)[-1])[:90]
        for r in results.values()
        if r["outcome"] == "error"
    )
    return {
        "seed": seed,
        "cases": len(results),
        "seconds": round(seconds, 1),
        "outcomes": dict(sorted(outcomes.items())),
        "by_family": {f: dict(sorted(c.items())) for f, c in sorted(by_family.items())},
        "failures": {k: {"count": len(v), "examples": v[:5]} for k, v in sorted(failures.items())},
        "top_errors": dict(errors.most_common(15)),
    }


def main() -> None:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=200, help="cases per worker process")
    parser.add_argument("--out", type=Path, help="write the summary as JSON here")
    parser.add_argument("--keep", type=Path, help="copy failing inputs into this folder")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    summary = run(args.cases, args.seed, args.batch, args.keep, out=args.out)
    print(json.dumps({k: summary[k] for k in ("seed", "cases", "seconds", "outcomes")}))
    for family, counts in summary["by_family"].items():
        print(f"  {family:<15} {counts}")
    for key, failure in summary["failures"].items():
        print(f"  {failure['count']:>5}  {key}")


if __name__ == "__main__":
    main()
