"""One process and a Dask cluster give the same files and numbers (generated corpus).

The corpus is ingested with small row groups so that it has several partitions;
``features``, ``geotag`` and the emoji analyses then run in this process and on a
local cluster of two workers, and every output is compared exactly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from crowdpulse.emoji import analyze_emojis, analyze_emojis_file, write_emoji_report
from crowdpulse.engine import LocalEngine, open_engine, partitions
from crowdpulse.event import load_event
from crowdpulse.geo.geotag import geotag_file
from crowdpulse.text.features import features_file

synth = pytest.importorskip("crowdpulse.synth")
distributed = pytest.importorskip(
    "distributed", reason="Dask is not installed (pip install crowdpulse[dask])"
)

ROW_GROUP = 700


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Any]:
    from crowdpulse.io.ingest import IngestOptions, ingest

    folder = tmp_path_factory.mktemp("engine")
    truth = synth.synthesize(
        synth.SynthConfig(seed=23, posts=3000),
        folder / "posts.jsonl",
        fmt="v1",
        event_path=folder / "event.toml",
    )
    ingest([folder / "posts.jsonl"], folder / "ingested.parquet", options=IngestOptions(lang="en"))
    table = pq.read_table(folder / "ingested.parquet")
    pq.write_table(table, folder / "corpus.parquet", row_group_size=ROW_GROUP)
    return {"folder": folder, "truth": truth, "posts": table.num_rows}


@pytest.fixture(scope="module")
def cluster():
    with open_engine(2, processes=False) as engine:
        yield engine


def _analysis_files(analysis, out: Path) -> dict[str, str]:
    report = write_emoji_report(analysis, out, formats=(), quiet=True)
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in report.files
        if p.suffix in (".csv", ".md", ".gexf", ".graphml")
    }


def test_the_corpus_has_several_partitions(corpus) -> None:
    path = corpus["folder"] / "corpus.parquet"
    groups = -(-corpus["posts"] // ROW_GROUP)
    assert groups >= 3
    assert partitions(path, 1) == [(i,) for i in range(groups)]
    # small row groups are put together: at least 1,000 rows a partition, in order
    parts = partitions(path, 1000)
    assert [i for part in parts for i in part] == list(range(groups))
    assert all(len(part) == 2 for part in parts[:-1]) and len(parts) == -(-groups // 2)
    assert partitions(path) == [tuple(range(groups))]


def test_features_same_on_a_cluster(corpus, cluster, tmp_path) -> None:
    source = corpus["folder"] / "corpus.parquet"
    one = features_file(source, tmp_path / "one.parquet", n_jobs=1, batch_size=500)
    two = features_file(source, tmp_path / "two.parquet", batch_size=500, engine=cluster)
    assert one["posts"] == two["posts"] == corpus["posts"]
    assert two["jobs"] == 2
    a, b = pq.read_table(tmp_path / "one.parquet"), pq.read_table(tmp_path / "two.parquet")
    assert a.schema == b.schema and a.equals(b)


def test_geotag_same_on_a_cluster(corpus, cluster, tmp_path) -> None:
    source = corpus["folder"] / "corpus.parquet"
    one = geotag_file(source, tmp_path / "one.parquet")
    two = geotag_file(source, tmp_path / "two.parquet", engine=cluster, batch_size=1000)
    one.pop("output"), two.pop("output")
    assert one == two and one["tagged"] > 0
    assert pq.read_table(tmp_path / "one.parquet").equals(pq.read_table(tmp_path / "two.parquet"))


def test_emojis_same_in_batches_and_on_a_cluster(corpus, cluster, tmp_path) -> None:
    folder = corpus["folder"]
    event = load_event(folder / "event.toml")
    source = folder / "corpus.parquet"
    whole = analyze_emojis(pq.read_table(source), event, min_count=2)
    batched = analyze_emojis_file(source, event, min_count=2, batch_size=123)
    on_cluster = analyze_emojis_file(source, event, min_count=2, engine=cluster, batch_size=1000)
    assert whole.to_dict() == batched.to_dict() == on_cluster.to_dict()
    assert whole.table1.solidarity > 50 and whole.summaries["outside"].edges > 0
    files = [
        _analysis_files(a, tmp_path / name)
        for name, a in (("whole", whole), ("batched", batched), ("cluster", on_cluster))
    ]
    assert files[0] == files[1] == files[2]
    assert len(files[0]) == 14 and "table4_emoji_totals.csv" in files[0]


def test_emojis_inverse_length_exact_over_partitions(corpus, cluster) -> None:
    event = load_event(corpus["folder"] / "event.toml")
    source = corpus["folder"] / "corpus.parquet"
    options: dict[str, Any] = {"weighting": "inverse_length", "min_count": 1, "bucket": "6h"}
    whole = analyze_emojis(pq.read_table(source), event, **options)
    on_cluster = analyze_emojis_file(source, event, engine=cluster, batch_size=1000, **options)
    edges = sorted(whole.networks["outside"].edges(data=True))
    assert edges == sorted(on_cluster.networks["outside"].edges(data=True)) and edges


def test_cli_workers_writes_the_same_files(corpus, tmp_path) -> None:
    """``--workers 2`` starts a local cluster of worker processes (processes=True)."""
    from crowdpulse.cli import main

    folder = corpus["folder"]
    runner = CliRunner()
    outputs = []
    for name, extra in (("one", []), ("two", ["--workers", "2"])):
        out = tmp_path / name
        args = ["emojis", str(folder / "corpus.parquet"), "--event", str(folder / "event.toml")]
        args += ["-o", str(out), "--format", "png", "--json", "-q", *extra]
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        data.pop("files")
        outputs.append((data, {p.name: p.read_bytes() for p in out.glob("*.csv")}))
    assert outputs[0] == outputs[1]
    assert len(outputs[0][1]) == 9


def test_local_engine_is_the_default() -> None:
    with open_engine() as engine:
        assert isinstance(engine, LocalEngine) and engine.workers == 1


def test_scheduler_address_connects(cluster, corpus) -> None:
    address = cluster.address
    assert address.startswith("inproc://")
    event = load_event(corpus["folder"] / "event.toml")
    with open_engine(scheduler=address) as engine:
        assert engine.workers == 2
        got = analyze_emojis_file(corpus["folder"] / "corpus.parquet", event, engine=engine)
    assert got.table1.solidarity > 0


def test_empty_file_has_no_partitions(tmp_path) -> None:
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), tmp_path / "e.parquet")
    assert partitions(tmp_path / "e.parquet") == []


def test_cli_scheduler_option_features_and_geotag(corpus, cluster, tmp_path) -> None:
    """``--scheduler ADDRESS`` runs features and geotag on a running cluster, same files."""
    from crowdpulse.cli import main

    source = str(corpus["folder"] / "corpus.parquet")
    runner = CliRunner()
    for command in ("features", "geotag"):
        outputs = []
        for name, extra in (("one", []), ("two", ["--scheduler", cluster.address])):
            out = tmp_path / f"{command}_{name}.parquet"
            result = runner.invoke(main, [command, source, "-o", str(out), "-q", *extra])
            assert result.exit_code == 0, result.output
            outputs.append(pq.read_table(out))
        assert outputs[0].equals(outputs[1]) and outputs[0].num_rows == corpus["posts"]
