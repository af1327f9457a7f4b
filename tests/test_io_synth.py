"""Ingest of generated corpora reproduces the generator's ground truth exactly, in every format."""

from __future__ import annotations

import pyarrow.compute as pc
import pytest

from crowdpulse.event import load_event
from crowdpulse.io import IngestOptions, ingest, read_corpus
from crowdpulse.synth import SynthConfig, synthesize

# The generator names the notice reason "notice"; the reader counts notices by kind.
NOTICE_REASONS = ("delete_notice", "limit_notice")


@pytest.fixture(scope="module", params=["v1", "v2", "csv"])
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp(f"synth-{request.param}")
    suffix = {"v1": ".jsonl.gz", "v2": ".jsonl.zst", "csv": ".csv.bz2"}[request.param]
    path = folder / f"posts{suffix}"
    truth = synthesize(
        SynthConfig(seed=11, posts=4000, noise=True, noise_rate=0.005),
        path,
        fmt=request.param,
        event_path=folder / "event.toml",
    )
    return request.param, path, truth, folder


def test_accounting_matches_truth(generated) -> None:
    fmt, path, truth, folder = generated
    summary = ingest([path], folder / "corpus.parquet", options=IngestOptions(lang="en"))
    expected = truth["ingest"]
    assert summary.kept == expected["kept"]
    assert summary.quarantined == expected["quarantined"]
    filtered = dict(summary.filtered)
    notices = sum(filtered.pop(reason, 0) for reason in NOTICE_REASONS)
    assert notices == expected["filtered"]["notice"]
    assert filtered == {k: v for k, v in expected["filtered"].items() if v and k != "notice"}
    assert summary.read == summary.kept + sum(summary.filtered.values()) + summary.quarantined
    corpus = read_corpus(folder / "corpus.parquet")
    assert corpus.num_rows == expected["kept"]
    assert set(corpus["source_format"].to_pylist()) == {fmt}
    assert pc.sum(pc.is_null(corpus["created_at"])).as_py() == 0


def test_any_language_accounting(generated) -> None:
    _, path, truth, folder = generated
    summary = ingest([path], folder / "any.parquet")
    assert summary.kept == truth["ingest"]["any_lang"]["kept"]


def test_event_description_drives_ingest(generated) -> None:
    _, path, _, folder = generated
    event = load_event(folder / "event.toml")
    assert event.inputs == (path,) or event.inputs[0].name == path.name
    assert event.firestorm is not None and event.labels is not None
