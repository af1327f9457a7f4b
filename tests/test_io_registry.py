"""The reader registry: one place for formats, third-party readers by entry point."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import orjson
import pytest

from crowdpulse.exceptions import InputError
from crowdpulse.io import IngestOptions, read_posts, registry, sniff
from crowdpulse.io.recordreader import Notice, RecordProblem, RecordReader


class ToyReader(RecordReader):
    """A third-party format: ``{"toy": id, "words": text}`` lines."""

    name = "toy"
    platform = "toynet"
    description = "a toy format"

    @classmethod
    def claims_record(cls, record: Any) -> bool:
        return isinstance(record, dict) and "toy" in record

    def convert(self, record: Any) -> dict[str, Any]:
        if record.get("skip"):
            raise Notice("skip")
        if not isinstance(record.get("words"), str):
            raise RecordProblem("words is not a string", "words")
        return {"id": str(record["toy"]), "text": record["words"]}


@pytest.fixture()
def toy_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    point = EntryPoint("toy", f"{__name__}:ToyReader", registry.ENTRY_POINT_GROUP)

    def fake(group: str) -> list[EntryPoint]:
        return [point] if group == registry.ENTRY_POINT_GROUP else []

    monkeypatch.setattr("importlib.metadata.entry_points", fake)
    registry._third_party.cache_clear()
    yield
    registry._third_party.cache_clear()


def test_every_builtin_format_is_registered_once() -> None:
    names = registry.format_names()
    assert len(names) == len(set(names))
    for name in ("v1", "v2", "twarc2-flat", "csv", "bluesky-jetstream", "bluesky-appview"):
        assert name in names
    for name in ("mastodon", "reddit", "telegram"):
        found = registry.get_format(name)
        assert found.platform == name and found.load().name == name
    assert registry.TWITTER_FORMATS == ("v1", "v2", "twarc2-flat", "csv")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(InputError, match="unknown format"):
        registry.get_format("myspace")
    with pytest.raises(InputError, match="unknown format"):
        read_posts(["x"], IngestOptions(input_format="myspace"))


def test_third_party_reader_by_entry_point(toy_plugin: None, tmp_path: Path) -> None:
    path = tmp_path / "toy.jsonl"
    lines = [{"toy": 1, "words": "hello"}, {"toy": 2, "skip": True}, {"toy": 3, "words": 5}]
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines) + b"not json\n")
    assert "toy" in registry.format_names()
    assert sniff(path).format == "toy"
    table, summary = read_posts([path])
    assert (summary.read, summary.kept, dict(summary.filtered), summary.quarantined) == (
        4,
        1,
        {"skip_notice": 1},
        2,
    )
    row = table.to_pylist()[0]
    assert (row["id"], row["text"], row["platform"], row["source_format"]) == (
        "1",
        "hello",
        "toynet",
        "toy",
    )


def test_wrong_types_quarantine_never_crash(tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    good = {"id": "a", "subreddit": "s", "author": "u", "created_utc": 1, "body": "ok"}
    bad = [
        dict(good, id="b", created_utc="yesterday"),
        dict(good, id="c", body=["not", "text"]),
        dict(good, id=None),
        [1, 2],
        "a string",
    ]
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in [good, *bad]))
    _, summary = read_posts([path])
    assert (summary.read, summary.kept, summary.quarantined) == (6, 1, 5)


def test_old_corpus_without_platform_gets_it(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from crowdpulse.io import read_corpus
    from crowdpulse.schema import POST_SCHEMA

    old = POST_SCHEMA.empty_table().drop_columns(["platform"])
    pq.write_table(old, tmp_path / "old.parquet")
    table = read_corpus(tmp_path / "old.parquet")
    assert table.schema.names == POST_SCHEMA.names


def test_thread_with_a_blocked_reply_counts_it(tmp_path: Path) -> None:
    def view(rkey: str, parent: str | None = None) -> dict[str, Any]:
        record: dict[str, Any] = {"text": rkey, "createdAt": "2024-01-01T00:00:00Z"}
        if parent:
            record["reply"] = {"parent": {"uri": parent}, "root": {"uri": parent}}
        return {
            "uri": f"at://did:plc:a/app.bsky.feed.post/{rkey}",
            "author": {"did": "did:plc:a", "handle": "a.bsky.social"},
            "record": record,
        }

    root = view("r")
    thread = {
        "$type": "app.bsky.feed.defs#threadViewPost",
        "post": root,
        "replies": [
            {"post": view("x", root["uri"]), "replies": []},
            {"$type": "app.bsky.feed.defs#blockedPost", "uri": "at://b", "blocked": True},
        ],
    }
    path = tmp_path / "thread.json"
    path.write_bytes(orjson.dumps({"thread": thread}))
    table, summary = read_posts([path])
    assert (summary.read, summary.kept, dict(summary.filtered)) == (
        3,
        2,
        {"unavailable_post_notice": 1},
    )
    assert table.column("reply_to_author_handle").to_pylist() == [None, "a.bsky.social"]
