"""Reader for Twitter API v2: response pages (``data`` + ``includes``) and twarc2 flat lines.

A page's ``data`` (a list, or one object in streaming output) holds the posts; the
``includes`` expansions give the authors (``users``), the referenced posts
(``tweets``) and the places. twarc2's flattened lines carry the same expansions
inlined (``author``, ``in_reply_to_user``, ``referenced_tweets[].author``,
``geo.country_code``).

Rules, as for v1.1: the full text is ``note_tweet.text`` where present, else ``text``;
a retweet's text is ``RT @handle: `` + the retweeted post's full text when the
expansion has it; a retweet's hashtags and URLs come from the retweeted post. A post
whose expansion is missing (e.g. a suspended author) is kept with the missing fields
null and counted in :attr:`V2Reader.incomplete`. A page item that is not a post (a
user, a count, a compliance event) is rejected naming what it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from crowdpulse.io.records import ReadBatch, Rejected, excerpt
from crowdpulse.io.rows import RowBuilder, parse_iso_time
from crowdpulse.io.source import Block

__all__ = ["V2Reader", "classify_v2_item"]

_HTML = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def _unescape(text: str) -> str:
    for old, new in _HTML:
        if old in text:
            text = text.replace(old, new)
    return text


def classify_v2_item(item: Any) -> str | None:
    """Say what a v2 object is when it is not a post.

    Returns:
        None for a post, else a short description (``"a user object"``, ...).
    """
    if not isinstance(item, dict):
        return f"a JSON {type(item).__name__}, not an object"
    if "text" in item or "note_tweet" in item:
        return None
    if "username" in item:
        return "a user object, not a post"
    if "tweet_count" in item:
        return "a tweet count, not a post"
    if "action" in item and "reason" in item:
        return "a compliance event, not a post"
    if "owner_id" in item:
        return "a list object, not a post"
    return "an object without 'text': not a post"


def _full_text(tweet: dict[str, Any]) -> str | None:
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and isinstance(note.get("text"), str):
        return str(note["text"])
    text = tweet.get("text")
    return text if isinstance(text, str) else None


def _entity_list(tweet: dict[str, Any] | None, name: str) -> list[dict[str, Any]]:
    if not isinstance(tweet, dict):
        return []
    note = tweet.get("note_tweet")
    for source in (note.get("entities") if isinstance(note, dict) else None, tweet.get("entities")):
        if isinstance(source, dict) and isinstance(source.get(name), list):
            return [e for e in source[name] if isinstance(e, dict)]
    return []


class _Lookup:
    """The expansions of one page, or the inlined ones of a flat line."""

    def __init__(self, includes: dict[str, Any] | None) -> None:
        includes = includes if isinstance(includes, dict) else {}
        self.users = {u.get("id"): u for u in includes.get("users") or [] if isinstance(u, dict)}
        self.tweets = {t.get("id"): t for t in includes.get("tweets") or [] if isinstance(t, dict)}
        self.places = {p.get("id"): p for p in includes.get("places") or [] if isinstance(p, dict)}

    def user(self, user_id: Any, inline: Any = None) -> dict[str, Any] | None:
        if isinstance(inline, dict):
            return inline
        found = self.users.get(user_id)
        return found if isinstance(found, dict) else None

    def tweet(self, ref: dict[str, Any]) -> dict[str, Any] | None:
        if "text" in ref or "author_id" in ref:  # flattened: the reference is the post
            return ref
        found = self.tweets.get(ref.get("id"))
        return found if isinstance(found, dict) else None


class V2Reader:
    """Normalise API v2 pages or twarc2 flat lines, line by line.

    Attributes:
        source_format: ``"v2"`` for pages, ``"twarc2-flat"`` for flattened lines.
        incomplete: Posts kept although an expansion they refer to was missing.
        api_errors: ``errors`` entries the API returned inside pages (not posts).
    """

    def __init__(self, path: str, *, flat: bool) -> None:
        self.path = path
        self.source_format = "twarc2-flat" if flat else "v2"
        self.flat = flat
        self.incomplete = 0
        self.api_errors = 0

    def read_blocks(self, blocks: Iterator[Block]) -> Iterator[ReadBatch]:
        """Yield one :class:`ReadBatch` per block of lines."""
        for block in blocks:
            batch = ReadBatch()
            rows = RowBuilder()
            for offset, raw in enumerate(block.data.split(b"\n")):
                if raw.strip():
                    self._line(raw, block.line_of(offset), rows, batch)
            batch.posts = rows.table()
            yield batch

    def _reject(
        self, batch: ReadBatch, line: int, reason: str, raw: bytes, field: str | None = None
    ) -> None:
        batch.rejected.append(Rejected(self.path, line, reason, field, excerpt(raw)))

    def _line(self, raw: bytes, line: int, rows: RowBuilder, batch: ReadBatch) -> None:
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as bad:
                self._reject(batch, line, f"invalid UTF-8 (byte {bad.start + 1} of the line)", raw)
                return
            self._reject(batch, line, f"not valid JSON ({exc})", raw)
            return
        if not isinstance(record, dict):
            self._reject(batch, line, f"a JSON {type(record).__name__}, not an object", raw)
            return
        if "data" in record:
            self.api_errors += len(record.get("errors") or [])
            data = record["data"]
            items = data if isinstance(data, list) else [data]
            lookup = _Lookup(record.get("includes"))
            for item in items:
                self._post(item, lookup, line, rows, batch, raw)
        elif "text" in record or "note_tweet" in record:
            self._post(record, _Lookup(None), line, rows, batch, raw)
        else:
            what = classify_v2_item(record) or "unknown"
            self._reject(batch, line, f"unknown record shape: {what}", raw)

    def _post(
        self,
        item: Any,
        lookup: _Lookup,
        line: int,
        rows: RowBuilder,
        batch: ReadBatch,
        raw: bytes,
    ) -> None:
        kind = classify_v2_item(item)
        if kind is not None:
            self._reject(batch, line, f"unknown record shape: {kind}", raw)
            return
        for required in ("id", "created_at", "author_id"):
            if not isinstance(item.get(required), str) and not (
                required == "author_id" and isinstance(item.get("author"), dict)
            ):
                self._reject(batch, line, "missing field", raw, field=f"data.{required}")
                return
        created = parse_iso_time(item["created_at"])
        if created is None:
            self._reject(batch, line, "not an ISO 8601 time", raw, field="data.created_at")
            return
        incomplete = False
        author_id = item.get("author_id") or item["author"].get("id")
        author = lookup.user(author_id, item.get("author"))
        if author is None:
            incomplete = True
        refs = {
            r.get("type"): r for r in item.get("referenced_tweets") or [] if isinstance(r, dict)
        }
        values: dict[str, Any] = {}
        source = item
        retweet = refs.get("retweeted")
        text = _full_text(item)
        if retweet is not None:
            values["retweeted_id"] = retweet.get("id")
            original = lookup.tweet(retweet)
            if original is None:
                incomplete = True
            else:
                rt_author_id = original.get("author_id") or (original.get("author") or {}).get("id")
                rt_author = lookup.user(rt_author_id, original.get("author"))
                values["retweeted_author_id"] = rt_author_id
                if rt_author is None:
                    incomplete = True
                else:
                    handle = rt_author.get("username")
                    values["retweeted_author_handle"] = handle
                    full = _full_text(original)
                    if full is not None and handle:
                        text = f"RT @{handle}: {full}"
                source = original
        quoted = refs.get("quoted")
        if quoted is not None:
            values["quoted_id"] = quoted.get("id")
            original = lookup.tweet(quoted)
            if original is not None:
                q_author_id = original.get("author_id") or (original.get("author") or {}).get("id")
                values["quoted_author_id"] = q_author_id
                q_author = lookup.user(q_author_id, original.get("author"))
                values["quoted_author_handle"] = q_author.get("username") if q_author else None
            else:
                incomplete = True
        replied = refs.get("replied_to")
        if replied is not None:
            values["reply_to_id"] = replied.get("id")
        if item.get("in_reply_to_user_id") or isinstance(item.get("in_reply_to_user"), dict):
            reply_user = lookup.user(item.get("in_reply_to_user_id"), item.get("in_reply_to_user"))
            values["reply_to_author_id"] = item.get("in_reply_to_user_id") or (
                reply_user or {}
            ).get("id")
            values["reply_to_author_handle"] = reply_user.get("username") if reply_user else None
        mentions = _entity_list(item, "mentions")
        geo = item.get("geo") if isinstance(item.get("geo"), dict) else {}
        point = (geo.get("coordinates") or {}).get("coordinates") if geo else None
        country = geo.get("country_code")
        if country is None and geo.get("place_id"):
            place = lookup.places.get(geo["place_id"]) or geo.get("place") or {}
            country = place.get("country_code") if isinstance(place, dict) else None
        if text is None:
            self._reject(batch, line, "missing field", raw, field="data.text")
            return
        location = (author or {}).get("location")
        rows.add(
            id=item["id"],
            created_at=created,
            author_id=author_id,
            author_handle=(author or {}).get("username"),
            author_location=location.strip() or None if isinstance(location, str) else None,
            text=_unescape(text),
            lang=item.get("lang"),
            mention_ids=[m.get("id") for m in mentions],
            mention_handles=[(m.get("username") or "").lower() or None for m in mentions],
            hashtags=[str(h.get("tag", "")).lower() for h in _entity_list(source, "hashtags")],
            urls=[u.get("expanded_url") or u.get("url") for u in _entity_list(source, "urls")],
            longitude=float(point[0]) if isinstance(point, list) and len(point) == 2 else None,
            latitude=float(point[1]) if isinstance(point, list) and len(point) == 2 else None,
            place_country_code=country or None,
            source_format=self.source_format,
            source_file=self.path,
            source_line=line,
            **values,
        )
        if incomplete:
            self.incomplete += 1
