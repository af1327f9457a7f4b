"""Ingest on several workers is exact: the same corpus, counts and quarantine as one process.

A generated corpus (with planted noise and repeated posts) is cut into three files that
overlap, so that ids and texts repeat across files and across byte ranges; one plain
file has no final newline, one is gzip. The one-process ingest is compared with a forced
byte-range split (run in this process: no Dask needed), with a 2-worker Dask cluster, and
with ``crowdpulse ingest --workers 2``. The dedupe state is checked against a plain
Python rule on exact strings.
"""

from __future__ import annotations

import gzip
import itertools
import json
import sys
from dataclasses import replace
from hashlib import blake2b
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from crowdpulse.exceptions import InputError
from crowdpulse.io.dedupe import PY_WHITESPACE, Deduper, KeySet, id_keys, text_keys
from crowdpulse.io.ingest import IngestOptions, IngestSummary, ingest
from crowdpulse.io.partition import RangeReader, line_starts, plan_partitions
from crowdpulse.io.records import excerpt
from crowdpulse.synth import SynthConfig, synthesize

NO_DASK = "Dask is not installed (pip install crowdpulse[dask])"
SPLIT = 150_000  # bytes: about 20 ranges in each plain file


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("workers")
    raw = folder / "generated.jsonl"
    synthesize(SynthConfig(seed=11, posts=3000, noise=True, noise_rate=0.005), raw, fmt="v1")
    lines = raw.read_bytes().split(b"\n")
    n = len(lines)
    first, second, third = folder / "a.jsonl", folder / "b.jsonl", folder / "c.jsonl.gz"
    first.write_bytes(b"\n".join(lines[: n // 2]) + b"\n")
    second.write_bytes(b"\n".join(lines[n // 3 :]).rstrip(b"\n"))  # no final newline
    third.write_bytes(gzip.compress(b"\n".join(lines[n // 4 : n // 2]) + b"\n"))
    return {"folder": folder, "inputs": [first, second, third]}


def _run(files: dict[str, Any], name: str, options: IngestOptions, **kwargs: Any) -> dict[str, Any]:
    out = files["folder"] / f"{name}.parquet"
    summary = ingest(files["inputs"], out, options=options, **kwargs)
    quarantine = out.with_name(f"{name}.quarantine.jsonl")
    return {
        "table": pq.read_table(out),
        "summary": _counts(summary),
        "quarantine": quarantine.read_bytes() if quarantine.exists() else b"",
    }


def _counts(summary: IngestSummary) -> dict[str, Any]:
    out = summary.as_dict()
    for key in ("seconds", "output", "quarantine_file"):
        out.pop(key)
    return out


def _same(one: dict[str, Any], other: dict[str, Any]) -> None:
    assert other["summary"] == one["summary"]
    assert other["quarantine"] == one["quarantine"]
    assert other["table"].schema == one["table"].schema
    assert other["table"].equals(one["table"])


OPTIONS = {
    "english": IngestOptions(lang="en"),
    "all": IngestOptions(keep_retweets=True),
    "private": IngestOptions(lang="en", pseudonymize_salt="s3cret"),
    "no-dedupe": IngestOptions(dedupe=False),
}


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_byte_range_split_is_the_same_as_one_process(files, name: str) -> None:
    options = OPTIONS[name]
    one = _run(files, f"one-{name}", options)
    split = _run(files, f"split-{name}", options, split_bytes=SPLIT)
    _same(one, split)
    summary = one["summary"]
    assert (
        summary["read"]
        == summary["kept"] + sum(summary["filtered"].values()) + summary["quarantined"]
    )
    assert summary["quarantined"] > 0
    if options.dedupe:
        # b.jsonl repeats the second half of a.jsonl; c.jsonl.gz repeats a part of a.jsonl
        by_file = {Path(f["path"]).name: f for f in summary["files"]}
        assert summary["filtered"]["duplicate_id"] > 0 and by_file["c.jsonl.gz"]["kept"] == 0
        assert summary["filtered"]["duplicate_text"] > 0


def test_the_split_has_many_ranges_and_whole_compressed_files(files) -> None:
    inputs = [(str(p), "v1", False, False) for p in files["inputs"]]
    parts = plan_partitions(inputs, SPLIT)
    by_input = [sum(1 for p in parts if p[0] == i) for i in range(3)]
    assert by_input[0] > 10 and by_input[1] > 10
    assert [p for p in parts if p[0] == 2] == [(2, 0, -1)]  # gzip: one partition
    assert plan_partitions(inputs, None) == [(0, 0, -1), (1, 0, -1), (2, 0, -1)]
    # a reddit file, a JSON array, a CSV: never split
    assert plan_partitions([(inputs[0][0], "reddit", False, False)], SPLIT) == [(0, 0, -1)]
    assert plan_partitions([(inputs[0][0], "mastodon", True, False)], SPLIT) == [(0, 0, -1)]
    assert plan_partitions([(inputs[0][0], "csv", False, False)], SPLIT) == [(0, 0, -1)]


def test_line_numbers_are_the_files_own_in_a_split(files) -> None:
    run = _run(files, "lines", IngestOptions(keep_retweets=True, dedupe=False), split_bytes=SPLIT)
    raw = {str(p): p.read_bytes().split(b"\n") for p in files["inputs"][:2]}
    checked = 0
    for line in run["quarantine"].splitlines():
        record = orjson.loads(line)
        if record["file"] in raw and record["raw"]:  # some rejects carry no excerpt
            assert record["raw"] == excerpt(raw[record["file"]][record["line"] - 1])
            checked += 1
    assert checked > 10
    table = run["table"]
    for path, number, post_id in zip(
        table["source_file"].to_pylist(),
        table["source_line"].to_pylist(),
        table["id"].to_pylist(),
        strict=True,
    ):
        if path in raw:
            assert orjson.loads(raw[path][number - 1])["id_str"] == post_id
            checked += 1
    assert checked > 3000


def test_ranges_own_the_lines_that_start_in_them(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    data = b"a\n\nbbbbbbbbbbbbbbbbbbbb\nc\n" + b"d" * 50 + b"\nlast"
    path.write_bytes(data)
    for size in (1, 2, 3, 7, 30, 100):
        cuts = line_starts(str(path), size)
        assert cuts[0] == 0 and cuts[-1] == len(data) and cuts == sorted(set(cuts))
        assert all(data[c - 1 : c] == b"\n" for c in cuts[1:-1])
        pieces, newlines = [], 0
        for start, end in itertools.pairwise(cuts):
            reader = RangeReader(str(path), start, end)
            pieces.append(b"".join(block.data for block in reader.blocks(str(path))))
            newlines += reader.newlines
            reader.close()
        assert b"".join(pieces) == data and newlines == data.count(b"\n")


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("folder", "size"),
    [("platforms", 4096), ("twitter_v2_twarc", 32768), ("twitter_v1_sample", 65536)],
)
def test_real_archives_split_in_small_ranges_are_the_same(
    shared_data, folder: str, size: int, tmp_path: Path
) -> None:
    # Jetstream, Mastodon, AppView, v2 pages, twarc2-flat, v1.1 lines (split), Reddit,
    # Telegram, CSV and JSON arrays / documents (whole files); READMEs skipped
    options = IngestOptions(keep_retweets=True)
    runs = []
    for name, split in (("one", None), ("split", size)):
        out = tmp_path / f"{name}.parquet"
        summary = ingest([shared_data / folder], out, options=options, split_bytes=split)
        quarantine = out.with_name(f"{name}.quarantine.jsonl")
        runs.append(
            {
                "table": pq.read_table(out),
                "summary": _counts(summary),
                "quarantine": quarantine.read_bytes() if quarantine.exists() else b"",
            }
        )
    _same(runs[0], runs[1])
    assert runs[0]["table"].num_rows > 0


def test_a_broken_input_fails_the_split_run_and_writes_nothing(files, tmp_path: Path) -> None:
    whole = files["inputs"][2].read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    out = tmp_path / "corpus.parquet"
    with pytest.raises(InputError, match=r"cut\.jsonl\.gz"):
        ingest([files["inputs"][0], cut], out, split_bytes=SPLIT)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.jsonl.gz"]


# -- the dedupe state -----------------------------------------------------------


def _check_against_a_python_set(keys: KeySet, seed: int, batches: int, top: int) -> set[int]:
    """Feed random batches to ``keys`` and a Python set; the repeats must agree."""
    rng = np.random.default_rng(seed)
    seen: set[int] = set()
    for _ in range(batches):
        batch = rng.integers(0, top, size=int(rng.integers(0, 150))).astype(np.uint64)
        expected = []
        for key in batch.tolist():
            expected.append(key in seen)
            seen.add(key)
        assert keys.first_seen(batch).tolist() == expected
    assert len(keys) == len(seen)
    return seen


def test_keyset_is_an_exact_set_of_8_bytes_a_key() -> None:
    keys = KeySet()
    seen = _check_against_a_python_set(keys, seed=5, batches=200, top=3000)
    assert keys.nbytes == 8 * len(seen)
    assert len(keys._runs) <= int(np.log2(len(seen))) + 1


def test_keyset_with_a_store_keeps_big_runs_on_disk(tmp_path: Path) -> None:
    keys = KeySet(store=tmp_path, memory_keys=64)
    seen = _check_against_a_python_set(keys, seed=6, batches=100, top=5000)
    assert keys.nbytes < 3 * 64 * 8 and keys.nbytes + keys.disk_bytes == 8 * len(seen)
    assert len(list(tmp_path.glob("keys-*.npy"))) > 3


def test_ingest_with_a_dedupe_store_is_the_same(files, monkeypatch) -> None:
    import crowdpulse.io.dedupe

    store = files["folder"] / "store"
    options = IngestOptions(lang="en")
    one = _run(files, "one-memory", options)
    monkeypatch.setattr(crowdpulse.io.dedupe, "MEMORY_KEYS", 100)
    stored = _run(files, "one-store", replace(options, dedupe_store=str(store)))
    split = _run(files, "split-store", replace(options, dedupe_store=str(store)), split_bytes=SPLIT)
    _same(one, stored)
    _same(one, split)
    assert store.is_dir() and not any(store.iterdir())  # the temporary store is removed


def test_id_keys_are_exact_for_decimal_ids_and_digests_otherwise() -> None:
    ids = ["0", "42", "042", "9223372036854775807", "9223372036854775808", "t1_abc", None]
    keys = id_keys(pa.array(ids))
    assert keys[:2].tolist() == [0, 42] and keys[3] == (1 << 63) - 1
    top = np.uint64(1 << 63)
    assert all(k & top for k in keys[[2, 4, 5, 6]])  # digests: never equal to a decimal id
    assert len(set(keys.tolist())) == len(ids)


def test_keys_are_stable_digests_not_the_process_hash() -> None:
    # BLAKE2b, not Python's salted str hash: the same key in every worker process
    uri = "at://did:plc:x/app.bsky.feed.post/1"
    digest = int.from_bytes(blake2b(uri.encode(), digest_size=8).digest(), "little")
    assert id_keys(pa.array([uri])).tolist() == [(digest & ((1 << 63) - 1)) | (1 << 63)]
    texts, has = text_keys(pa.array([" Paris  ", "Paris", "", "  ", None]), np.ones(5, bool))
    expected = int.from_bytes(blake2b(b"Paris", digest_size=8).digest(), "little")
    assert texts.tolist() == [expected, expected, 0, 0, 0]
    assert has.tolist() == [True, True, False, False, False]


def test_text_keys_strip_exactly_as_python_does() -> None:
    spaces = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert spaces == PY_WHITESPACE
    rng = np.random.default_rng(8)
    alphabet = [*spaces, "a", "é", "\u200b", "\ufeff", "🙂"]  # zero-width: not whitespace
    texts = ["".join(rng.choice(alphabet, size=int(rng.integers(0, 7)))) for _ in range(3000)]
    keys, has = text_keys(pa.array(texts), np.ones(len(texts), bool))
    by_text: dict[str, int] = {}
    for text, key, keyed in zip(texts, keys.tolist(), has.tolist(), strict=True):
        words = text.strip()
        assert keyed == bool(words)
        if words:
            assert by_text.setdefault(words, key) == key
    assert len(set(by_text.values())) == len(by_text)


def test_dedupe_is_the_sequential_rule_on_exact_strings(files) -> None:
    everything = _run(files, "everything", IngestOptions(keep_retweets=True, dedupe=False))
    table = everything["table"]
    ids, texts = table["id"].to_pylist(), table["text"].to_pylist()
    retweet = [
        a is not None or b is not None
        for a, b in zip(
            table["retweeted_id"].to_pylist(),
            table["retweeted_author_handle"].to_pylist(),
            strict=True,
        )
    ]
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    expected = []
    for post_id, text, is_retweet in zip(ids, texts, retweet, strict=True):
        if post_id in seen_ids:
            continue
        seen_ids.add(post_id)
        words = text.strip()
        if not is_retweet and words:
            if words in seen_texts:
                continue
            seen_texts.add(words)
        expected.append(post_id)
    deduped = _run(files, "deduped", IngestOptions(keep_retweets=True))
    assert deduped["table"]["id"].to_pylist() == expected
    assert len(expected) < len(ids)
    # and batch by batch through the Deduper, in chunks of 97 rows
    deduper, kept = Deduper(), []
    for start in range(0, table.num_rows, 97):
        chunk = table.slice(start, 97)
        candidates = ~np.array(retweet[start : start + 97], dtype=bool)
        text, has = text_keys(chunk["text"], candidates)
        dup_id, dup_text = deduper.apply(id_keys(chunk["id"]), text, has)
        kept += [
            i for i, d in zip(chunk["id"].to_pylist(), dup_id | dup_text, strict=True) if not d
        ]
    assert kept == expected
    assert deduper.nbytes == 8 * (len(seen_ids) + len(seen_texts))


# -- on a Dask cluster ------------------------------------------------------------------


def test_a_dask_cluster_gives_the_same_corpus(files) -> None:
    pytest.importorskip("distributed", reason=NO_DASK)
    from crowdpulse.engine import open_engine

    options = IngestOptions(lang="en")
    one = _run(files, "one-cluster", options)
    with open_engine(2, processes=False) as engine:
        split = _run(files, "cluster-split", options, engine=engine, split_bytes=SPLIT)
        whole = _run(files, "cluster-whole", options, engine=engine)
    _same(one, split)
    _same(one, whole)


def test_cli_workers_2_writes_the_same_corpus(files) -> None:
    pytest.importorskip("distributed", reason=NO_DASK)
    from crowdpulse.cli import main

    folder = files["folder"]
    inputs = [str(p) for p in files["inputs"]]
    results = []
    for name, extra in (("cli-one", []), ("cli-two", ["--workers", "2"])):
        out = folder / f"{name}.parquet"
        done = CliRunner().invoke(
            main, ["ingest", *inputs, "-o", str(out), "--lang", "en", "--json", "-q", *extra]
        )
        assert done.exit_code == 0, done.output
        summary = json.loads(done.output)
        for key in ("seconds", "output", "quarantine_file"):
            summary.pop(key)
        quarantine = out.with_name(f"{name}.quarantine.jsonl").read_bytes()
        results.append((summary, quarantine, pq.read_table(out)))
    (one, q_one, t_one), (two, q_two, t_two) = results
    assert two == one and q_two == q_one and t_two.equals(t_one)
