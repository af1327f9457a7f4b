"""``crowdpulse info``: posts per platform (text and --json), on a built table and real samples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner

from crowdpulse.cli import main
from crowdpulse.corpus_info import describe
from crowdpulse.io import IngestOptions, read_posts
from crowdpulse.io.corpus import write_table
from crowdpulse.schema import POST_SCHEMA


def _corpus(platforms: list[str]) -> pa.Table:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [
        {
            "id": str(i),
            "created_at": start,
            "author_id": f"a{i % 2}",
            "text": "hello",
            "platform": platform,
            "source_format": platform,
        }
        for i, platform in enumerate(platforms)
    ]
    return pa.Table.from_pylist(rows, schema=POST_SCHEMA)


def test_info_counts_posts_per_platform(tmp_path: Path) -> None:
    path = write_table(
        _corpus(["reddit", "twitter", "mastodon", "reddit", "telegram", "reddit", "twitter"]),
        tmp_path / "mixed.parquet",
    )
    runner = CliRunner()
    done = runner.invoke(main, ["info", str(path), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["platforms"] == [
        ["reddit", 3],
        ["twitter", 2],
        ["mastodon", 1],
        ["telegram", 1],
    ]
    text = runner.invoke(main, ["info", str(path)])
    assert text.exit_code == 0, text.output
    assert "platforms: reddit 3  twitter 2  mastodon 1  telegram 1" in text.output


def test_describe_lists_every_platform_and_handles_empty_and_old_tables() -> None:
    many = _corpus([f"p{i:02d}" for i in range(15)])
    assert len(describe(many, top=3)["platforms"]) == 15  # not cut at --top
    assert describe(_corpus([]))["platforms"] == []
    assert describe(_corpus(["bluesky"]).drop_columns(["platform"]))["platforms"] == []


def test_info_on_real_platform_samples(shared_data: Path) -> None:
    folder = shared_data / "platforms"
    if not folder.is_dir():
        pytest.skip(f"platform samples not found at {folder}")
    files = [
        folder / "reddit" / "RC_2017-10_first100.ndjson",  # 100 comments
        folder / "mastodon" / "api_v1_public_timeline_2017_mastodon4j.json",  # 20 statuses
        folder / "telegram" / "tdesktop_result_channel_tg2md.json",  # 18 messages + 1 service
        folder / "bluesky" / "appview_getPostThread.json",  # 4 posts
    ]
    table, _ = read_posts(files, IngestOptions(keep_retweets=True, dedupe=False))
    assert describe(table)["platforms"] == [
        ["reddit", 100],
        ["mastodon", 20],
        ["telegram", 18],
        ["bluesky", 4],
    ]


def test_info_plugins_lists_every_registry() -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["info", "--plugins", "--json"])
    assert done.exit_code == 0, done.output
    listing = json.loads(done.output)
    assert list(listing) == [
        "crowdpulse.readers",
        "crowdpulse.lexicons",
        "crowdpulse.costs",
        "crowdpulse.models",
        "crowdpulse.geocoders",
    ]
    keys = {group: [e["key"] for e in entries] for group, entries in listing.items()}
    assert keys["crowdpulse.readers"][:5] == [
        "bluesky-jetstream",
        "bluesky-appview",
        "mastodon",
        "reddit",
        "telegram",
    ]
    assert keys["crowdpulse.costs"] == ["normal-mean", "normal-meanvar", "poisson"]
    assert {"open", "empath"} <= set(keys["crowdpulse.lexicons"])
    offline = listing["crowdpulse.geocoders"][0]
    assert offline["key"] == "offline" and offline["description"]
    assert (offline["plugin"], offline["distribution"]) == (None, None)
    text = runner.invoke(main, ["info", "--plugins"])
    assert text.exit_code == 0 and "Poisson counts with a changing rate." in text.output
    assert runner.invoke(main, ["info"]).exit_code == 2  # neither a corpus nor --plugins
