"""Known-answer tests of Tables 1, 4, 5, 6 on a hand-made enriched corpus."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from crowdpulse.emoji import (
    EmojiCounts,
    emoji_matrix,
    emoji_totals,
    emojis_by_region,
    markdown_table,
    posts_per_class,
    rank_emojis,
    region_groups,
    top_emojis,
    write_csv,
)
from crowdpulse.exceptions import InputError

PRAY, FR, HEART, CRY, US, ANGRY, BROKEN = "🙏", "🇫🇷", "❤️", "😢", "🇺🇸", "😡", "💔"
SENTIMENT = {PRAY: 0.42, HEART: 0.75, CRY: -0.1, ANGRY: -0.17, BROKEN: -0.12}
NAMES = {
    PRAY: "folded hands",
    FR: "flag: France",
    HEART: "red heart",
    CRY: "crying face",
    US: "flag: United States",
}
S, N = "solidarity", "not solidarity"


def t(day: int, hour: int) -> datetime:
    return datetime(2015, 11, day, hour, tzinfo=UTC)


# id, created_at, emojis, solidarity, country
POSTS = [
    ("1", t(13, 22), [PRAY, FR, PRAY], S, "FR"),
    ("2", t(13, 23), [FR, HEART], S, "FR"),
    ("3", t(14, 1), [PRAY, HEART, CRY], S, "US"),
    ("4", t(14, 2), [CRY], N, "US"),
    ("5", t(14, 3), [], N, None),
    ("6", t(14, 4), [PRAY], S, None),
    ("7", t(14, 5), [ANGRY, ANGRY], N, "GB"),
    ("8", None, [HEART, FR], S, "GB"),
    ("9", t(15, 10), [US, PRAY], S, "US"),
    ("10", t(15, 11), None, None, "FR"),
    ("11", t(15, 12), [BROKEN, CRY], None, "FR"),
]


def corpus() -> pa.Table:
    cols = list(zip(*POSTS, strict=True))
    return pa.table(
        {
            "id": pa.array(cols[0], pa.string()),
            "created_at": pa.array(cols[1], pa.timestamp("us", tz="UTC")),
            "emojis": pa.array(cols[2], pa.list_(pa.string())),
            "solidarity": pa.array(cols[3], pa.string()),
            "country": pa.array(cols[4], pa.string()),
        }
    )


def test_matrix_counts_repeats_and_ignores_nulls() -> None:
    m = emoji_matrix([[PRAY, PRAY, FR], None, [], [FR, None, ""]])
    assert m.vocabulary == (FR, PRAY)  # code point order
    assert m.n_posts == 4
    assert m.lengths().tolist() == [3, 0, 0, 1]
    assert m.distinct_lengths().tolist() == [2, 0, 0, 1]
    assert m.totals().tolist() == [2, 2]
    assert m.post_counts().tolist() == [2, 1]
    assert m.counter() == {FR: 2, PRAY: 2}
    assert m.rows(np.array([False, False, False, True])).counter() == {FR: 1}


def test_matrix_rejects_non_list_column() -> None:
    with pytest.raises(TypeError):
        emoji_matrix(pa.array(["a", "b"]))


def test_table1_posts_per_class() -> None:
    t1 = posts_per_class(corpus())
    assert (t1.solidarity, t1.not_solidarity, t1.unlabelled) == (6, 3, 2)
    assert t1.to_arrow().to_pylist() == [
        {"class": S, "posts": 6},
        {"class": N, "posts": 3},
    ]


def test_table4_emoji_totals() -> None:
    t4 = emoji_totals(corpus())
    assert t4[S] == EmojiCounts(posts=6, posts_with_emojis=6, emojis=13, distinct_emojis=5)
    assert t4[N] == EmojiCounts(posts=3, posts_with_emojis=2, emojis=3, distinct_emojis=2)
    assert t4.to_arrow().column("emojis").to_pylist() == [13, 3]


def test_table5_top_emojis_with_tie_break_by_code_point() -> None:
    t5 = top_emojis(corpus(), 10, name_of=NAMES, sentiment_of=SENTIMENT)
    got = [(r.rank, r.emoji, r.count) for r in t5[S]]
    # 🇫🇷 and ❤️ tie at 3: ❤ (U+2764) comes before 🇫 (U+1F1EB); 🇺🇸 (U+1F1FA) before 😢 (U+1F622)
    assert got == [(1, PRAY, 5), (2, HEART, 3), (3, FR, 3), (4, US, 1), (5, CRY, 1)]
    assert [(r.emoji, r.count) for r in t5[N]] == [(ANGRY, 2), (CRY, 1)]
    first = t5[S][0]
    assert first.name == "folded hands" and first.sentiment == pytest.approx(0.42)
    assert t5[S][2].sentiment is None  # flags have no score
    rows = t5.to_arrow().to_pylist()
    assert rows[0] == {
        "class": S,
        "rank": 1,
        "emoji": PRAY,
        "count": 5,
        "name": "folded hands",
        "sentiment": 0.42,
    }
    assert len(rows) == 7


def test_top_k_truncates() -> None:
    t5 = top_emojis(corpus(), 2, name_of=NAMES, sentiment_of=SENTIMENT)
    assert [r.emoji for r in t5[S]] == [PRAY, HEART]
    assert t5.k == 2


def test_rank_emojis_ignores_zero_counts() -> None:
    ranks = rank_emojis({"a": 0, "b": 2, "c": 2}, None, name_of={}, sentiment_of={})
    assert [(r.rank, r.emoji) for r in ranks] == [(1, "b"), (2, "c")]


def test_region_groups_unknown_is_its_own_group() -> None:
    groups = region_groups(
        ["FR", "fr", "US", None, "", " "], {"FR"}, in_region=lambda c, a: c.upper() in a
    )
    assert groups.tolist() == ["inside", "inside", "outside", "unknown", "unknown", "unknown"]


def test_region_groups_default_test_and_states() -> None:
    # the default test is crowdpulse.geo.in_affected_region (membership without it)
    assert region_groups(["fr", "US", None], {"FR"}).tolist() == ["inside", "outside", "unknown"]
    geo = pytest.importorskip("crowdpulse.geo")
    if not hasattr(geo, "in_affected_region"):
        pytest.skip("crowdpulse.geo.in_affected_region is not available yet")
    # state-level regions: a US post without a state cannot be told, so it is unknown
    groups = region_groups(
        ["US", "US", "US", "PR"], {"US-FL", "PR"}, states=["FL", "TX", None, None]
    )
    assert groups.tolist() == ["inside", "outside", "unknown", "inside"]


def test_region_groups_none_answer_is_unknown() -> None:
    groups = region_groups(
        ["XX", "FR"], {"FR"}, in_region=lambda c, a: None if c == "XX" else c in a
    )
    assert groups.tolist() == ["unknown", "inside"]


def test_region_groups_custom_test() -> None:
    groups = region_groups(["PR", "US"], {"US"}, in_region=lambda c, a: c in a or c == "PR")
    assert groups.tolist() == ["inside", "inside"]


def test_table6_inside_outside_unknown() -> None:
    t6 = emojis_by_region(corpus(), {"FR"}, 10, name_of=NAMES, sentiment_of=SENTIMENT)
    assert t6["inside"] == EmojiCounts(posts=2, posts_with_emojis=2, emojis=5, distinct_emojis=3)
    assert t6["outside"] == EmojiCounts(posts=3, posts_with_emojis=3, emojis=7, distinct_emojis=5)
    assert t6["unknown"] == EmojiCounts(posts=1, posts_with_emojis=1, emojis=1, distinct_emojis=1)
    assert t6.share("inside") == pytest.approx(100 * 5 / 12)
    assert t6.share("outside") == pytest.approx(100 * 7 / 12)
    assert t6.share("unknown") is None
    assert t6.share("inside", of="all") == pytest.approx(100 * 5 / 13)
    # 🙏 and 🇫🇷 tie at 2 inside: 🇫 (U+1F1EB) before 🙏 (U+1F64F)
    assert [(r.rank, r.emoji, r.count) for r in t6.top["inside"]] == [
        (1, FR, 2),
        (2, PRAY, 2),
        (3, HEART, 1),
    ]
    assert [(r.emoji, r.count) for r in t6.top["unknown"]] == [(PRAY, 1)]
    table = t6.to_arrow()
    assert table.column("group").to_pylist() == ["inside", "outside", "unknown"]
    assert table.column("emojis").to_pylist() == [5, 7, 1]
    assert table.column("share_of_geotagged").to_pylist()[2] is None
    assert t6.top_to_arrow().num_rows == 3 + 5 + 1


def test_table6_no_solidarity_emojis_has_no_share() -> None:
    table = corpus().filter(pa.array([s != S for *_, s, _ in POSTS]))
    t6 = emojis_by_region(table, {"FR"}, name_of=NAMES, sentiment_of=SENTIMENT)
    assert t6.share("inside") is None and t6["inside"].posts == 0


def test_invalid_label_value_is_an_input_error() -> None:
    table = corpus().set_column(3, "solidarity", pa.array(["yes"] * len(POSTS)))
    with pytest.raises(InputError, match="unexpected label 'yes'") as info:
        posts_per_class(table)
    assert info.value.field == "solidarity"


def test_missing_column_names_the_stage() -> None:
    with pytest.raises(InputError, match="'features' stage"):
        emoji_totals(corpus().drop_columns(["emojis"]))
    with pytest.raises(InputError, match="'geotag' stage"):
        emojis_by_region(
            corpus().drop_columns(["country"]), {"FR"}, name_of=NAMES, sentiment_of=SENTIMENT
        )


def test_csv_and_markdown(tmp_path) -> None:
    t5 = top_emojis(
        corpus(), 3, name_of={**NAMES, PRAY: "folded | hands"}, sentiment_of=SENTIMENT
    ).to_arrow()
    path = write_csv(t5, tmp_path / "t5.csv")
    back = pacsv.read_csv(path)
    assert back.column("emoji").to_pylist() == [PRAY, HEART, FR, ANGRY, CRY]
    assert back.column("count").to_pylist() == [5, 3, 3, 2, 1]
    text = markdown_table(t5)
    lines = text.splitlines()
    assert lines[0] == "| class | rank | emoji | count | name | sentiment |"
    assert lines[1] == "| --- | ---: | --- | ---: | --- | ---: |"
    assert lines[2] == "| solidarity | 1 | 🙏 | 5 | folded \\| hands | 0.420 |"
    assert lines[4] == "| solidarity | 3 | 🇫🇷 | 3 | flag: France |  |"
    assert len(lines) == 2 + 5
