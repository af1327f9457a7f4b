"""Distant labelling of posts and class balancing (Santhanam et al., 2018)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from crowdpulse.event import LabelSource
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.label import (
    class_weights,
    label_by_column,
    label_by_hashtags,
    label_corpus,
    post_label,
    remove_hashtags,
    undersample,
)

LEXICON = {
    "prayforparis": "solidarity",
    "jesuisparis": "solidarity",
    "breaking": "not solidarity",
    "france": "not solidarity",
}


def corpus(rows: list[tuple[str, str | None, list[str] | None]]) -> pa.Table:
    return pa.table(
        {
            "id": pa.array([r[0] for r in rows], pa.string()),
            "text": pa.array([r[1] for r in rows], pa.string()),
            "hashtags": pa.array([r[2] for r in rows], pa.list_(pa.string())),
        }
    )


POSTS = [
    ("1", "Thoughts with you #PrayForParis 🙏", ["prayforparis"]),
    ("2", "#BREAKING shots fired near #France stadium", ["breaking", "france"]),
    ("3", "#prayforparis #breaking news tonight", ["prayforparis", "breaking"]),  # conflicting
    ("4", "nothing to see #random", ["random"]),
    ("5", "#JeSuisParis and #PrayForParis together", ["jesuisparis", "prayforparis"]),
    ("6", "no hashtags column here #france", None),  # falls back to the text
    ("7", None, []),
]


def test_post_label() -> None:
    assert post_label(["PrayForParis", "x"], LEXICON) == ("solidarity", ["prayforparis"])
    assert post_label(["#breaking", "#prayforparis"], LEXICON) == (
        "conflicting",
        ["breaking", "prayforparis"],
    )
    assert post_label(["x"], LEXICON) == (None, [])
    assert post_label(["france", "France"], LEXICON) == ("not solidarity", ["france"])


def test_remove_hashtags() -> None:
    text = "So sad #PrayForParis, #prayforparisnow and #PrayForParis!"
    assert remove_hashtags(text, ["prayforparis"]) == "So sad , #prayforparisnow and !"
    assert remove_hashtags("  keep me  ", []) == "keep me"
    assert remove_hashtags("＃France first", ["france"]) == "first"


def test_label_by_hashtags_counts_exact() -> None:
    result = label_by_hashtags(corpus(POSTS), LEXICON)
    c = result.counts
    assert (c.solidarity, c.not_solidarity, c.conflicting, c.unlabelled) == (2, 2, 1, 2)
    assert c.conflicting_dropped
    table = result.table
    assert table.column("id").to_pylist() == ["1", "2", "4", "5", "6", "7"]
    assert table.column("solidarity").to_pylist() == [
        "solidarity",
        "not solidarity",
        None,
        "solidarity",
        "not solidarity",
        None,
    ]
    assert table.column("label_hashtags").to_pylist() == [
        ["prayforparis"],
        ["breaking", "france"],
        [],
        ["jesuisparis", "prayforparis"],
        ["france"],
        [],
    ]
    assert table.column("text_for_training").to_pylist() == [
        "Thoughts with you 🙏",
        "shots fired near stadium",
        "nothing to see #random",
        "and together",
        "no hashtags column here",
        None,
    ]
    assert table.schema.field("label_hashtags").type == pa.list_(pa.string())


def test_label_keep_conflicting() -> None:
    result = label_by_hashtags(corpus(POSTS), LEXICON, drop_conflicting=False)
    assert result.table.num_rows == len(POSTS)
    assert result.counts.conflicting == 1 and not result.counts.conflicting_dropped
    assert result.counts.unlabelled == 2
    row = result.table.slice(2, 1).to_pylist()[0]
    assert row["solidarity"] is None and row["text_for_training"] == "news tonight"


def test_relabelling_replaces_columns() -> None:
    once = label_by_hashtags(corpus(POSTS), LEXICON).table
    twice = label_by_hashtags(once, LEXICON).table
    assert twice.column_names == once.column_names
    assert twice.column("solidarity").to_pylist() == once.column("solidarity").to_pylist()


def test_label_errors() -> None:
    with pytest.raises(InputError, match="hashtags"):
        label_by_hashtags(pa.table({"text": ["a"]}), LEXICON)
    with pytest.raises(ConfigError):
        label_by_hashtags(corpus(POSTS), {"x": "maybe"})
    with pytest.raises(ConfigError):
        label_by_column(pa.table({"text": ["a"], "label": ["b"]}), "label", [])
    with pytest.raises(ConfigError):
        label_corpus(corpus(POSTS), LabelSource())


def test_label_by_column_crisislex_style() -> None:
    table = pa.table(
        {
            "id": ["1", "2", "3", "4", "5"],
            "text": ["we pray", "road closed", "nothing", None, "donate"],
            "label": [
                "Sympathy and support",
                "Infrastructure and utilities",
                "Not labeled",
                None,
                " Donations and volunteering ",
            ],
        }
    )
    result = label_by_column(table, "label", ["Sympathy and support"], exclude=["Not labeled"])
    assert result.table.column("solidarity").to_pylist() == [
        "solidarity",
        "not solidarity",
        None,
        None,
        "not solidarity",
    ]
    assert result.counts.to_dict() == {
        "solidarity": 1,
        "not_solidarity": 2,
        "conflicting": 0,
        "conflicting_dropped": True,
        "unlabelled": 2,
    }
    assert result.table.column("text_for_training").to_pylist() == table.column("text").to_pylist()
    via_source = label_corpus(
        table,
        LabelSource(column="label", positive=("Sympathy and support",)),
        exclude=["Not labeled"],
    )
    assert via_source.counts == result.counts


def test_label_corpus_with_sheet(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "hashtags,FREQUENCY,annotator-1,annotator-2,annotations\n"
        "prayforparis,10,expresses solidarity,expresses solidarity,solidarity\n"
        "breaking,9,does not express solidarity,does not express solidarity,no solidarity\n"
        "france,8,cannot determine,does not express solidarity,ignore\n",
        encoding="utf-8",
    )
    result = label_corpus(corpus(POSTS), LabelSource(sheet=sheet))
    c = result.counts
    assert (c.solidarity, c.not_solidarity, c.conflicting, c.unlabelled) == (2, 1, 1, 3)


def test_undersample_equal_classes_and_seeded() -> None:
    labels = ["s"] * 30 + ["n"] * 100 + ["x"] * 50
    idx = undersample(labels, seed=1)
    chosen = np.asarray(labels)[idx]
    assert sorted({k: int((chosen == k).sum()) for k in "snx"}.items()) == [
        ("n", 30),
        ("s", 30),
        ("x", 30),
    ]
    assert list(idx) == sorted(idx)
    assert set(range(30)) <= set(idx.tolist())  # the smallest class is kept whole
    assert np.array_equal(idx, undersample(labels, seed=1))
    assert not np.array_equal(idx, undersample(labels, seed=2))
    with pytest.raises(ConfigError):
        undersample(["a", "a"], seed=0)
    with pytest.raises(ConfigError):
        undersample([], seed=0)


def test_class_weights_match_sklearn() -> None:
    from sklearn.utils.class_weight import compute_class_weight

    labels = ["s"] * 10 + ["n"] * 30
    weights = class_weights(labels)
    assert weights == {"n": pytest.approx(40 / 60), "s": pytest.approx(40 / 20)}
    expected = compute_class_weight("balanced", classes=np.array(["n", "s"]), y=np.array(labels))
    assert [weights["n"], weights["s"]] == pytest.approx(list(expected))
