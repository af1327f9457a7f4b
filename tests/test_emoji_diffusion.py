"""Known-answer tests of the temporal diffusion table (Figures 5-8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from crowdpulse.emoji import emoji_matrix, parse_bucket, temporal_diffusion
from crowdpulse.exceptions import ConfigError, InputError

PRAY, FR, HEART, CRY, US = "🙏", "🇫🇷", "❤️", "😢", "🇺🇸"
SENTIMENT = {PRAY: 0.42, HEART: 0.75, CRY: -0.1}
NAMES = {
    PRAY: "folded hands",
    FR: "flag: France",
    HEART: "red heart",
    CRY: "crying face",
    US: "flag: United States",
}


def t(day: int, hour: int) -> datetime:
    return datetime(2015, 11, day, hour, tzinfo=UTC)


# the dated and undated solidarity posts of the hand-made corpus in test_emoji_tables.py
TIMES = [t(13, 22), t(13, 23), t(14, 1), t(14, 4), None, t(15, 10)]
EMOJIS = [[PRAY, FR, PRAY], [FR, HEART], [PRAY, HEART, CRY], [PRAY], [HEART, FR], [US, PRAY]]


def run(**kwargs):
    times = pa.array(TIMES, pa.timestamp("us", tz="UTC"))
    options = {"name_of": NAMES, "sentiment_of": SENTIMENT, **kwargs}
    return temporal_diffusion(times, emoji_matrix(EMOJIS), **options)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1D", timedelta(days=1)),
        ("D", timedelta(days=1)),
        ("2d", timedelta(days=2)),
        ("6h", timedelta(hours=6)),
        ("6H", timedelta(hours=6)),
        ("30min", timedelta(minutes=30)),
        ("15T", timedelta(minutes=15)),
        ("90s", timedelta(seconds=90)),
    ],
)
def test_parse_bucket(text, expected) -> None:
    assert parse_bucket(text) == expected


@pytest.mark.parametrize("text", ["", "1W", "0D", "day", "1.5h", "-1D"])
def test_parse_bucket_rejects(text) -> None:
    with pytest.raises(ConfigError) as info:
        parse_bucket(text)
    assert info.value.field == "emojis.bucket"


def test_daily_counts_all_cells() -> None:
    d = run(bucket="1D", min_count=1)
    assert d.buckets == (t(13, 0), t(14, 0), t(15, 0))
    cells = {(r.bucket.day, r.emoji): r.count for r in d.rows}
    assert cells == {
        (13, PRAY): 2,
        (13, FR): 2,
        (13, HEART): 1,
        (14, PRAY): 2,
        (14, HEART): 1,
        (14, CRY): 1,
        (15, US): 1,
        (15, PRAY): 1,
    }
    assert d.undated_posts == 1 and d.posts == 6
    # y axis bottom to top: unscored band by code point, then sentiment ascending
    assert d.band == (FR, US)
    assert d.order == (FR, US, CRY, PRAY, HEART)
    assert d.scored == (CRY, PRAY, HEART)
    # rows by bucket, then y position
    assert [(r.bucket.day, r.emoji) for r in d.rows][:3] == [(13, FR), (13, PRAY), (13, HEART)]


def test_min_count_filters_cells_not_emojis() -> None:
    d = run(bucket="1D", min_count=2)
    assert [(r.bucket.day, r.emoji, r.count) for r in d.rows] == [
        (13, FR, 2),
        (13, PRAY, 2),
        (14, PRAY, 2),
    ]
    assert d.order == (FR, PRAY)
    assert d.rows[1].sentiment == pytest.approx(0.42) and d.rows[0].sentiment is None
    assert d.rows[1].name == "folded hands"


def test_unscored_drop() -> None:
    d = run(bucket="1D", min_count=2, unscored="drop")
    assert d.order == (PRAY,) and d.band == ()
    assert [(r.bucket.day, r.emoji) for r in d.rows] == [(13, PRAY), (14, PRAY)]


def test_sub_day_buckets_align_on_midnight_utc() -> None:
    d = run(bucket="12h", min_count=1)
    assert d.buckets[0] == t(13, 12) and d.buckets[-1] == t(15, 0)
    assert len(d.buckets) == 4
    cells = {(r.bucket, r.emoji): r.count for r in d.rows}
    assert cells[(t(14, 0), PRAY)] == 2 and cells[(t(15, 0), US)] == 1


def test_span_fixes_the_axis() -> None:
    d = run(bucket="1D", min_count=1, span=(t(12, 5), t(16, 1)))
    assert d.buckets == tuple(t(day, 0) for day in range(12, 17))
    assert {r.bucket.day for r in d.rows} == {13, 14, 15}


def test_arrow_table() -> None:
    table = run(bucket="1D", min_count=2).to_arrow(group="all")
    assert table.column_names == ["group", "bucket", "emoji", "count", "sentiment", "name"]
    assert table.column("count").to_pylist() == [2, 2, 2]
    assert table.schema.field("bucket").type == pa.timestamp("us", tz="UTC")


def test_empty_and_invalid() -> None:
    times = pa.array([None, None], pa.timestamp("us", tz="UTC"))
    d = temporal_diffusion(times, emoji_matrix([[PRAY], []]), name_of=NAMES, sentiment_of=SENTIMENT)
    assert d.rows == () and d.buckets == () and d.undated_posts == 2
    with pytest.raises(ConfigError):
        run(min_count=0)
    with pytest.raises(ConfigError):
        run(unscored="bottom")


def test_too_many_buckets_and_wrong_type() -> None:
    with pytest.raises(ConfigError, match="buckets"):
        run(bucket="1s", min_count=1)
    with pytest.raises(InputError):
        temporal_diffusion(
            pa.array(["2015-11-13"]), emoji_matrix([[PRAY]]), name_of=NAMES, sentiment_of=SENTIMENT
        )


def test_nanosecond_timestamps_are_truncated() -> None:
    times = pa.array([1_447_459_200_000_000_123], pa.timestamp("ns", tz="UTC"))  # 2015-11-14 00:00
    d = temporal_diffusion(
        times, emoji_matrix([[PRAY]]), min_count=1, name_of=NAMES, sentiment_of=SENTIMENT
    )
    assert [(r.bucket, r.count) for r in d.rows] == [(t(14, 0), 1)]


def test_naive_and_millisecond_timestamps() -> None:
    times = pa.array(
        [datetime(2015, 11, 13, 23, 59), datetime(2015, 11, 14, 0, 1)], pa.timestamp("ms")
    )
    d = temporal_diffusion(
        times, emoji_matrix([[PRAY], [PRAY]]), min_count=1, name_of=NAMES, sentiment_of=SENTIMENT
    )
    assert [(r.bucket, r.count) for r in d.rows] == [(t(13, 0), 1), (t(14, 0), 1)]
