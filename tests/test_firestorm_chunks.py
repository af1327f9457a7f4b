"""The firestorm in time chunks writes what the whole-table path writes, byte for byte.

:func:`crowdpulse.firestorm.chunks.firestorm_file` (what ``crowdpulse firestorm``
runs) cuts the corpus into time chunks and analyses one chunk (and its window
overlap) at a time. These tests run it on a generated event with a planted
firestorm (seed 11, 3,000 records) and compare every file with
:func:`run_firestorm` + :func:`write_network_analyses` + :func:`write_peak_networks`
on the whole corpus in canonical order: with tiny chunks (5 buckets, shorter than
the 24-bucket window), with posts before the start (the monitor's history) and
after a mid-bucket end, without a start and end, with the rows shuffled and some
times missing, and on a local Dask cluster of two workers.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from crowdpulse.cli import main
from crowdpulse.engine import open_engine
from crowdpulse.event import load_event
from crowdpulse.exceptions import InputError
from crowdpulse.firestorm import FirestormOptions, run_firestorm
from crowdpulse.firestorm.chunks import canonical_order, firestorm_file
from crowdpulse.firestorm.pipeline import analyse_corpus, write_network_analyses
from crowdpulse.io.corpus import read_corpus
from crowdpulse.network.gexf import write_peak_networks
from crowdpulse.text import add_features


@pytest.fixture(scope="module")
def corpus(
    tmp_path_factory: pytest.TempPathFactory, firestorm_event: dict[str, Path]
) -> dict[str, Path]:
    """The shared generated event, its corpus, and event files with other grids."""
    folder = tmp_path_factory.mktemp("firestorm_chunks")
    path = firestorm_event["corpus"]
    (folder / "event.toml").write_bytes(firestorm_event["event"].read_bytes())
    text = (folder / "event.toml").read_text(encoding="utf-8")
    assert 'start = "2015-11-06T00:00:00Z"' in text
    # 22 buckets of posts before the start prime the monitor; the end cuts a bucket
    inner = re.sub(r'start = "[^"]*"', 'start = "2015-11-06T11:00:00Z"', text)
    inner = re.sub(r'end = "[^"]*"', 'end = "2015-11-08T17:10:00Z"', inner)
    (folder / "inner.toml").write_text(inner, encoding="utf-8")
    bare = re.sub(r'(start|end) = "[^"]*"\n', "", text)
    (folder / "bare.toml").write_text(bare, encoding="utf-8")
    return {"folder": folder, "corpus": path}


def whole_table(corpus: Path, event_path: Path, out: Path) -> dict[str, str]:
    """The whole-table path on the corpus in canonical order."""
    event = load_event(event_path)
    assert event.firestorm is not None
    table = canonical_order(add_features(read_corpus(corpus), lexicon="open", quiet=True))
    result = run_firestorm(
        table,
        event.firestorm.target,
        options=FirestormOptions.from_event(event),
        origin=event.start,
        end=event.end,
        event=event.name,
        quiet=True,
        use_history=event.start is not None,
    )
    files = result.write(out, figures=False)
    files.update(write_network_analyses(table, result, out, figures=False))
    files.update(write_peak_networks(table, result, out))
    return files


def assert_same_files(got: dict[str, str], expected: dict[str, str]) -> None:
    assert sorted(got) == sorted(expected)
    for key, path in expected.items():
        assert Path(got[key]).name == Path(path).name
        assert Path(got[key]).read_bytes() == Path(path).read_bytes(), key


def chunked(corpus: Path, event: Path, out: Path, **kwargs: object) -> dict[str, str]:
    summary = analyse_corpus(corpus, event, out, figures=False, batch_size=500, **kwargs)
    assert not list(out.glob(".firestorm-chunks-*"))  # the temporary parts are gone
    return summary["files"]


def test_tiny_chunks_history_and_a_cut_end(corpus: dict[str, Path], tmp_path: Path) -> None:
    event = corpus["folder"] / "inner.toml"
    expected = whole_table(corpus["corpus"], event, tmp_path / "whole")
    names = {Path(p).name for p in expected.values()}
    assert {"periods.csv", "mention_network_peak.gexf", "retweet_network_peak.graphml"} <= names
    for size in (5, 48):  # 5 buckets: the 24-bucket window spans five chunks
        got = chunked(corpus["corpus"], event, tmp_path / f"c{size}", chunk_buckets=size)
        assert_same_files(got, expected)
    evaluation = (tmp_path / "c5" / "evaluation.json").read_text()
    assert '"history_buckets": 22' in evaluation
    assert '"buckets": 109' in evaluation  # 54 h 10 min: 108 buckets and a cut one


def test_without_start_and_end(corpus: dict[str, Path], tmp_path: Path) -> None:
    event = corpus["folder"] / "bare.toml"
    expected = whole_table(corpus["corpus"], event, tmp_path / "whole")
    got = chunked(corpus["corpus"], event, tmp_path / "chunked", chunk_buckets=7)
    assert_same_files(got, expected)


def test_shuffled_rows_give_the_same_files(corpus: dict[str, Path], tmp_path: Path) -> None:
    table = read_corpus(corpus["corpus"])
    # a few posts lose their time: they count nowhere but may label an account
    times = table.column("created_at").to_pylist()
    for row in (5, 700, 1500):
        times[row] = None
    table = table.set_column(
        table.column_names.index("created_at"),
        "created_at",
        pa.array(times, table.schema.field("created_at").type),
    )
    ordered = corpus["folder"] / "ordered.parquet"
    pq.write_table(table, ordered, row_group_size=400)
    order = np.random.default_rng(7).permutation(table.num_rows)
    shuffled = corpus["folder"] / "shuffled.parquet"
    pq.write_table(table.take(pa.array(order)), shuffled, row_group_size=400)
    event = corpus["folder"] / "event.toml"
    expected = whole_table(ordered, event, tmp_path / "whole")
    assert_same_files(chunked(ordered, event, tmp_path / "ordered"), expected)
    assert_same_files(chunked(shuffled, event, tmp_path / "shuffled", chunk_buckets=11), expected)


def test_a_grid_without_posts_is_an_input_error(corpus: dict[str, Path], tmp_path: Path) -> None:
    options = FirestormOptions()
    with pytest.raises(InputError, match="no post has a time inside the bucket grid"):
        firestorm_file(
            corpus["corpus"],
            "@flyzephyr",
            tmp_path,
            options=options,
            origin="2020-01-01T00:00:00Z",
            end="2020-01-02T00:00:00Z",
            figures=False,
        )
    assert not list(tmp_path.glob(".firestorm-chunks-*"))


def test_canonical_order_is_time_then_id_with_missing_times_last() -> None:
    ts = pa.timestamp("us", tz="UTC")
    table = pa.table(
        {
            "id": ["b", "a", "c", "d"],
            "created_at": pa.array([2_000_000, 2_000_000, None, 1_000_000], type=pa.int64()).cast(
                ts
            ),
        }
    )
    assert canonical_order(table).column("id").to_pylist() == ["d", "a", "b", "c"]
    ordered = canonical_order(table)
    assert canonical_order(ordered) is ordered


def test_two_dask_workers_give_the_same_files(corpus: dict[str, Path], tmp_path: Path) -> None:
    pytest.importorskip(
        "distributed", reason="Dask is not installed (pip install crowdpulse[dask])"
    )
    event = corpus["folder"] / "inner.toml"
    expected = chunked(corpus["corpus"], event, tmp_path / "local", chunk_buckets=5)
    with open_engine(2, processes=False) as engine:
        got = chunked(corpus["corpus"], event, tmp_path / "dask", chunk_buckets=5, engine=engine)
    assert_same_files(got, expected)


def test_xml_writers_write_what_networkx_writes(corpus: dict[str, Path], tmp_path: Path) -> None:
    import networkx as nx

    from crowdpulse.network.gexf import dynamic_network, write_gexf, write_graphml

    table = read_corpus(corpus["corpus"])
    graph = dynamic_network(
        table, "2015-11-07T13:00:00Z", "2015-11-08T01:00:00Z", target="@flyzephyr"
    )
    assert graph.number_of_nodes() > 50 and graph.number_of_edges() > 50
    static = nx.DiGraph()
    static.add_nodes_from(
        (n, {k: v for k, v in d.items() if k not in ("spells", "viz")})
        for n, d in graph.nodes(data=True)
    )
    static.add_edges_from((u, v, {"weight": d["weight"]}) for u, v, d in graph.edges(data=True))
    for name, g in (("dynamic", graph), ("empty", nx.DiGraph()), ("lone", nx.DiGraph([(1, 2)]))):
        nx.write_gexf(g, tmp_path / "nx.gexf")
        write_gexf(g, tmp_path / "ours.gexf", batch=7)
        assert (tmp_path / "ours.gexf").read_bytes() == (tmp_path / "nx.gexf").read_bytes(), name
    for name, g in (("static", static), ("empty", nx.DiGraph()), ("named", nx.DiGraph(name="x"))):
        nx.write_graphml_xml(g, tmp_path / "nx.graphml")
        write_graphml(g, tmp_path / "ours.graphml", batch=7)
        assert (tmp_path / "ours.graphml").read_bytes() == (tmp_path / "nx.graphml").read_bytes(), (
            name
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "nx.gexf", "nx.graphml", "ours.gexf", "ours.graphml",
    ]  # fmt: skip


def test_real_crisislex_event_gives_the_whole_table_files(
    shared_data: Path, tmp_path: Path
) -> None:
    """Real posts (CrisisLexT26 West Texas explosion, 27 days): chunks change nothing."""
    event_name = "2013_West_Texas_explosion"
    source = shared_data / "crisislex" / "CrisisLexT26" / event_name
    corpus = tmp_path / "corpus.parquet"
    args = ["ingest", str(source / f"{event_name}-tweets_labeled.csv"), "-o", str(corpus)]
    result = CliRunner().invoke(main, [*args, "--keep-retweets", "-q"])
    assert result.exit_code == 0, result.output
    mentioned = Counter(
        handle.lower()
        for handles in read_corpus(corpus).column("mention_handles").to_pylist()
        for handle in handles or ()
    )
    target, count = mentioned.most_common(1)[0]
    assert count >= 10
    event = tmp_path / "event.toml"
    event.write_text(
        f'name = "{event_name}"\n\n[firestorm]\ntarget = "@{target}"\n'
        "bucket_minutes = 30\nwindow_buckets = 24\n",
        encoding="utf-8",
    )
    expected = whole_table(corpus, event, tmp_path / "whole")
    assert {"series.csv", "window_metrics.csv"} <= {Path(p).name for p in expected.values()}
    for size in (5, None):  # 5 buckets: the window spans five chunks; None: one day
        got = chunked(corpus, event, tmp_path / f"c{size}", chunk_buckets=size)
        assert_same_files(got, expected)
