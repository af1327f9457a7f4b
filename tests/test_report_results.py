"""Typed stage results, the page's blocks and templates, drill-down samples, the term explorer.

All inputs are built here by hand; expected values are worked out by hand.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest
from markupsafe import Markup

from crowdpulse.exceptions import InputError
from crowdpulse.report.blocks import Section, environment, table
from crowdpulse.report.drill import drill_json, emoji_mask, sample_posts, term_mask
from crowdpulse.report.results import (
    RESULT_TYPES,
    FirestormStageResult,
    GeographyResult,
    IngestResult,
)
from crowdpulse.report.sections.explorer import term_statistics

GEO = {
    "posts": 10,
    "tagged": 4,
    "by_source": {"coordinates": 1, "place": 0, "profile": 3},
    "top_countries": [
        {
            "country": "FR",
            "name": "France",
            "posts": 3,
            "authors": 2,
            "share_of_tagged": 0.75,
            "affected": True,
        }
    ],
    "affected": ["FR"],
    "figure": None,
    "not_a_field": "ignored",
}


def test_result_round_trip_and_types() -> None:
    geo = GeographyResult.from_dict(GEO)
    assert geo.top_countries[0].name == "France" and geo.affected == ("FR",)
    assert geo.regions == {}  # missing: the default
    again = GeographyResult.from_dict(geo.to_dict())
    assert again == geo
    assert "not_a_field" not in geo.to_dict()
    with pytest.raises(InputError, match="expected an integer"):
        GeographyResult.from_dict({**GEO, "posts": "ten"})
    with pytest.raises(InputError, match="tagged is missing"):
        GeographyResult.from_dict({"posts": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        geo.posts = 3  # type: ignore[misc]
    assert set(RESULT_TYPES) == {
        "ingest",
        "features",
        "labels",
        "solidarity",
        "geography",
        "emojis",
        "firestorm",
    }


def test_firestorm_result_reads_the_class_key_and_offsets() -> None:
    result = FirestormStageResult.from_dict(
        {
            "target": "@x",
            "periods": [
                {"subset": "all", "category": "i", "difference": -1.5, "p": 0.001, "class": "less"}
            ],
            "evaluations": [
                {
                    "mode": "stream",
                    "group": "lexical",
                    "closest": {"start": {"offset_hours": -0.5}, "peak_posts": None},
                }
            ],
        }
    )
    assert result.periods[0].verdict == "less"
    assert result.to_dict()["periods"][0]["class"] == "less"
    assert result.evaluations[0].offset("start") == -0.5
    assert result.evaluations[0].offset("peak_posts") is None
    assert IngestResult.from_dict({"read": 3, "kept": 2, "quarantined": 0}).filtered_total == 0


def test_templates_escape_text_but_not_markup() -> None:
    block = table(
        "caption <i>",
        ["a", "n"],
        [["<script>x</script>", 3], [Markup("<b>bold</b>"), 1]],
        numeric=[1],
        drill=[None, "term:0"],
    )
    html = (
        environment()
        .get_template("section.html.j2")
        .render(section=Section("s", "Title & co", Markup("lead"), (block,)))
    )
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert "<b>bold</b>" in html and "caption &lt;i&gt;" in html and "Title &amp; co" in html
    assert 'data-sort="3.0"' in html and 'data-drill="term:0" tabindex="0"' in html
    assert html.count("<tr data-drill") == 1
    assert 'aria-label="Sort by n"' in html


def _posts() -> pa.Table:
    t0 = datetime(2015, 11, 13, 20, 0, tzinfo=UTC)
    return pa.table(
        {
            "created_at": [t0] * 12,
            "text": [f"post {i} love @Someone @target" for i in range(10)] + ["lovely", "x ❤️"],
            "emojis": [[] for _ in range(10)] + [[], ["❤️"]],
        }
    )


def test_sample_posts_caps_seeds_and_masks_names() -> None:
    table = _posts()
    mask = term_mask(table.column("text"), "love")
    assert mask.tolist() == [True] * 10 + [False, False]  # "lovely" is another word
    first = sample_posts(table, mask, seed=3, title="t", what="posts", keep=frozenset({"@target"}))
    again = sample_posts(table, mask, seed=3, title="t", what="posts", keep=frozenset({"@target"}))
    other = sample_posts(table, mask, seed=4, title="t", what="posts")
    assert first == again and first != other
    assert len(first["posts"]) == 8 and first["note"].startswith("10 posts; 8 shown")
    assert all(p["text"].endswith("love @user @target") for p in first["posts"])
    assert all("@target" not in p["text"] for p in other["posts"])
    assert first["posts"][0]["time"] == "2015-11-13 20:00 UTC"
    assert emoji_mask(table.column("emojis"), "❤️").tolist() == [False] * 11 + [True]
    assert str(drill_json({"a": "</script><b>"})) == '{"a":"\\u003c/script\\u003e\\u003cb\\u003e"}'


def test_term_statistics_counts_and_direction() -> None:
    tokens = [["we", "pray", "@bob"]] * 6 + [["news", "pray", "#tag"]] * 6 + [["x"]]
    labels = ["solidarity"] * 6 + ["not solidarity"] * 6 + [None]
    stats = term_statistics(tokens, labels, leave_out=frozenset({"#tag"}))
    assert stats is not None
    assert stats["term"] == ["pray", "we", "news"]  # by posts; @names and left-out terms dropped
    assert stats["n_pos"] == [6, 6, 0] and stats["n_neg"] == [6, 0, 6]
    z = dict(zip(stats["term"], stats["z"], strict=True))
    assert z["pray"] == pytest.approx(0.0) and z["we"] > 0 > z["news"]
    assert stats["posts"] == [6, 6]
    assert np.isclose(stats["y"][0], 1000.0)  # pray: in every solidarity post
    assert term_statistics([["a"]], ["solidarity"]) is None  # one class only
