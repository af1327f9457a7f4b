"""Planted bad input: every kind counted exactly, recounted from the file."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime

import orjson
import pytest

from crowdpulse.synth import CSV_COLUMNS, SynthConfig, build_truth, generate, write_corpus

N = 2000


@pytest.fixture(scope="module")
def noisy():
    return generate(SynthConfig(seed=31, posts=N, noise=True, noise_rate=0.003))


def _classify_v1(line: bytes) -> str:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_utf8"
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return "truncated"
    if not isinstance(obj, dict):
        return "unknown_shape"
    if "delete" in obj:
        return "delete"
    if "limit" in obj:
        return "limit"
    if "text" not in obj:
        return "unknown_shape"
    if "id_str" not in obj:
        return "missing_id"
    if "user" not in obj:
        return "missing_user"
    return "post"


def test_v1_noise_counts_exact(noisy, tmp_path):
    path = tmp_path / "n.jsonl"
    report = write_corpus(noisy, path, fmt="v1")
    truth = build_truth(noisy, report)
    kinds = Counter(_classify_v1(line) for line in path.read_bytes().splitlines())
    assert kinds.pop("post") == N
    assert dict(kinds) == {k: v for k, v in truth["noise"].items() if v}
    assert all(v == round(N * 0.003) for v in truth["noise"].values())
    assert truth["ingest"]["filtered"]["notice"] == kinds["delete"] + kinds["limit"]
    assert truth["ingest"]["quarantined"] == sum(
        kinds[k]
        for k in ("truncated", "invalid_utf8", "missing_id", "missing_user", "unknown_shape")
    )
    # deletions name posts that are not in the corpus, so they change no count
    ids = set(noisy.ids)
    for line in path.read_bytes().splitlines():
        if _classify_v1(line) == "delete":
            assert orjson.loads(line)["delete"]["status"]["id_str"] not in ids


def test_noise_does_not_move_the_corpus(noisy, tmp_path):
    clean = generate(SynthConfig(seed=31, posts=N, noise=False, noise_rate=0.003))
    write_corpus(noisy, tmp_path / "a.jsonl", fmt="v1")
    write_corpus(clean, tmp_path / "b.jsonl", fmt="v1")
    good = [
        line
        for line in (tmp_path / "a.jsonl").read_bytes().splitlines()
        if _classify_v1(line) == "post"
    ]
    assert good == (tmp_path / "b.jsonl").read_bytes().splitlines()


def test_v2_noise_counts_exact(noisy, tmp_path):
    path = tmp_path / "n.jsonl"
    report = write_corpus(noisy, path, fmt="v2")
    truth = build_truth(noisy, report)
    kinds: Counter[str] = Counter()
    posts = 0
    missing_expansion: list[str] = []
    pages_missing = 0
    for line in path.read_bytes().splitlines():
        kind = _classify_v1(line)
        if kind in ("invalid_utf8", "truncated"):
            kinds[kind] += 1
            continue
        page = orjson.loads(line)
        if "data" not in page:
            kinds["unknown_shape"] += 1
            continue
        users = {u["id"] for u in page["includes"]["users"]}
        missing_here = False
        for t in page["data"]:
            if "id" not in t:
                kinds["missing_id"] += 1
            elif "author_id" not in t:
                kinds["missing_user"] += 1
            else:
                posts += 1
                if t["author_id"] not in users:
                    missing_expansion.append(t["id"])
                    missing_here = True
        pages_missing += missing_here
    kinds["missing_expansion"] = pages_missing
    assert posts == N
    assert dict(kinds) == truth["noise"]
    assert missing_expansion == truth["ingest"]["missing_expansion_ids"]
    assert len(missing_expansion) == truth["ingest"]["missing_expansion_posts"] > 0
    assert truth["ingest"]["quarantined"] == sum(
        kinds[k]
        for k in ("truncated", "invalid_utf8", "unknown_shape", "missing_id", "missing_user")
    )


def test_csv_noise_counts_exact(noisy, tmp_path):
    path = tmp_path / "n.csv"
    report = write_corpus(noisy, path, fmt="csv")
    truth = build_truth(noisy, report)
    text = path.read_bytes().decode("utf-8", errors="surrogateescape")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    kinds: Counter[str] = Counter()
    for row in rows[1:]:
        if len(row) != len(CSV_COLUMNS):
            kinds["short_row"] += 1
        elif any("\udc80" <= ch <= "\udcff" for cell in row for ch in cell):
            kinds["invalid_utf8"] += 1
        elif not row[0]:
            kinds["missing_id"] += 1
        else:
            try:
                datetime.fromisoformat(row[CSV_COLUMNS.index("created_at")].replace("Z", "+00:00"))
            except ValueError:
                kinds["bad_time"] += 1
            else:
                kinds["post"] += 1
    assert kinds.pop("post") == N
    assert dict(kinds) == truth["noise"]
    assert truth["ingest"]["quarantined"] == sum(kinds.values())


def test_no_noise_without_the_flag():
    clean = generate(SynthConfig(seed=31, posts=400))
    for fmt in ("v1", "v2", "csv"):
        report = write_corpus(clean, "/dev/null", fmt=fmt)  # type: ignore[arg-type]
        assert sum(report.noise.values()) == 0 and report.quarantined == 0 and report.notices == 0
