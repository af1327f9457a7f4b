"""Known-answer tests of the emoji co-occurrence networks and their GEXF/GraphML export."""

from __future__ import annotations

import itertools
from collections import Counter

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdpulse.emoji import (
    EmojiPair,
    components,
    cooccurrence_graph,
    edges_to_arrow,
    nodes_to_arrow,
    prune,
    strength_ranking,
    summarize,
    top_pairs,
    write_gexf,
    write_graphml,
)
from crowdpulse.exceptions import ConfigError

PRAY, FR, HEART, CRY, US = "🙏", "🇫🇷", "❤️", "😢", "🇺🇸"
SENTIMENT = {PRAY: 0.42, HEART: 0.75, CRY: -0.1}
NAMES = {
    PRAY: "folded hands",
    FR: "flag: France",
    HEART: "red heart",
    CRY: "crying face",
    US: "flag: United States",
}

# the "outside" solidarity posts of the hand-made corpus in test_emoji_tables.py
OUTSIDE = [[PRAY, HEART, CRY], [HEART, FR], [US, PRAY]]


def graph(posts, weighting="posts"):
    return cooccurrence_graph(posts, weighting=weighting, name_of=NAMES, sentiment_of=SENTIMENT)


def test_posts_weighting_counts_posts_with_distinct_emojis() -> None:
    g = graph([[PRAY, FR, PRAY], [FR, HEART], [PRAY, PRAY]])
    assert sorted(g.nodes) == sorted([PRAY, FR, HEART])
    assert g[PRAY][FR] == {"weight": 1, "posts": 1}  # repeats of 🙏 in post 1 count once
    assert g[FR][HEART]["weight"] == 1
    assert not g.has_edge(PRAY, PRAY)  # no self-loops from repeats
    assert g.number_of_edges() == 2
    assert g.nodes[PRAY]["count"] == 4 and g.nodes[PRAY]["posts"] == 2
    assert g.nodes[PRAY]["sentiment"] == pytest.approx(0.42)
    assert "sentiment" not in g.nodes[FR]  # unknown scores are left out, not NaN
    assert g.nodes[FR]["name"] == g.nodes[FR]["label"] == "flag: France"
    assert g.graph["weighting"] == "posts"


def test_inverse_length_weighting_uses_occurrences_per_post() -> None:
    g = graph([[PRAY, FR, PRAY], [FR, HEART], [PRAY, FR, HEART]], weighting="inverse_length")
    # post 1: 3 occurrences -> 1/3 for (🙏, 🇫🇷); post 2: 1/2; post 3: 1/3 for each of its 3 pairs
    assert g[PRAY][FR]["weight"] == pytest.approx(1 / 3 + 1 / 3)
    assert g[FR][HEART]["weight"] == pytest.approx(1 / 2 + 1 / 3)
    assert g[PRAY][HEART]["weight"] == pytest.approx(1 / 3)
    assert g[PRAY][FR]["posts"] == 2


def test_known_network_outside() -> None:
    g = graph(OUTSIDE)
    assert {frozenset(e) for e in g.edges} == {
        frozenset(p) for p in [(PRAY, HEART), (PRAY, CRY), (HEART, CRY), (HEART, FR), (US, PRAY)]
    }
    assert dict(strength_ranking(g, None)) == {PRAY: 3.0, HEART: 3.0, CRY: 2.0, FR: 1.0, US: 1.0}
    # ties by code point: ❤ (U+2764) before 🙏 (U+1F64F); 🇫 before 🇺
    assert [e for e, _ in strength_ranking(g, None)] == [HEART, PRAY, CRY, FR, US]
    assert g.nodes[PRAY]["strength"] == 3.0 and g.nodes[PRAY]["degree"] == 3
    assert [c.size for c in components(g)] == [5]


def test_top_pairs_order_and_direction() -> None:
    posts = [[PRAY, FR]] * 3 + [[HEART, PRAY]] * 2 + [[CRY, US]] * 2 + [[HEART, FR]]
    pairs = top_pairs(graph(posts), 3)
    assert pairs == (
        EmojiPair(FR, PRAY, 3.0, 3),
        EmojiPair(HEART, PRAY, 2.0, 2),
        EmojiPair(US, CRY, 2.0, 2),  # tie at 2: ❤ pair first (code point order of source)
    )


def test_components_and_pruning() -> None:
    posts = [[PRAY, FR], [PRAY, FR], [PRAY, HEART], [CRY, US], [CRY]]
    g = graph(posts)
    comps = components(g)
    assert [c.emojis for c in comps] == [(PRAY, FR, HEART), (US, CRY)]  # ties by code point
    assert comps[0].strength == 3.0 and comps[1].index == 1
    assert g.nodes[US]["component"] == 1
    # min_weight 2 keeps only (🙏, 🇫🇷); min_degree 1 drops what became isolated
    strong = prune(g, min_weight=2)
    assert sorted(strong.nodes) == sorted([PRAY, FR])
    assert strong.nodes[PRAY]["strength"] == 2.0  # recomputed
    assert g.nodes[PRAY]["strength"] == 3.0  # original untouched
    kept_isolates = prune(g, min_weight=2, min_degree=0)
    assert kept_isolates.number_of_nodes() == 5 and kept_isolates.number_of_edges() == 1
    assert sorted(prune(g, min_degree=2).nodes) == [PRAY]
    top = prune(g, max_nodes=2)
    assert sorted(top.nodes) == sorted([PRAY, FR])


def test_isolated_emoji_is_a_node_until_pruned() -> None:
    g = graph([[PRAY], [FR, HEART]])
    assert PRAY in g and g.degree(PRAY) == 0
    assert PRAY not in prune(g)


def test_invalid_options() -> None:
    with pytest.raises(ConfigError, match="weighting"):
        cooccurrence_graph([[PRAY, FR]], weighting="jaccard", name_of=NAMES, sentiment_of=SENTIMENT)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        prune(graph(OUTSIDE), min_weight=-1)
    with pytest.raises(ConfigError):
        prune(graph(OUTSIDE), max_nodes=0)


def test_summary_and_tables() -> None:
    g = graph(OUTSIDE)
    s = summarize(g, 2)
    assert (s.nodes, s.edges) == (5, 5)
    assert len(s.top_pairs) == 2 and len(s.central) == 2
    assert s.central[0] == (HEART, 3.0)
    edges = edges_to_arrow(g, group="outside")
    assert edges.num_rows == 5 and set(edges.column("group").to_pylist()) == {"outside"}
    nodes = nodes_to_arrow(g, group="outside").to_pylist()
    assert nodes[0]["emoji"] == HEART and nodes[0]["sentiment"] == pytest.approx(0.75)
    assert nodes[3]["emoji"] == FR and nodes[3]["sentiment"] is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from([PRAY, FR, HEART, CRY, US]), max_size=5), max_size=25),
)
def test_weights_match_a_plain_python_count(posts) -> None:
    expected: Counter[frozenset[str]] = Counter()
    expected_inv: Counter[frozenset[str]] = Counter()
    for post in posts:
        for a, b in itertools.combinations(sorted(set(post)), 2):
            expected[frozenset((a, b))] += 1
            expected_inv[frozenset((a, b))] += 1 / len(post)
    g = graph(posts)
    assert {frozenset((u, v)): w for u, v, w in g.edges(data="weight")} == dict(expected)
    gi = graph(posts, "inverse_length")
    got = {frozenset((u, v)): w for u, v, w in gi.edges(data="weight")}
    assert got.keys() == expected_inv.keys()
    for key, value in expected_inv.items():
        assert got[key] == pytest.approx(value)


def test_gexf_round_trip(tmp_path) -> None:
    g = graph([*OUTSIDE, [PRAY, HEART]], weighting="posts")
    path = write_gexf(g, tmp_path / "net.gexf")
    back = nx.read_gexf(path)
    assert set(back.nodes) == set(g.nodes)
    assert back.nodes[PRAY]["label"] == "folded hands"
    assert back.nodes[PRAY]["name"] == "folded hands"
    assert back.nodes[PRAY]["count"] == 3
    assert back.nodes[PRAY]["sentiment"] == pytest.approx(0.42)
    assert "sentiment" not in back.nodes[FR]
    assert back.nodes[FR]["label"] == "flag: France"
    weights = {frozenset((u, v)): w for u, v, w in back.edges(data="weight")}
    assert weights[frozenset((PRAY, HEART))] == 2
    assert weights[frozenset((US, PRAY))] == 1
    assert len(weights) == 5


def test_gexf_round_trip_inverse_length(tmp_path) -> None:
    g = graph(OUTSIDE, weighting="inverse_length")
    back = nx.read_gexf(write_gexf(g, tmp_path / "net.gexf"))
    assert back[PRAY][HEART]["weight"] == pytest.approx(1 / 3)
    assert back[HEART][FR]["weight"] == pytest.approx(1 / 2)


def test_graphml_round_trip(tmp_path) -> None:
    g = graph(OUTSIDE)
    back = nx.read_graphml(write_graphml(g, tmp_path / "net.graphml"))
    assert set(back.nodes) == set(g.nodes)
    assert back.nodes[CRY]["name"] == "crying face"
    assert back.nodes[CRY]["sentiment"] == pytest.approx(-0.1)
    assert back[PRAY][HEART]["weight"] == 1
    assert back.nodes[HEART]["strength"] == 3.0
