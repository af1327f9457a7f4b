"""The firestorm pipeline's half-hour step: crowdpulse vs the loop a user would write.

The paper's streaming workload (C7, C12): every half hour, the new bucket's posts
update every series (lexical means over all posts and mention posts, counts, the
metrics of the 12-hour mention network) and PELT runs on the last 49 values of each
series for the penalties 2..10 with the elbow rule.

- crowdpulse, live: :class:`crowdpulse.firestorm.FirestormStream` fed the corpus
  batch by batch from a Parquet file (:func:`stream_corpus`); it holds one bucket
  and the network window.
- crowdpulse, simulated stream over the stored corpus: :func:`run_firestorm`
  (series for all buckets at once, then ``detect_stream``); the same alerts
  (asserted).
- What a user would otherwise write, per half hour: pandas means of the bucket's
  lexical columns, a networkx ``DiGraph`` of the window's mention edges with its
  metrics, and ruptures ``Pelt(model="l2", min_size=2, jump=1)`` on each series'
  last 49 values for each penalty, then the elbow. Mention edges are extracted into
  Python lists outside the timing (this favours the loop). It is timed on
  ``--sample`` buckets spread over the corpus and extrapolated; its series values
  must equal crowdpulse's for those buckets and its recent change points must
  include every crowdpulse alert raised there (both asserted).

Both start from the same corpus with the lexicon features already added.

Run:  .venv/bin/python benchmarks/bench_firestorm.py [--posts 20000] [--seed 1] [--sample 8]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from crowdpulse.detect import PAPER_PENALTIES
from crowdpulse.firestorm import (
    FirestormOptions,
    FirestormStream,
    detector_values,
    run_firestorm,
)
from crowdpulse.firestorm.series import NETWORK_PREFIX
from crowdpulse.io import read_posts
from crowdpulse.network import assign_buckets
from crowdpulse.synth import SynthConfig, synthesize
from crowdpulse.text import add_features

TARGET = "@flyzephyr"


def timed(func):
    w0, c0 = time.perf_counter(), time.process_time()
    result = func()
    return time.perf_counter() - w0, time.process_time() - c0, result


def node(ident: str | None, handle: str | None) -> str | None:
    if ident is not None:
        return ident
    return None if handle is None else "@" + handle.lower()


class NaiveLoop:
    """pandas + networkx + ruptures, one half hour at a time."""

    def __init__(self, table: pa.Table, names: list[str], window: int = 24) -> None:
        import pandas as pd

        self.names = names
        self.window = window
        lex = [n for n in table.column_names if n.startswith("lex_")]
        self.lex = lex
        buckets = assign_buckets(table.column("created_at"))
        self.bucket = buckets.index
        frame = table.select(lex).to_pandas()
        rows = table.select(
            ["author_id", "author_handle", "mention_ids", "mention_handles", "retweeted_id"]
        ).to_pylist()
        edges: list[list[tuple[str, str]]] = []
        mention = np.zeros(table.num_rows, dtype=bool)
        target = np.zeros(table.num_rows, dtype=bool)
        for i, row in enumerate(rows):
            out: list[tuple[str, str]] = []
            src = node(row["author_id"], row["author_handle"])
            handles = row["mention_handles"] or []
            ids = row["mention_ids"] or [None] * len(handles)
            if row["retweeted_id"] is None:
                for m_id, m_handle in zip(ids, handles, strict=False):
                    dst = node(m_id, m_handle)
                    if dst is None:
                        continue
                    mention[i] = True
                    if src is not None and dst != src:
                        out.append((src, dst))
            target[i] = TARGET[1:] in {(h or "").lower() for h in handles}
            edges.append(out)
        frame["bucket"] = self.bucket
        frame["mention"] = mention
        frame["target"] = target
        self.frame = frame
        self.edges = edges
        self.pd = pd

    def series(self, b: int) -> dict[str, float]:
        """Every series value of bucket ``b``."""
        import networkx as nx

        f = self.frame
        rows = f[f["bucket"] == b]
        out: dict[str, float] = {
            "posts": float(len(rows)),
            "mention_posts": float(rows["mention"].sum()),
            "target_posts": float(rows["target"].sum()),
        }
        means_all = rows[self.lex].mean()
        means_mention = rows[rows["mention"]][self.lex].mean()
        for column in self.lex:
            out[f"{column}:all"] = float(means_all[column])
            out[f"{column}:mention"] = float(means_mention[column])
        inside = np.flatnonzero((self.bucket > b - self.window) & (self.bucket <= b))
        graph = nx.DiGraph()
        for i in inside:
            graph.add_edges_from(self.edges[i])
        n, e = graph.number_of_nodes(), graph.number_of_edges()
        posts = float(inside.size)
        mentions = float(f["mention"].to_numpy()[inside].sum())
        lwcc = max((len(c) for c in nx.weakly_connected_components(graph)), default=0)

        def ratio(a: float, c: float) -> float:
            return a / c if c else float("nan")

        metrics = {
            "nodes": n,
            "edges": e,
            "density": e / (n * (n - 1)) if n > 1 else 0.0,
            "avg_out_degree": ratio(e, n),
            "max_out_degree": max((d for _, d in graph.out_degree()), default=0),
            "max_in_degree": max((d for _, d in graph.in_degree()), default=0),
            "lwcc_size": lwcc,
            "lwcc_fraction": ratio(lwcc, n),
            "posts": posts,
            "mention_posts": mentions,
            "retweet_posts": 0.0,
            "mention_post_ratio": ratio(mentions, posts),
            "retweet_post_ratio": ratio(0.0, posts),
            "edges_per_post": ratio(e, posts),
            "edges_per_node": ratio(e, n),
            "posts_per_node": ratio(posts, n),
        }
        out.update({NETWORK_PREFIX + k: float(v) for k, v in metrics.items()})
        return {name: out[name] for name in self.names}

    def recent_changes(self, windows: np.ndarray) -> list[tuple[int, int]]:
        """(series, change point) of each window at the elbow penalty, newest two only."""
        import ruptures

        found = []
        for s, w in enumerate(windows):
            algo = ruptures.Pelt(model="l2", min_size=2, jump=1).fit(w)
            results = [algo.predict(pen=p)[:-1] for p in PAPER_PENALTIES]
            counts = np.array([len(r) for r in results], dtype=float)
            second = np.abs(counts[2:] + counts[:-2] - 2 * counts[1:-1])
            chosen = results[int(np.argmax(second)) + 1]
            found += [(s, cp) for cp in chosen if cp >= w.size - 2]
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=int, default=8, help="buckets timed for the loop")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "posts.jsonl"
        synthesize(SynthConfig(seed=args.seed, posts=args.posts, days=args.days), raw)
        table, _ = read_posts([raw])
        table = add_features(table)
        corpus = Path(tmp) / "corpus.parquet"
        pq.write_table(table, corpus, row_group_size=8192)
        print(f"corpus: {table.num_rows:,} posts after the ingest filters, features added")

        options = FirestormOptions(offline=False)
        run_firestorm(table.slice(0, 2000), TARGET, options=options)  # warm-up (numba cache)
        batch_w, batch_c, batch = timed(lambda: run_firestorm(table, TARGET, options=options))
        n_buckets = batch.series.num_rows
        names = [n for n in batch.series.column_names if n not in ("bucket", "start")]

        def live() -> tuple[list, int]:
            stream = FirestormStream(TARGET, options=options, ingest_options=None)
            alerts, peak = [], 0
            for part in pq.ParquetFile(corpus).iter_batches(batch_size=1024):
                alerts += stream.add(pa.Table.from_batches([part]))
                peak = max(peak, stream.state_nbytes())
            alerts += stream.close()
            return alerts, peak

        live_w, live_c, (live_alerts, peak) = timed(live)
        assert live_alerts == batch.alerts, "live and simulated streams differ"

        loop = NaiveLoop(table, names)
        values = detector_values(names, np.column_stack([batch.series.column(n).to_numpy()
                                                         for n in names]))  # fmt: skip
        filled = values.copy()
        for k in range(1, filled.shape[0]):  # carry the last value over empty buckets
            gap = np.isnan(filled[k])
            filled[k, gap] = filled[k - 1, gap]
        sample = np.linspace(60, n_buckets - 1, args.sample).astype(int)
        loop_series = [0.0, 0.0]
        loop_detect = [0.0, 0.0]
        checked = 0
        for b in sample:
            w, c, row = timed(lambda b=int(b): loop.series(b))
            loop_series[0] += w
            loop_series[1] += c

            def detect(row: dict[str, float] = row, b: int = int(b)) -> list[tuple[int, int]]:
                new = detector_values(names, np.array([row[n] for n in names]))
                new = np.where(np.isnan(new), filled[b - 1], new)
                windows = np.vstack([filled[b - 48 : b], new[None, :]]).T
                usable = ~np.isnan(windows).any(axis=1)
                kept = np.flatnonzero(usable)
                return [(int(kept[s]), cp) for s, cp in loop.recent_changes(windows[usable])]

            w, c, changes = timed(detect)
            loop_detect[0] += w
            loop_detect[1] += c
            expected = batch.series.slice(int(b), 1).to_pylist()[0]
            for n in names:
                a, e = row[n], expected[n]
                assert (np.isnan(a) and np.isnan(e)) or np.isclose(a, e, rtol=1e-9), (b, n, a, e)
            raised = {
                (names.index(a.series), a.index - (int(b) - 48))
                for a in batch.alerts
                if a.index + a.delay == b
            }
            assert raised <= set(changes), (b, raised - set(changes))
            checked += len(raised)
        k = len(sample)
        per_series = (loop_series[0] / k, loop_series[1] / k)
        per_detect = (loop_detect[0] / k, loop_detect[1] / k)
        per_loop = (per_series[0] + per_detect[0], per_series[1] + per_detect[1])

    per_live = (live_w / n_buckets, live_c / n_buckets)
    print(f"{n_buckets} half-hour buckets, {len(names)} series, {len(batch.alerts)} alerts")
    print(f"checked: series equal on {len(sample)} buckets, {checked} alerts found by ruptures too")
    print()

    def line(label: str, t: tuple[float, float]) -> None:
        print(f"  {label:<34}{t[0] * 1e3:10.1f} ms {t[1] * 1e3:10.1f} ms")

    print("per half hour                            wall          cpu")
    line("crowdpulse FirestormStream", per_live)
    line("pandas + networkx (series)", per_series)
    line("ruptures (49-value windows, 2..10)", per_detect)
    line("loop in all", per_loop)
    print(f"  ratio loop / FirestormStream      {per_loop[0] / per_live[0]:10.1f}x "
          f"{per_loop[1] / per_live[1]:10.1f}x")  # fmt: skip
    print()
    print(f"whole corpus ({n_buckets} buckets)")
    print(
        f"  crowdpulse run_firestorm (simulated stream) {batch_w:8.2f} s wall {batch_c:8.2f} s cpu"
    )
    print(f"  crowdpulse FirestormStream (live)           {live_w:8.2f} s wall {live_c:8.2f} s cpu")
    total = (per_loop[0] * n_buckets, per_loop[1] * n_buckets)
    print(f"  loop, extrapolated{'':26}{total[0]:8.2f} s wall {total[1]:8.2f} s cpu")
    print(f"  ratio loop / run_firestorm                  {total[0] / batch_w:8.1f}x wall "
          f"{total[1] / batch_c:8.1f}x cpu")  # fmt: skip
    print()
    print(
        f"live stream state: at most {peak / 1e6:.2f} MB (posts of one bucket and the window,"
        f" detector); the corpus in memory: {table.nbytes / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
