"""The generator streams: a corpus above ``chunk_posts`` is drawn, written and counted in chunks.

Small corpora (10,000 posts in chunks of 2,500) stand in for large ones; every
assertion is exact.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import orjson
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from crowdpulse.cli import main
from crowdpulse.exceptions import ConfigError
from crowdpulse.firestorm import ground_truth
from crowdpulse.io import IngestOptions, ingest, read_posts
from crowdpulse.synth import (
    KIND_NAMES,
    SynthConfig,
    SynthResult,
    TruthBuilder,
    chunk_count,
    generate,
    generate_chunks,
    population,
    synthesize,
)
from crowdpulse.synth.population import StrColumn

NOTICE_REASONS = ("delete_notice", "limit_notice")
STREAMED = SynthConfig(seed=11, posts=10_000, noise=True, noise_rate=0.004, chunk_posts=2_500)


@pytest.fixture(scope="module", params=["v1", "v2", "csv"])
def streamed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp(f"stream-{request.param}")
    suffix = {"v1": ".jsonl.gz", "v2": ".jsonl", "csv": ".csv"}[request.param]
    path = folder / f"posts{suffix}"
    truth = synthesize(
        STREAMED,
        path,
        fmt=request.param,
        event_path=folder / "event.toml",
        truth_posts_path=folder / "truth_posts.parquet",
    )
    return request.param, path, truth, folder


def test_chunk_count() -> None:
    assert chunk_count(STREAMED) == 4
    assert chunk_count(SynthConfig(posts=10_001, chunk_posts=2_500)) == 5
    assert chunk_count(SynthConfig(posts=2_500, chunk_posts=2_500)) == 1
    assert chunk_count(SynthConfig(posts=10_000, chunk_posts=None)) == 1


def test_chunk_posts_is_checked() -> None:
    with pytest.raises(ConfigError) as err:
        SynthConfig(posts=10_000, chunk_posts=999)
    assert err.value.field == "chunk_posts"
    with pytest.raises(ConfigError):
        SynthConfig(posts=5_000_000, chunk_posts=1_000)


def test_streamed_ingest_reproduces_the_truth(streamed) -> None:
    _, path, truth, folder = streamed
    assert truth["totals"]["posts"] == 10_000
    assert truth["config"]["chunk_posts"] == 2_500
    summary = ingest([path], folder / "corpus.parquet", options=IngestOptions(lang="en"))
    expected = truth["ingest"]
    assert summary.kept == expected["kept"]
    assert summary.quarantined == expected["quarantined"] > 0
    filtered = dict(summary.filtered)
    notices = sum(filtered.pop(reason, 0) for reason in NOTICE_REASONS)
    assert notices == expected["filtered"]["notice"]
    assert filtered == {k: v for k, v in expected["filtered"].items() if v and k != "notice"}
    assert expected["filtered"]["duplicate_text"] == truth["totals"]["duplicates_planted"]
    assert expected["filtered"]["duplicate_id"] == 0
    any_lang = ingest([path], folder / "any.parquet")
    assert any_lang.kept == expected["any_lang"]["kept"]
    posts = pq.read_table(folder / "truth_posts.parquet")
    assert posts.num_rows == 10_000
    assert sum(posts["kept"].to_pylist()) == expected["kept"]


def test_streamed_ids_and_texts_are_unique(streamed) -> None:
    _, path, truth, _ = streamed
    table, _ = read_posts([path], IngestOptions(keep_retweets=True, dedupe=False))
    ids = table["id"].to_pylist()
    assert len(ids) == len(set(ids)) == 10_000
    texts = [t.lower() for t in table["text"].to_pylist() if not t.startswith("RT @")]
    planted = truth["totals"]["duplicates_planted"]
    assert len(texts) - len(set(texts)) == planted > 0


def test_chunks_share_one_population_and_unique_texts() -> None:
    seen: set[str] = set()
    ids: set[str] = set()
    handles = None
    sizes = []
    for chunk in generate_chunks(STREAMED):
        sizes.append(len(chunk))
        if handles is None:
            handles = chunk.population.handles
        assert chunk.population.handles is handles
        ids.update(chunk.ids)
        for i in range(len(chunk)):
            text = chunk.texts[i]
            if text is not None and chunk.duplicate_of[i] < 0:
                key = text.text.lower()
                assert key not in seen
                seen.add(key)
        # each chunk is in time order with increasing ids
        assert (chunk.ts_ms[1:] >= chunk.ts_ms[:-1]).all()
        assert [int(x) for x in chunk.ids] == sorted(int(x) for x in chunk.ids)
    assert sum(sizes) == 10_000 == len(ids)
    assert len(sizes) == 4 and max(sizes) < 2_500 + 20


def _original_kinds(result: SynthResult) -> Counter[str]:
    own = (result.retweet_of < 0) & (result.duplicate_of < 0)
    return Counter(KIND_NAMES[k] for k in result.kind[own].tolist())


def test_streamed_event_has_the_whole_corpus_shape() -> None:
    """Kind counts are split exactly across chunks: totals equal those of one draw."""
    whole = TruthBuilder()
    one = generate(STREAMED)
    whole.add(one)
    parts = TruthBuilder()
    kinds: Counter[str] = Counter()
    for chunk in generate_chunks(STREAMED):
        parts.add(chunk)
        kinds.update(_original_kinds(chunk))
    assert parts.n == whole.n == len(one)
    assert kinds == _original_kinds(one)
    assert parts.totals["retweets"] == whole.totals["retweets"]
    assert parts.totals["duplicates_planted"] == whole.totals["duplicates_planted"]
    assert parts.fs_posts == whole.fs_posts
    assert parts.trigger is not None


def test_streamed_firestorm_matches_the_truth(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    config = SynthConfig(seed=4, posts=12_000, days=6, chunk_posts=3_000)
    truth = synthesize(config, path, fmt="v1")["firestorm"]
    assert truth["start"] == "2015-11-09T13:00:00Z"  # the planted start, as unchunked
    assert truth["start_bucket"] == 3 * 48 + 26
    table, _ = read_posts([path], IngestOptions(keep_retweets=True, dedupe=False))
    measured = ground_truth(table, truth["target"], origin="2015-11-06T00:00:00Z")
    counts = measured.target_posts.tolist()
    expected = truth["target_mentions_per_bucket"]
    assert counts == expected[: len(counts)]
    assert sum(expected[len(counts) :]) == 0
    assert measured.start_bucket == truth["first_top_bucket"]
    assert abs(truth["first_top_bucket"] - truth["start_bucket"]) <= 1
    assert truth["posts"] > 0 and truth["newcomers"] > 0


@pytest.mark.parametrize("fmt", ["v1", "v2", "csv"])
def test_at_most_one_chunk_gives_the_same_bytes(tmp_path: Path, fmt: str) -> None:
    base = SynthConfig(seed=5, posts=3_000, noise=True)
    out = {}
    for name, chunk in (("none", None), ("equal", 3_000), ("default", 250_000)):
        path = tmp_path / f"{name}.{fmt}"
        truth = synthesize(SynthConfig(**{**base.__dict__, "chunk_posts": chunk}), path, fmt=fmt)
        truth.pop("output")
        out[name] = (path.read_bytes(), orjson.dumps(truth))
    assert out["none"] == out["equal"] == out["default"]
    assert b"chunk_posts" not in out["none"][1]


def test_cli_streams_with_chunk_posts(tmp_path: Path) -> None:
    out = tmp_path / "posts.jsonl.zst"
    args = [
        "synth", "--seed", "2", "--posts", "3000", "--chunk-posts", "1000", "-o", str(out),
        "--truth", str(tmp_path / "truth.json"), "--event", str(tmp_path / "event.toml"),
        "--json", "--quiet",
    ]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    truth = orjson.loads((tmp_path / "truth.json").read_bytes())
    assert truth["totals"]["posts"] == 3000 and truth["config"]["chunk_posts"] == 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "event.toml", "event_hashtags.csv", "posts.jsonl.zst", "truth.json",
    ]  # fmt: skip
    summary = ingest([out], tmp_path / "c.parquet", options=IngestOptions(lang="en"))
    assert summary.kept == truth["ingest"]["kept"]


def test_cli_progress_per_chunk(tmp_path: Path) -> None:
    args = ["synth", "--posts", "2000", "--chunk-posts", "1000", "-o", str(tmp_path / "p.jsonl")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "synth chunk 1/2" in result.stderr and "write v1 chunk 2/2" in result.stderr
    quiet = CliRunner().invoke(main, [*args, "--quiet"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_str_column_packs_strings() -> None:
    values = ["a", "", "Zoë_12", "@flyzephyr", "東京"]
    column = StrColumn(values)
    assert len(column) == 5
    assert list(column) == values
    assert column[-1] == "東京" and column[2] == "Zoë_12"
    assert column[1:3] == ["", "Zoë_12"]
    with pytest.raises(IndexError):
        column[5]


def test_large_populations_number_colliding_handles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the handle styles' capacity, handles stay unique (numbered by user index)."""
    monkeypatch.setattr(population, "_LARGE_POPULATION", 100)
    pop = population.make_population(np.random.default_rng(3), 120_000, 50, "flyzephyr", 0)
    lowered = [h.lower() for h in pop.handles]
    assert len(set(lowered)) == len(lowered) == 120_052
    assert max(len(h) for h in lowered[20:]) <= 15


def test_a_failed_stream_leaves_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real_add = TruthBuilder.add

    def failing_add(self: TruthBuilder, result: SynthResult) -> None:
        calls.append(len(result))
        if len(calls) == 2:
            raise RuntimeError("stop in the second chunk")
        real_add(self, result)

    monkeypatch.setattr(TruthBuilder, "add", failing_add)
    config = SynthConfig(seed=1, posts=3_000, chunk_posts=1_000)
    with pytest.raises(RuntimeError):
        synthesize(config, tmp_path / "posts.jsonl.gz", truth_posts_path=tmp_path / "t.parquet")
    assert len(calls) == 2
    assert list(tmp_path.iterdir()) == []
