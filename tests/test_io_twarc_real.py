"""The same real tweets as v2 pages, twarc2 flat JSON and twarc-csv CSV give one corpus.

Over ../shared/data/twitter_v2_twarc/ (skipped when absent): ``noflat.jsonl``,
``flat.jsonl`` and ``twarc_csv/{flat,noflat}.csv`` hold the same 100 tweets, and
``2sets`` / ``brexit`` exist as pages and CSV. Fields are also checked against the
raw files, read here independently with ``json`` and ``csv``. CrisisLexT26: retweets
written ``RT @x``, HTML entities, the warning for a file without times.
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crowdpulse.exceptions import InputError
from crowdpulse.io import IngestOptions, ingest, read_posts

TWARC = "twitter_v2_twarc"
KEEP_ALL = IngestOptions(keep_retweets=True, dedupe=False)

#: Compared exactly between every shape.
EXACT = (
    "id",
    "created_at",
    "author_id",
    "author_handle",
    "author_location",
    "text",
    "lang",
    "hashtags",
    "mention_handles",
    "urls",
    "retweeted_id",
    "retweeted_author_id",
    "retweeted_author_handle",
    "quoted_id",
    "quoted_author_id",
    "quoted_author_handle",
    "reply_to_id",
    "reply_to_author_id",
)


def _rows(path: Path) -> dict[str, dict[str, object]]:
    table, summary = read_posts([path], KEEP_ALL)
    assert summary.read == summary.kept + sum(summary.filtered.values()) + summary.quarantined
    assert summary.quarantined == 0
    return {row["id"]: row for row in table.to_pylist()}


def _raw_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _same_corpus(json_rows: dict, csv_rows: dict) -> None:
    assert set(json_rows) == set(csv_rows)
    for post_id, want in json_rows.items():
        got = csv_rows[post_id]
        for column in EXACT:
            assert got[column] == want[column], (post_id, column)
        # Mention ids: the CSV has those its own columns give, and they agree.
        assert len(got["mention_ids"]) == len(want["mention_ids"])
        for have, expected in zip(got["mention_ids"], want["mention_ids"], strict=True):
            assert have is None or have == expected, (post_id, "mention_ids")
        # twarc-csv names the replied-to user only when the replied-to post is expanded.
        if got["reply_to_author_handle"] is not None:
            assert got["reply_to_author_handle"] == want["reply_to_author_handle"]


@pytest.mark.realdata
def test_pages_flat_and_csv_give_the_same_corpus(shared_data: Path) -> None:
    folder = shared_data / TWARC
    pages = _rows(folder / "noflat.jsonl")
    flat = _rows(folder / "flat.jsonl")
    assert len(pages) == 100
    assert set(pages) == set(flat)
    for post_id, row in pages.items():
        for column in (*EXACT, "mention_ids", "reply_to_author_handle"):
            assert flat[post_id][column] == row[column], (post_id, column)
    for name in ("flat.csv", "noflat.csv"):
        csv_rows = _rows(folder / "twarc_csv" / name)
        _same_corpus(pages, csv_rows)
        # Mention ids the CSV has: the row's own user columns, then the file's authors.
        filled = sum(i is not None for row in csv_rows.values() for i in row["mention_ids"])
        assert filled == 81  # of 109 on the pages (111 mentions)


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["2sets", "brexit"])
def test_more_pages_and_their_csv_agree(shared_data: Path, name: str) -> None:
    folder = shared_data / TWARC
    _same_corpus(_rows(folder / f"{name}.jsonl"), _rows(folder / "twarc_csv" / f"{name}.csv"))


@pytest.mark.realdata
def test_page_mention_ids_come_from_includes_users(shared_data: Path) -> None:
    path = shared_data / TWARC / "noflat.jsonl"
    rows = _rows(path)
    checked = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        users = {u["username"].lower(): u["id"] for u in page["includes"]["users"]}
        for item in page["data"]:
            if any(r["type"] == "retweeted" for r in item.get("referenced_tweets", [])):
                continue  # a retweet's mentions are the full retweeted text's
            mentions = item.get("entities", {}).get("mentions", [])
            expected = [users.get(m["username"].lower()) for m in mentions]
            assert rows[item["id"]]["mention_ids"] == expected
            checked += len([e for e in expected if e is not None])
    assert checked > 10


@pytest.mark.realdata
def test_csv_fields_against_the_raw_csv(shared_data: Path) -> None:
    path = shared_data / TWARC / "twarc_csv" / "flat.csv"
    rows = _rows(path)
    raw = _raw_csv(path)
    newlines = 0
    for record in raw:
        row = rows[record["id"]]
        tags = [t.lstrip("#").lower() for t in json.loads(record["entities.hashtags"] or "[]")]
        assert row["hashtags"] == tags
        assert not any(h.startswith("@") for h in row["mention_handles"])
        mentions = [m.lstrip("@").lower() for m in json.loads(record["entities.mentions"] or "[]")]
        if record["referenced_tweets.retweeted.id"]:
            mentions.insert(0, record["retweeted_username"].lower())
            assert row["text"].startswith(f"RT @{record['retweeted_username']}: ")
        assert row["mention_handles"] == mentions
        assert row["text"].count("\n") == record["text"].count("\\n")
        assert "\\n" not in row["text"]
        newlines += record["text"].count("\\n")
        if record["in_reply_to_user_id"]:
            assert row["reply_to_author_id"] == record["in_reply_to_user_id"]
    assert newlines > 0


@pytest.mark.realdata
def test_every_twarc_file_ingests_with_exact_accounting(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / TWARC
    paths = sorted(folder.glob("*.json*")) + sorted((folder / "twarc_csv").glob("*.csv"))
    read_files = 0
    for path in paths:
        out = tmp_path / f"{path.name}.parquet"
        try:
            summary = ingest([path], out, options=IngestOptions(allow_empty=True))
        except InputError as exc:  # not posts (users, counts, compliance) or empty
            assert path.name in {
                "users.jsonl",
                "counts.jsonl",
                "tweets_compliance.jsonl",
                "users_compliance.jsonl",
                "lists.jsonl",
                "empty.json",
            }, (path.name, str(exc))
            continue
        filtered = sum(summary.filtered.values())
        assert summary.read == summary.kept + filtered + summary.quarantined, path.name
        assert pq.read_metadata(out).num_rows == summary.kept
        read_files += 1
    assert read_files >= 20


# --- CrisisLexT26 ------------------------------------------------------------------------


def _crisislex(shared_data: Path, event: str) -> Path:
    folder = shared_data / "crisislex" / "CrisisLexT26" / event
    return next(folder.glob("*-tweets_labeled.csv"))


@pytest.mark.realdata
def test_crisislex_rt_texts_are_retweets(shared_data: Path) -> None:
    path = _crisislex(shared_data, "2012_Colorado_wildfires")
    with open(path, encoding="utf-8", newline="") as handle:
        texts = [row[1] for row in list(csv.reader(handle))[1:]]
    starts_rt = sum(t.lstrip().startswith("RT @") for t in texts)
    assert starts_rt > 100
    table, summary = read_posts([path], IngestOptions(dedupe=False))
    assert summary.filtered["retweet"] == starts_rt
    assert table.num_rows == len(texts) - starts_rt
    everything, _ = read_posts([path], KEEP_ALL)
    first = next(r for r in everything.to_pylist() if r["text"].startswith("RT @"))
    handle = first["text"][4:].split(":")[0].split()[0]
    assert first["retweeted_author_handle"] == handle


@pytest.mark.realdata
def test_crisislex_html_entities_are_decoded(shared_data: Path) -> None:
    path = _crisislex(shared_data, "2012_Colorado_wildfires")
    raw = path.read_text(encoding="utf-8")
    assert "&amp;" in raw
    table, _ = read_posts([path], KEEP_ALL)
    texts = table["text"].to_pylist()
    # Escapes are undone once, as the APIs applied them once; a text escaped twice
    # by its client (``&amp;amp;``) keeps one level, as the v1.1 and v2 readers do.
    twice = raw.count("&amp;amp;") + raw.count("&amp;lt;") + raw.count("&amp;gt;")
    left = sum(t.count("&amp;") + t.count("&lt;") + t.count("&gt;") for t in texts)
    assert left == twice < 5
    assert sum(t.count("&") for t in texts) >= raw.count("&amp;")


@pytest.mark.realdata
def test_crisislex_without_times_warns(shared_data: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _crisislex(shared_data, "2013_Boston_bombings")
    with caplog.at_level(logging.WARNING, logger="crowdpulse.io.csvfile"):
        _, summary = read_posts([path], KEEP_ALL)
    assert any("no post has a time" in r.getMessage() for r in caplog.records)
    assert summary.files[0]["without_time"] == 1000
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="crowdpulse.io.csvfile"):
        read_posts([_crisislex(shared_data, "2013_Lac_Megantic_train_crash")], KEEP_ALL)
    assert not any("no post has a time" in r.getMessage() for r in caplog.records)
