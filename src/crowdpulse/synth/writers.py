"""Write a :class:`~crowdpulse.synth.generator.SynthResult` as the real APIs write posts.

Three layouts, matched field by field against the real files in
``shared/data/twitter_v1_sample`` and ``shared/data/twitter_v2_twarc``:

``v1``
    Twitter API v1.1 streaming tweet objects, one JSON object a line
    (``created_at`` like ``Sun Aug 24 20:40:22 +0000 2014``, ``id``/``id_str``,
    ``text`` cut at 140 characters with ``truncated`` and ``extended_tweet`` for
    longer texts, ``entities``, ``user``, ``retweeted_status``, ``quoted_status``,
    reply fields, GeoJSON ``coordinates`` and ``place``).
``v2``
    API v2 response pages as twarc2 writes them, one page a line: ``data`` (up to
    ``page_size`` tweets), ``includes`` (``users``, referenced ``tweets``,
    ``places``), ``meta`` and ``__twarc``; ``note_tweet`` for texts over 280.
``csv``
    The table twarc-csv writes from such pages (a header row, dotted column
    names, entity lists as JSON), quoted by the csv module.

Every layout is written in time order (a corpus streamed in chunks by
:class:`CorpusWriter`: within each chunk). The output is compressed by its suffix
(``.gz``, ``.bz2``, ``.zst``) and ``-`` means standard output. With noise on,
malformed lines and records are planted at seeded positions and counted exactly.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import hashlib
import io
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import orjson

from crowdpulse.exceptions import ConfigError
from crowdpulse.io.atomic import atomic_path
from crowdpulse.progress import progress
from crowdpulse.synth.generator import SynthResult, paused_gc
from crowdpulse.synth.population import LOCATIONS, StrColumn, country_name

__all__ = [
    "CSV_COLUMNS",
    "CorpusWriter",
    "SynthFormat",
    "WriteReport",
    "open_output",
    "reader_entities",
    "write_corpus",
]

SynthFormat = Literal["v1", "v2", "csv"]
FORMATS: tuple[str, ...] = ("v1", "v2", "csv")

#: API v1.1 cuts texts at this many characters (``truncated`` / ``extended_tweet``).
V1_LIMIT = 140
#: API v2 moves texts longer than this into ``note_tweet``.
V2_LIMIT = 280
_TCO_LEN = 23

_SOURCES = (
    "Twitter for iPhone", "Twitter for Android", "Twitter Web App", "TweetDeck",
    "Twitter for iPad", "Instagram",
)  # fmt: skip
_SOURCE_HTML = {
    "Twitter for iPhone": "http://twitter.com/download/iphone",
    "Twitter for Android": "http://twitter.com/download/android",
    "Twitter Web App": "https://mobile.twitter.com",
    "TweetDeck": "https://about.twitter.com/products/tweetdeck",
    "Twitter for iPad": "http://twitter.com/#!/download/ipad",
    "Instagram": "http://instagram.com",
}
_NOTHING: dict[str, Any] = {}
_SOURCE_TAGS = tuple(f'<a href="{_SOURCE_HTML[x]}" rel="nofollow">{x}</a>' for x in _SOURCES)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Columns of the ``csv`` layout (those of twarc-csv that the corpus fills).
CSV_COLUMNS: tuple[str, ...] = (
    "id", "conversation_id", "referenced_tweets.replied_to.id", "referenced_tweets.retweeted.id",
    "referenced_tweets.quoted.id", "author_id", "in_reply_to_user_id", "in_reply_to_username",
    "retweeted_user_id", "retweeted_username", "quoted_user_id", "quoted_username",
    "created_at", "text", "lang", "source", "public_metrics.impression_count",
    "public_metrics.reply_count", "public_metrics.retweet_count", "public_metrics.quote_count",
    "public_metrics.like_count", "reply_settings", "edit_history_tweet_ids", "possibly_sensitive",
    "entities.annotations", "entities.cashtags", "entities.hashtags", "entities.mentions",
    "entities.urls", "author.id", "author.created_at", "author.username", "author.name",
    "author.description", "author.location", "author.protected",
    "author.public_metrics.followers_count", "author.public_metrics.following_count",
    "author.public_metrics.listed_count", "author.public_metrics.tweet_count", "author.verified",
    "geo.coordinates.coordinates", "geo.coordinates.type", "geo.country", "geo.country_code",
    "geo.full_name", "geo.id", "geo.name", "geo.place_id", "geo.place_type",
    "__twarc.retrieved_at", "__twarc.url", "__twarc.version",
)  # fmt: skip

_TWARC_VERSION = "2.14.0"
_TWARC_URL = (
    "https://api.twitter.com/2/tweets/search/all?expansions=author_id%2Cin_reply_to_user_id"
    "%2Creferenced_tweets.id%2Creferenced_tweets.id.author_id%2Centities.mentions.username"
    "%2Cgeo.place_id&tweet.fields=author_id%2Cconversation_id%2Ccreated_at%2Centities%2Cgeo"
    "%2Cid%2Cin_reply_to_user_id%2Clang%2Cpublic_metrics%2Ctext%2Cpossibly_sensitive"
    "%2Creferenced_tweets%2Creply_settings%2Csource%2Cnote_tweet&user.fields=created_at"
    "%2Cdescription%2Cid%2Clocation%2Cname%2Cprotected%2Cpublic_metrics%2Curl%2Cusername"
    "%2Cverified&place.fields=country%2Ccountry_code%2Cfull_name%2Cgeo%2Cid%2Cname%2Cplace_type"
    "&max_results=100&query=crowdpulse-synth"
)


@dataclass
class WriteReport:
    """What a writer wrote.

    Attributes:
        format: ``v1``, ``v2`` or ``csv``.
        path: The output path (``-`` for standard output).
        posts: Post records of the corpus written (noise excluded).
        lines: Lines written (v1: one a record; v2: one a page; csv: data rows
            plus the header, counted as physical records).
        bytes: Uncompressed bytes written.
        pages: API v2 pages written (0 for other formats).
        noise: Planted noise by kind (all zero without noise).
        quarantined: Lines or records a reader must set aside as malformed.
        notices: Stream notices (``delete``, ``limit``) a reader must skip.
        missing_expansion_posts: v2 posts whose author has no ``includes.users``
            entry on their page (the post is fine; its handle and location are unknown).
        missing_expansion_ids: Their ids.
    """

    format: str
    path: str
    posts: int = 0
    lines: int = 0
    bytes: int = 0
    pages: int = 0
    noise: dict[str, int] = field(default_factory=dict)
    quarantined: int = 0
    notices: int = 0
    missing_expansion_posts: int = 0
    missing_expansion_ids: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ output files


@contextmanager
def open_output(path: str | Path) -> Iterator[IO[bytes]]:
    """Open ``path`` for binary writing, compressed by its suffix; ``-`` is stdout.

    ``.gz`` files carry no name or time stamp in their header, so the same data
    always gives the same bytes.

    Args:
        path: The output file, or ``-``.

    Yields:
        A binary file object.
    """
    name = str(path)
    if name == "-":
        out = sys.stdout.buffer
        yield out
        out.flush()
        return
    suffix = Path(name).suffix.lower()
    with atomic_path(name) as temp, open(temp, "wb") as raw:  # renamed when complete
        if suffix == ".gz":
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
                yield gz  # type: ignore[misc]
        elif suffix == ".bz2":
            with bz2.BZ2File(raw, "wb", compresslevel=9) as bz:
                yield bz
        elif suffix == ".zst":
            import zstandard

            with zstandard.ZstdCompressor(level=3).stream_writer(raw, closefd=False) as zs:
                yield zs
        else:
            yield raw


# ------------------------------------------------------------------ shared pieces


def _v1_times(ms: np.ndarray) -> list[str]:
    sec = ms // 1000
    t = sec.astype("datetime64[s]")
    y = t.astype("datetime64[Y]")
    mo = t.astype("datetime64[M]")
    d = t.astype("datetime64[D]")
    year = (y.astype(np.int64) + 1970).tolist()
    month = (mo - y.astype("datetime64[M]")).astype(np.int64).tolist()
    day = ((d - mo.astype("datetime64[D]")).astype(np.int64) + 1).tolist()
    wday = ((d.astype(np.int64) + 3) % 7).tolist()
    sod = (sec % 86400).tolist()
    dates = {
        (w, m, dd, yy): f"{_DAYS[w]} {_MONTHS[m]} {dd:02d} "
        for w, m, dd, yy in set(zip(wday, month, day, year, strict=True))
    }
    clock = _clock_table()
    return [
        f"{dates[(w, m, dd, yy)]}{clock[s]} +0000 {yy}"
        for w, m, dd, s, yy in zip(wday, month, day, sod, year, strict=True)
    ]


_CLOCK: list[str] = []


def _clock_table() -> list[str]:
    """``HH:MM:SS`` for every second of a day, built once."""
    if not _CLOCK:
        _CLOCK.extend(f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in range(86400))
    return _CLOCK


def _iso_times(ms: np.ndarray) -> list[str]:
    text = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms")
    return [t + "Z" for t in text.tolist()]


def _display(url: str) -> str:
    bare = url.split("://", 1)[-1]
    return bare if len(bare) <= 26 else bare[:25] + "…"


def _place_id(loc: int) -> str:
    return hashlib.sha1(LOCATIONS[loc].place.encode()).hexdigest()[:16]  # type: ignore[union-attr]


def _bbox(loc: int) -> tuple[float, float, float, float]:
    spot = LOCATIONS[loc]
    lat, lon = spot.lat or 0.0, spot.lon or 0.0
    r = 0.3 if spot.place_type == "city" else 2.5
    return (round(lon - r, 6), round(lat - r, 6), round(lon + r, 6), round(lat + r, 6))


def reader_entities(
    result: SynthResult, i: int
) -> tuple[
    str, list[tuple[int, int, str]], list[tuple[int, int, int]], list[tuple[int, int, str, str]]
]:
    """The text and entities a record of post ``i`` carries at top level for a retweet.

    For a retweet this is ``RT @author: `` plus the source text cut at 140
    characters, with the source's entities shifted and those cut off dropped, as
    the APIs write it; for any other post, its own full text and entities.

    Args:
        result: The corpus.
        i: The post index.

    Returns:
        ``(text, hashtags, mentions, urls)`` with code-point offsets.
    """
    src = result.cols.rt[i]
    if src < 0:
        own = result.texts[i]
        assert own is not None
        return own.text, own.hashtags, own.mentions, own.urls
    orig = result.texts[src]
    assert orig is not None
    src_author = result.cols.author[src]
    handle = result.population.handles[src_author]
    prefix = f"RT @{handle}: "
    full = prefix + orig.text
    shift = len(prefix)
    if len(full) > V1_LIMIT:
        text = full[: V1_LIMIT - 1] + "…"
        limit = V1_LIMIT - 1
    else:
        text = full
        limit = len(full)
    hashtags = [(s + shift, e + shift, t) for s, e, t in orig.hashtags if e + shift <= limit]
    mentions = [(3, 4 + len(handle), src_author)] + [
        (s + shift, e + shift, u) for s, e, u in orig.mentions if e + shift <= limit
    ]
    urls = [(s + shift, e + shift, a, b) for s, e, a, b in orig.urls if e + shift <= limit]
    return text, hashtags, mentions, urls


@dataclass
class _Part:
    """Which chunk of a streamed corpus a writer call writes, and what chunks share."""

    index: int = 0
    count: int = 1
    shared: dict[str, StrColumn] = field(default_factory=dict)

    @property
    def streamed(self) -> bool:
        return self.count > 1

    def label(self, what: str) -> str:
        return f"{what} chunk {self.index + 1}/{self.count}" if self.streamed else what

    def seed(self, *key: int) -> list[int]:
        """An rng key of its own per chunk (the whole-corpus key when not streamed)."""
        return [*key, self.index] if self.streamed else list(key)


class _Noise:
    """Seeded plan of where noise goes and how much of each kind.

    A streamed corpus gets its share of each kind's noise in every chunk.
    """

    def __init__(
        self, result: SynthResult, fmt: str, kinds: tuple[str, ...], part: _Part | None = None
    ) -> None:
        cfg = result.config
        part = part or _Part()
        self.rng = np.random.default_rng(part.seed(cfg.seed, 7919, FORMATS.index(fmt)))
        total = max(1, round(cfg.posts * cfg.noise_rate)) if cfg.noise else 0
        i, k = part.index, part.count
        self.count = {key: total * (i + 1) // k - total * i // k for key in kinds}
        self.next_id = int(result.ids[-1]) + 1_000_000 if result.ids else 1

    def junk_id(self) -> int:
        self.next_id += int(self.rng.integers(1, 5000))
        return self.next_id

    def positions(self, n_slots: int) -> dict[int, list[str]]:
        """Map slot index -> noise kinds planted before that slot."""
        plan: dict[int, list[str]] = {}
        for kind, k in self.count.items():
            for pos in self.rng.integers(0, max(1, n_slots), k).tolist():
                plan.setdefault(pos, []).append(kind)
        return plan


def _junk_source(result: SynthResult, start: int) -> int:
    """A post to copy for a junk record: short, not a retweet, quote or reply."""
    n = len(result)
    i = start % n
    for _ in range(n):
        own = result.texts[i]
        if (
            own is not None
            and len(own.text) <= 100
            and result.cols.rt[i] < 0
            and result.cols.quote[i] < 0
            and result.cols.reply[i] < 0
        ):
            return i
        i = (i + 1) % n
    raise ValueError("no post can serve as a junk record")  # pragma: no cover


def _junk_text(text: str, jid: int) -> str:
    """A junk record's text, never equal to a real post's text.

    So a reader that keeps the record does not turn a real post into a duplicate.
    """
    return f"{text} ref{jid}"


# ------------------------------------------------------------------ API v1.1


class _V1:
    def __init__(self, result: SynthResult, part: _Part | None = None) -> None:
        self.r = result
        part = part or _Part()
        self.created = _v1_times(result.ts_ms)
        pop = result.population
        if "v1_users" not in part.shared:
            part.shared["v1_users"] = StrColumn(_v1_times(pop.created_at_ms))
        self.user_created = part.shared["v1_users"]
        self.users: dict[int, orjson.Fragment] = {}
        self.cache: dict[int, bytes] = {}
        # each post embedded by later retweets or quotes is serialised once and kept
        # until the last post that embeds it is written
        self.embedded_later: set[int] = set()
        self.release: dict[int, list[int]] = {}
        last: dict[int, int] = {}
        for refs in (result.cols.rt, result.cols.quote):
            for child, parent in enumerate(refs):
                if parent >= 0 and last.get(parent, -1) < child:
                    last[parent] = child
        for parent, child in last.items():
            self.embedded_later.add(parent)
            self.release.setdefault(child, []).append(parent)
        self.source = (
            np.random.default_rng(part.seed(result.config.seed, 31))
            .integers(0, len(_SOURCES), len(result))
            .tolist()
        )

    def user(self, u: int) -> orjson.Fragment:
        frag = self.users.get(u)
        if frag is None:
            pop = self.r.population
            h = pop.handles[u]
            obj = {
                "id": int(pop.ids[u]),
                "id_str": pop.ids[u],
                "name": pop.names[u],
                "screen_name": h,
                "location": pop.location_text(u),
                "url": None,
                "description": "",
                "protected": False,
                "verified": bool(pop.followers[u] > 200_000),
                "followers_count": int(pop.followers[u]),
                "friends_count": int(pop.followers[u] % 997 + 12),
                "listed_count": int(pop.followers[u] // 400),
                "favourites_count": int(pop.followers[u] * 7 % 15013),
                "statuses_count": int(pop.followers[u] * 13 % 48611 + 40),
                "created_at": self.user_created[u],
                "utc_offset": None,
                "time_zone": None,
                "geo_enabled": True,
                "lang": None,
                "profile_image_url_https": f"https://pbs.twimg.com/profile_images/{pop.ids[u]}/a_normal.jpg",
                "default_profile": True,
                "default_profile_image": False,
                "following": None,
                "follow_request_sent": None,
                "notifications": None,
            }
            frag = orjson.Fragment(orjson.dumps(obj))
            self.users[u] = frag
        return frag

    def entities(
        self,
        hashtags: list[tuple[int, int, str]],
        mentions: list[tuple[int, int, int]],
        urls: list[tuple[int, int, str, str]],
        limit: int | None = None,
    ) -> dict[str, Any]:
        pop = self.r.population
        if limit is not None:
            hashtags = [h for h in hashtags if h[1] <= limit]
            mentions = [m for m in mentions if m[1] <= limit]
            urls = [x for x in urls if x[1] <= limit]
        return {
            "hashtags": [{"text": t, "indices": [s, e]} for s, e, t in hashtags],
            "urls": [
                {"url": a, "expanded_url": b, "display_url": _display(b), "indices": [s, e]}
                for s, e, a, b in urls
            ],
            "user_mentions": [
                {
                    "screen_name": pop.handles[u],
                    "name": pop.names[u],
                    "id": int(pop.ids[u]),
                    "id_str": pop.ids[u],
                    "indices": [s, e],
                }
                for s, e, u in mentions
            ],
            "symbols": [],
        }

    def place(self, loc: int) -> dict[str, Any]:
        """The v1.1 place object of a location."""
        spot = LOCATIONS[loc]
        pid = _place_id(loc)
        w, s, e, n = _bbox(loc)
        assert spot.place is not None and spot.country is not None
        return {
            "id": pid,
            "url": f"https://api.twitter.com/1.1/geo/id/{pid}.json",
            "place_type": spot.place_type,
            "name": spot.place.split(",")[0],
            "full_name": spot.place,
            "country_code": spot.country,
            "country": country_name(spot.country),
            "contained_within": [],
            "bounding_box": {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n]]]},
            "attributes": {},
        }

    def original(self, i: int) -> dict[str, Any]:
        """The v1.1 object of a post that is not a retweet."""
        r = self.r
        pop = r.population
        own = r.texts[i]
        assert own is not None
        tid = r.ids[i]
        full = own.text
        extended = len(full) > V1_LIMIT
        if extended:
            cut = V1_LIMIT - 2 - _TCO_LEN
            status_url = f"https://twitter.com/i/web/status/{tid}"
            tco = "https://t.co/" + hashlib.sha1(tid.encode()).hexdigest()[:10]
            text = full[:cut] + "… " + tco
            ents = self.entities(own.hashtags, own.mentions, own.urls, limit=cut)
            ents["urls"].append(
                {
                    "url": tco,
                    "expanded_url": status_url,
                    "display_url": _display(status_url),
                    "indices": [cut + 2, cut + 2 + _TCO_LEN],
                }
            )
        else:
            text = full
            ents = self.entities(own.hashtags, own.mentions, own.urls)
        parent = r.cols.reply[i]
        if parent >= 0:
            pa = r.cols.author[parent]
            reply: tuple[Any, ...] = (
                int(r.ids[parent]),
                r.ids[parent],
                int(pop.ids[pa]),
                pop.ids[pa],
                pop.handles[pa],
            )
        else:
            reply = (None, None, None, None, None)
        lon = r.cols.lon[i]
        loc = r.cols.place[i]
        author = r.cols.author[i]
        quoted = r.cols.quote[i]
        obj: dict[str, Any] = {
            "created_at": self.created[i],
            "id": int(tid),
            "id_str": tid,
            "text": text,
            "source": _SOURCE_TAGS[self.source[i]],
            "truncated": extended,
            "in_reply_to_status_id": reply[0],
            "in_reply_to_status_id_str": reply[1],
            "in_reply_to_user_id": reply[2],
            "in_reply_to_user_id_str": reply[3],
            "in_reply_to_screen_name": reply[4],
            "user": self.users.get(author) or self.user(author),
            "geo": None if lon != lon else {"type": "Point", "coordinates": [r.cols.lat[i], lon]},
            "coordinates": None
            if lon != lon
            else {"type": "Point", "coordinates": [lon, r.cols.lat[i]]},
            "place": self.place(loc) if loc >= 0 else None,
            "contributors": None,
            "is_quote_status": quoted >= 0,
            **(self.quote_fields(tid, quoted) if quoted >= 0 else _NOTHING),
            **(
                {
                    "extended_tweet": {
                        "full_text": full,
                        "display_text_range": [0, len(full)],
                        "entities": self.entities(own.hashtags, own.mentions, own.urls),
                    }
                }
                if extended
                else _NOTHING
            ),
            "quote_count": 0,
            "reply_count": 0,
            "retweet_count": 0,
            "favorite_count": 0,
            "entities": ents,
            "favorited": False,
            "retweeted": False,
            "filter_level": "low",
            "lang": r.lang[i],
            "timestamp_ms": str(r.cols.ts[i]),
        }
        return obj

    def quote_fields(self, tid: str, quoted: int) -> dict[str, Any]:
        """The fields of a quote tweet that name and embed the quoted post."""
        r = self.r
        qid = r.ids[quoted]
        qh = r.population.handles[r.cols.author[quoted]]
        return {
            "quoted_status_id": int(qid),
            "quoted_status_id_str": qid,
            "quoted_status": self.embedded(quoted),
            "quoted_status_permalink": {
                "url": "https://t.co/" + hashlib.sha1(("q" + tid).encode()).hexdigest()[:10],
                "expanded": f"https://twitter.com/{qh}/status/{qid}",
                "display": f"twitter.com/{qh}/status/{qid}"[:25] + "…",
            },
        }

    def serialised(self, i: int) -> bytes:
        """A post serialised once, for its own line and the retweets and quotes that embed it."""
        data = self.cache.get(i)
        if data is None:
            data = orjson.dumps(self.original(i))
            self.cache[i] = data
        return data

    def embedded(self, i: int) -> orjson.Fragment:
        """A post ready to embed in a retweet or quote."""
        return orjson.Fragment(self.serialised(i))

    def retweet(self, i: int) -> dict[str, Any]:
        r = self.r
        src = r.cols.rt[i]
        tid = r.ids[i]
        text, hashtags, mentions, urls = reader_entities(r, i)
        author = r.cols.author[i]
        return {
            "created_at": self.created[i],
            "id": int(tid),
            "id_str": tid,
            "text": text,
            "source": _SOURCE_TAGS[self.source[i]],
            "truncated": False,
            "in_reply_to_status_id": None,
            "in_reply_to_status_id_str": None,
            "in_reply_to_user_id": None,
            "in_reply_to_user_id_str": None,
            "in_reply_to_screen_name": None,
            "user": self.users.get(author) or self.user(author),
            "geo": None,
            "coordinates": None,
            "place": None,
            "contributors": None,
            "retweeted_status": self.embedded(src),
            "is_quote_status": False,
            "quote_count": 0,
            "reply_count": 0,
            "retweet_count": 0,
            "favorite_count": 0,
            "entities": self.entities(hashtags, mentions, urls),
            "favorited": False,
            "retweeted": False,
            "filter_level": "low",
            "lang": r.lang[src],
            "timestamp_ms": str(r.cols.ts[i]),
        }

    def line(self, i: int) -> bytes:
        if self.r.cols.rt[i] >= 0:
            data = orjson.dumps(self.retweet(i), option=orjson.OPT_APPEND_NEWLINE)
        elif i in self.embedded_later:
            data = self.serialised(i) + b"\n"
        else:
            data = orjson.dumps(self.original(i), option=orjson.OPT_APPEND_NEWLINE)
        done = self.release.get(i)
        if done is not None:
            for parent in done:
                self.cache.pop(parent, None)
        return data


def _v1_noise(w: _V1, noise: _Noise, kind: str) -> bytes:
    rng = noise.rng
    r = w.r
    base = int(rng.integers(0, len(r)))
    ms = r.cols.ts[base]
    if kind == "delete":
        user = int(rng.integers(0, len(r.population)))
        jid = noise.junk_id()
        obj: Any = {
            "delete": {
                "status": {
                    "id": jid,
                    "id_str": str(jid),
                    "user_id": int(r.population.ids[user]),
                    "user_id_str": r.population.ids[user],
                },
                "timestamp_ms": str(ms),
            }
        }
        return orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE)
    if kind == "limit":
        obj = {"limit": {"track": int(rng.integers(1, 5000)), "timestamp_ms": str(ms)}}
        return orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE)
    if kind == "unknown_shape":
        if rng.random() < 0.5:
            return b'["not", "a", "tweet"]\n'
        obj = {"event": "favorite", "created_at": w.created[base], "target_object": {"name": "x"}}
        return orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE)
    # junk tweets: a copy of a short real one under a fresh id and a text of its own
    obj = w.original(_junk_source(r, base))
    jid = noise.junk_id()
    obj["id"] = jid
    obj["id_str"] = str(jid)
    obj["text"] = _junk_text(obj["text"], jid)
    if kind == "missing_id":
        del obj["id"], obj["id_str"]
    elif kind == "missing_user":
        del obj["user"]
    data = orjson.dumps(obj)
    if kind == "truncated":
        return data[: max(10, len(data) // 2)] + b"\n"
    if kind == "invalid_utf8":
        at = data.index(b'"text":"') + 8
        return data[:at] + b"\xff\xfe broken " + data[at:] + b"\n"
    return data + b"\n"


_V1_NOISE = (
    "delete",
    "limit",
    "truncated",
    "invalid_utf8",
    "missing_id",
    "missing_user",
    "unknown_shape",
)


def _write_v1(
    result: SynthResult, out: IO[bytes], report: WriteReport, quiet: bool, part: _Part
) -> None:
    w = _V1(result, part)
    noise = _Noise(result, "v1", _V1_NOISE, part)
    plan = noise.positions(len(result))
    buf: list[bytes] = []
    n = len(result)
    line = w.line
    with progress(part.label("write v1"), total=n, quiet=quiet) as bar:
        for start in range(0, n, 4096):
            stop = min(n, start + 4096)
            for i in range(start, stop):
                kinds = plan.get(i)
                if kinds is not None:
                    buf.extend(_v1_noise(w, noise, kind) for kind in kinds)
                buf.append(line(i))
            chunk = b"".join(buf)
            out.write(chunk)
            report.lines += len(buf)
            bar.advance(stop - start)
            buf = []
    report.posts += n
    _add_noise(report, noise.count)
    report.notices += noise.count["delete"] + noise.count["limit"]
    report.quarantined += sum(noise.count[k] for k in _V1_NOISE[2:])


def _add_noise(report: WriteReport, count: dict[str, int]) -> None:
    for kind, k in count.items():
        report.noise[kind] = report.noise.get(kind, 0) + k


# ------------------------------------------------------------------ API v2


class _V2:
    def __init__(self, result: SynthResult, part: _Part | None = None) -> None:
        self.r = result
        part = part or _Part()
        self.created = _iso_times(result.ts_ms)
        if "v2_users" not in part.shared:
            part.shared["v2_users"] = StrColumn(_iso_times(result.population.created_at_ms))
        self.user_created = part.shared["v2_users"]
        self.users: dict[int, orjson.Fragment] = {}
        self.source = (
            np.random.default_rng(part.seed(result.config.seed, 31))
            .integers(0, len(_SOURCES), len(result))
            .tolist()
        )

    def user(self, u: int) -> orjson.Fragment:
        frag = self.users.get(u)
        if frag is None:
            pop = self.r.population
            obj: dict[str, Any] = {
                "id": pop.ids[u],
                "username": pop.handles[u],
                "name": pop.names[u],
                "created_at": self.user_created[u],
                "description": "",
                "protected": False,
                "verified": bool(pop.followers[u] > 200_000),
                "url": "",
                "profile_image_url": f"https://pbs.twimg.com/profile_images/{pop.ids[u]}/a_normal.jpg",
                "public_metrics": {
                    "followers_count": int(pop.followers[u]),
                    "following_count": int(pop.followers[u] % 997 + 12),
                    "tweet_count": int(pop.followers[u] * 13 % 48611 + 40),
                    "listed_count": int(pop.followers[u] // 400),
                },
            }
            location = pop.location_text(u)
            if location:
                obj["location"] = location
            frag = orjson.Fragment(orjson.dumps(obj))
            self.users[u] = frag
        return frag

    def entities(
        self,
        hashtags: list[tuple[int, int, str]],
        mentions: list[tuple[int, int, int]],
        urls: list[tuple[int, int, str, str]],
        limit: int | None = None,
    ) -> dict[str, Any]:
        pop = self.r.population
        if limit is not None:
            hashtags = [h for h in hashtags if h[1] <= limit]
            mentions = [m for m in mentions if m[1] <= limit]
            urls = [x for x in urls if x[1] <= limit]
        ents: dict[str, Any] = {}
        if hashtags:
            ents["hashtags"] = [{"start": s, "end": e, "tag": t} for s, e, t in hashtags]
        if mentions:
            ents["mentions"] = [
                {"start": s, "end": e, "username": pop.handles[u], "id": pop.ids[u]}
                for s, e, u in mentions
            ]
        if urls:
            ents["urls"] = [
                {"start": s, "end": e, "url": a, "expanded_url": b, "display_url": _display(b)}
                for s, e, a, b in urls
            ]
        return ents

    def tweet(self, i: int) -> dict[str, Any]:
        """The v2 object of post ``i``."""
        r = self.r
        pop = r.population
        tid = r.ids[i]
        src = r.cols.rt[i]
        obj: dict[str, Any] = {
            "id": tid,
            "edit_history_tweet_ids": [tid],
            "author_id": pop.ids[r.cols.author[i]],
            "conversation_id": r.ids[r.cols.conversation[i]],
            "created_at": self.created[i],
            "lang": r.lang[i] if src < 0 else r.lang[src],
            "possibly_sensitive": False,
            "reply_settings": "everyone",
            "source": _SOURCES[self.source[i]],
            "public_metrics": {
                "retweet_count": 0,
                "reply_count": 0,
                "like_count": 0,
                "quote_count": 0,
                "impression_count": 0,
            },
        }
        if src >= 0:
            text, hashtags, mentions, urls = reader_entities(r, i)
            obj["text"] = text
            ents = self.entities(hashtags, mentions, urls)
            obj["referenced_tweets"] = [{"type": "retweeted", "id": r.ids[src]}]
        else:
            own = r.texts[i]
            assert own is not None
            full = own.text
            if len(full) > V2_LIMIT:
                cut = V2_LIMIT - 1
                obj["text"] = full[:cut] + "…"
                ents = self.entities(own.hashtags, own.mentions, own.urls, limit=cut)
                obj["note_tweet"] = {
                    "text": full,
                    "entities": self.entities(own.hashtags, own.mentions, own.urls),
                }
            else:
                obj["text"] = full
                ents = self.entities(own.hashtags, own.mentions, own.urls)
            refs = []
            parent = r.cols.reply[i]
            if parent >= 0:
                refs.append({"type": "replied_to", "id": r.ids[parent]})
                obj["in_reply_to_user_id"] = pop.ids[r.cols.author[parent]]
            quoted = r.cols.quote[i]
            if quoted >= 0:
                refs.append({"type": "quoted", "id": r.ids[quoted]})
            if refs:
                obj["referenced_tweets"] = refs
            lon, lat = r.cols.lon[i], r.cols.lat[i]
            loc = r.cols.place[i]
            geo: dict[str, Any] = {}
            if loc >= 0:
                geo["place_id"] = _place_id(loc)
            if lon == lon:
                geo["coordinates"] = {"type": "Point", "coordinates": [lon, lat]}
            if geo:
                obj["geo"] = geo
        if ents:
            obj["entities"] = ents
        return obj

    def place(self, loc: int) -> dict[str, Any]:
        spot = LOCATIONS[loc]
        assert spot.place is not None and spot.country is not None
        return {
            "id": _place_id(loc),
            "full_name": spot.place,
            "name": spot.place.split(",")[0],
            "country": country_name(spot.country),
            "country_code": spot.country,
            "place_type": spot.place_type,
            "geo": {"type": "Feature", "bbox": list(_bbox(loc)), "properties": {}},
        }

    def page(self, idx: list[int], drop_user: int | None = None) -> dict[str, Any]:
        """One response page with its expansions (``drop_user`` plants a missing one)."""
        r = self.r
        users: dict[int, None] = {}
        refs: dict[int, None] = {}
        places: dict[int, None] = {}
        data = []
        for i in idx:
            data.append(self.tweet(i))
            users[r.cols.author[i]] = None
            for parent in (r.cols.rt[i], r.cols.quote[i], r.cols.reply[i]):
                if parent >= 0:
                    refs[parent] = None
                    users[r.cols.author[parent]] = None
            _, _, mentions, _ = reader_entities(r, i)
            for _, _, u in mentions:
                users[u] = None
            if r.cols.place[i] >= 0:
                places[r.cols.place[i]] = None
        if drop_user is not None:
            users.pop(drop_user, None)
        includes: dict[str, Any] = {"users": [self.user(u) for u in users]}
        if refs:
            includes["tweets"] = [self.tweet(p) for p in refs]
        if places:
            includes["places"] = [self.place(p) for p in places]
        token = hashlib.sha1(("page" + r.ids[idx[0]]).encode()).hexdigest()[:26]
        retrieved = datetime.fromtimestamp(r.end_ms / 1000 + 86400, tz=UTC)
        return {
            "data": data,
            "includes": includes,
            "meta": {
                "newest_id": r.ids[idx[-1]],
                "oldest_id": r.ids[idx[0]],
                "result_count": len(idx),
                "next_token": "b26v89c19zqg8o3fo" + token,
            },
            "__twarc": {
                "url": _TWARC_URL,
                "version": _TWARC_VERSION,
                "retrieved_at": retrieved.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            },
        }


_V2_NOISE = (
    "truncated",
    "invalid_utf8",
    "unknown_shape",
    "missing_id",
    "missing_user",
    "missing_expansion",
)


def _junk_v2(w: _V2, noise: _Noise, start: int) -> dict[str, Any]:
    obj = w.tweet(_junk_source(w.r, start))
    jid = noise.junk_id()
    obj["id"] = str(jid)
    obj["edit_history_tweet_ids"] = [str(jid)]
    obj["conversation_id"] = str(jid)
    obj["text"] = _junk_text(obj["text"], jid)
    obj.pop("referenced_tweets", None)
    obj.pop("in_reply_to_user_id", None)
    return obj


def _write_v2(
    result: SynthResult, out: IO[bytes], report: WriteReport, quiet: bool, part: _Part
) -> None:
    w = _V2(result, part)
    n = len(result)
    size = result.config.page_size
    pages = [list(range(s, min(n, s + size))) for s in range(0, n, size)]
    noise = _Noise(result, "v2", _V2_NOISE, part)
    # noise: bad lines between pages; bad records and missing expansions inside pages
    line_kinds = ("truncated", "invalid_utf8", "unknown_shape")
    plan = _Noise.positions(_subset(noise, line_kinds), len(pages))
    record_plan = _Noise.positions(_subset(noise, ("missing_id", "missing_user")), len(pages))
    exp_pages = set(
        noise.rng.choice(
            len(pages), min(len(pages), noise.count["missing_expansion"]), replace=False
        ).tolist()
    )
    with progress(part.label("write v2"), total=n, quiet=quiet) as bar:
        for p, idx in enumerate(pages):
            for kind in plan.get(p, ()):
                junk = _junk_v2(w, noise, int(noise.rng.integers(0, n)))
                if kind == "unknown_shape":
                    data = orjson.dumps({"account": {"id": junk["author_id"]}, "status": "ok"})
                else:
                    data = orjson.dumps({"data": [junk], "includes": {"users": []}})
                    if kind == "truncated":
                        data = data[: len(data) // 2]
                    else:
                        at = data.index(b'"text":"') + 8
                        data = data[:at] + b"\xff\xfe broken " + data[at:]
                out.write(data + b"\n")
                report.lines += 1
                report.bytes += len(data) + 1
            drop = None
            if p in exp_pages:
                drop = result.cols.author[idx[len(idx) // 2]]
                for i in idx:
                    if result.cols.author[i] == drop:
                        report.missing_expansion_ids.append(result.ids[i])
            page = w.page(idx, drop)
            for kind in record_plan.get(p, ()):
                junk = _junk_v2(w, noise, idx[0])
                if kind == "missing_id":
                    del junk["id"]
                else:
                    del junk["author_id"]
                page["data"].insert(int(noise.rng.integers(0, len(page["data"]) + 1)), junk)
            data = orjson.dumps(page, option=orjson.OPT_APPEND_NEWLINE)
            out.write(data)
            report.lines += 1
            report.bytes += len(data)
            bar.advance(len(idx))
    report.posts += n
    report.pages += len(pages)
    _add_noise(report, {**noise.count, "missing_expansion": len(exp_pages)})
    report.missing_expansion_posts = len(report.missing_expansion_ids)
    report.quarantined += sum(noise.count[k] for k in ("truncated", "invalid_utf8", "unknown_shape",
                                                       "missing_id", "missing_user"))  # fmt: skip


def _subset(noise: _Noise, kinds: tuple[str, ...]) -> _Noise:
    sub = object.__new__(_Noise)
    sub.rng = noise.rng
    sub.count = {k: noise.count[k] for k in kinds}
    sub.next_id = noise.next_id
    return sub


# ------------------------------------------------------------------ CSV


_CSV_NOISE = ("missing_id", "short_row", "bad_time", "invalid_utf8")


def _write_csv(
    result: SynthResult, out: IO[bytes], report: WriteReport, quiet: bool, part: _Part
) -> None:
    w = _V2(result, part)
    r = result
    pop = r.population
    n = len(r)
    noise = _Noise(result, "csv", _CSV_NOISE, part)
    plan = noise.positions(n)
    retrieved = datetime.fromtimestamp(r.end_ms / 1000 + 86400, tz=UTC).strftime(
        "%Y-%m-%dT%H:%M:%S+00:00"
    )
    dumps = orjson.dumps

    def row(i: int, tweet: dict[str, Any]) -> list[Any]:
        ents = tweet.get("note_tweet", tweet).get("entities", {})
        text = tweet.get("note_tweet", tweet)["text"]
        u = r.cols.author[i]
        rt = r.cols.rt[i]
        qt = r.cols.quote[i]
        rp = r.cols.reply[i]
        loc = r.cols.place[i]
        lon = r.cols.lon[i]
        spot = LOCATIONS[loc] if loc >= 0 else None
        fol = int(pop.followers[u])
        return [
            tweet.get("id", ""),
            tweet["conversation_id"],
            r.ids[rp] if rp >= 0 else "",
            r.ids[rt] if rt >= 0 else "",
            r.ids[qt] if qt >= 0 else "",
            tweet.get("author_id", ""),
            pop.ids[r.cols.author[rp]] if rp >= 0 else "",
            pop.handles[r.cols.author[rp]] if rp >= 0 else "",
            pop.ids[r.cols.author[rt]] if rt >= 0 else "",
            pop.handles[r.cols.author[rt]] if rt >= 0 else "",
            pop.ids[r.cols.author[qt]] if qt >= 0 else "",
            pop.handles[r.cols.author[qt]] if qt >= 0 else "",
            tweet["created_at"],
            text,
            tweet["lang"],
            tweet["source"],
            0, 0, 0, 0, 0,
            "everyone",
            dumps(tweet["edit_history_tweet_ids"]).decode(),
            "False",
            "",
            "",
            dumps(ents["hashtags"]).decode() if "hashtags" in ents else "",
            dumps(ents["mentions"]).decode() if "mentions" in ents else "",
            dumps(ents["urls"]).decode() if "urls" in ents else "",
            pop.ids[u],
            w.user_created[u],
            pop.handles[u],
            pop.names[u],
            "",
            pop.location_text(u),
            "False",
            fol, fol % 997 + 12, fol // 400, fol * 13 % 48611 + 40,
            str(fol > 200_000),
            dumps([lon, r.cols.lat[i]]).decode() if lon == lon else "",
            "Point" if lon == lon else "",
            country_name(spot.country) if spot and spot.country else "",
            spot.country if spot and spot.country else "",
            spot.place if spot else "",
            _place_id(loc) if spot else "",
            spot.place.split(",")[0] if spot and spot.place else "",
            _place_id(loc) if spot else "",
            spot.place_type if spot else "",
        ]  # fmt: skip

    # the last three columns are the same on every row: the csv module renders them
    # once and each row ends with them (``lineterminator``), which halves the quoting work
    tail_sink = io.StringIO()
    csv.writer(tail_sink, lineterminator="\n").writerow([retrieved, _TWARC_URL, _TWARC_VERSION])
    tail = "," + tail_sink.getvalue()
    text_out = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    if part.index == 0:
        csv.writer(text_out, lineterminator="\n").writerow(CSV_COLUMNS)
        report.lines += 1
    writer = csv.writer(text_out, lineterminator=tail)
    text_col = CSV_COLUMNS.index("text")
    rows = 0
    with progress(part.label("write csv"), total=n, quiet=quiet) as bar:
        for i in range(n):
            for kind in plan.get(i, ()):
                junk = _junk_v2(w, noise, i)
                bad = row(_junk_source(r, i), junk)
                if kind == "missing_id":
                    bad[0] = ""
                elif kind == "short_row":
                    bad = bad[: len(bad) // 2]
                elif kind == "bad_time":
                    bad[CSV_COLUMNS.index("created_at")] = "yesterday evening"
                if kind == "invalid_utf8":
                    # the csv module writes text: render the row, then break its bytes
                    sink = io.StringIO()
                    marker = "\u2063SYNTHBAD\u2063"
                    bad[text_col] = marker + str(bad[text_col])
                    csv.writer(sink, lineterminator=tail).writerow(bad)
                    text_out.flush()
                    out.write(sink.getvalue().encode("utf-8").replace(marker.encode(), b"\xff\xfe"))
                elif kind == "short_row":
                    csv.writer(text_out, lineterminator="\n").writerow(bad)
                else:
                    writer.writerow(bad)
                rows += 1
            writer.writerow(row(i, w.tweet(i)))
            rows += 1
            if i % 4096 == 4095:
                bar.advance(4096)
        bar.advance(n % 4096)
    text_out.flush()
    text_out.detach()
    report.posts += n
    report.lines += rows
    _add_noise(report, noise.count)
    report.quarantined += sum(noise.count.values())


# ------------------------------------------------------------------ entry point


class _Counting:
    """Wrap a binary file and count the bytes written through it."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.count = 0

    def write(self, data: bytes) -> int:
        self.count += len(data)
        return self.inner.write(data)

    def flush(self) -> None:
        self.inner.flush()

    # io.TextIOWrapper needs these
    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    @property
    def closed(self) -> bool:
        return False


def write_corpus(
    result: SynthResult,
    path: str | Path,
    *,
    fmt: SynthFormat = "v1",
    quiet: bool = True,
) -> WriteReport:
    """Write a generated corpus in one of the real layouts.

    Noise is planted when ``result.config.noise`` is set; its positions are
    seeded by the config's seed and the format, so the same call always writes
    the same bytes.

    Args:
        result: The corpus from :func:`~crowdpulse.synth.generator.generate`.
        path: The output file (compressed by suffix ``.gz``, ``.bz2``, ``.zst``),
            or ``-`` for standard output.
        fmt: ``v1``, ``v2`` or ``csv``.
        quiet: Show no progress bar.

    Returns:
        What was written, including the noise counts the truth needs.

    Raises:
        ConfigError: Unknown format.
    """
    with CorpusWriter(path, fmt=fmt, quiet=quiet) as writer:
        writer.write(result)
    return writer.report


class CorpusWriter:
    """Write a corpus chunk by chunk into one file, renamed into place when complete.

    Use as a context manager; :meth:`write` each chunk of
    :func:`~crowdpulse.synth.generator.generate_chunks` in turn (each can be freed
    after). With one chunk the bytes are those of :func:`write_corpus`. With
    several, each chunk brings its share of the planted noise (seeded by the
    seed, the format and the chunk), v2 pages end at chunk boundaries, and the
    csv header is written once. If the ``with`` block fails, the target is left
    untouched.

    Attributes:
        report: What was written so far (complete after the ``with`` block).
    """

    def __init__(
        self, path: str | Path, *, fmt: SynthFormat = "v1", chunks: int = 1, quiet: bool = True
    ) -> None:
        """Prepare the writer.

        Args:
            path: The output file (compressed by suffix) or ``-``.
            fmt: ``v1``, ``v2`` or ``csv``.
            chunks: How many chunks will be written.
            quiet: Show no progress bars.

        Raises:
            ConfigError: Unknown format.
        """
        if fmt not in FORMATS:
            raise ConfigError(
                f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", field="format"
            )
        self.path = path
        self.fmt = fmt
        self.chunks = chunks
        self.quiet = quiet
        self.report = WriteReport(format=fmt, path=str(path))
        self._shared: dict[str, StrColumn] = {}
        self._next = 0
        self._stack: ExitStack | None = None
        self._out: _Counting | None = None

    def __enter__(self) -> CorpusWriter:
        stack = ExitStack()
        raw = stack.enter_context(open_output(self.path))
        self._stack = stack
        self._out = _Counting(raw)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._stack is not None and self._out is not None
        self.report.bytes = self._out.count
        self._stack.__exit__(*exc)  # type: ignore[arg-type]

    def write(self, result: SynthResult) -> None:
        """Append the next chunk.

        Args:
            result: The chunk (or the whole corpus when there is one chunk).
        """
        assert self._out is not None, "use CorpusWriter as a context manager"
        part = _Part(self._next, self.chunks, self._shared)
        self._next += 1
        out: Any = self._out
        with paused_gc():
            if self.fmt == "v1":
                _write_v1(result, out, self.report, self.quiet, part)
            elif self.fmt == "v2":
                _write_v2(result, out, self.report, self.quiet, part)
            else:
                _write_csv(result, out, self.report, self.quiet, part)
