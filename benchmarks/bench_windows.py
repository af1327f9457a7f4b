"""Benchmark: windowed mention-network metrics, crowdpulse vs networkx rebuilt per window.

Builds a seeded corpus (default 1M posts over 15 days, 50k users with heavy-tailed
activity, ~35% mention posts, ~20% retweets, a day/night rhythm and a burst of
mentions of one account on day 8), then

1. times ``crowdpulse.network.window_metrics`` over all 720 half-hour windows
   (12-hour windows stepped every bucket), edge extraction and encoding included;
2. times what a user would otherwise write: for each window, build a
   ``networkx.DiGraph`` from the window's edges and compute the same metrics. The
   edges are pre-extracted into Python lists per bucket outside the timing, which
   favours networkx. networkx runs on every ``--nx-every``-th window and its total
   is extrapolated to all windows (the script says so);
3. checks that both give identical metrics on those windows;
4. compares the three exact largest-component methods on the same windows.

Run: ``.venv/bin/python benchmarks/bench_windows.py`` (``--posts 100000`` for a quick run).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import networkx as nx
import numpy as np
import pyarrow as pa

from crowdpulse.network import window_metrics
from crowdpulse.network.buckets import assign_buckets
from crowdpulse.network.edges import encode_edges, network_edges
from crowdpulse.network.metrics import window_component_sizes
from crowdpulse.schema import POST_SCHEMA

DAY = 86_400_000_000  # microseconds
START = 1_403_481_600_000_000  # 2014-06-23T00:00Z


def _list_array(offsets: np.ndarray, values: pa.Array, valid: np.ndarray) -> pa.Array:
    return pa.ListArray.from_arrays(
        pa.array(offsets.astype(np.int32)), values, mask=pa.array(~valid)
    )


def make_corpus(
    n_posts: int = 1_000_000, n_users: int = 50_000, days: int = 15, seed: int = 0
) -> pa.Table:
    """Return a seeded corpus table of POST_SCHEMA with realistic mention/retweet structure."""
    rng = np.random.default_rng(seed)
    activity = rng.pareto(1.1, n_users) + 1.0
    popularity = rng.pareto(0.9, n_users) + 1.0
    activity /= activity.sum()
    popularity /= popularity.sum()
    authors = rng.choice(n_users, size=n_posts, p=activity)
    # Day/night rhythm: half-hour-of-day weights from a shifted cosine.
    slot = np.arange(48)
    rhythm = 1.0 + 0.8 * np.cos(2 * np.pi * (slot - 38) / 48)
    day = rng.integers(0, days, size=n_posts)
    half = rng.choice(48, size=n_posts, p=rhythm / rhythm.sum())
    offset = rng.integers(0, 1_800_000_000, size=n_posts)
    times = START + day * DAY + half * 1_800_000_000 + offset
    is_retweet = rng.random(n_posts) < 0.20
    rt_author = rng.choice(n_users, size=n_posts, p=popularity)
    n_mentions = np.where(
        ~is_retweet & (rng.random(n_posts) < 0.42), 1 + rng.geometric(0.55, n_posts) - 1, 0
    )
    # A firestorm: on day 8 from 14:00, 3% of the posts mention account 7 within 6 hours.
    burst = rng.random(n_posts) < 0.03
    times[burst] = (
        START + 8 * DAY + 28 * 1_800_000_000 + rng.integers(0, 6 * 3_600_000_000, burst.sum())
    )
    n_mentions[burst & ~is_retweet] = np.maximum(n_mentions[burst & ~is_retweet], 1)
    # Retweets carry the inherited "RT @x" mention, as API v1.1 does.
    n_mentions[is_retweet] = 1
    offsets = np.concatenate([[0], np.cumsum(n_mentions)])
    total = int(offsets[-1])
    targets = rng.choice(n_users, size=total, p=popularity)
    first = offsets[:-1][n_mentions > 0]
    targets[first[burst[n_mentions > 0]]] = 7
    owner = np.repeat(np.arange(n_posts), n_mentions)
    targets[is_retweet[owner]] = rt_author[owner[is_retweet[owner]]]
    ids = np.char.add("1", np.char.zfill(targets.astype(str), 9))
    handles = np.char.add("user", targets.astype(str))
    id_missing = rng.random(total) < 0.03
    mention_ids = pa.array(ids, mask=id_missing)
    mention_handles = pa.array(handles)
    has = np.ones(n_posts, dtype=bool)
    author_ids = np.char.add("1", np.char.zfill(authors.astype(str), 9))
    rt_ids = np.char.add("1", np.char.zfill(rt_author.astype(str), 9))
    columns: dict[str, pa.Array] = {
        "id": pa.array(np.arange(n_posts).astype(str)),
        "created_at": pa.array(times, type=pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "author_id": pa.array(author_ids),
        "author_handle": pa.array(np.char.add("user", authors.astype(str))),
        "retweeted_id": pa.array(np.arange(n_posts).astype(str), mask=~is_retweet),
        "retweeted_author_id": pa.array(rt_ids, mask=~is_retweet),
        "retweeted_author_handle": pa.array(
            np.char.add("user", rt_author.astype(str)), mask=~is_retweet
        ),
        "mention_ids": _list_array(offsets, mention_ids, has),
        "mention_handles": _list_array(offsets, mention_handles, has),
    }
    arrays = [
        columns[f.name] if f.name in columns else pa.nulls(n_posts, type=f.type)
        for f in POST_SCHEMA
    ]
    return pa.Table.from_arrays(arrays, schema=POST_SCHEMA)


def networkx_metrics(
    edge_lists: list[list[tuple[str, str]]], posts: list[int], b: int, window: int
) -> dict:
    """Build the DiGraph of the window ending at bucket b from scratch and measure it."""
    graph = nx.DiGraph()
    first = max(b - window + 1, 0)
    for k in range(first, b + 1):
        graph.add_edges_from(edge_lists[k])
    n = graph.number_of_nodes()
    e = graph.number_of_edges()
    n_posts = sum(posts[first : b + 1])
    out: dict = {"nodes": n, "edges": e, "density": nx.density(graph)}
    for kind, degrees in (("out", graph.out_degree()), ("in", graph.in_degree())):
        best = max((d for _, d in degrees), default=0)
        out[f"max_{kind}_degree"] = best
        out[f"max_{kind}_degree_node"] = (
            min(node for node, d in degrees if d == best) if n else None
        )
    lwcc = max((len(c) for c in nx.weakly_connected_components(graph)), default=0)
    out.update(
        lwcc_size=lwcc,
        lwcc_fraction=lwcc / n if n else math.nan,
        avg_out_degree=e / n if n else math.nan,
        posts=n_posts,
        edges_per_post=e / n_posts if n_posts else math.nan,
        posts_per_node=n_posts / n if n else math.nan,
    )
    return out


def best_of(repeat: int, func: Callable[[], object]) -> tuple[float, object]:
    """Run func `repeat` times; return the fastest time and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument(
        "--nx-every", type=int, default=24, help="time networkx on every k-th window"
    )
    args = parser.parse_args()

    t0 = time.perf_counter()
    corpus = make_corpus(args.posts, args.users, args.days, args.seed)
    print(f"corpus: {corpus.num_rows:,} posts, built in {time.perf_counter() - t0:.1f} s")

    ours, result = best_of(args.repeat, lambda: window_metrics(corpus, network="mention"))
    metrics: pa.Table = result  # type: ignore[assignment]
    n_windows = metrics.num_rows
    print(
        f"crowdpulse window_metrics: {n_windows} windows in {ours:.2f} s "
        f"({1000 * ours / n_windows:.2f} ms/window, edge extraction included; "
        f"best of {args.repeat})"
    )

    # Pre-extract the edges per bucket as Python lists (not timed: favours networkx).
    buckets = assign_buckets(corpus.column("created_at"), minutes=30)
    edges = network_edges(corpus, "mention")
    bucket_of = buckets.index[edges.post]
    edge_lists: list[list[tuple[str, str]]] = [[] for _ in range(buckets.count)]
    pairs = zip(edges.source.to_pylist(), edges.target.to_pylist(), bucket_of.tolist(), strict=True)
    for s, d, k in pairs:
        edge_lists[k].append((s, d))
    posts = buckets.counts().tolist()

    subset = list(range(args.nx_every - 1, n_windows, args.nx_every))
    nx_subset, result = best_of(
        args.repeat, lambda: {b: networkx_metrics(edge_lists, posts, b, 24) for b in subset}
    )
    reference: dict = result  # type: ignore[assignment]
    nx_total = nx_subset / len(subset) * n_windows
    print(
        f"networkx DiGraph rebuilt per window: {len(subset)} windows (every {args.nx_every}th) "
        f"in {nx_subset:.2f} s ({1000 * nx_subset / len(subset):.1f} ms/window); "
        f"extrapolated to {n_windows} windows: {nx_total:.1f} s"
    )
    rows = metrics.to_pylist()
    mismatches = 0
    for b, ref in reference.items():
        for key, value in ref.items():
            got = rows[b][key]
            if isinstance(value, float):
                same = (math.isnan(got) and math.isnan(value)) or math.isclose(
                    got, value, rel_tol=1e-12
                )
            else:
                same = got == value
            if not same:
                mismatches += 1
                print(f"  MISMATCH window {b} {key}: crowdpulse {got!r} networkx {value!r}")
    assert mismatches == 0, f"{mismatches} metric values differ"
    print(f"identical metrics on the {len(subset)} networkx windows: yes")
    ratio = nx_total / ours
    print(f"speed-up: {ratio:.0f}x (networkx extrapolated / crowdpulse; target >= 50x)")

    # The exact largest-component methods, over all windows.
    enc = encode_edges(edges)
    inside = bucket_of >= 0
    order = np.argsort(bucket_of[inside], kind="stable")
    src_b = enc.source[inside][order]
    dst_b = enc.target[inside][order]
    bounds = np.searchsorted(bucket_of[inside][order], np.arange(buckets.count + 1))
    print(f"largest weakly connected component of all {buckets.count} windows:")
    timings = {}
    results = {}
    for method in ("contracted", "csgraph", "label-propagation", "union-find"):
        t0 = time.perf_counter()
        results[method] = window_component_sizes(
            src_b, dst_b, bounds, 24, n_nodes=enc.n_nodes, method=method
        )
        timings[method] = (time.perf_counter() - t0) / buckets.count
    for method in results:
        assert np.array_equal(results[method], metrics.column("lwcc_size").to_numpy()), method
    t0 = time.perf_counter()
    for b in subset:
        g = nx.DiGraph()
        for k in range(b - 23, b + 1):
            g.add_edges_from(edge_lists[k])
        max((len(c) for c in nx.weakly_connected_components(g)), default=0)
    timings["networkx (build + wcc)"] = (time.perf_counter() - t0) / len(subset)
    print("  all methods agree with each other and with window_metrics: yes")
    for method, seconds in timings.items():
        print(
            f"  {method:24s} {1000 * seconds:8.2f} ms/window "
            f"({seconds / timings['contracted']:.1f}x contracted)"
        )


if __name__ == "__main__":
    main()
