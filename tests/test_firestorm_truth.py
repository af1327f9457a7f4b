"""Ground truth of a firestorm (paper C9) on hand-made corpora: exact start and peaks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.firestorm import ground_truth, parse_target, target_counts, target_post_mask
from crowdpulse.schema import POST_SCHEMA

T0 = datetime(2015, 11, 6, tzinfo=UTC)


def at(bucket: int, minute: int = 1, minutes: int = 30) -> datetime:
    """A time inside bucket ``bucket`` of a grid starting at T0."""
    return T0 + timedelta(minutes=bucket * minutes + minute)


def post(
    bucket: int,
    author: str,
    mentions: tuple[str, ...] = (),
    *,
    hashtags: tuple[str, ...] = (),
    text: str = "hello there",
    retweet_of: str | None = None,
    mention_ids: tuple[str | None, ...] | None = None,
    minute: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    """One post row; ``mentions`` are handles, their ids are ``id-<handle>``."""
    ids = list(mention_ids) if mention_ids is not None else [f"id-{m}" for m in mentions]
    row: dict[str, Any] = {
        "id": f"{author}-{bucket}-{minute}-{len(mentions)}-{text[:8]}",
        "created_at": at(bucket, minute),
        "author_id": f"id-{author}",
        "author_handle": author,
        "text": text,
        "lang": "en",
        "mention_ids": ids,
        "mention_handles": [m.lower() if m else None for m in mentions],
        "hashtags": [h.lower() for h in hashtags],
        "urls": [],
        "retweeted_id": None if retweet_of is None else f"rt-{author}-{bucket}",
        "retweeted_author_id": None if retweet_of is None else f"id-{retweet_of}",
        "retweeted_author_handle": retweet_of,
        "source_format": "v1",
        "source_file": "test",
        "source_line": 1,
    }
    row.update(extra)
    return row


def make_posts(rows: list[dict[str, Any]], extra: pa.Schema | None = None) -> pa.Table:
    """A table of the post schema (plus ``extra`` columns) from row dicts."""
    schema = POST_SCHEMA
    if extra is not None:
        for field in extra:
            schema = schema.append(field)
    columns = {f.name: [r.get(f.name) for r in rows] for f in schema}
    return pa.table(columns, schema=schema)


def firestorm_rows() -> list[dict[str, Any]]:
    """Buckets 0-7: chatter mentioning bob; the target @klm tops bucket 4.

    bucket 0: bob x2                      (top other 2, target 0)
    bucket 1: klm x1, bob x1              (tie: not the start)
    bucket 2: nothing                     (empty)
    bucket 3: bob x2, klm x1 (twice in one post)
    bucket 4: klm x3, bob x1              -> start
    bucket 5: klm x5 (from five authors)  -> peak of posts
    bucket 6: klm x2
    bucket 7: bob x1
    """
    rows = [
        post(0, "ann", ("bob",)),
        post(0, "cat", ("bob",), minute=5),
        post(1, "ann", ("klm",)),
        post(1, "cat", ("bob",), minute=5),
        post(3, "ann", ("bob",)),
        post(3, "cat", ("bob",), minute=5),
        post(3, "dan", ("klm", "KLM"), minute=7),
        post(4, "ann", ("klm",)),
        post(4, "cat", ("klm",), minute=5),
        post(4, "dan", ("klm", "bob"), minute=7),
    ]
    rows += [post(5, f"u{k}", ("klm",), minute=k + 1) for k in range(5)]
    rows += [post(6, "ann", ("klm",)), post(6, "cat", ("klm",), minute=5)]
    rows += [post(7, "ann", ("bob",))]
    return rows


def test_parse_target() -> None:
    assert parse_target("@KLM") == ("mention", "klm")
    assert parse_target(" #AskBG ") == ("hashtag", "askbg")
    for bad in ("klm", "@", "#", "", "@ "):
        with pytest.raises(ConfigError):
            parse_target(bad)


def test_target_counts_per_bucket() -> None:
    table = make_posts(firestorm_rows())
    counts = target_counts(table, "@klm", origin=T0)
    assert counts.target_posts.tolist() == [0, 1, 0, 1, 3, 5, 2, 0]
    assert counts.top_other.tolist() == [2, 1, 0, 2, 1, 0, 0, 1]
    assert counts.top_other_key == ["bob", "bob", None, "bob", "bob", None, None, "bob"]
    mask = target_post_mask(table, "@KLM")
    assert int(mask.sum()) == 12  # the post repeating @klm counts once


def test_ground_truth_start_and_peaks() -> None:
    table = make_posts(firestorm_rows())
    truth = ground_truth(table, "@klm", origin=T0, window_buckets=1)
    assert truth.start_bucket == 4  # bucket 1 is a tie, bucket 3 has bob ahead
    assert truth.peak_posts_bucket == 5
    # With one-bucket windows the max in-degree is the most mentioned account's
    # distinct mentioners: 5 in bucket 5.
    assert truth.max_in_degree.tolist() == [2, 1, 0, 2, 3, 5, 2, 1]
    assert truth.peak_in_degree_bucket == 5
    assert truth.posts.tolist() == [2, 2, 0, 3, 3, 5, 2, 1]
    assert truth.time(4) == T0 + timedelta(hours=2)
    assert truth.firestorm_share() == pytest.approx(12 / 18)
    d = truth.to_dict()
    assert d["start"] == "2015-11-06T02:00:00Z"
    assert d["peak_posts_value"] == 5
    assert d["target_posts"] == 12


def test_ground_truth_min_count_and_window() -> None:
    table = make_posts(firestorm_rows())
    # min_count 4: only bucket 5 qualifies.
    assert ground_truth(table, "@klm", origin=T0, min_count=4).start_bucket == 5
    # The paper's 12-hour window: in-degree accumulates, klm reaches 8 mentioners
    # (ann, cat, dan, u0..u4) in the window ending with bucket 5.
    truth = ground_truth(table, "@klm", origin=T0)
    assert truth.window_buckets == 24
    assert truth.max_in_degree.tolist() == [2, 2, 2, 2, 3, 8, 8, 8]
    assert truth.peak_in_degree_bucket == 5
    with pytest.raises(ConfigError):
        ground_truth(table, "@klm", min_count=0)
    with pytest.raises(ConfigError):
        ground_truth(table, "@klm", max_in_degree=np.zeros(3))


def test_ground_truth_hashtag_target_and_no_start() -> None:
    rows = [
        post(0, "ann", hashtags=("paris", "AskBG")),
        post(0, "cat", hashtags=("paris",), minute=3),
        post(1, "ann", hashtags=("askbg",)),
        post(2, "dan", hashtags=("askbg", "askbg")),
        post(2, "eve", hashtags=("askbg",), minute=4),
        post(2, "fay", hashtags=("other",), minute=5),
    ]
    table = make_posts(rows)
    truth = ground_truth(table, "#AskBG", origin=T0)
    assert truth.kind == "hashtag"
    assert truth.target_posts.tolist() == [1, 1, 2]
    assert truth.start_bucket == 1
    assert truth.peak_posts_bucket == 2
    assert truth.peak_in_degree_bucket is None  # no mention at all
    never = ground_truth(table, "@nobody", origin=T0)
    assert never.start_bucket is None and never.peak_posts_bucket is None
    assert never.to_dict()["start"] is None


def test_accounts_known_only_by_id_are_counted_apart() -> None:
    rows = [
        post(0, "ann", ("klm",)),
        # Two posts mention an account whose handle is missing: it outnumbers klm.
        post(0, "cat", ("",), mention_ids=("777",), minute=2),
        post(0, "dan", ("",), mention_ids=("777",), minute=3),
    ]
    rows[1]["mention_handles"] = [None]  # paired lists, the handle unknown
    rows[2]["mention_handles"] = None  # no handle list at all
    table = make_posts(rows)
    counts = target_counts(table, "@klm")
    assert counts.top_other.tolist() == [2]
    assert counts.top_other_key == ["id:777"]
    assert ground_truth(table, "@klm").start_bucket is None


def test_missing_columns_are_reported() -> None:
    table = make_posts(firestorm_rows()).drop_columns(["mention_handles"])
    with pytest.raises(InputError, match="mention_handles"):
        target_counts(table, "@klm")
    with pytest.raises(InputError, match="created_at"):
        ground_truth(make_posts(firestorm_rows()).drop_columns(["created_at"]), "@klm")
