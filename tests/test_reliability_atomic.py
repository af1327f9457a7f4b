"""Atomic outputs: never a half file, the previous output intact, no temporary left.

Also: an output that is an input is refused before anything is opened, stale
temporaries of killed runs are cleaned, and worker processes die with their parent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crowdpulse.exceptions import InputError
from crowdpulse.io.atomic import (
    TEMP_MARK,
    atomic_open,
    atomic_path,
    clean_stale,
    refuse_overwrite,
    temp_path,
)
from crowdpulse.io.corpus import write_csv, write_table
from crowdpulse.io.ingest import IngestOptions, ingest

V1 = (
    '{"id_str": "%d", "created_at": "Wed Aug 27 13:08:45 +0000 2014", "text": "quake %d", '
    '"lang": "en", "user": {"id_str": "1%d", "screen_name": "user%d"}}\n'
)


def _v1(path: Path, n: int, bad: int = 0) -> Path:
    lines = [V1 % (i, i, i, i) for i in range(n)] + ["{not json\n"] * bad
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if TEMP_MARK in p.name or ".tmp" in p.name)


def test_atomic_path_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_open(target, "w", encoding="utf-8") as handle:
        handle.write("half")
        raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "old"
    assert _temporaries(tmp_path) == []
    with atomic_open(target, "w", encoding="utf-8") as handle:
        handle.write("new")
    assert target.read_text(encoding="utf-8") == "new"
    assert _temporaries(tmp_path) == []


def test_atomic_folder_replaces_the_whole_folder(tmp_path: Path) -> None:
    target = tmp_path / "stage"
    target.mkdir()
    (target / "stale.csv").write_text("x", encoding="utf-8")
    with atomic_path(target, folder=True) as temp:
        (temp / "new.csv").write_text("y", encoding="utf-8")
    assert sorted(p.name for p in target.iterdir()) == ["new.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["stage"]


def test_writers_leave_the_previous_file_on_failure(tmp_path: Path) -> None:
    good = pa.table({"a": [1, 2, 3]})
    write_table(good, tmp_path / "t.parquet")
    write_csv(good, tmp_path / "t.csv")
    with pytest.raises(AttributeError):
        write_table("not a table", tmp_path / "t.parquet")
    with pytest.raises(AttributeError):
        write_csv("not a table", tmp_path / "t.csv")
    assert pq.read_table(tmp_path / "t.parquet").equals(good)
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == "a\n1\n2\n3\n"
    assert _temporaries(tmp_path) == []


def test_stale_temporaries_of_dead_processes_are_cleaned(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    stale_file = tmp_path / f".corpus.parquet{TEMP_MARK}{pid}-abcd1234"
    stale_file.write_bytes(b"PAR1")
    stale_stage = tmp_path / f".ingest.tmp-{pid}"
    stale_stage.mkdir()
    (stale_stage / "corpus.parquet").write_bytes(b"half")
    old_style = tmp_path / f".features.parquet.{pid}.tmp"
    old_style.write_bytes(b"x")
    mine = temp_path(tmp_path / "live.parquet")  # this process is alive: kept
    mine.write_bytes(b"x")
    user = tmp_path / ".hidden.tmp-notapid"  # not crowdpulse's pattern: kept
    user.write_bytes(b"x")
    removed = clean_stale(tmp_path)
    assert sorted(p.name for p in removed) == sorted(
        [stale_file.name, stale_stage.name, old_style.name]
    )
    assert mine.exists() and user.exists()


def test_a_half_replaced_stage_folder_is_restored(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    moved = tmp_path / f".firestorm.old-{pid}"
    moved.mkdir()
    (moved / "series.csv").write_text("ok", encoding="utf-8")
    clean_stale(tmp_path)
    assert (tmp_path / "firestorm" / "series.csv").read_text(encoding="utf-8") == "ok"


def test_output_that_is_an_input_is_refused(tmp_path: Path) -> None:
    source = _v1(tmp_path / "posts.jsonl", 5)
    before = source.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(source)
    hard = tmp_path / "hard.jsonl"
    os.link(source, hard)
    for output, quarantine in (
        (source, None),
        (link, None),
        (hard, None),
        (tmp_path / "c.parquet", source),
        (tmp_path / "c.parquet", link),
        (tmp_path / "c.parquet", tmp_path / "c.parquet"),
    ):
        with pytest.raises(InputError, match=r"refusing|same file"):
            ingest([source], output, quarantine=quarantine)
        assert source.read_bytes() == before
    assert not (tmp_path / "c.parquet").exists()
    with pytest.raises(InputError, match="same file"):
        refuse_overwrite([("output", tmp_path / "a"), ("quarantine", tmp_path / "a")], [])


def test_failed_ingest_keeps_the_previous_corpus_and_quarantine(tmp_path: Path) -> None:
    source = _v1(tmp_path / "posts.jsonl", 20, bad=2)
    out = tmp_path / "corpus.parquet"
    first = ingest([source], out)
    assert first.kept == 20 and first.quarantined == 2
    corpus = out.read_bytes()
    quarantine = Path(first.quarantine_file or "").read_bytes()
    # a later run that fails half-way (a truncated gzip after a good file) changes nothing
    import gzip

    whole = gzip.compress(_v1(tmp_path / "more.jsonl", 2000).read_bytes())
    (tmp_path / "more.jsonl").unlink()
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError):
        ingest([source, broken], out)
    assert out.read_bytes() == corpus
    assert Path(first.quarantine_file or "").read_bytes() == quarantine
    assert _temporaries(tmp_path) == []


def test_no_quarantine_file_without_rejects(tmp_path: Path) -> None:
    source = _v1(tmp_path / "posts.jsonl", 3)
    summary = ingest([source], tmp_path / "c.parquet", options=IngestOptions())
    assert summary.quarantine_file is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.parquet", "posts.jsonl"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux only")
def test_workers_die_with_their_parent(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import multiprocessing, os, sys, time
        from crowdpulse.io.atomic import die_with_parent

        def work(parent):
            die_with_parent(parent)
            time.sleep(120)

        if __name__ == "__main__":
            ctx = multiprocessing.get_context("fork")
            child = ctx.Process(target=work, args=(os.getpid(),))
            child.start()
            print(child.pid, flush=True)
            time.sleep(120)
        """
    )
    (tmp_path / "parent.py").write_text(script, encoding="utf-8")
    parent = subprocess.Popen(
        [sys.executable, str(tmp_path / "parent.py")], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    for _ in range(200):  # the kernel delivers the death signal at once; allow 20 s of load
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{child}/stat", encoding="utf-8") as stat:
            if stat.read().split()[2] == "Z":  # dead, waiting to be reaped by init
                break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the worker outlived its parent")


def test_sigterm_removes_the_temporary(tmp_path: Path) -> None:
    """`kill` (not -9) unwinds like Ctrl-C: exit 143, no half output, no temporary."""
    code = "from crowdpulse.cli import main; main()"
    args = ["synth", "--seed", "1", "--posts", "200000", "-o", "big.jsonl", "--quiet"]
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=tmp_path)
    for _ in range(600):  # wait (at most 60 s) until it is writing its temporary
        if _temporaries(tmp_path) or proc.poll() is not None:
            break
        time.sleep(0.1)
    assert proc.poll() is None and _temporaries(tmp_path), "synth ended before it was stopped"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=120) == 128 + signal.SIGTERM
    assert sorted(p.name for p in tmp_path.iterdir()) == []
