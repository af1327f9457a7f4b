"""The incremental pipeline: buckets close in time, late posts, equality with the batch path."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.firestorm import (
    FirestormOptions,
    FirestormStream,
    StreamStats,
    iter_line_chunks,
    lines_to_posts,
    run_firestorm,
    stream_corpus,
    watch,
)
from test_firestorm_pipeline import random_corpus
from test_firestorm_truth import T0, make_posts, post

V1_LINE = {
    "created_at": "Fri Nov 06 00:10:00 +0000 2015",
    "id_str": "1",
    "text": "@klm you lied to us",
    "lang": "en",
    "user": {"id_str": "10", "screen_name": "ann", "location": ""},
    "entities": {
        "hashtags": [],
        "user_mentions": [{"id_str": "20", "screen_name": "KLM"}],
        "urls": [],
    },
}
V2_PAGE = {
    "data": [
        {
            "id": "2",
            "created_at": "2015-11-06T00:40:00.000Z",
            "author_id": "11",
            "text": "@klm shame on you",
            "lang": "en",
            "entities": {"mentions": [{"id": "20", "username": "KLM"}]},
        }
    ],
    "includes": {"users": [{"id": "11", "username": "bob"}]},
}
FLAT = {
    "id": "3",
    "created_at": "2015-11-06T01:05:00.000Z",
    "author_id": "12",
    "author": {"id": "12", "username": "cat"},
    "text": "@klm worst airline",
    "lang": "en",
    "entities": {"mentions": [{"id": "20", "username": "klm"}]},
}


def dumps(record: dict) -> bytes:
    return json.dumps(record).encode()


def test_lines_to_posts_in_every_format() -> None:
    batch = lines_to_posts([dumps(V1_LINE), b"", b"{not json"], first_line=7)
    assert batch.posts.num_rows == 1
    assert batch.posts.column("mention_handles").to_pylist() == [["klm"]]
    assert batch.posts.column("source_line").to_pylist() == [7]
    assert [r.line for r in batch.rejected] == [9]
    v2 = lines_to_posts([dumps(V2_PAGE)])
    assert v2.posts.column("author_handle").to_pylist() == ["bob"]
    assert v2.posts.column("source_format").to_pylist() == ["v2"]
    flat = lines_to_posts([dumps(FLAT)])
    assert flat.posts.column("source_format").to_pylist() == ["twarc2-flat"]
    forced = lines_to_posts([dumps(FLAT)], fmt="twarc2-flat")
    assert forced.posts.num_rows == 1
    assert lines_to_posts([b"  "]).records == 0


def test_iter_line_chunks_keeps_whole_lines() -> None:
    data = b"a\nbb\r\nccc\nlast"
    chunks = list(iter_line_chunks(io.BufferedReader(io.BytesIO(data)), chunk_bytes=3))
    lines = [line for _, chunk in chunks for line in chunk]
    assert lines == [b"a", b"bb", b"ccc", b"last"]
    firsts = [first for first, _ in chunks]
    assert firsts[0] == 1 and firsts == sorted(firsts)
    with pytest.raises(InputError):
        list(iter_line_chunks("/nonexistent/file.jsonl", follow=True))


def test_buckets_close_when_a_later_post_arrives() -> None:
    seen: list[tuple[int, float]] = []
    stream = FirestormStream(
        "@klm",
        options=FirestormOptions(lexical=False),
        ingest_options=None,
        on_bucket=lambda b, start, values: seen.append((b, values["target_posts"])),
    )
    rows = [post(0, "ann", ("klm",)), post(0, "bob", ("klm",), minute=9)]
    assert stream.add(make_posts(rows)) == []
    assert seen == []  # bucket 0 still open
    assert stream.origin == T0
    stream.add(make_posts([post(3, "cat", ("klm",))]))
    assert seen == [(0, 2.0), (1, 0.0), (2, 0.0)]  # 1 and 2 closed empty
    # A post of bucket 1 now is late; one before the origin too.
    late = post(1, "dan", ("klm",))
    early = post(0, "eve", ("klm",))
    early["created_at"] = T0 - timedelta(minutes=5)
    no_time = post(3, "fay", ("klm",))
    no_time["created_at"] = None
    stream.add(make_posts([late, early, no_time, post(3, "gus", ())]))
    assert stream.stats.late == 2
    assert stream.stats.no_time == 1
    stream.close()
    assert seen[-1] == (3, 1.0)
    assert stream.stats.buckets == 4
    assert stream.stats.used == 4
    assert stream.close() == []
    with pytest.raises(ConfigError):
        stream.add(make_posts([post(5, "ann", ())]))


def test_out_of_order_posts_inside_one_batch() -> None:
    seen: list[int] = []
    stream = FirestormStream(
        "@klm",
        options=FirestormOptions(lexical=False),
        ingest_options=None,
        on_bucket=lambda b, start, values: seen.append(int(values["posts"])),
    )
    rows = [
        post(0, "a", ()),
        post(1, "b", ()),
        post(0, "c", ()),
        post(1, "d", ()),
        post(2, "e", ()),
    ]
    stream.add(make_posts(rows))
    stream.close()
    assert seen == [1, 2, 1]
    assert stream.stats.late == 1


def test_end_closes_trailing_empty_buckets_and_drops_later_posts() -> None:
    seen: list[int] = []
    stream = FirestormStream(
        "@klm",
        options=FirestormOptions(lexical=False),
        origin=T0,
        end=T0 + timedelta(hours=3),
        ingest_options=None,
        on_bucket=lambda b, start, values: seen.append(b),
    )
    stream.add(make_posts([post(1, "a", ()), post(9, "b", ())]))
    stream.close()
    assert seen == [0, 1, 2, 3, 4, 5]
    assert stream.stats.after_end == 1
    with pytest.raises(ConfigError):
        FirestormStream("@klm", origin=T0, end=T0)
    with pytest.raises(ConfigError):
        FirestormStream("klm")


def test_ingest_filters_apply_like_crowdpulse_ingest() -> None:
    stream = FirestormStream("@klm", options=FirestormOptions(lexical=False))
    rows = [
        post(0, "ann", ("klm",), text="same words"),
        post(0, "bob", ("klm",), text="same words", minute=3),  # duplicate text
        post(0, "cat", ("klm",), retweet_of="ann", minute=4),  # retweet
    ]
    stream.add(make_posts(rows))
    assert dict(stream.stats.filtered) == {"duplicate_text": 1, "retweet": 1}
    assert stream.stats.used == 1


def test_stream_corpus_equals_the_batch_pipeline(tmp_path: Path) -> None:
    table = random_corpus(seed=5, buckets=130, start=90)
    path = tmp_path / "corpus.parquet"
    pq.write_table(table, path, row_group_size=500)
    batch = run_firestorm(table, "@klm", options=FirestormOptions(offline=False))
    rows: dict[int, dict[str, float]] = {}
    stats = StreamStats()
    alerts = stream_corpus(
        path,
        "@klm",
        batch_size=300,
        on_bucket=lambda b, start, values: rows.__setitem__(b, values),
        stats=stats,
    )
    assert alerts == batch.alerts
    assert len(alerts) > 10
    assert stats.buckets == batch.series.num_rows == 130
    names = [n for n in batch.series.column_names if n not in ("bucket", "start")]
    for b, values in rows.items():
        assert list(values) == names
        expected = np.array([batch.series.column(n)[b].as_py() for n in names], dtype=float)
        np.testing.assert_array_equal(np.array([values[n] for n in names]), expected)
    with pytest.raises(InputError):
        stream_corpus(tmp_path / "missing.parquet", "@klm")
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(InputError):
        stream_corpus(tmp_path / "bad.parquet", "@klm")


def test_memory_holds_only_the_window() -> None:
    """C12: what the stream holds stops growing once the network window is full."""
    table = random_corpus(seed=6, buckets=200, start=300)  # no firestorm: steady volume
    stream = FirestormStream(
        "@klm", options=FirestormOptions(lexical=False, window_buckets=6), ingest_options=None
    )
    times = table.column("created_at").to_pylist()
    index = np.asarray([(t - T0) // timedelta(minutes=30) for t in times])
    held, detector = [], []
    for b in range(200):
        stream.add(table.filter(pa.array(index == b)))
        held.append(stream.state_nbytes())
        detector.append(stream.detector.state_nbytes())
    assert len(set(detector[1:])) == 1  # the detector's state is fixed
    total = table.nbytes
    assert max(held[20:]) < total / 10  # the window and one bucket, not the stream
    assert max(held[100:]) < 2 * max(held[20:60])


def test_watch_reads_a_file_of_json_lines(tmp_path: Path) -> None:
    lines = [dumps(V1_LINE)]
    record = dict(V1_LINE)
    for k in range(1, 6):
        record = json.loads(json.dumps(V1_LINE))
        record["id_str"] = str(100 + k)
        record["text"] = f"@klm you lied to us {k}"
        record["created_at"] = f"Fri Nov 06 0{k}:10:00 +0000 2015"
        lines.append(dumps(record))
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    stats = StreamStats()
    alerts = list(watch(path, "@klm", stats=stats, options=FirestormOptions(lexical=False)))
    assert alerts == []  # 11 buckets: too short for 49-value windows
    assert stats.lines == 6 and stats.posts == 6 and stats.buckets == 11
