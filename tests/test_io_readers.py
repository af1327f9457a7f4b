"""Readers on real data (skipped without ../shared/data) and on hand-made bad inputs."""

from __future__ import annotations

import bz2
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow.compute as pc
import pytest
import zstandard

from crowdpulse.exceptions import InputError
from crowdpulse.io import IngestOptions, ingest, read_corpus, read_posts, sniff
from crowdpulse.schema import POST_SCHEMA

V1_SAMPLE = "twitter_v1_sample/napa_earthquake_2014_sample.jsonl"


def tweet(i: int, **extra: object) -> dict[str, object]:
    """A minimal valid v1.1 tweet."""
    record: dict[str, object] = {
        "id": 1000 + i,
        "id_str": str(1000 + i),
        "created_at": "Sun Aug 24 20:40:22 +0000 2014",
        "text": f"post number {i} #Napa @Someone",
        "lang": "en",
        "user": {"id": 7, "id_str": "7", "screen_name": "alice", "location": "Paris, France"},
        "entities": {
            "hashtags": [{"text": "Napa"}],
            "user_mentions": [{"id_str": "9", "screen_name": "Someone"}],
            "urls": [],
        },
    }
    record.update(extra)
    return record


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def accounted(summary) -> bool:
    return summary.read == summary.kept + sum(summary.filtered.values()) + summary.quarantined


# --- real data -------------------------------------------------------------------------


@pytest.mark.realdata
def test_v1_sample_matches_an_independent_count(shared_data: Path) -> None:
    path = shared_data / V1_SAMPLE
    raw = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    table, summary = read_posts([path], IngestOptions(keep_retweets=True, dedupe=False))
    assert summary.read == len(raw) == 409
    assert table.num_rows == 409
    assert table.schema == POST_SCHEMA
    retweets = sum("retweeted_status" in r for r in raw)
    assert pc.sum(pc.is_valid(table["retweeted_id"])).as_py() == retweets
    first = table.slice(0, 1).to_pylist()[0]
    assert first["id"] == raw[0]["id_str"]
    assert first["author_id"] == raw[0]["user"]["id_str"]
    assert first["hashtags"] == [h["text"].lower() for h in raw[0]["entities"]["hashtags"]]
    assert first["source_line"] == 1 and first["source_format"] == "v1"
    # Default ingest drops retweets and duplicate texts, and the counts reconcile.
    _, default = read_posts([path])
    assert default.filtered["retweet"] == retweets
    assert accounted(default)


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "posts"),
    [
        ("2sets.jsonl", 200),
        ("noflat.jsonl", 100),
        ("flat.jsonl", 100),
        ("withheld.jsonl", 215),
        ("geo_tweets.jsonl", 2),
        ("entities_test.jsonl", 474),
    ],
)
def test_v2_files_keep_every_post(shared_data: Path, name: str, posts: int) -> None:
    table, summary = read_posts(
        [shared_data / "twitter_v2_twarc" / name], IngestOptions(keep_retweets=True, dedupe=False)
    )
    assert table.num_rows == posts == summary.read
    assert pc.sum(pc.is_null(table["created_at"])).as_py() == 0


@pytest.mark.realdata
def test_v2_flat_and_pages_agree(shared_data: Path) -> None:
    opts = IngestOptions(keep_retweets=True, dedupe=False)
    flat, _ = read_posts([shared_data / "twitter_v2_twarc/flat.jsonl"], opts)
    pages, _ = read_posts([shared_data / "twitter_v2_twarc/noflat.jsonl"], opts)
    assert sniff(shared_data / "twitter_v2_twarc/flat.jsonl").format == "twarc2-flat"
    assert sniff(shared_data / "twitter_v2_twarc/noflat.jsonl").format == "v2"
    for column in ("id", "author_handle", "text", "retweeted_author_handle", "hashtags"):
        assert flat[column].to_pylist() == pages[column].to_pylist(), column


@pytest.mark.realdata
def test_v2_geo_place_country(shared_data: Path) -> None:
    table, _ = read_posts([shared_data / "twitter_v2_twarc/geo_tweets.jsonl"])
    assert "DE" in table["place_country_code"].to_pylist()


@pytest.mark.realdata
def test_v2_streaming_output_with_error(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "twitter_v2_twarc/streaming_output_with_error.jsonl"
    summary = ingest([path], tmp_path / "c.parquet", options=IngestOptions(dedupe=False))
    assert (summary.read, summary.kept, summary.quarantined) == (8, 7, 1)
    rejected = [json.loads(line) for line in Path(summary.quarantine_file).read_text().splitlines()]
    assert rejected[0]["line"] == 8 and "not valid JSON" in rejected[0]["reason"]
    assert rejected[0]["file"] == str(path)


@pytest.mark.realdata
def test_v2_missing_expansions_are_counted(shared_data: Path) -> None:
    _, summary = read_posts([shared_data / "twitter_v2_twarc/withheld.jsonl"])
    assert summary.incomplete > 0 and summary.api_errors > 0
    assert accounted(summary)


@pytest.mark.realdata
@pytest.mark.parametrize(
    "name", ["users.jsonl", "counts.jsonl", "tweets_compliance.jsonl", "lists.jsonl"]
)
def test_v2_files_without_posts_are_refused(shared_data: Path, name: str) -> None:
    with pytest.raises(InputError, match="not a post"):
        sniff(shared_data / "twitter_v2_twarc" / name)


@pytest.mark.realdata
def test_empty_real_file_is_refused(shared_data: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        sniff(shared_data / "twitter_v2_twarc/empty.json")


@pytest.mark.realdata
def test_crisislex_t26_labels_and_joined_times(shared_data: Path) -> None:
    folder = shared_data / "crisislex/CrisisLexT26/2013_Lac_Megantic_train_crash"
    labelled = next(folder.glob("*-tweets_labeled.csv"))
    table, summary = read_posts([labelled], IngestOptions(dedupe=False, keep_retweets=True))
    assert sniff(labelled).format == "csv"
    assert summary.quarantined == 0 and summary.read == table.num_rows == 1000
    assert pc.sum(pc.is_null(table["created_at"])).as_py() == 0
    assert "Sympathy and support" in set(table["label"].to_pylist())
    assert accounted(summary)


@pytest.mark.realdata
def test_crisislex_without_time_file_keeps_null_times(shared_data: Path) -> None:
    path = next((shared_data / "crisislex/CrisisLexT26/2013_Boston_bombings").glob("*labeled.csv"))
    table, summary = read_posts([path], IngestOptions(dedupe=False, keep_retweets=True))
    assert summary.read == table.num_rows == 1000
    assert pc.sum(pc.is_null(table["created_at"])).as_py() == 1000
    # Hashtags and mentions come from the text when the CSV has no entity columns.
    assert pc.sum(pc.list_value_length(table["hashtags"])).as_py() > 100


# --- bad input -------------------------------------------------------------------------


def test_truncated_invalid_utf8_missing_fields_unknown_shape(tmp_path: Path) -> None:
    good = [orjson.dumps(tweet(i)) for i in range(5)]
    no_user = tweet(5)
    del no_user["user"]
    no_time = tweet(6)
    del no_time["created_at"]
    lines = [
        good[0],
        good[1][:-20],  # truncated
        good[2].replace(b"post number", b"post \xff number"),  # invalid UTF-8
        orjson.dumps(no_user),
        orjson.dumps(no_time),
        b'{"foo": 1, "bar": [1, 2]}',  # unknown shape
        b'{"delete": {"status": {"id_str": "1"}}}',
        b'{"limit": {"track": 12}}',
        b"",
        good[3],
        good[4],
    ]
    path = write_lines(tmp_path / "bad.jsonl", lines)
    summary = ingest([path], tmp_path / "c.parquet", options=IngestOptions(dedupe=False))
    assert summary.read == 10
    assert summary.kept == 3
    assert summary.filtered == {"delete_notice": 1, "limit_notice": 1}
    assert summary.quarantined == 5
    assert accounted(summary)
    rejects = {
        r["line"]: r
        for r in map(json.loads, Path(summary.quarantine_file).read_text().splitlines())
    }
    assert "not valid JSON" in rejects[2]["reason"]
    assert "UTF-8" in rejects[3]["reason"]
    assert rejects[4]["field"] == "user.id_str"
    assert rejects[5]["field"] == "created_at"
    assert "unknown record shape" in rejects[6]["reason"]
    corpus = read_corpus(tmp_path / "c.parquet")
    assert corpus["source_line"].to_pylist() == [1, 10, 11]


def test_type_mismatch_names_the_field(tmp_path: Path) -> None:
    bad = tweet(1)
    bad["user"] = {"id_str": 123, "screen_name": "x"}
    path = write_lines(tmp_path / "t.jsonl", [orjson.dumps(tweet(0)), orjson.dumps(bad)])
    summary = ingest([path], tmp_path / "c.parquet")
    rejected = json.loads(Path(summary.quarantine_file).read_text())
    assert rejected["line"] == 2 and rejected["field"] == "user.id_str"


def test_empty_file_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_bytes(b"\n  \n")
    with pytest.raises(InputError, match="empty"):
        ingest([tmp_path / "empty.jsonl"], tmp_path / "c.parquet")
    with pytest.raises(InputError, match="no such file"):
        ingest([tmp_path / "nope.jsonl"], tmp_path / "c.parquet")
    assert not (tmp_path / "c.parquet").exists()


def test_wrong_compression_is_refused(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "posts.jsonl.gz", [orjson.dumps(tweet(0))])
    with pytest.raises(InputError, match="gzip"):
        ingest([path], tmp_path / "c.parquet")


def test_corrupt_gzip_is_an_input_error(tmp_path: Path) -> None:
    data = gzip.compress(b"\n".join(orjson.dumps(tweet(i)) for i in range(2000)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="decompress"):
        ingest([path], tmp_path / "c.parquet")


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [(".gz", gzip.compress), (".bz2", bz2.compress), (".zst", zstandard.ZstdCompressor().compress)],
)
def test_compressed_inputs_read_the_same(tmp_path: Path, suffix: str, compress) -> None:
    data = b"\n".join(orjson.dumps(tweet(i)) for i in range(50)) + b"\n"
    (tmp_path / "plain.jsonl").write_bytes(data)
    (tmp_path / f"packed.jsonl{suffix}").write_bytes(compress(data))
    plain, _ = read_posts([tmp_path / "plain.jsonl"])
    packed, _ = read_posts([tmp_path / f"packed.jsonl{suffix}"])
    assert plain.drop(["source_file"]).equals(packed.drop(["source_file"]))


def test_json_array_reports_element_lines(tmp_path: Path) -> None:
    items = [tweet(i) for i in range(3)]
    items[1]["created_at"] = "yesterday"
    text = "[\n" + ",\n".join(json.dumps(t, indent=1) for t in items) + "\n]\n"
    path = tmp_path / "array.json"
    path.write_text(text)
    assert sniff(path).array
    summary = ingest([path], tmp_path / "c.parquet", options=IngestOptions(dedupe=False))
    assert (summary.read, summary.kept, summary.quarantined) == (3, 2, 1)
    rejected = json.loads(Path(summary.quarantine_file).read_text())
    assert rejected["field"] == "created_at"
    assert text.splitlines()[rejected["line"] - 1].strip() == "{"
    assert read_corpus(tmp_path / "c.parquet")["source_line"].to_pylist()[0] == 2


def test_v2_page_with_missing_expansions(tmp_path: Path) -> None:
    page = {
        "data": [
            {
                "id": "1",
                "text": "hello @bob",
                "created_at": "2021-04-01T15:52:31.000Z",
                "author_id": "10",
                "entities": {"mentions": [{"username": "Bob", "id": "11"}]},
            },
            {
                "id": "2",
                "text": "RT @carol: hi",
                "created_at": "2021-04-01T15:53:31.000Z",
                "author_id": "12",
                "referenced_tweets": [{"type": "retweeted", "id": "99"}],
            },
            {"id": "3", "created_at": "2021-04-01T15:53:31.000Z", "author_id": "12"},
        ],
        "includes": {"users": [{"id": "10", "username": "alice", "location": "Lagos"}]},
    }
    path = write_lines(tmp_path / "page.jsonl", [orjson.dumps(page)])
    table, summary = read_posts([path], IngestOptions(keep_retweets=True))
    assert (summary.read, summary.kept, summary.quarantined, summary.incomplete) == (3, 2, 1, 1)
    rows = table.to_pylist()
    assert rows[0]["author_handle"] == "alice" and rows[0]["author_location"] == "Lagos"
    assert rows[0]["mention_handles"] == ["bob"]
    assert rows[1]["author_handle"] is None and rows[1]["retweeted_id"] == "99"


def test_csv_with_a_column_map_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(
        "tweet_id,when,body,who\n"
        '1,2020-01-01T10:00:00Z,"hello, #World @Ann",a\n'
        "2,2020-01-01T11:00:00Z,second,b,EXTRA\n"
        "3,not a date,third,c\n"
        '4,2020-01-01T12:00:00Z,"multi\nline",d\n'
    )
    with pytest.raises(InputError, match="csv-map"):
        read_posts([path])
    options = IngestOptions(
        csv_map={"id": "tweet_id", "created_at": "when", "text": "body", "author_id": "who"}
    )
    summary = ingest([path], tmp_path / "c.parquet", options=options)
    assert (summary.read, summary.kept, summary.quarantined) == (4, 2, 2)
    table = read_corpus(tmp_path / "c.parquet")
    assert table["hashtags"].to_pylist()[0] == ["world"]
    assert table["source_line"].to_pylist() == [2, 5]
    reasons = [
        json.loads(r)["reason"] for r in Path(summary.quarantine_file).read_text().splitlines()
    ]
    assert reasons[0].startswith("expected 4 columns") and reasons[1].startswith("not a time")


def test_filters_count_each_reason_once(tmp_path: Path) -> None:
    records = [
        tweet(0),
        tweet(1, lang="fr"),
        tweet(2, retweeted_status=tweet(9), lang="fr"),  # retweet wins over lang
        tweet(3, created_at="Sun Aug 24 20:40:22 +0000 2010"),
        tweet(4, text="no match here", entities={"hashtags": [], "user_mentions": [], "urls": []}),
        tweet(0),  # duplicate id
        tweet(5, text="post number 0 #Napa @Someone"),  # duplicate text
    ]
    path = write_lines(tmp_path / "f.jsonl", [orjson.dumps(r) for r in records])
    options = IngestOptions(lang="en", since=datetime(2014, 1, 1, tzinfo=UTC), keywords=("napa",))
    summary = ingest([path], tmp_path / "c.parquet", options=options)
    assert summary.kept == 1
    assert summary.filtered == {
        "retweet": 1,
        "lang": 1,
        "before_since": 1,
        "keyword": 1,
        "duplicate_id": 1,
        "duplicate_text": 1,
    }
    assert accounted(summary)


def test_pseudonymisation_is_consistent(tmp_path: Path) -> None:
    a = tweet(0, text="hi @Someone", in_reply_to_screen_name="Someone")
    b = tweet(1, user={"id_str": "9", "screen_name": "someone", "location": ""})
    path = write_lines(tmp_path / "p.jsonl", [orjson.dumps(a), orjson.dumps(b)])
    table, _ = read_posts([path], IngestOptions(pseudonymize_salt="s3cret"))
    rows = table.to_pylist()
    assert rows[0]["mention_ids"] == [rows[1]["author_id"]]
    assert rows[0]["mention_handles"] == [rows[1]["author_handle"]]
    assert rows[0]["text"] == f"hi @{rows[1]['author_handle']}"
    assert "someone" not in json.dumps(rows, default=str).lower()
    other, _ = read_posts([path], IngestOptions(pseudonymize_salt="other"))
    assert other["author_id"].to_pylist() != table["author_id"].to_pylist()
