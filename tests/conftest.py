"""Shared fixtures: the real data beside the project, and temporary corpora."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder ../shared/data; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real data not found at {SHARED_DATA} (clone with ../shared beside the project)"
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def firestorm_event(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 3-day generated v1.1 event (seed 11, 3,000 records) with a planted firestorm.

    Generated and ingested once per session; tests read it and write what they derive
    from it in folders of their own.
    """
    from click.testing import CliRunner

    from crowdpulse.cli import main
    from crowdpulse.synth import SynthConfig, synthesize

    folder = tmp_path_factory.mktemp("firestorm_event")
    posts = folder / "posts.jsonl"
    synthesize(
        SynthConfig(seed=11, posts=3000, days=3),
        posts,
        fmt="v1",
        truth_path=folder / "truth.json",
        event_path=folder / "event.toml",
    )
    corpus = folder / "corpus.parquet"
    result = CliRunner().invoke(main, ["ingest", str(posts), "-o", str(corpus), "-q"])
    assert result.exit_code == 0, result.output
    return {
        "posts": posts,
        "corpus": corpus,
        "event": folder / "event.toml",
        "truth": folder / "truth.json",
    }
