"""The firestorm reads its corpus in batches and writes what the whole-table path writes.

``crowdpulse firestorm`` (:func:`crowdpulse.firestorm.pipeline.analyse_corpus`) and
the report's firestorm stage read the corpus with
:func:`~crowdpulse.firestorm.pipeline.read_firestorm_table`: record batches of
the columns the analyses use, lexicon features added per batch. These tests run
it with batches of 1,000 posts on a generated corpus with a planted firestorm and
compare every file with the whole-table path (``read_corpus`` + ``add_features``
+ :func:`run_firestorm`), byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crowdpulse.event import load_event
from crowdpulse.exceptions import InputError
from crowdpulse.firestorm import FirestormOptions, run_firestorm
from crowdpulse.firestorm.pipeline import (
    FIRESTORM_COLUMNS,
    analyse_corpus,
    read_firestorm_table,
    write_network_analyses,
)
from crowdpulse.io.corpus import read_corpus
from crowdpulse.network.gexf import write_peak_networks
from crowdpulse.text import add_features

TARGET = "@flyzephyr"


@pytest.fixture(scope="module")
def corpus(
    tmp_path_factory: pytest.TempPathFactory, firestorm_event: dict[str, Path]
) -> dict[str, Path]:
    """The shared 3-day generated event (seed 11, 3,000 records) with a planted firestorm."""
    path = firestorm_event["corpus"]
    assert pq.ParquetFile(path).metadata.num_rows > 2000  # more than two batches of 1,000
    folder = tmp_path_factory.mktemp("scale_firestorm")
    return {"folder": folder, "corpus": path, "event": firestorm_event["event"]}


def whole_table_outputs(corpus: Path, event_path: Path, out: Path) -> dict[str, str]:
    """What ``analyse_corpus`` wrote before it read in batches: the whole table."""
    event = load_event(event_path)
    assert event.firestorm is not None
    options = FirestormOptions.from_event(event)
    table = add_features(read_corpus(corpus), lexicon="open", quiet=True)
    result = run_firestorm(
        table,
        event.firestorm.target,
        options=options,
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


def test_batched_table_equals_the_whole_table(corpus: dict[str, Path]) -> None:
    whole = add_features(read_corpus(corpus["corpus"]), lexicon="open", quiet=True)
    whole = whole.select(
        [n for n in whole.column_names if n in FIRESTORM_COLUMNS or n.startswith("lex_")]
    )
    batched = read_firestorm_table(corpus["corpus"], batch_size=1000)
    assert batched.column_names == whole.column_names
    assert "text" not in batched.column_names and "tokens" not in batched.column_names
    assert batched.equals(whole)
    # a features file (lex_* present) is read as it is, without its texts
    features = corpus["folder"] / "features.parquet"
    pq.write_table(add_features(read_corpus(corpus["corpus"]), quiet=True), features)
    assert read_firestorm_table(features, batch_size=777).equals(whole)


def test_batched_command_writes_the_same_files(corpus: dict[str, Path], tmp_path: Path) -> None:
    expected = whole_table_outputs(corpus["corpus"], corpus["event"], tmp_path / "whole")
    summary = analyse_corpus(
        corpus["corpus"], corpus["event"], tmp_path / "batched", figures=False, batch_size=1000
    )
    got = summary["files"]
    assert sorted(got) == sorted(expected)
    names = {Path(p).name for p in expected.values()}
    assert {"series.csv", "changepoints.csv", "window_metrics.csv", "periods.csv"} <= names
    for key, path in expected.items():
        assert Path(got[key]).name == Path(path).name
        assert Path(got[key]).read_bytes() == Path(path).read_bytes(), key
    evaluation = json.loads((tmp_path / "batched" / "evaluation.json").read_text())
    assert evaluation["truth"]["start_bucket"] is not None  # the planted firestorm is found
    lines = (tmp_path / "batched" / "changepoints.csv").read_text().splitlines()
    assert len(lines) > 10


def test_a_file_that_is_not_a_corpus_is_an_input_error(tmp_path: Path) -> None:
    import pyarrow as pa

    path = tmp_path / "other.parquet"
    pq.write_table(pa.table({"created_at": [1, 2]}), path)
    with pytest.raises(InputError) as caught:
        read_firestorm_table(path)
    assert caught.value.path == str(path)
    with pytest.raises(InputError):
        read_firestorm_table(tmp_path / "missing.parquet")
