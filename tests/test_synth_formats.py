"""Written files: well-formed in each layout, byte-reproducible, and the truth equals a recount.

The recounts parse the files with orjson / csv / pandas here, independently of
crowdpulse's readers and of the generator's in-memory bookkeeping.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import hashlib
import io
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import emoji
import orjson
import pandas as pd
import pyarrow.parquet as pq
import pytest
import zstandard

from crowdpulse.synth import CSV_COLUMNS, SynthConfig, generate, synthesize, write_corpus
from crowdpulse.synth.sheet import read_sheet

N = 3000
SEED = 21


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The same corpus in the three layouts, with truth files and the per-post truth."""
    folder = tmp_path_factory.mktemp("synth")
    out = {}
    for fmt, name in (("v1", "posts.jsonl"), ("v2", "pages.jsonl"), ("csv", "posts.csv")):
        truth = synthesize(
            SynthConfig(seed=SEED, posts=N),
            folder / name,
            fmt=fmt,
            truth_path=folder / f"truth_{fmt}.json",
            event_path=folder / f"event_{fmt}.toml",
            truth_posts_path=folder / f"posts_{fmt}.parquet",
        )
        out[fmt] = (folder / name, truth)
    out["folder"] = folder
    return out


# --------------------------------------------------------------------- recount helpers


def _label_finals(truth):
    return {r.hashtag: r.final for r in read_sheet(truth["solidarity"]["sheet"]).rows}


def _recount(posts, truth, true_country):
    """Apply the default filters and count classes and emojis, from parsed posts.

    ``posts``: dicts with id, text (full), lang, is_retweet, hashtags (lower), created_at.
    """
    finals = _label_finals(truth)
    affected = set(truth["geo"]["affected_countries"])
    seen_text, seen_id = set(), set()
    filtered = Counter()
    kept = []
    for p in posts:
        if p["is_retweet"]:
            filtered["retweet"] += 1
        elif p["lang"] != "en":
            filtered["lang"] += 1
        elif p["text"] in seen_text:
            filtered["duplicate_text"] += 1
        elif p["id"] in seen_id:
            filtered["duplicate_id"] += 1
        else:
            seen_text.add(p["text"])
            seen_id.add(p["id"])
            kept.append(p)
    classes = Counter()
    emojis = {"solidarity": Counter(), "not solidarity": Counter()}
    region = {"inside": Counter(), "outside": Counter(), "unknown": Counter()}
    for p in kept:
        labels = {finals.get(h) for h in p["hashtags"]}
        sol, nos = "solidarity" in labels, "no solidarity" in labels
        cls = (
            "conflicting"
            if sol and nos
            else "solidarity"
            if sol
            else "not solidarity"
            if nos
            else "unlabelled"
        )
        classes[cls] += 1
        found = [m["emoji"] for m in emoji.emoji_list(p["text"])]
        if cls in emojis:
            emojis[cls].update(found)
        if cls == "solidarity":
            c = true_country[p["id"]]
            region["unknown" if c is None else "inside" if c in affected else "outside"].update(
                found
            )
    return kept, filtered, classes, emojis, region


def _check_against_truth(posts, truth, true_country):
    kept, filtered, classes, emojis, region = _recount(posts, truth, true_country)
    ing = truth["ingest"]
    assert len(kept) == ing["kept"]
    for reason in ("retweet", "lang", "duplicate_text", "duplicate_id"):
        assert filtered[reason] == ing["filtered"][reason], reason
    assert {k: classes.get(k, 0) for k in truth["solidarity"]["counts"]} == truth["solidarity"][
        "counts"
    ]
    for cls, counter in emojis.items():
        expected = truth["solidarity"]["emojis"][cls]
        assert sum(counter.values()) == expected["total"]
        assert dict(counter) == expected["counts"]
        assert [c for _, c in expected["top10"]] == sorted(counter.values(), reverse=True)[:10]
    for g, counter in region.items():
        assert dict(counter) == truth["geo"]["solidarity_emojis_by_region"][g]["counts"]
    return kept


def _true_country(path):
    table = pq.read_table(path, columns=["id", "true_country"]).to_pylist()
    return {r["id"]: r["true_country"] for r in table}


def _bucket(created: datetime, truth) -> int:
    start = datetime.fromisoformat(truth["start"].replace("Z", "+00:00"))
    return int((created - start).total_seconds() // 1800)


# --------------------------------------------------------------------- v1


def _parse_v1(path):
    posts, mentions = [], []
    for line in Path(path).read_bytes().splitlines():
        obj = orjson.loads(line)
        assert isinstance(obj["id"], int) and obj["id_str"] == str(obj["id"])
        datetime.strptime(obj["created_at"], "%a %b %d %H:%M:%S %z %Y")
        for key in ("text", "truncated", "entities", "user", "lang", "is_quote_status",
                    "in_reply_to_status_id_str", "in_reply_to_user_id_str",
                    "in_reply_to_screen_name", "coordinates", "place"):  # fmt: skip
            assert key in obj, key
        assert len(obj["text"]) <= 140
        rs = obj.get("retweeted_status")
        if rs is not None:
            src_text = rs["extended_tweet"]["full_text"] if rs.get("truncated") else rs["text"]
            text = f"RT @{rs['user']['screen_name']}: {src_text}"
            ents = obj["entities"]
        elif obj["truncated"]:
            text = obj["extended_tweet"]["full_text"]
            ents = obj["extended_tweet"]["entities"]
            assert obj["text"].endswith(obj["entities"]["urls"][-1]["url"])
        else:
            text = obj["text"]
            ents = obj["entities"]
        for h in ents["hashtags"]:
            s, e = h["indices"]
            if rs is None:
                assert text[s:e] == "#" + h["text"]
        if obj["is_quote_status"]:
            assert obj["quoted_status"]["id_str"] == obj["quoted_status_id_str"]
        if obj["coordinates"] is not None:
            lon, lat = obj["coordinates"]["coordinates"]
            assert -180 <= lon <= 180 and -90 <= lat <= 90
            assert obj["geo"]["coordinates"] == [lat, lon]
        if obj["place"] is not None:
            assert len(obj["place"]["country_code"]) == 2
        created = datetime.strptime(obj["created_at"], "%a %b %d %H:%M:%S %z %Y")
        if rs is None:
            tag_source = ents
        else:
            tag_source = rs["extended_tweet"]["entities"] if rs.get("truncated") else rs["entities"]
        posts.append({
            "id": obj["id_str"],
            "text": text,
            "lang": obj["lang"],
            "is_retweet": rs is not None,
            "hashtags": [h["text"].lower() for h in tag_source["hashtags"]],
            "created_at": created,
        })  # fmt: skip
        mentions.append({m["screen_name"].lower() for m in obj["entities"]["user_mentions"]} if rs
                        else {m["screen_name"].lower() for m in ents["user_mentions"]})  # fmt: skip
    return posts, mentions


def test_v1_lines_parse_and_recount_equals_truth(written):
    path, truth = written["v1"]
    posts, mentions = _parse_v1(path)
    assert len(posts) == truth["totals"]["posts"] == truth["totals"]["lines"] == N
    assert path.stat().st_size == truth["totals"]["bytes"]
    langs = Counter(p["lang"] for p in posts)
    assert dict(langs) == truth["totals"]["by_lang"]
    assert sum(p["is_retweet"] for p in posts) == truth["totals"]["retweets"]
    _check_against_truth(posts, truth, _true_country(written["folder"] / "posts_v1.parquet"))

    # the firestorm, recounted from the mention entities
    fs = truth["firestorm"]
    target = fs["target"][1:]
    per_bucket = [Counter() for _ in range(fs["buckets"])]
    for p, users in zip(posts, mentions, strict=True):
        per_bucket[_bucket(p["created_at"], truth)].update(users)
    assert [c[target] for c in per_bucket] == fs["target_mentions_per_bucket"]
    first = next(
        b
        for b, c in enumerate(per_bucket)
        if c[target] and all(v < c[target] for u, v in c.items() if u != target)
    )
    assert first == fs["first_top_bucket"]


def test_v1_extended_and_retweet_layout(written):
    path, _ = written["v1"]
    kinds = Counter()
    for line in path.read_bytes().splitlines():
        obj = orjson.loads(line)
        if obj["truncated"]:
            kinds["extended"] += 1
            assert len(obj["extended_tweet"]["full_text"]) > 140
            assert obj["extended_tweet"]["full_text"].startswith(obj["text"][:100])
        if "retweeted_status" in obj:
            kinds["retweet"] += 1
            rs = obj["retweeted_status"]
            assert obj["text"].startswith(f"RT @{rs['user']['screen_name']}: ")
            assert obj["entities"]["user_mentions"][0]["screen_name"] == rs["user"]["screen_name"]
            assert obj["lang"] == rs["lang"]
        if obj["in_reply_to_status_id_str"]:
            kinds["reply"] += 1
            assert obj["in_reply_to_screen_name"]
        if obj["is_quote_status"]:
            kinds["quote"] += 1
    assert min(kinds.values()) > 0 and len(kinds) == 4


# --------------------------------------------------------------------- v2


def _parse_v2(path):
    posts = []
    pages = 0
    for line in Path(path).read_bytes().splitlines():
        page = orjson.loads(line)
        pages += 1
        assert set(page) == {"data", "includes", "meta", "__twarc"}
        assert page["meta"]["result_count"] == len(page["data"])
        users = {u["id"]: u for u in page["includes"]["users"]}
        tweets = {t["id"]: t for t in page["includes"].get("tweets", [])}
        places = {p["id"] for p in page["includes"].get("places", [])}
        for t in page["data"]:
            assert t["created_at"].endswith("Z") and "." in t["created_at"]
            assert t["author_id"] in users
            refs = {r["type"]: r["id"] for r in t.get("referenced_tweets", [])}
            for ref in refs.values():
                assert ref in tweets
            if "geo" in t and "place_id" in t["geo"]:
                assert t["geo"]["place_id"] in places
            if "in_reply_to_user_id" in t:
                assert "replied_to" in refs
            note = t.get("note_tweet")
            if note:
                assert len(note["text"]) > 280 and len(t["text"]) <= 280
            own = note or t
            text = own["text"]
            for h in own.get("entities", {}).get("hashtags", []):
                assert text[h["start"] : h["end"]] == "#" + h["tag"]
            for m in own.get("entities", {}).get("mentions", []):
                assert text[m["start"] : m["end"]] == "@" + m["username"]
            if "retweeted" in refs:
                src = tweets[refs["retweeted"]]
                src_text = src.get("note_tweet", src)["text"]
                text = f"RT @{users[src['author_id']]['username']}: {src_text}"
                tags = src.get("note_tweet", src).get("entities", {}).get("hashtags", [])
            else:
                tags = own.get("entities", {}).get("hashtags", [])
            posts.append({
                "id": t["id"], "text": text, "lang": t["lang"], "is_retweet": "retweeted" in refs,
                "hashtags": [h["tag"].lower() for h in tags],
                "created_at": datetime.fromisoformat(t["created_at"].replace("Z", "+00:00")),
            })  # fmt: skip
    return posts, pages


def test_v2_pages_and_recount_equals_truth(written):
    path, truth = written["v2"]
    posts, pages = _parse_v2(path)
    assert len(posts) == N and pages == truth["totals"]["pages"] == -(-N // 100)
    _check_against_truth(posts, truth, _true_country(written["folder"] / "posts_v2.parquet"))


def test_same_corpus_in_every_layout(written):
    ids = {}
    for fmt in ("v1", "v2", "csv"):
        table = pq.read_table(written["folder"] / f"posts_{fmt}.parquet")
        ids[fmt] = table.column("id").to_pylist()
        truth = written[fmt][1]
        for key in ("kept", "filtered"):
            assert truth["ingest"][key] == written["v1"][1]["ingest"][key]
        assert truth["solidarity"] == {
            **written["v1"][1]["solidarity"],
            "sheet": truth["solidarity"]["sheet"],
        }
    assert ids["v1"] == ids["v2"] == ids["csv"]


# --------------------------------------------------------------------- csv


def test_csv_parses_with_csv_and_pandas_and_recount_equals_truth(written):
    path, truth = written["csv"]
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == N and tuple(rows[0]) == CSV_COLUMNS
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(frame) == N and list(frame.columns) == list(CSV_COLUMNS)
    assert frame["text"].tolist() == [r["text"] for r in rows]
    assert any("\n" in t for t in frame["text"]) or any("," in t for t in frame["text"])
    posts = []
    for r in rows:
        tags = json.loads(r["entities.hashtags"]) if r["entities.hashtags"] else []
        for h in tags:
            assert set(h) == {"start", "end", "tag"}
        for m in json.loads(r["entities.mentions"]) if r["entities.mentions"] else []:
            assert set(m) == {"start", "end", "username", "id"}
        if r["geo.coordinates.coordinates"]:
            lon, lat = json.loads(r["geo.coordinates.coordinates"])
            assert -180 <= lon <= 180 and -90 <= lat <= 90
        posts.append({
            "id": r["id"], "text": r["text"], "lang": r["lang"],
            "is_retweet": bool(r["referenced_tweets.retweeted.id"]),
            "hashtags": [h["tag"].lower() for h in tags],
        })  # fmt: skip
    # retweet rows carry the cut text; the recount needs only the kept (non-retweet) ones
    _check_against_truth(posts, truth, _true_country(written["folder"] / "posts_csv.parquet"))


# --------------------------------------------------------------------- bytes


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("fmt", ["v1", "v2", "csv"])
def test_same_seed_same_bytes(tmp_path, fmt):
    result = generate(SynthConfig(seed=4, posts=400, noise=True))
    again = generate(SynthConfig(seed=4, posts=400, noise=True))
    other = generate(SynthConfig(seed=5, posts=400, noise=True))
    write_corpus(result, tmp_path / "a", fmt=fmt)
    write_corpus(again, tmp_path / "b", fmt=fmt)
    write_corpus(other, tmp_path / "c", fmt=fmt)
    assert _sha(tmp_path / "a") == _sha(tmp_path / "b")
    assert _sha(tmp_path / "a") != _sha(tmp_path / "c")


@pytest.mark.parametrize(
    ("suffix", "opener"),
    [
        (".gz", gzip.decompress),
        (".bz2", bz2.decompress),
        (".zst", lambda data: zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()),
    ],
)
def test_compressed_by_suffix_and_reproducible(tmp_path, suffix, opener):
    result = generate(SynthConfig(seed=8, posts=300))
    plain = tmp_path / "plain.jsonl"
    write_corpus(result, plain, fmt="v1")
    packed = tmp_path / f"posts.jsonl{suffix}"
    report = write_corpus(result, packed, fmt="v1")
    assert opener(packed.read_bytes()) == plain.read_bytes()
    assert report.bytes == plain.stat().st_size
    again = tmp_path / f"again.jsonl{suffix}"
    write_corpus(result, again, fmt="v1")
    assert again.read_bytes() == packed.read_bytes()
