"""``crowdpulse watch`` and ``crowdpulse firestorm`` on real non-Twitter samples.

The stream reads JSON lines through :class:`crowdpulse.io.lines.LineReader` (the
reader registry), so a Mastodon, Reddit or Bluesky stream gives the posts
``crowdpulse ingest`` gives for the same lines, and the target takes its platform's
handle form (``@acct@instance`` on Mastodon).
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from crowdpulse.exceptions import InputError
from crowdpulse.firestorm import FirestormOptions, FirestormStream, lines_to_posts, watch
from crowdpulse.io import IngestOptions, read_posts
from crowdpulse.io.lines import LineReader, line_format

MASTODON_TAG = "platforms/mastodon/api_v1_tag_timeline_2017_mastodon4j.json"
JETSTREAM = "platforms/bluesky/jetstream_v1_capture.jsonl"
REDDIT = "platforms/reddit/RC_2017-10_first100.ndjson"
MASTODON_TARGET = "@tomey@noagendasocial.com"
OPTIONS = FirestormOptions(bucket_minutes=1, window_buckets=4, offline=False, preset="paper")


@pytest.fixture(scope="module")
def mastodon_lines(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real Mastodon tag timeline (a JSON array) as JSON lines in time order.

    Its 18 statuses of 2017-04-21 from 14:00 on (the two earlier ones are days
    apart and would make thousands of empty one-minute buckets).
    """
    source = shared_data / MASTODON_TAG
    if not source.exists():
        pytest.skip(f"{source} is absent")
    statuses = sorted(
        (s for s in orjson.loads(source.read_bytes()) if s["created_at"] >= "2017-04-21T14"),
        key=lambda s: s["created_at"],
    )
    assert len(statuses) == 18
    path = tmp_path_factory.mktemp("platforms") / "mastodon.jsonl"
    path.write_bytes(b"".join(orjson.dumps(s) + b"\n" for s in statuses))
    return path


def _real(shared_data: Path, name: str) -> Path:
    path = shared_data / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


@pytest.mark.parametrize(
    ("name", "fmt", "posts"),
    [(JETSTREAM, "bluesky-jetstream", 32), (REDDIT, "reddit", 100)],
)
def test_line_reader_reads_what_ingest_reads(
    shared_data: Path, name: str, fmt: str, posts: int
) -> None:
    path = _real(shared_data, name)
    lines = path.read_bytes().split(b"\n")
    reader = LineReader(str(path))
    numbered = [(i, x) for i, x in enumerate(lines, start=1) if x.strip()]
    batch = reader.read([x for _, x in numbered], [i for i, _ in numbered])
    assert reader.format == fmt
    assert batch.records == len(numbered)
    assert batch.posts.num_rows == posts
    ingested, _ = read_posts([path], IngestOptions(keep_retweets=True, dedupe=False))
    assert batch.posts.column("id").to_pylist() == ingested.column("id").to_pylist()
    assert batch.posts.column("platform").unique().to_pylist() == [ingested["platform"][0].as_py()]
    assert batch.posts.column("mention_handles").to_pylist() == (
        ingested.column("mention_handles").to_pylist()
    )


def test_mastodon_stream_builds_the_targets_network(mastodon_lines: Path) -> None:
    batch = lines_to_posts(mastodon_lines.read_bytes().split(b"\n"))
    assert batch.posts.column("platform").unique().to_pylist() == ["mastodon"]
    buckets: list[dict[str, float]] = []
    stream = FirestormStream(
        MASTODON_TARGET,
        options=OPTIONS,
        ingest_options=None,
        on_bucket=lambda b, s, v: buckets.append(v),
    )
    stream.add(batch.posts)
    stream.close()
    # The target's posts, its mentions in acct@instance form, and mention edges.
    assert sum(v["target_posts"] for v in buckets) == 2
    # 14:54 mentions two accounts, 14:56 three (the target among them): 5 edges in
    # one 4-minute window, each account mentioned once.
    assert max(v["mention_net:edges"] for v in buckets) == 5
    assert max(v["mention_net:max_in_degree"] for v in buckets) == 1


def test_watch_on_mastodon_equals_the_stream_of_the_ingested_corpus(
    mastodon_lines: Path,
) -> None:
    from crowdpulse.firestorm import StreamStats

    seen = StreamStats()
    alerts = list(
        watch(mastodon_lines, MASTODON_TARGET, options=OPTIONS, ingest_options=None, stats=seen)
    )
    table, _ = read_posts([mastodon_lines], IngestOptions(keep_retweets=True, dedupe=False))
    stream = FirestormStream(MASTODON_TARGET, options=OPTIONS, ingest_options=None)
    expected = stream.add(table) + stream.close()
    assert (seen.lines, seen.posts, seen.used, seen.rejected) == (18, 18, 18, 0)
    assert seen.buckets == stream.stats.buckets == 43  # 14:18 to 15:00, one-minute buckets
    assert [(a.series, a.time, a.direction) for a in alerts] == [
        (a.series, a.time, a.direction) for a in expected
    ]


def test_watch_cli_reads_jetstream(shared_data: Path) -> None:
    from click.testing import CliRunner

    from crowdpulse.cli import main

    path = _real(shared_data, JETSTREAM)
    result = CliRunner().invoke(
        main, ["watch", str(path), "--target", "#indierebellion", "--bucket-minutes", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "152 lines, 32 posts" in result.stderr
    assert "0 rejected" in result.stderr


def test_formats_that_are_not_lines_are_refused() -> None:
    with pytest.raises(InputError, match="not one record a line"):
        LineReader("x", "csv")
    with pytest.raises(InputError, match="unknown format"):
        LineReader("x", "nope")
    assert line_format({"did": "did:plc:x", "time_us": 1, "kind": "identity"}) == (
        "bluesky-jetstream"
    )
    assert line_format({"delete": {"status": {"id": 1}}}) is None


def test_firestorm_command_on_an_ingested_mastodon_corpus(
    mastodon_lines: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from crowdpulse.cli import main

    corpus = tmp_path / "c.parquet"
    event = tmp_path / "event.toml"
    event.write_text(
        'name = "mastodon-tag"\n[firestorm]\n'
        f'target = "{MASTODON_TARGET}"\nbucket_minutes = 1\nwindow_buckets = 4\n'
    )
    runner = CliRunner()
    ingested = runner.invoke(main, ["ingest", str(mastodon_lines), "-o", str(corpus), "--quiet"])
    assert ingested.exit_code == 0, ingested.output
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        ["firestorm", str(corpus), "--event", str(event), "-o", str(out), "--json", "--quiet"],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["target_posts"] == 2
    assert (out / "window_metrics.csv").exists()


def test_appview_post_views_one_a_line_read_like_the_saved_response(shared_data: Path) -> None:
    path = _real(shared_data, "platforms/bluesky/appview_searchPosts.json")
    lines = [orjson.dumps(p) for p in orjson.loads(path.read_bytes())["posts"]]
    batch = lines_to_posts(lines)
    assert batch.posts.num_rows == 100
    assert batch.posts.column("source_format").unique().to_pylist() == ["bluesky-appview"]
    ingested, _ = read_posts([path], IngestOptions(keep_retweets=True, dedupe=False))
    for column in ("id", "author_handle", "mention_handles", "created_at"):
        assert batch.posts.column(column).to_pylist() == ingested.column(column).to_pylist()
    handles = {h for row in batch.posts.column("mention_handles").to_pylist() for h in row}
    assert "nrennie.bsky.social" in handles
