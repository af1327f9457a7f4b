"""kill -9 ``ingest``, ``features``, ``report`` and ``watch`` at random moments; check what is left.

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

``watch`` (``--commands watch``) is judged differently, since it is a service that
resumes: on a seeded generated v1.1 stream with a firestorm and planted bad lines
(``synth --noise``), one uninterrupted ``watch --state --quarantine`` run gives the
reference alerts and quarantine; then ``--runs`` times (seeded) a fresh state is
started, killed with SIGKILL at a random moment, and restarted with the same
``--state`` until a run completes (each restart is itself killed with probability
``--watch-rekill``, at most ``--watch-max-kills`` kills a case). Per case it checks:
the alert lines of all the runs, concatenated, equal the reference's (lost and
repeated lines counted as multisets), the quarantine file equals the reference's, no
process with the run's marker is alive after a kill, and no temporary is left beside
the state and quarantine once the case completed. Each ``--watch-presets`` preset is
one experiment (``early-warning``: a few episode alerts; ``paper``: hundreds of
per-series change points, so many kills land near an alert). Then the known window
is forced: the process ends as under -9 right after a checkpoint, before (``0``) or
inside (``10``) the printing of the alerts that checkpoint counted as given out, and
is restarted (``forced_window``: the alerts this loses or repeats).
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


def _watch_case(
    work: Path,
    case: Path,
    args: list[str],
    duration: float,
    rng: random.Random,
    rekill: float,
    max_kills: int,
    token: str,
) -> dict[str, Any]:
    """Kill and restart one ``watch --state`` until a run completes; what it printed."""
    case.mkdir()
    runs: list[dict[str, Any]] = []
    lines: list[str] = []
    strays = 0
    kill_left_temporaries = 0
    while True:
        kill = len(runs) == 0 or (len(runs) < max_kills and rng.random() < rekill)
        delay = rng.uniform(0.02, 0.98) * duration if kill else None
        out = case / f"run{len(runs)}.out"
        with open(out, "wb") as handle:
            env = dict(os.environ, **{MARK: token})
            proc = subprocess.Popen(
                [*CLI, *args], cwd=work, env=env, stdout=handle, stderr=subprocess.DEVNULL
            )
            try:
                code = proc.wait(timeout=delay)
                killed = False
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                code = proc.wait()
                killed = True
        printed = out.read_text(encoding="utf-8").splitlines()
        lines += printed
        runs.append(
            {"kill_at": round(delay, 2) if killed and delay else None, "exit": code,
             "alerts": len(printed)}
        )  # fmt: skip
        if killed:
            time.sleep(0.3)
            alive = _strays(token)
            strays += len(alive)
            for pid in alive:
                os.kill(pid, signal.SIGKILL)
            kill_left_temporaries += any(
                p.name not in ("watch.state", "rejected.jsonl") and not p.name.endswith(".out")
                for p in case.iterdir()
            )
            continue
        if code != 0:
            runs[-1]["error"] = True
        break
    return {
        "runs": runs,
        "lines": lines,
        "strays": strays,
        "kills_that_left_temporaries": kill_left_temporaries,
    }


# Ends the process as -9 would (no finally, no last checkpoint) at the first alert
# printed after PRINTED alerts: after the checkpoint that counted it as given out.
_WINDOW = """
import os, sys, click
import crowdpulse.cli.watch as w
limit, count, echo = int(os.environ["PRINTED"]), [0], click.echo
def cut(message=None, *a, **k):
    if not k.get("err"):
        if count[0] == limit:
            sys.stdout.flush()
            os._exit(137)
        count[0] += 1
    return echo(message, *a, **k)
w.click.echo = cut
from crowdpulse.cli import main
main()
"""


def _watch_window(work: Path, base: list[str], expected: list[str], printed: int) -> dict[str, Any]:
    """Kill right after a checkpoint, before its alerts are printed; restart; compare."""
    from collections import Counter

    case = work / f"window-{printed}"
    case.mkdir()
    state = ["--state", f"{case.name}/watch.state", "--quarantine", f"{case.name}/rejected.jsonl"]
    env = dict(os.environ, PRINTED=str(printed))
    cmd = [sys.executable, "-c", _WINDOW, *base, *state]
    first = subprocess.run(cmd, cwd=work, env=env, stdout=subprocess.PIPE, check=False)
    second = subprocess.run([*CLI, *base, *state], cwd=work, stdout=subprocess.PIPE, check=True)
    lines = [*first.stdout.decode().splitlines(), *second.stdout.decode().splitlines()]
    shutil.rmtree(case, ignore_errors=True)
    return {
        "printed_before_kill": printed,
        "exit": first.returncode,
        "alerts": [len(first.stdout.splitlines()), len(second.stdout.splitlines())],
        "lost": sum((Counter(expected) - Counter(lines)).values()),
        "repeated": sum((Counter(lines) - Counter(expected)).values()),
    }


def _watch_experiment(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The ``watch`` kill/resume experiment for each preset (see the module docstring)."""
    from collections import Counter

    subprocess.run(
        [*CLI, "synth", "--seed", str(args.seed), "--posts", str(args.watch_posts), "--days",
         str(args.watch_days), "--format", "v1", "--noise", "-o", "stream.jsonl", "--quiet"],
        cwd=work, check=True,
    )  # fmt: skip
    results: dict[str, Any] = {}
    for preset in args.watch_presets.split(","):
        rng = random.Random(f"{args.seed}-watch-{preset}")
        base = ["watch", "stream.jsonl", "--target", "@flyzephyr", "--preset", preset,
                "--min-posts", str(args.watch_min_posts), "--checkpoint-buckets",
                str(args.watch_checkpoint_buckets), "-q"]  # fmt: skip
        ref = work / f"ref-{preset}"
        ref.mkdir()
        started = time.perf_counter()
        done = subprocess.run(
            [*CLI, *base, "--state", f"{ref.name}/watch.state", "--quarantine",
             f"{ref.name}/rejected.jsonl"],
            cwd=work, check=True, stdout=subprocess.PIPE,
        )  # fmt: skip
        duration = time.perf_counter() - started
        expected = done.stdout.decode("utf-8").splitlines()
        quarantine = (ref / "rejected.jsonl").read_bytes()
        cases: list[dict[str, Any]] = []
        for number in range(args.runs):
            case = work / f"{preset}-{number}"
            case_args = [*base, "--state", f"{case.name}/watch.state", "--quarantine",
                         f"{case.name}/rejected.jsonl"]  # fmt: skip
            token = f"watch-{preset}-{number}-{os.getpid()}"
            got = _watch_case(
                work, case, case_args, duration, rng, args.watch_rekill,
                args.watch_max_kills, token,
            )  # fmt: skip
            lines = got.pop("lines")
            lost = Counter(expected) - Counter(lines)
            repeated = Counter(lines) - Counter(expected)
            got.update(
                case=number,
                kills=sum(1 for r in got["runs"] if r["kill_at"] is not None),
                equal=lines == expected,
                lost=sum(lost.values()),
                repeated=sum(repeated.values()),
                lost_positions=sorted(expected.index(x) for x in lost),
                quarantine_equal=(case / "rejected.jsonl").is_file()
                and (case / "rejected.jsonl").read_bytes() == quarantine,
                # anything beside the state, the quarantine and the captured stdout
                temporaries_after_completion=sorted(
                    p.name
                    for p in case.iterdir()
                    if p.name not in ("watch.state", "rejected.jsonl")
                    and not (p.name.startswith("run") and p.name.endswith(".out"))
                ),
            )
            cases.append(got)
            print(json.dumps({f"watch:{preset}:case": got}), flush=True)
            if args.keep_failing and not (got["equal"] and got["quarantine_equal"]):
                shutil.copytree(case, args.keep_failing / case.name, dirs_exist_ok=True)
            shutil.rmtree(case, ignore_errors=True)
        results[preset] = {
            "reference_alerts": len(expected),
            "reference_quarantined": quarantine.count(b"\n"),
            "full_run_seconds": round(duration, 2),
            "cases": len(cases),
            "kills": sum(c["kills"] for c in cases),
            "cases_equal": sum(c["equal"] for c in cases),
            "cases_with_lost_alerts": sum(bool(c["lost"]) for c in cases),
            "lost_alerts": sum(c["lost"] for c in cases),
            "cases_with_repeated_alerts": sum(bool(c["repeated"]) for c in cases),
            "repeated_alerts": sum(c["repeated"] for c in cases),
            "quarantine_differs": sum(not c["quarantine_equal"] for c in cases),
            "stray_processes": sum(c["strays"] for c in cases),
            "kills_that_left_temporaries": sum(c["kills_that_left_temporaries"] for c in cases),
            "temporaries_after_completion": sum(
                bool(c["temporaries_after_completion"]) for c in cases
            ),
            "failed_runs": sum(bool(r.get("error")) for c in cases for r in c["runs"]),
            "bad_cases": [c for c in cases if not c["equal"] or not c["quarantine_equal"]],
        }
        results[preset]["forced_window"] = [
            _watch_window(work, base, expected, printed) for printed in (0, 10)
        ]
        print(json.dumps({f"watch:{preset}": results[preset]}), flush=True)
    return results


def main() -> None:
    """Run the experiment (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="kills per command")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--commands", default="ingest,features,report,watch")
    parser.add_argument("--watch-posts", type=int, default=2_000, help="posts of the stream")
    parser.add_argument("--watch-days", type=int, default=3)
    parser.add_argument("--watch-presets", default="early-warning,paper")
    parser.add_argument(
        "--watch-min-posts", type=float, default=3, help="small generated storms: lower"
    )
    parser.add_argument("--watch-checkpoint-buckets", type=int, default=1)
    parser.add_argument(
        "--watch-rekill", type=float, default=0.5, help="chance a restart is killed too"
    )
    parser.add_argument("--watch-max-kills", type=int, default=3, help="kills per case")
    parser.add_argument("--keep-failing", type=Path, help="copy failing watch cases here")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="crowdpulse-kill9-"))
    results: dict[str, Any] = {"seed": args.seed, "runs": args.runs, "commands": {}}
    names = args.commands.split(",")
    try:
        if "watch" in names:
            names.remove("watch")
            results["commands"]["watch"] = _watch_experiment(work, args)
        if not names:
            return
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
        for name in names:
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
        if args.out:  # also what was measured before an interruption
            args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
