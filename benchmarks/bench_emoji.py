"""Benchmark: the emoji analyses against the pandas / plain-Python way, in one run.

    .venv/bin/python benchmarks/bench_emoji.py [--posts 1000000] [--synth 20000] [--seed 1]

Generates a corpus with ``crowdpulse.synth`` (``--synth`` posts, seeded), keeps the
posts the ingest filters keep, with their true class, country and emojis, and tiles
them to ``--posts`` rows (so the emoji distribution is the generator's). Then times,
on the same table:

* Tables 4 + 5 (emoji totals and top 10 per class): crowdpulse (sparse post x emoji
  matrix) vs pandas (``explode`` + ``groupby().value_counts()``);
* the co-occurrence network of solidarity posts: crowdpulse
  (``cooccurrence_graph``, a sparse matrix product) vs the usual loop
  (``itertools.combinations`` over each post's distinct emojis into a ``Counter``,
  then ``networkx.Graph``);
* the daily diffusion table (min count 25): crowdpulse (``temporal_diffusion``) vs
  pandas (``explode`` + ``groupby([day, emoji]).size()`` + filter).

It checks that both sides give identical results, then prints the times and ratios.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections import Counter

import networkx as nx
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crowdpulse.emoji import (
    cooccurrence_graph,
    emoji_matrix,
    emoji_totals,
    temporal_diffusion,
    top_emojis,
)
from crowdpulse.synth import SynthConfig, generate, truth_posts_table


def corpus(n_posts: int, n_synth: int, seed: int) -> pa.Table:
    posts = truth_posts_table(generate(SynthConfig(seed=seed, posts=n_synth)))
    posts = posts.filter(
        pc.and_(posts.column("kept"), pc.not_equal(posts.column("class"), "conflicting"))
    )
    labels = [
        c if c in ("solidarity", "not solidarity") else None
        for c in posts.column("class").to_pylist()
    ]
    base = pa.table(
        {
            "created_at": posts.column("created_at"),
            "emojis": posts.column("emojis").cast(pa.list_(pa.string())),
            "solidarity": pa.array(labels, pa.string()),
            "country": posts.column("true_country").cast(pa.string()),
        }
    )
    reps = -(-n_posts // base.num_rows)
    return pa.concat_tables([base] * reps).slice(0, n_posts).combine_chunks()


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def ours_tables(table: pa.Table):
    matrix = emoji_matrix(table.column("emojis"))
    totals = emoji_totals(table, matrix=matrix)
    top = top_emojis(table, 10, matrix=matrix, name_of={}, sentiment_of={})
    return (
        {c: totals[c].emojis for c in ("solidarity", "not solidarity")},
        {c: [(r.emoji, r.count) for r in top[c]] for c in ("solidarity", "not solidarity")},
    )


def pandas_tables(df: pd.DataFrame):
    exploded = df[["solidarity", "emojis"]].explode("emojis").dropna(subset=["emojis"])
    totals = exploded.groupby("solidarity").size().to_dict()
    tops = {}
    for cls, group in exploded.groupby("solidarity"):
        counts = group["emojis"].value_counts()
        frame = counts.rename_axis("emoji").reset_index(name="count")
        frame = frame.sort_values(["count", "emoji"], ascending=[False, True]).head(10)
        tops[cls] = list(zip(frame["emoji"], frame["count"].astype(int), strict=True))
    return {c: int(totals.get(c, 0)) for c in ("solidarity", "not solidarity")}, tops


def loop_network(lists: list[list[str]]) -> nx.Graph:
    pairs: Counter[tuple[str, str]] = Counter()
    for emojis in lists:
        for a, b in itertools.combinations(sorted(set(emojis)), 2):
            pairs[(a, b)] += 1
    g = nx.Graph()
    g.add_weighted_edges_from((a, b, w) for (a, b), w in pairs.items())
    return g


def pandas_diffusion(df: pd.DataFrame, min_count: int) -> dict[tuple[str, str], int]:
    exploded = df[["created_at", "emojis"]].explode("emojis").dropna()
    exploded["day"] = exploded["created_at"].dt.floor("1D")
    sizes = exploded.groupby(["day", "emojis"]).size()
    sizes = sizes[sizes >= min_count]
    return {(d.strftime("%Y-%m-%d"), e): int(n) for (d, e), n in sizes.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--synth", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    table, t_gen = timed(lambda: corpus(args.posts, args.synth, args.seed))
    n_emojis = int(pc.sum(pc.list_value_length(table.column("emojis"))).as_py() or 0)
    print(f"corpus: {table.num_rows:,} posts, {n_emojis:,} emojis (generated in {t_gen:.1f} s)")
    df, t_pandas_load = timed(lambda: table.to_pandas())
    print(f"pandas: to_pandas {t_pandas_load:.2f} s (not counted below)")

    ours, t_ours = timed(lambda: ours_tables(table))
    theirs, t_theirs = timed(lambda: pandas_tables(df))
    assert ours == theirs, "Tables 4/5 differ"
    rows = [("Tables 4+5", t_ours, t_theirs, "pandas explode + value_counts")]

    solidarity = table.filter(pc.equal(table.column("solidarity"), "solidarity"))
    lists = solidarity.column("emojis").to_pylist()
    g_ours, t_ours = timed(
        lambda: cooccurrence_graph(solidarity.column("emojis"), name_of={}, sentiment_of={})
    )
    g_loop, t_loop = timed(lambda: loop_network(lists))
    ours_edges = {frozenset((u, v)): w for u, v, w in g_ours.edges(data="weight")}
    loop_edges = {frozenset((u, v)): w for u, v, w in g_loop.edges(data="weight")}
    assert ours_edges == loop_edges, "networks differ"
    rows.append(("co-occurrence network", t_ours, t_loop, "combinations + Counter + networkx"))

    sol_df = df[df["solidarity"] == "solidarity"]

    def ours_diffusion() -> dict[tuple[str, str], int]:
        d = temporal_diffusion(
            solidarity.column("created_at"),
            emoji_matrix(solidarity.column("emojis")),
            bucket="1D",
            min_count=25,
            name_of={},
            sentiment_of={},
        )
        return {(r.bucket.strftime("%Y-%m-%d"), r.emoji): r.count for r in d.rows}

    d_ours, t_ours = timed(ours_diffusion)
    d_pandas, t_pd = timed(lambda: pandas_diffusion(sol_df, 25))
    assert d_ours == d_pandas, "diffusion tables differ"
    rows.append(("diffusion (1D, min 25)", t_ours, t_pd, "pandas explode + groupby"))

    print(f"solidarity posts: {solidarity.num_rows:,}; network edges: {g_ours.number_of_edges():,}")
    print(f"{'analysis':<24} {'crowdpulse':>11} {'other':>9}  ratio  other = ")
    for name, mine, other, what in rows:
        print(f"{name:<24} {mine:>10.3f}s {other:>8.3f}s {other / mine:>6.1f}x  {what}")
    print("identical results: yes")


if __name__ == "__main__":
    main()
