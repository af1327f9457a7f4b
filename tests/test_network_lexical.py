"""Lexical series per bucket, Welch comparisons and their counts over events."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.network import (
    CLASSES,
    compare_components,
    compare_groups,
    compare_periods,
    count_classes,
    lexical_columns,
    lexical_series,
    mention_post_mask,
)
from test_network_edges import T0, make_table, post, random_corpus

LEX = ("lex_i", "lex_posemo", "lex_emo")


def _lex_rows(rows: list[dict], values: list[tuple[float | None, ...]]) -> pa.Table:
    for row, vals in zip(rows, values, strict=True):
        row.update(dict(zip(LEX, vals, strict=True)))
    return make_table(rows, {name: pa.float64() for name in LEX})


# --- lexical series -----------------------------------------------------------------------


def test_lexical_series_by_hand() -> None:
    table = _lex_rows(
        [
            post(0, "a", ["b"]),
            post(10, "b"),
            post(20, "c", ["a"], retweeted_id="1", retweeted_author_id="a"),  # a retweet
            post(70, "d", ["a"]),  # bucket 2; bucket 1 is empty
            post(80, "e"),
        ],
        [(1.0, 2.0, -1.0), (3.0, None, 0.0), (5.0, 4.0, 2.0), (None, 6.0, 1.0), (2.0, 0.0, 0.0)],
    )
    series = lexical_series(table)
    assert series.column_names == [
        "bucket", "start", "posts", "mention_posts",
        "lex_i:all", "lex_i:mention", "lex_posemo:all", "lex_posemo:mention",
        "lex_emo:all", "lex_emo:mention",
    ]  # fmt: skip
    s = series.to_pydict()
    assert s["bucket"] == [0, 1, 2]
    assert s["start"] == [T0, T0 + timedelta(minutes=30), T0 + timedelta(minutes=60)]
    assert s["posts"] == [3, 0, 2]
    assert s["mention_posts"] == [1, 0, 1]  # the retweet is not a mention post
    assert s["lex_i:all"][0] == pytest.approx(3.0) and math.isnan(s["lex_i:all"][1])
    assert s["lex_i:all"][2] == pytest.approx(2.0)  # the null is left out, not a zero
    assert s["lex_i:mention"][0] == pytest.approx(1.0)
    assert math.isnan(s["lex_i:mention"][2])  # its only mention post has no value
    assert s["lex_posemo:all"][0] == pytest.approx(3.0)
    assert s["lex_emo:mention"][2] == pytest.approx(1.0)
    with_retweets = lexical_series(table, include_retweets=True, categories=["i"]).to_pydict()
    assert with_retweets["mention_posts"] == [2, 0, 1]
    assert with_retweets["lex_i:mention"][0] == pytest.approx(3.0)


@pytest.mark.parametrize("seed", range(3))
def test_lexical_series_equals_a_row_by_row_mean(seed: int) -> None:
    table = random_corpus(seed, lexical=LEX)
    series = lexical_series(table, bucket_minutes=60, origin="2014-06-21T23:00:00Z")
    rows = table.to_pylist()
    mention = mention_post_mask(table)
    origin = datetime(2014, 6, 21, 23, tzinfo=UTC)
    for out in series.to_pylist():
        start = origin + timedelta(hours=out["bucket"])
        assert out["start"] == start
        members = [
            (r, bool(m))
            for r, m in zip(rows, mention, strict=True)
            if r["created_at"] is not None and start <= r["created_at"] < start + timedelta(hours=1)
        ]
        assert out["posts"] == len(members)
        for column in LEX:
            for subset in ("all", "mention"):
                values = [
                    r[column]
                    for r, m in members
                    if r[column] is not None and (m or subset == "all")
                ]
                got = out[f"{column}:{subset}"]
                if values:
                    assert got == pytest.approx(sum(values) / len(values), rel=1e-12)
                else:
                    assert math.isnan(got)
    assert np.isnan(series.column("lex_i:all").to_numpy()).any()  # the gap


def test_lexical_series_rolling_mean_and_subsets() -> None:
    table = _lex_rows(
        [post(0, "a"), post(30, "a"), post(95, "a"), post(125, "a")],
        [(1.0, 0, 0), (3.0, 0, 0), (5.0, 0, 0), (9.0, 0, 0)],
    )
    raw = lexical_series(table, categories=["lex_i"], subsets=["all"])
    assert raw.column_names == ["bucket", "start", "posts", "lex_i:all"]
    assert np.allclose(
        raw.column("lex_i:all").to_numpy(), [1.0, 3.0, np.nan, 5.0, 9.0], equal_nan=True
    )
    smooth = lexical_series(table, categories=["i"], subsets=["all"], rolling=2)
    # Mean of the non-NaN values of the last two buckets.
    assert np.allclose(smooth.column("lex_i:all").to_numpy(), [1.0, 2.0, 3.0, 5.0, 7.0])


def test_lexical_columns_and_errors() -> None:
    table = random_corpus(0, n_posts=30, lexical=LEX)
    assert lexical_columns(table) == list(LEX)
    assert lexical_columns(table, ["emo", "lex_i"]) == ["lex_emo", "lex_i"]
    with pytest.raises(ConfigError, match="lex_anger"):
        lexical_columns(table, ["anger"])
    with pytest.raises(InputError, match="features"):
        lexical_series(random_corpus(0, n_posts=30))
    with pytest.raises(ConfigError):
        lexical_series(table, subsets=["retweets"])  # type: ignore[list-item]
    with pytest.raises(ConfigError):
        lexical_series(table, rolling=0)
    bad = table.append_column("lex_word", pa.array(["x"] * table.num_rows))
    with pytest.raises(ConfigError, match="not numeric"):
        lexical_columns(bad)


# --- Welch comparisons ------------------------------------------------------------------


def test_compare_groups_equals_scipy_welch() -> None:
    rng = np.random.default_rng(3)
    n = 400
    i = rng.normal(2.0, 1.0, n)
    i[:200] += 0.6  # group a uses "i" more
    posemo = rng.normal(1.0, 1.0, n)
    emo = np.full(n, 0.5)
    rows = [post(k, str(k)) for k in range(n)]
    table = _lex_rows(rows, [(a, b, c) for a, b, c in zip(i, posemo, emo, strict=True)])
    first = np.arange(n) < 200
    result = compare_groups(table, first, ~first, names=("a", "b"))
    assert result.column_names == [
        "category", "column", "n_a", "n_b", "mean_a", "mean_b", "difference", "t", "p", "class",
    ]  # fmt: skip
    rows_out = {r["category"]: r for r in result.to_pylist()}
    expected = stats.ttest_ind(i[:200], i[200:], equal_var=False)
    assert rows_out["i"]["t"] == pytest.approx(expected.statistic, rel=1e-12)
    assert rows_out["i"]["p"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert rows_out["i"]["mean_a"] == pytest.approx(i[:200].mean())
    assert rows_out["i"]["difference"] == pytest.approx(i[:200].mean() - i[200:].mean())
    assert rows_out["i"]["class"] == "significantly more"
    assert rows_out["posemo"]["class"] in ("more", "less")  # same distribution
    assert rows_out["emo"]["class"] == "equal"
    flipped = {r["category"]: r["class"] for r in compare_groups(table, ~first, first).to_pylist()}
    assert flipped["i"] == "significantly less"
    loose = compare_groups(table, first, ~first, alpha=0.999999)
    assert dict(
        zip(loose.column("category").to_pylist(), loose.column("class").to_pylist(), strict=True)
    )["posemo"].startswith("significantly")


def test_compare_groups_small_and_empty_groups() -> None:
    rows = [post(k, str(k)) for k in range(4)]
    table = _lex_rows(rows, [(1.0, None, 0), (2.0, None, 0), (3.0, 5.0, 0), (None, 1.0, 0)])
    a = np.array([True, True, False, False])
    result = {r["category"]: r for r in compare_groups(table, a, ~a, names=("a", "b")).to_pylist()}
    # "i": group b has one value, so no test: the class follows the sign only.
    assert (
        result["i"]["n_b"] == 1 and math.isnan(result["i"]["p"]) and result["i"]["class"] == "less"
    )
    # "posemo": group a has no value.
    assert result["posemo"]["n_a"] == 0 and result["posemo"]["class"] == "undefined"
    with pytest.raises(ConfigError):
        compare_groups(table, a[:2], ~a)
    with pytest.raises(ConfigError):
        compare_groups(table, a, ~a, alpha=1.5)


def _firestorm_corpus() -> tuple[pa.Table, datetime]:
    """Two weeks and a day; from day 8 on, mention posts say less 'i' and more 'emo' is lower."""
    rng = np.random.default_rng(5)
    split = T0 + timedelta(days=8)
    rows, values = [], []
    for k in range(1500):
        time = T0 + timedelta(hours=float(rng.uniform(0, 15 * 24)))
        mention = rng.random() < 0.5
        row = post(0, str(k % 60), [str((k + 1) % 60)] if mention else None)
        row["created_at"] = time
        late = time >= split
        i = rng.normal(3.0 - (1.5 if late and mention else 0.0), 1.0)
        posemo = rng.normal(2.0, 1.0)
        emo = rng.normal(0.5 - (1.0 if late else 0.0), 1.0)
        rows.append(row)
        values.append((i, posemo, emo))
    return _lex_rows(rows, values), split


def test_compare_periods_splits_weeks_and_subsets() -> None:
    table, split = _firestorm_corpus()
    result = compare_periods(table, split)
    assert result.column_names[:4] == ["subset", "category", "column", "n_after"]
    got = {(r["subset"], r["category"]): r for r in result.to_pylist()}
    assert got[("all", "emo")]["class"] == "significantly less"
    assert got[("mention", "i")]["class"] == "significantly less"
    assert got[("all", "posemo")]["class"] in ("more", "less")
    # The groups are exactly the week before and the week from the split.
    rows = table.to_pylist()
    after = [r["lex_emo"] for r in rows if split <= r["created_at"] < split + timedelta(days=7)]
    before = [r["lex_emo"] for r in rows if split - timedelta(days=7) <= r["created_at"] < split]
    assert got[("all", "emo")]["n_after"] == len(after)
    assert got[("all", "emo")]["n_before"] == len(before)
    assert got[("all", "emo")]["mean_before"] == pytest.approx(float(np.mean(before)))
    expected = stats.ttest_ind(after, before, equal_var=False)
    assert got[("all", "emo")]["t"] == pytest.approx(expected.statistic, rel=1e-10)
    # Open-ended periods take everything on each side.
    everything = compare_periods(table, split, before=None, after=None, subsets=["all"])
    n_all = sum(r["lex_emo"] is not None for r in rows)
    first = everything.to_pylist()[0]
    assert first["n_after"] + first["n_before"] == n_all
    # Restricting the firestorm group to some posts.
    only = np.zeros(table.num_rows, dtype=bool)
    only[:10] = True
    restricted = compare_periods(table, split, subsets=["all"], firestorm_posts=only).to_pylist()
    assert restricted[0]["n_after"] <= 10
    with pytest.raises(ConfigError):
        compare_periods(table, split, before=timedelta(0))
    with pytest.raises(ConfigError):
        compare_periods(table, "soon")


def test_compare_components_inside_vs_outside_the_largest_component() -> None:
    rows = [
        post(0, "a", ["b"]),
        post(1, "b", ["c"]),
        post(2, "c", ["a"]),
        post(3, "d", ["a"]),  # the largest component: a, b, c, d
        post(4, "x", ["y"]),  # a small component
        post(5, "y", ["y"]),  # a self-mention by a node of the small component
        post(6, "z"),  # not a mention post: in neither group
        post(9000, "e", ["a"]),  # outside the period
    ]
    table = _lex_rows(
        rows,
        [
            (5.0, 1, 0),
            (6.0, 1, 0),
            (7.0, 1, 0),
            (6.0, 1, 0),
            (1.0, 1, 0),
            (2.0, 1, 0),
            (9.0, 1, 0),
            (0.0, 1, 0),
        ],
    )
    result = compare_components(table, end=T0 + timedelta(days=1))
    got = {r["category"]: r for r in result.to_pylist()}
    assert result.column("subset").to_pylist() == ["lwcc"] * 3
    assert (got["i"]["n_inside"], got["i"]["n_outside"]) == (4, 2)
    assert got["i"]["mean_inside"] == pytest.approx(6.0)
    assert got["i"]["mean_outside"] == pytest.approx(1.5)
    assert got["i"]["class"] in ("more", "significantly more")
    assert got["posemo"]["class"] == "equal"
    # Over all time, "e" joins the largest component.
    assert compare_components(table).to_pylist()[0]["n_inside"] == 5


def test_count_classes_over_events() -> None:
    table, split = _firestorm_corpus()
    events = [
        compare_periods(table, split),
        compare_periods(table, split),
        compare_components(table),
    ]
    counts = count_classes(events)
    assert counts.column_names == [
        "subset", "category", "significantly_more", "more", "less", "significantly_less",
        "equal", "undefined", "events",
    ]  # fmt: skip
    got = {(r["subset"], r["category"]): r for r in counts.to_pylist()}
    assert got[("all", "emo")]["significantly_less"] == 2
    assert got[("all", "emo")]["events"] == 2
    assert got[("lwcc", "i")]["events"] == 1
    assert len(got) == 9
    plain = compare_groups(table, np.ones(table.num_rows, bool), np.ones(table.num_rows, bool))
    assert count_classes([plain]).column("subset").to_pylist() == ["all"] * 3
    assert count_classes([plain]).column("equal").to_pylist() == [1, 1, 1]
    with pytest.raises(InputError):
        count_classes([plain.drop_columns(["class"])])
    assert set(CLASSES) >= {"significantly more", "significantly less"}
