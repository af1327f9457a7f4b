"""Readers of Bluesky, Mastodon, Reddit and Telegram, checked against the real samples.

Every sample in ../shared/data/platforms must ingest with exact accounting, and the
fields of the corpus are compared with the raw files (read here with the standard
``json`` module, independently of the readers).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crowdpulse.io import IngestOptions, ingest, read_corpus, read_posts, sniff
from crowdpulse.io.mastodon import html_to_text
from crowdpulse.io.reddit import reddit_mentions
from crowdpulse.io.telegram import message_text

pytestmark = pytest.mark.realdata

KEEP_ALL = IngestOptions(keep_retweets=True, dedupe=False)

# file -> (format, read, kept, filtered by reason); quarantined is 0 for all.
EXPECTED: dict[str, tuple[str, int, int, dict[str, int]]] = {
    "bluesky/jetstream_v1_capture.jsonl": (
        "bluesky-jetstream",
        152,
        32,
        {
            "like_notice": 105,
            "follow_notice": 9,
            "block_notice": 1,
            "status_notice": 1,
            "other_lexicon_notice": 1,
            "delete_notice": 1,
            "identity_notice": 1,
            "account_notice": 1,
        },
    ),
    "bluesky/jetstream_v1_golden.jsonl": (
        "bluesky-jetstream",
        10,
        2,
        {
            "like_notice": 1,
            "follow_notice": 1,
            "block_notice": 1,
            "profile_notice": 1,
            "other_lexicon_notice": 2,
            "identity_notice": 1,
            "account_notice": 1,
        },
    ),
    "bluesky/appview_searchPosts.json": ("bluesky-appview", 100, 100, {}),
    "bluesky/appview_getAuthorFeed.json": ("bluesky-appview", 25, 25, {}),
    "bluesky/appview_getPostThread.json": ("bluesky-appview", 4, 4, {}),
    "mastodon/api_v1_public_timeline_2017_mastodon4j.json": ("mastodon", 20, 20, {}),
    "mastodon/api_v1_tag_timeline_2017_mastodon4j.json": ("mastodon", 20, 20, {}),
    "mastodon/public_timeline_2023_mastodonpy_dump.json": ("mastodon", 40, 40, {}),
    "mastodon/api_v1_public_timeline_localhost_mastodonpy.json": ("mastodon", 20, 20, {}),
    "mastodon/api_v1_reblog_response_localhost_mastodonpy.json": ("mastodon", 1, 1, {}),
    "reddit/RC_2017-10_first100.ndjson": ("reddit", 100, 100, {}),
    "reddit/pushshift_api_submission_search_2021.json": ("reddit", 25, 25, {}),
    "telegram/tdesktop_result_channel_tg2md.json": ("telegram", 19, 18, {"service_notice": 1}),
    "telegram/tdesktop_result_personal_chat_FIXTURE.json": (
        "telegram",
        87,
        25,
        {"service_notice": 61, "unsupported_notice": 1},
    ),
    "telegram/tdesktop_result_group_FIXTURE.json": (
        "telegram",
        45,
        23,
        {"service_notice": 21, "unsupported_notice": 1},
    ),
}

PLATFORM = {
    "bluesky": "bluesky",
    "mastodon": "mastodon",
    "reddit": "reddit",
    "telegram": "telegram",
}


@pytest.fixture(scope="module")
def platforms(shared_data: Path) -> Path:
    folder = shared_data / "platforms"
    if not folder.is_dir():
        pytest.skip(f"platform samples not found at {folder}")
    return folder


def _rows(path: Path) -> list[dict[str, Any]]:
    table, summary = read_posts([path], KEEP_ALL)
    assert summary.read == summary.kept + sum(summary.filtered.values()) + summary.quarantined
    return table.to_pylist()


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def test_every_sample_is_listed(platforms: Path) -> None:
    found = {str(p.relative_to(platforms)) for p in platforms.rglob("*") if p.suffix != ".md"} - {
        p for p in map(str, (q.relative_to(platforms) for q in platforms.iterdir()))
    }
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_ingests_with_exact_accounting(platforms: Path, name: str, tmp_path: Path) -> None:
    fmt, read, kept, filtered = EXPECTED[name]
    assert sniff(platforms / name).format == fmt
    summary = ingest([platforms / name], tmp_path / "c.parquet", options=KEEP_ALL, quiet=True)
    assert (summary.read, summary.kept, dict(summary.filtered), summary.quarantined) == (
        read,
        kept,
        filtered,
        0,
    )
    assert summary.files[0]["format"] == fmt
    table = read_corpus(tmp_path / "c.parquet")
    assert table.num_rows == kept
    assert set(table.column("platform").to_pylist()) == {PLATFORM[name.split("/")[0]]}
    assert set(table.column("source_format").to_pylist()) == {fmt}


# -- Bluesky ------------------------------------------------------------------------


def _lang(record: dict[str, Any]) -> str | None:
    langs = record.get("langs") or [None]
    return langs[0].split("-")[0].lower() if langs[0] else None


def _facet_handles(record: dict[str, Any]) -> list[str]:
    data = record.get("text", "").encode("utf-8")
    out = []
    for facet in sorted(record.get("facets", []), key=lambda f: f["index"]["byteStart"]):
        for feature in facet["features"]:
            if feature["$type"].endswith("#mention"):
                piece = data[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode()
                # a few clients cover " (@handle)": the handle is what follows the @
                out.append(re.findall(r"@([a-z0-9.-]*[a-z0-9])", piece.lower())[0])
    return out


def test_jetstream_posts_match_raw_events(platforms: Path) -> None:
    events = _jsonl(platforms / "bluesky/jetstream_v1_capture.jsonl")
    rows = {r["id"]: r for r in _rows(platforms / "bluesky/jetstream_v1_capture.jsonl")}
    posts = reposts = 0
    for event in events:
        commit = event.get("commit", {})
        if commit.get("operation") != "create":
            continue
        uri = f"at://{event['did']}/{commit['collection']}/{commit['rkey']}"
        record = commit["record"]
        if commit["collection"] == "app.bsky.feed.post":
            posts += 1
            row = rows[uri]
            assert row["author_id"] == event["did"]
            assert row["author_handle"] is None  # Jetstream has no handles
            assert row["text"] == record.get("text", "")
            assert row["lang"] == _lang(record)
            assert row["mention_handles"] == _facet_handles(record)
            parent = record.get("reply", {}).get("parent", {}).get("uri")
            assert row["reply_to_id"] == parent
            if parent:
                assert row["reply_to_author_id"] == parent.split("/")[2]
        elif commit["collection"] == "app.bsky.feed.repost":
            reposts += 1
            assert rows[uri]["retweeted_id"] == record["subject"]["uri"]
            assert rows[uri]["retweeted_author_id"] == record["subject"]["uri"].split("/")[2]
    assert (posts, reposts) == (17, 15)
    assert len(rows) == posts + reposts


def test_bluesky_facets_are_byte_offsets(platforms: Path) -> None:
    raw = json.loads((platforms / "bluesky/appview_searchPosts.json").read_text("utf-8"))
    rows = {r["id"]: r for r in _rows(platforms / "bluesky/appview_searchPosts.json")}
    differs = 0
    for view in raw["posts"]:
        record = view["record"]
        row = rows[view["uri"]]
        expected = _facet_handles(record)
        assert row["mention_handles"] == expected
        assert row["mention_ids"] == [
            f["did"]
            for facet in sorted(record.get("facets", []), key=lambda f: f["index"]["byteStart"])
            for f in facet["features"]
            if f["$type"].endswith("#mention")
        ]
        text = record.get("text", "")
        for facet in record.get("facets", []):
            start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
            if text[start:end] != text.encode("utf-8")[start:end].decode("utf-8", "replace"):
                differs += 1
        assert row["author_handle"] == view["author"]["handle"]
        assert row["text"] == text
        assert row["lang"] == _lang(record)
    assert differs == 73  # the README's count: character slicing would be wrong here
    assert sum(r["lang"] is None for r in rows.values()) == 34
    # quotes: the hydrated view gives the quoted author's handle
    quotes = [r for r in rows.values() if r["quoted_id"]]
    assert quotes and all(r["quoted_author_id"] == r["quoted_id"].split("/")[2] for r in quotes)
    assert all(r["quoted_author_handle"] for r in quotes)


def test_bluesky_times_are_utc_whatever_the_shape(platforms: Path) -> None:
    from datetime import datetime

    raw = json.loads((platforms / "bluesky/appview_searchPosts.json").read_text("utf-8"))
    rows = {r["id"]: r for r in _rows(platforms / "bluesky/appview_searchPosts.json")}
    for view in raw["posts"]:
        stamp = view["record"]["createdAt"].replace("Z", "+00:00")
        assert rows[view["uri"]]["created_at"] == datetime.fromisoformat(stamp)


def test_author_feed_reposts_and_replies(platforms: Path) -> None:
    raw = json.loads((platforms / "bluesky/appview_getAuthorFeed.json").read_text("utf-8"))
    rows = _rows(platforms / "bluesky/appview_getAuthorFeed.json")
    assert len(rows) == len(raw["feed"])
    for item, row in zip(raw["feed"], rows, strict=True):
        post = item["post"]
        if "reason" in item:
            assert row["id"] == item["reason"]["uri"]
            assert row["author_handle"] == item["reason"]["by"]["handle"] == "andrew.heiss.phd"
            assert row["retweeted_id"] == post["uri"]
            assert row["retweeted_author_handle"] == post["author"]["handle"]
        else:
            assert row["id"] == post["uri"] and row["retweeted_id"] is None
        if "reply" in item and "reason" not in item:
            assert row["reply_to_id"] == post["record"]["reply"]["parent"]["uri"]
            assert row["reply_to_author_handle"] == item["reply"]["parent"]["author"]["handle"]
    assert sum(r["retweeted_id"] is not None for r in rows) == 10
    assert sum("reply" in item for item in raw["feed"]) == 9  # one of them is reposted
    assert sum(r["reply_to_id"] is not None for r in rows) == sum(
        "reply" in item and "reason" not in item for item in raw["feed"]
    )


def test_thread_replies_point_at_their_parent(platforms: Path) -> None:
    rows = _rows(platforms / "bluesky/appview_getPostThread.json")
    root = rows[0]
    assert root["reply_to_id"] is None
    for reply in rows[1:]:
        assert reply["reply_to_id"] is not None
        parent = next(r for r in rows if r["id"] == reply["reply_to_id"])
        assert reply["reply_to_author_handle"] == parent["author_handle"]


# -- Mastodon -----------------------------------------------------------------------

MASTODON = [name for name in EXPECTED if name.startswith("mastodon/")]


def _statuses(path: Path) -> list[dict[str, Any]]:
    value = json.loads(path.read_text("utf-8"))  # json keeps big integers exact
    return value if isinstance(value, list) else [value]


def _acct(account: dict[str, Any]) -> str:
    acct = account["acct"]
    return acct if "@" in acct else f"{acct}@{account['url'].split('/')[2]}"


@pytest.mark.parametrize("name", MASTODON)
def test_mastodon_fields_match_raw(platforms: Path, name: str) -> None:
    statuses = _statuses(platforms / name)
    rows = _rows(platforms / name)
    assert len(rows) == len(statuses)
    for status, row in zip(statuses, rows, strict=True):
        assert row["id"] == str(status["id"])  # exact, also above 2**53
        assert row["author_id"] == str(status["account"]["id"])
        assert row["author_handle"] == _acct(status["account"])
        shown = status["reblog"] or status
        assert row["lang"] == shown.get("language")
        assert row["mention_handles"] == [_acct(m).lower() for m in shown.get("mentions", [])]
        assert row["hashtags"] == [t["name"].lower() for t in shown.get("tags", [])]
        assert "<" not in row["text"] or "<" in html.unescape(shown["content"])
        if status["reblog"]:
            assert row["retweeted_id"] == str(status["reblog"]["id"])
            assert row["retweeted_author_handle"] == _acct(status["reblog"]["account"])
            assert row["text"] == "Toot!"
        else:
            assert row["retweeted_id"] is None
            reply = status.get("in_reply_to_id")
            assert row["reply_to_id"] == (str(reply) if reply is not None else None)


def test_mastodon_ids_above_2_53_are_exact(platforms: Path) -> None:
    name = "mastodon/public_timeline_2023_mastodonpy_dump.json"
    statuses = _statuses(platforms / name)
    big = [s["id"] for s in statuses if isinstance(s["id"], int) and s["id"] > 2**53]
    assert big and {str(i) for i in big} <= {r["id"] for r in _rows(platforms / name)}


def test_mastodon_html_to_text() -> None:
    content = (
        '<p>Hi <a href="https://x.org/abcdef" rel="nofollow"><span class="invisible">'
        'https://</span><span class="ellipsis">x.org/a</span><span class="invisible">bcdef'
        '</span></a> &amp; more<br>line2</p><p>two <span class="h-card"><a href="https://m.s/@bob"'
        ' class="u-url mention">@<span>bob</span></a></span> <a href="https://m.s/tags/Tag" '
        'class="mention hashtag" rel="tag">#<span>Tag</span></a> I&#39;m</p>'
    )
    assert html_to_text(content) == (
        "Hi x.org/a & more\nline2\n\ntwo @bob #Tag I'm",
        ["https://x.org/abcdef"],
    )


def test_mastodon_replies_get_the_parent_handle(platforms: Path) -> None:
    name = "mastodon/api_v1_tag_timeline_2017_mastodon4j.json"
    rows = _rows(platforms / name)
    replies = [r for r in rows if r["reply_to_id"]]
    assert len(replies) == 8
    named = [r for r in replies if r["reply_to_author_handle"]]
    assert named and all("@" in r["reply_to_author_handle"] for r in named)


# -- Reddit -------------------------------------------------------------------------


def test_reddit_comments_match_raw(platforms: Path) -> None:
    comments = _jsonl(platforms / "reddit/RC_2017-10_first100.ndjson")
    rows = _rows(platforms / "reddit/RC_2017-10_first100.ndjson")
    authors = {}
    for comment, row in zip(comments, rows, strict=True):
        assert row["id"] == "t1_" + comment["id"]
        assert row["reply_to_id"] == comment["parent_id"]
        deleted = comment["author"] == "[deleted]"
        assert row["author_handle"] == (None if deleted else comment["author"])
        body = comment["body"]
        expected = "" if body in ("[deleted]", "[removed]") else html.unescape(body)
        assert row["text"] == expected
        assert row["mention_handles"] == reddit_mentions(expected)
        assert row["created_at"].timestamp() == comment["created_utc"]
        assert row["lang"] is None
        parent = comment["parent_id"]
        assert row["reply_to_author_handle"] == authors.get(parent)
        authors[row["id"]] = row["author_handle"]
    assert sum(r["author_handle"] is None for r in rows) == 5
    assert sum(r["reply_to_id"].startswith("t3_") for r in rows) == 42
    assert sum(r["reply_to_id"].startswith("t1_") for r in rows) == 58
    assert sum("&gt;" in c["body"] or "&amp;" in c["body"] for c in comments) == 10
    assert not any("&gt;" in r["text"] for r in rows)


def test_reddit_submissions_match_raw(platforms: Path) -> None:
    raw = json.loads(
        (platforms / "reddit/pushshift_api_submission_search_2021.json").read_text("utf-8")
    )["data"]
    rows = _rows(platforms / "reddit/pushshift_api_submission_search_2021.json")
    for item, row in zip(raw, rows, strict=True):
        assert row["id"] == "t3_" + item["id"]
        assert row["text"].startswith(html.unescape(item["title"]))
        assert "[removed]" not in row["text"]
        assert row["author_handle"] == (None if item["author"] == "[deleted]" else item["author"])
        assert row["reply_to_id"] is None


def test_reddit_mentions_and_time_types() -> None:
    assert reddit_mentions("thanks u/Alice_1 and /u/bob-2, not au/x or r/sub") == [
        "alice_1",
        "bob-2",
    ]
    from crowdpulse.io.reddit import RedditReader

    reader = RedditReader("x")
    for stamp in ("1192450643", 1192450643, 1192450643.0):
        post = reader.convert(
            {"id": "a", "subreddit": "s", "author": "u", "created_utc": stamp, "body": "b"}
        )
        assert post["created_at"].timestamp() == 1192450643


# -- Telegram -----------------------------------------------------------------------

TELEGRAM = [name for name in EXPECTED if name.startswith("telegram/")]


@pytest.mark.parametrize("name", TELEGRAM)
def test_telegram_fields_match_raw(platforms: Path, name: str) -> None:
    chat = json.loads((platforms / name).read_text("utf-8"))
    messages = [m for m in chat["messages"] if m.get("type") == "message"]
    rows = _rows(platforms / name)
    assert len(rows) == len(messages)
    by_id = {m["id"]: m for m in messages}
    for message, row in zip(messages, rows, strict=True):
        assert row["id"] == f"{chat['id']}/{message['id']}"
        text = message["text"]
        joined = (
            text
            if isinstance(text, str)
            else "".join(p if isinstance(p, str) else p["text"] for p in text)
        )
        assert row["text"] == joined
        assert row["author_id"] == message.get("from_id")
        assert row["author_handle"] == message.get("from")
        if "reply_to_message_id" in message:
            parent = message["reply_to_message_id"]
            assert row["reply_to_id"] == f"{chat['id']}/{parent}"
            assert row["reply_to_author_id"] == by_id.get(parent, {}).get("from_id")
        if message.get("forwarded_from"):
            assert row["retweeted_author_handle"] == message["forwarded_from"]
            assert row["retweeted_id"].startswith("forward:")
        else:
            assert row["retweeted_id"] is None
        if "date_unixtime" in message:
            assert row["created_at"].timestamp() == int(message["date_unixtime"])
    if "channel" in name:  # the real export: 7 of its messages have entity lists
        assert Counter(isinstance(m["text"], list) for m in messages)[True] == 7
    else:  # the current format: entities in text_entities, mentions and links from them
        entities = [e for m in messages for e in m.get("text_entities", [])]
        assert sum(len(r["mention_handles"]) for r in rows) == sum(
            e["type"] in ("mention", "mention_name") for e in entities
        )


def test_telegram_entity_text_is_joined() -> None:
    text, entities = message_text(["a ", {"type": "bold", "text": "b\n\n"}, "c"])
    assert text == "a b\n\nc" and entities == [{"type": "bold", "text": "b\n\n"}]


def test_format_can_be_forced(platforms: Path) -> None:
    name = "mastodon/api_v1_tag_timeline_2017_mastodon4j.json"
    table, summary = read_posts(
        [platforms / name], IngestOptions(input_format="mastodon", keep_retweets=True)
    )
    assert summary.read == 20 and table.num_rows + sum(summary.filtered.values()) == 20


def test_telegram_account_export_and_appview_pages(platforms: Path, tmp_path: Path) -> None:
    """A full-account export (``chats.list``) and AppView responses saved one a line."""
    chat = json.loads((platforms / "telegram/tdesktop_result_channel_tg2md.json").read_text())
    other = dict(chat, id=7, name="other")
    account = tmp_path / "account.json"
    account.write_text(json.dumps({"about": "x", "chats": {"about": "y", "list": [chat, other]}}))
    assert sniff(account).format == "telegram"
    table, summary = read_posts([account], KEEP_ALL)
    assert (summary.read, table.num_rows) == (38, 36)
    assert {i.split("/")[0] for i in table.column("id").to_pylist()} == {str(chat["id"]), "7"}

    search = (platforms / "bluesky/appview_searchPosts.json").read_bytes().strip()
    feed = (platforms / "bluesky/appview_getAuthorFeed.json").read_bytes().strip()
    pages = tmp_path / "pages.jsonl"
    pages.write_bytes(search + b"\n" + feed + b"\n")
    found = sniff(pages)
    assert (found.format, found.document) == ("bluesky-appview", True)
    table, summary = read_posts([pages], KEEP_ALL)
    assert summary.read == table.num_rows == 125


def test_telegram_chat_export_is_streamed_with_file_lines(platforms: Path) -> None:
    path = platforms / "telegram/tdesktop_result_channel_tg2md.json"
    lines = path.read_text("utf-8").splitlines()
    table, _ = read_posts([path], KEEP_ALL)
    for post_id, line in zip(
        table.column("id").to_pylist(), table.column("source_line").to_pylist(), strict=True
    ):
        # the message object opens on its line; its id is on the next
        assert lines[line - 1].strip() == "{"
        assert lines[line].strip() == f'"id": {post_id.split("/")[1]},'


def test_mutated_samples_never_crash_and_always_add_up(platforms: Path, tmp_path: Path) -> None:
    """A short seeded fuzz: byte flips, cuts, inserted values and wrong types in known fields."""
    import random

    from crowdpulse.exceptions import InputError

    rng = random.Random(20261202)
    keys = ["text", "content", "body", "id", "createdAt", "langs", "facets", "mentions"]
    keys += ["account", "from", "date_unixtime", "reply_to_message_id", "reblog", "created_utc"]
    for case in range(120):
        name = rng.choice(sorted(EXPECTED))
        data = bytearray((platforms / name).read_bytes())
        kind = case % 4
        if kind == 0:
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 1:
            data = data[: rng.randrange(len(data))]
        elif kind == 2:
            at = rng.randrange(len(data))
            data[at:at] = rng.choice([b"\n", b"null", b"[", b'{"a":1}', b"1e400", b"\n[]\n"])
        else:
            text = data.decode("utf-8", "replace")
            for key in rng.sample(keys, 4):
                text = text.replace(f'"{key}":', f'"{key}":[1,{{"x":2}}],"zz":', 1)
                text = text.replace(f'"{key}": ', f'"{key}": 123456789012345678901234,"zz": ', 1)
            data = bytearray(text.encode())
        path = tmp_path / f"{case}{Path(name).suffix}"
        path.write_bytes(bytes(data))
        try:
            _, summary = read_posts([path], KEEP_ALL)
        except InputError:
            continue  # a one-line error (broken document, no recognisable record)
        total = summary.kept + sum(summary.filtered.values()) + summary.quarantined
        assert summary.read == total, (case, name)
