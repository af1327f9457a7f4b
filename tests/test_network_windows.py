"""Time buckets, the incremental graph and the sliding-window metrics vs networkx."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.network import (
    METRIC_COLUMNS,
    IncrementalDiGraph,
    assign_buckets,
    largest_weak_component,
    weak_component_labels,
    window_component_sizes,
    window_graph,
    window_metrics,
)
from test_network_edges import T0, make_table, post, random_corpus, reference_window, same

# --- buckets ----------------------------------------------------------------------


def test_buckets_default_origin_is_the_floored_first_post() -> None:
    times = [
        datetime(2014, 6, 29, 10, 40, tzinfo=UTC),
        None,
        datetime(2014, 6, 29, 11, 5, tzinfo=UTC),
        datetime(2014, 6, 29, 12, 29, 59, tzinfo=UTC),
        datetime(2014, 6, 29, 10, 30, tzinfo=UTC),
    ]
    b = assign_buckets(times)
    assert b.origin == datetime(2014, 6, 29, 10, 30, tzinfo=UTC)
    assert b.index.tolist() == [0, -1, 1, 3, 0]
    assert b.count == 4
    assert b.counts().tolist() == [2, 1, 0, 1]
    assert b.starts().to_pylist()[3] == datetime(2014, 6, 29, 12, 0, tzinfo=UTC)
    assert b.start(2) == datetime(2014, 6, 29, 11, 30, tzinfo=UTC)


def test_buckets_with_origin_end_and_other_lengths() -> None:
    times = np.array(
        ["2014-06-29T09:59", "2014-06-29T10:00", "2014-06-29T10:59", "2014-06-29T13:00", "NaT"],
        dtype="datetime64[us]",
    )
    b = assign_buckets(times, minutes=60, origin="2014-06-29T10:00:00Z", end="2014-06-29T13:00Z")
    assert b.index.tolist() == [-1, 0, 0, -1, -1]  # before the origin, at/after the end, no time
    assert b.count == 3  # the grid reaches the end even where buckets are empty
    # A naive origin is UTC; an offset is converted.
    c = assign_buckets(
        times, minutes=45, origin=datetime(2014, 6, 29, 11, 0, tzinfo=UTC) - timedelta(hours=1)
    )
    assert c.index.tolist()[:3] == [-1, 0, 1]
    d = assign_buckets(times, origin="2014-06-29T12:00:00+02:00")
    assert d.origin == datetime(2014, 6, 29, 10, 0, tzinfo=UTC)


def test_buckets_accept_arrow_timestamps_of_any_unit() -> None:
    arr = pa.array([0, 90], type=pa.timestamp("s"))
    b = assign_buckets(arr, minutes=1)
    assert b.index.tolist() == [0, 1]
    assert b.origin == datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("minutes", [0, -5, 1.5, True])
def test_buckets_reject_bad_lengths(minutes: object) -> None:
    with pytest.raises(ConfigError):
        assign_buckets([T0], minutes=minutes)  # type: ignore[arg-type]


def test_buckets_reject_bad_times() -> None:
    with pytest.raises(ConfigError):
        assign_buckets([T0], origin="yesterday")
    with pytest.raises(ConfigError):
        assign_buckets([T0], origin=T0, end=T0)
    with pytest.raises(InputError):
        assign_buckets(["2014-06-29"])  # type: ignore[list-item]
    with pytest.raises(InputError):
        assign_buckets(np.array([1, 2]))


def test_buckets_of_no_times() -> None:
    b = assign_buckets([None, None])
    assert b.count == 0 and b.index.tolist() == [-1, -1]
    assert len(b.starts()) == 0


# --- the incremental graph ----------------------------------------------------------


def _brute(src: np.ndarray, dst: np.ndarray, mult: np.ndarray, n: int) -> tuple:
    present = mult > 0
    out = np.bincount(src[present], minlength=n)
    inn = np.bincount(dst[present], minlength=n)
    nodes = int(np.count_nonzero(out + inn))

    def best(deg: np.ndarray) -> tuple[int, int]:
        top = int(deg.max())
        return (top, int(np.flatnonzero(deg == top)[0])) if top > 0 else (0, -1)

    return nodes, int(present.sum()), best(out), best(inn)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_incremental_graph_matches_brute_force(data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 9))
    pairs = data.draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=25)
    )
    pairs = [(a, b) for a, b in dict.fromkeys(pairs) if a != b] or [(0, 1)]
    src = np.array([a for a, _ in pairs])
    dst = np.array([b for _, b in pairs])
    graph = IncrementalDiGraph(src, dst, n)
    mult = np.zeros(len(pairs), dtype=int)
    for _ in range(data.draw(st.integers(1, 12))):
        add = data.draw(st.lists(st.integers(0, len(pairs) - 1), max_size=6))
        removable = [k for k in range(len(pairs)) for _ in range(mult[k])]
        remove = (
            data.draw(st.lists(st.sampled_from(removable), max_size=4, unique_by=lambda x: x))
            if removable
            else []
        )
        graph.update(add=np.array(add, dtype=int), remove=np.array(remove, dtype=int))
        np.add.at(mult, np.array(add, dtype=int), 1)
        np.subtract.at(mult, np.array(remove, dtype=int), 1)
        nodes, edges, out_best, in_best = _brute(src, dst, mult, n)
        assert (graph.n_nodes, graph.n_edges) == (nodes, edges)
        assert graph.max_out_degree == out_best
        assert graph.max_in_degree == in_best
        assert graph.present_edges().tolist() == np.flatnonzero(mult > 0).tolist()


def test_incremental_graph_rejects_bad_input() -> None:
    with pytest.raises(ConfigError):
        IncrementalDiGraph(np.array([0]), np.array([0]), 2)  # self-loop
    with pytest.raises(ConfigError):
        IncrementalDiGraph(np.array([0]), np.array([5]), 2)  # out of range
    with pytest.raises(ConfigError):
        IncrementalDiGraph(np.array([0, 1]), np.array([1]), 2)
    graph = IncrementalDiGraph(np.array([0, 1]), np.array([1, 0]), 2)
    graph.update(add=np.array([0]))
    with pytest.raises(ConfigError, match="removed more often"):
        graph.update(remove=np.array([0, 0]))
    assert graph.n_edges == 1  # unchanged by the failed update
    graph.update(add=np.array([1]), remove=np.array([0]))
    assert graph.n_edges == 1 and graph.max_in_degree == (1, 0)


# --- components ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["csgraph", "union-find", "label-propagation"])
def test_components_of_one_graph(method: str) -> None:
    src = np.array([10, 11, 30, 40, 41, 42, 99])
    dst = np.array([11, 12, 31, 41, 42, 40, 99])  # 99 has only a self-loop
    nodes, labels = weak_component_labels(src, dst, method=method)  # type: ignore[arg-type]
    assert nodes.tolist() == [10, 11, 12, 30, 31, 40, 41, 42, 99]
    groups = {}
    for node, label in zip(nodes.tolist(), labels.tolist(), strict=True):
        groups.setdefault(label, set()).add(node)
    assert sorted(map(sorted, groups.values())) == [[10, 11, 12], [30, 31], [40, 41, 42], [99]]
    size, members = largest_weak_component(src, dst, method=method)  # type: ignore[arg-type]
    assert size == 3 and members.tolist() == [10, 11, 12]  # tie: the one with the smallest id
    assert largest_weak_component(src[:0], dst[:0])[0] == 0
    with pytest.raises(ConfigError):
        weak_component_labels(src, dst, method="bfs")  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(6))
def test_sliding_component_methods_equal_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(15):
        n_buckets, window, n = (
            int(rng.integers(1, 40)),
            int(rng.integers(1, 14)),
            int(rng.integers(2, 40)),
        )
        per = rng.integers(0, 7, n_buckets) * (rng.random(n_buckets) > 0.2)  # some empty buckets
        bounds = np.concatenate([[0], np.cumsum(per)])
        src, dst = rng.integers(0, n, bounds[-1]), rng.integers(0, n, bounds[-1])
        expected = []
        for b in range(n_buckets):
            g = nx.Graph()
            lo, hi = bounds[max(b - window + 1, 0)], bounds[b + 1]
            g.add_edges_from(zip(src[lo:hi].tolist(), dst[lo:hi].tolist(), strict=True))
            expected.append(max((len(c) for c in nx.connected_components(g)), default=0))
        for method in ("contracted", "csgraph", "union-find", "label-propagation"):
            got = window_component_sizes(src, dst, bounds, window, n_nodes=n, method=method)  # type: ignore[arg-type]
            assert got.tolist() == expected, method
        group = int(rng.integers(1, window + 1))
        assert window_component_sizes(src, dst, bounds, window, group=group).tolist() == expected


def test_sliding_components_reject_bad_options() -> None:
    bounds = np.array([0, 1])
    with pytest.raises(ConfigError):
        window_component_sizes(np.array([0]), np.array([1]), bounds, 0)
    with pytest.raises(ConfigError):
        window_component_sizes(np.array([0]), np.array([1]), bounds, 4, group=5)
    with pytest.raises(ConfigError):
        window_component_sizes(np.array([0]), np.array([1]), bounds, 4, method="dfs")  # type: ignore[arg-type]


# --- window metrics vs networkx from scratch --------------------------------------------


def _check_against_reference(
    table: pa.Table, *, network: str, include_retweets: bool, minutes: int, window: int
) -> pa.Table:
    metrics = window_metrics(
        table,
        network=network,  # type: ignore[arg-type]
        bucket_minutes=minutes,
        window_buckets=window,
        include_retweets=include_retweets,
    )
    rows = table.to_pylist()
    times = [r["created_at"] for r in rows if r["created_at"] is not None]
    origin = datetime.fromtimestamp(min(times).timestamp() // (minutes * 60) * minutes * 60, tz=UTC)
    length = timedelta(minutes=minutes)
    assert metrics.num_rows == (max(times) - origin) // length + 1
    assert metrics.column_names[:4] == ["window", "start", "end", "buckets"]
    assert tuple(metrics.column_names[4:]) == METRIC_COLUMNS
    for row in metrics.to_pylist():
        b = row["window"]
        start = origin + max(b - window + 1, 0) * length
        end = origin + (b + 1) * length
        assert (row["start"], row["end"]) == (start, end)
        assert row["buckets"] == min(b + 1, window)
        expected = reference_window(rows, start, end, network, include_retweets)
        for key, value in expected.items():
            assert same(row[key], value), (b, key, row[key], value)
    return metrics


@pytest.mark.parametrize(
    ("seed", "network", "include_retweets", "minutes", "window"),
    [
        (0, "mention", False, 30, 24),
        (1, "mention", True, 30, 24),
        (2, "retweet", False, 30, 24),
        (3, "mention", False, 60, 5),
        (4, "mention", False, 30, 1),
        (5, "retweet", False, 45, 7),
        (6, "mention", True, 20, 30),
    ],
)
def test_window_metrics_equal_networkx_from_scratch(
    seed: int, network: str, include_retweets: bool, minutes: int, window: int
) -> None:
    table = random_corpus(seed)
    metrics = _check_against_reference(
        table, network=network, include_retweets=include_retweets, minutes=minutes, window=window
    )
    # The corpus has empty windows (a 15-hour gap) and busy ones.
    edges = metrics.column("edges").to_numpy()
    assert (edges == 0).any() and edges.max() > 5
    assert np.isnan(metrics.column("edges_per_node").to_numpy()).any()


def test_window_metrics_of_a_hand_made_corpus() -> None:
    rows = [
        post(0, "a", ["b", "c"]),
        post(5, "b", ["c"]),
        post(10, "c", ["c"]),  # self-mention: a mention post, no edge
        post(20, "d", ["b"]),
        post(40, "a", ["b"]),  # a repeated edge in the next bucket
        post(50, "e", ["f"], retweeted_id="9", retweeted_author_id="f"),  # a retweet
        post(95, "g", []),
    ]
    table = make_table(rows)
    m = window_metrics(table, window_buckets=2).to_pylist()
    assert [r["window"] for r in m] == [0, 1, 2, 3]
    first, second, third, fourth = m
    assert (first["nodes"], first["edges"], first["posts"], first["mention_posts"]) == (4, 4, 4, 4)
    assert (first["max_in_degree"], first["max_in_degree_node"]) == (2, "b")  # tie b/c: smallest id
    assert (first["max_out_degree"], first["max_out_degree_node"]) == (2, "a")
    assert first["density"] == pytest.approx(4 / 12)
    assert first["lwcc_size"] == 4 and first["lwcc_fraction"] == 1.0
    assert (second["edges"], second["posts"], second["retweet_posts"]) == (4, 6, 1)
    assert second["buckets"] == 2
    assert (third["nodes"], third["edges"], third["posts"]) == (2, 1, 2)
    assert (fourth["nodes"], fourth["edges"], fourth["posts"], fourth["mention_posts"]) == (
        0,
        0,
        1,
        0,
    )
    assert fourth["max_in_degree"] == 0 and fourth["max_in_degree_node"] is None
    assert fourth["density"] == 0.0 and np.isnan(fourth["avg_out_degree"])
    retweets = window_metrics(table, network="retweet", window_buckets=2).to_pylist()
    assert [(r["nodes"], r["edges"]) for r in retweets] == [(0, 0), (2, 1), (2, 1), (0, 0)]


def test_window_metrics_options_and_metadata() -> None:
    table = random_corpus(11, n_posts=150)
    m = window_metrics(
        table,
        origin="2014-06-21T00:00:00Z",
        end="2014-06-24T00:00Z",
        bucket_minutes=60,
        window_buckets=3,
    )
    assert m.num_rows == 72
    assert m.column("posts").to_numpy()[:24].sum() == 0  # the day before the first post
    settings_ = json.loads(m.schema.metadata[b"crowdpulse.network"])
    assert settings_ == {
        "network": "mention",
        "bucket_minutes": 60,
        "window_buckets": 3,
        "origin": "2014-06-21T00:00:00+00:00",
        "include_retweets": False,
    }
    loud = window_metrics(table, quiet=False)  # progress bars on stderr, same result
    quiet = window_metrics(table)
    assert loud.column_names == quiet.column_names
    for name in loud.column_names:
        pairs = zip(loud[name].to_pylist(), quiet[name].to_pylist(), strict=True)
        assert all(same(a, b) for a, b in pairs), name
    same_result = window_metrics(table, component_method="union-find")
    assert same_result.column("lwcc_size").equals(window_metrics(table).column("lwcc_size"))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"network": "reply"}, ConfigError),
        ({"bucket_minutes": 0}, ConfigError),
        ({"window_buckets": 0}, ConfigError),
        ({"window_buckets": 2.5}, ConfigError),
        ({"origin": "not a time"}, ConfigError),
    ],
)
def test_window_metrics_reject_bad_options(kwargs: dict, error: type) -> None:
    with pytest.raises(error):
        window_metrics(random_corpus(0, n_posts=20), **kwargs)


def test_window_metrics_of_an_empty_corpus_and_missing_columns() -> None:
    empty = make_table([])
    assert window_metrics(empty).num_rows == 0
    no_time = make_table([post(0, "a", ["b"])]).drop_columns(["created_at"])
    with pytest.raises(InputError):
        window_metrics(no_time)


def test_window_graph_is_the_network_of_the_window() -> None:
    table = random_corpus(7)
    m = window_metrics(table).to_pylist()
    for row in (m[5], m[40], m[-1]):
        g = window_graph(table, row["start"], row["end"])
        assert (g.number_of_nodes(), g.number_of_edges()) == (row["nodes"], row["edges"])
        lwcc = max((len(c) for c in nx.weakly_connected_components(g)), default=0)
        assert lwcc == row["lwcc_size"]


@pytest.mark.realdata
def test_window_metrics_on_real_v1_tweets(shared_data: Path) -> None:
    """The Napa earthquake sample (409 real API v1.1 tweets over two minutes)."""
    rows = []
    path = shared_data / "twitter_v1_sample" / "napa_earthquake_2014_sample.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        tweet = json.loads(line)
        rt = tweet.get("retweeted_status")
        mentions = tweet["entities"]["user_mentions"]
        rows.append(
            {
                "id": tweet["id_str"],
                "created_at": datetime.strptime(tweet["created_at"], "%a %b %d %H:%M:%S %z %Y"),
                "author_id": tweet["user"]["id_str"],
                "author_handle": tweet["user"]["screen_name"],
                "retweeted_id": rt["id_str"] if rt else None,
                "retweeted_author_id": rt["user"]["id_str"] if rt else None,
                "retweeted_author_handle": rt["user"]["screen_name"] if rt else None,
                "mention_ids": [m["id_str"] for m in mentions],
                "mention_handles": [m["screen_name"].lower() for m in mentions],
            }
        )
    table = make_table(rows)
    for network in ("mention", "retweet"):
        for include in (False, True):
            metrics = _check_against_reference(
                table, network=network, include_retweets=include, minutes=1, window=2
            )
            assert metrics.column("edges").to_numpy().max() > 10


def test_a_planted_firestorm_shows_in_the_max_in_degree() -> None:
    """Background chatter for two days, then 60 accounts pile on account "target"."""
    rng = np.random.default_rng(9)
    rows = []
    for _ in range(800):
        minute = float(rng.uniform(0, 48 * 60))
        user, other = rng.integers(0, 200, 2)
        rows.append(post(minute, f"u{user}", [f"u{other}"] if rng.random() < 0.5 else None))
    start = 30 * 60  # the firestorm starts after 30 hours
    for k in range(60):
        rows.append(post(start + float(rng.uniform(0, 120)), f"a{k}", ["target"]))
    metrics = window_metrics(make_table(rows)).to_pylist()
    before = [r for r in metrics if r["end"] <= T0 + timedelta(minutes=start)]
    during = [r for r in metrics if T0 + timedelta(minutes=start + 120) <= r["end"]]
    during = [r for r in during if r["start"] <= T0 + timedelta(minutes=start)]
    assert max(r["max_in_degree"] for r in before) < 10
    assert len(during) > 10 and all(r["max_in_degree"] >= 60 for r in during)
    assert {r["max_in_degree_node"] for r in during} == {"target"}
