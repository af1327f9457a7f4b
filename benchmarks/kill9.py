"""kill -9 ``ingest``, ``features`` and ``report`` at random moments; check what is left.

For each command: one full run makes the "previous" output and measures how long the
command takes; then ``--runs`` times (seeded), the command is started over that output
and sent SIGKILL after a random fraction of that time. After each kill:

- *no partial output*: the output is byte-identical to the previous one, or a complete
  new one (a readable Parquet file with the same rows; for the report, every stage
  folder's files match its manifest and ``report.html`` is whole);
- *no stray process*: no process that inherited this run's marker (an environment
  variable) is still alive a moment later (the features workers die with their parent);
- *no stale temporary after the next run*: the hidden temporaries a kill leaves are
  removed by the next run writing to the same folder (checked after a final full run).

Usage::

    python benchmarks/kill9.py --runs 50 --seed 1 --out kill9.json

``watch`` is covered by its own checkpoint tests (``watch --state``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-c", "from crowdpulse.cli import main; main()"]
MARK = "CROWDPULSE_KILL9_RUN"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _strays(token: str) -> list[int]:
    """Live (not zombie) processes that carry this run's marker in their environment."""
    found = []
    needle = f"{MARK}={token}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle not in handle.read().split(b"\0"):
                    continue
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            found.append(int(entry))
    return found


def _temporaries(folder: Path) -> list[str]:
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob(".*")
        if ".crowdpulse-tmp-" in p.name or ".tmp-" in p.name or ".old-" in p.name
    )


def _parquet_rows(path: Path) -> int | None:
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(path).read().num_rows)
    except Exception:
        return None


def _report_complete(folder: Path) -> str | None:
    """None if every stage folder matches its manifest and the page is whole; else why."""
    for manifest_path in folder.glob("*/manifest.json"):
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except ValueError:
            return f"{manifest_path}: unreadable manifest"
        for name, info in manifest.get("outputs", {}).items():
            path = manifest_path.parent / name
            if not path.is_file() or path.stat().st_size != info["bytes"]:
                return f"{path}: missing or of the wrong size"
    page = folder / "report.html"
    if page.exists() and not page.read_text(encoding="utf-8").rstrip().endswith("</html>"):
        return "report.html is cut"
    return None


class Command:
    """One command under test: how to run it and how to judge its output."""

    def __init__(self, name: str, args: list[str], output: Path, rows: int | None) -> None:
        self.name = name
        self.args = args
        self.output = output
        self.rows = rows
        self.previous: str | None = None

    def snapshot(self) -> None:
        if self.output.is_file():
            self.previous = _sha(self.output)

    def judge(self) -> str | None:
        """None if the output is the previous one or a complete new one; else what is wrong."""
        if self.name == "report":
            return _report_complete(self.output)
        if not self.output.exists():
            return "output missing"
        if _sha(self.output) == self.previous:
            return None
        rows = _parquet_rows(self.output)
        if rows is None:
            return "output is not a readable Parquet file"
        if self.rows is not None and rows != self.rows:
            return f"output has {rows} rows, expected {self.rows}"
        return None


def _run(args: list[str], token: str, cwd: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, **{MARK: token})
    return subprocess.Popen(
        [*CLI, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def main() -> None:
    """Run the experiment (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="kills per command")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--commands", default="ingest,features,report")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="crowdpulse-kill9-"))
    results: dict[str, Any] = {"seed": args.seed, "runs": args.runs, "commands": {}}
    try:
        subprocess.run(
            [*CLI, "synth", "--seed", str(args.seed), "--posts", str(args.posts), "--days", "6",
             "-o", "posts.jsonl.gz", "--event", "event.toml", "--quiet"],
            cwd=work, check=True,
        )  # fmt: skip
        subprocess.run(
            [*CLI, "ingest", "posts.jsonl.gz", "-o", "corpus.parquet", "--keep-retweets", "-q"],
            cwd=work, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        rows = _parquet_rows(work / "corpus.parquet")
        commands = {
            "ingest": Command(
                "ingest",
                ["ingest", "posts.jsonl.gz", "-o", "corpus.parquet", "--keep-retweets", "-q"],
                work / "corpus.parquet",
                rows,
            ),
            "features": Command(
                "features",
                [
                    "features",
                    "corpus.parquet",
                    "-o",
                    "features.parquet",
                    "-j",
                    "2",
                    "--batch-size",
                    "2000",
                    "-q",
                ],
                work / "features.parquet",
                rows,
            ),
            "report": Command(
                "report",
                [
                    "report",
                    "event.toml",
                    "-o",
                    "report",
                    "--model",
                    "logreg",
                    "--folds",
                    "2",
                    "--no-emoji-ablation",
                    "--no-svg",
                    "-j",
                    "2",
                    "--force",
                    "-q",
                ],
                work / "report",
                None,
            ),
        }
        for name in args.commands.split(","):
            command = commands[name]
            started = time.perf_counter()
            subprocess.run([*CLI, *command.args], cwd=work, check=True, stdout=subprocess.DEVNULL)
            duration = time.perf_counter() - started
            command.snapshot()
            bad: list[str] = []
            strays = 0
            left_after_kill = 0
            finished = 0
            killed = 0
            attempt = 0
            # until --runs kills happened: a run that ends before its kill shortens the
            # time the next kills are drawn from (later runs reuse warm caches)
            while killed < args.runs and attempt < 3 * args.runs:
                token = f"{name}-{attempt}-{os.getpid()}"
                attempt += 1
                delay = rng.uniform(0.02, 0.95) * duration
                proc = _run(command.args, token, work)
                started = time.perf_counter()
                try:
                    proc.wait(timeout=delay)
                    finished += 1  # it finished before the kill
                    duration = min(duration, time.perf_counter() - started)
                except subprocess.TimeoutExpired:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    killed += 1
                time.sleep(0.5)
                alive = _strays(token)
                if alive:
                    strays += len(alive)
                    for pid in alive:
                        os.kill(pid, signal.SIGKILL)
                problem = command.judge()
                if problem:
                    bad.append(f"attempt {attempt} (killed at {delay:.2f} s): {problem}")
                folder = command.output if name == "report" else command.output.parent
                left_after_kill += bool(_temporaries(folder))
                command.snapshot()
            # one more full run: it must clean what the killed runs left
            subprocess.run([*CLI, *command.args], cwd=work, check=True, stdout=subprocess.DEVNULL)
            folder = command.output if name == "report" else command.output.parent
            remaining = _temporaries(folder)
            problem = command.judge()
            results["commands"][name] = {
                "shortest_full_run_seconds": round(duration, 2),
                "killed": killed,
                "finished_before_kill": finished,
                "partial_outputs": bad,
                "stray_processes": strays,
                "kills_that_left_temporaries": left_after_kill,
                "temporaries_after_next_run": remaining,
                "final_output_ok": problem is None,
            }
            print(json.dumps({name: results["commands"][name]}), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
