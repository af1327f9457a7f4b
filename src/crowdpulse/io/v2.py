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

A retweet's mentions are the retweeted author's followed by those of the retweeted
post's full text (the retweet's own entities are cut with its 140-character text), so
that pages, flat lines and twarc-csv give the same list. Mention ids missing from the
entities (older v2 pages) are looked up by handle in the page's ``includes.users``.

Hostile input: a line longer than :data:`~crowdpulse.io.arrowjson.MAX_LINE_BYTES` or
nested deeper than orjson's 1,024 levels is quarantined. A required field (``id``,
``created_at``, ``author_id``) of the wrong type quarantines the post naming it; an
optional one of the wrong type (``lang`` or ``username`` as a number,
``geo.coordinates`` as a string or a list of strings, a list as ``place_id``) is set
to null and counted in :attr:`V2Reader.nulled_fields`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from crowdpulse.io import arrowjson
from crowdpulse.io.records import ReadBatch, Rejected, excerpt
from crowdpulse.io.rows import RowBuilder, parse_iso_time, unescape_html
from crowdpulse.io.source import Block

__all__ = ["V2Reader", "classify_v2_item"]


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


def _str(value: Any) -> str | None:
    """A string value, else None (a number, list or object where a string belongs)."""
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class _Lookup:
    """The expansions of one page, or the inlined ones of a flat line."""

    def __init__(self, includes: dict[str, Any] | None) -> None:
        includes = includes if isinstance(includes, dict) else {}

        def listed(name: str) -> list[dict[str, Any]]:
            items = includes.get(name)
            return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

        self.users = {u["id"]: u for u in listed("users") if isinstance(u.get("id"), str)}
        self.tweets = {t["id"]: t for t in listed("tweets") if isinstance(t.get("id"), str)}
        self.places = {p["id"]: p for p in listed("places") if isinstance(p.get("id"), str)}
        self.ids_by_handle = {
            u["username"].lower(): u["id"]
            for u in self.users.values()
            if isinstance(u.get("username"), str)
        }

    def user(self, user_id: Any, inline: Any = None) -> dict[str, Any] | None:
        if isinstance(inline, dict):
            return inline
        found = self.users.get(user_id) if isinstance(user_id, str) else None
        return found if isinstance(found, dict) else None

    def tweet(self, ref: dict[str, Any]) -> dict[str, Any] | None:
        if "text" in ref or "author_id" in ref:  # flattened: the reference is the post
            return ref
        ref_id = ref.get("id")
        found = self.tweets.get(ref_id) if isinstance(ref_id, str) else None
        return found if isinstance(found, dict) else None


class V2Reader:
    """Normalise API v2 pages or twarc2 flat lines, line by line.

    Attributes:
        source_format: ``"v2"`` for pages, ``"twarc2-flat"`` for flattened lines.
        incomplete: Posts kept although an expansion they refer to was missing.
        api_errors: ``errors`` entries the API returned inside pages (not posts).
        nulled_fields: Optional fields of a wrong type (``lang`` or ``username`` as a
            number, ``geo.coordinates`` as a string, ...) set to null in kept posts.
    """

    def __init__(self, path: str, *, flat: bool) -> None:
        self.path = path
        self.source_format = "twarc2-flat" if flat else "v2"
        self.flat = flat
        self.incomplete = 0
        self.api_errors = 0
        self.nulled_fields = 0

    @property
    def report(self) -> dict[str, int]:
        """Per-file notes for the ingest summary (only those that happened)."""
        return {"nulled_fields": self.nulled_fields} if self.nulled_fields else {}

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
        if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a UTF-8 byte-order mark
        limit = arrowjson.MAX_LINE_BYTES
        if len(raw) > limit:
            self._reject(
                batch, line, f"line longer than the limit of {limit:,} bytes ({len(raw):,})", raw
            )
            return
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as bad:
                self._reject(batch, line, f"invalid UTF-8 (byte {bad.start + 1} of the line)", raw)
                return
            message = str(exc)
            if "depth" in message.lower() or "recursion" in message.lower():
                message = "nested deeper than 1,024 levels"
            else:
                message = f"not valid JSON ({message})"
            self._reject(batch, line, message, raw)
            return
        if not isinstance(record, dict):
            self._reject(batch, line, f"a JSON {type(record).__name__}, not an object", raw)
            return
        if "data" in record:
            errors = record.get("errors")
            self.api_errors += len(errors) if isinstance(errors, list) else 0
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
        try:
            problem = self._add(item, lookup, line, rows)
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
            # A field of an unexpected type that no explicit check caught.
            problem = ("data", f"unexpected type: {type(exc).__name__}: {str(exc)[:120]}")
        if problem is not None:
            self._reject(batch, line, problem[1], raw, field=problem[0])

    def _nulled(self, value: Any) -> None:
        if value is not None:
            self.nulled_fields += 1

    def _add(
        self, item: dict[str, Any], lookup: _Lookup, line: int, rows: RowBuilder
    ) -> tuple[str, str] | None:
        """Normalise one post into ``rows``; return (field, reason) when it is rejected."""
        for required in ("id", "created_at"):
            value = item.get(required)
            if value is None:
                return (f"data.{required}", "missing field")
            if not isinstance(value, str) or not value:
                return (
                    f"data.{required}",
                    f"unexpected type: {type(value).__name__}, not a string",
                )
        inline_author = item.get("author") if isinstance(item.get("author"), dict) else None
        author_id = item.get("author_id")
        if author_id is None and inline_author is not None:
            author_id = inline_author.get("id")
        if author_id is None:
            return ("data.author_id", "missing field")
        if not isinstance(author_id, str) or not author_id:
            return ("data.author_id", f"unexpected type: {type(author_id).__name__}, not a string")
        created = parse_iso_time(item["created_at"])
        if created is None:
            return ("data.created_at", "not an ISO 8601 time")
        text = _full_text(item)
        if text is None:
            return ("data.text", "missing field")
        incomplete = False
        author = lookup.user(author_id, inline_author)
        if author is None:
            incomplete = True
        refs_raw = item.get("referenced_tweets")
        refs = {
            r.get("type"): r
            for r in (refs_raw if isinstance(refs_raw, list) else [])
            if isinstance(r, dict) and isinstance(r.get("type"), str)
        }
        values: dict[str, Any] = {}
        source = item
        mentions = _entity_list(item, "mentions")
        retweet = refs.get("retweeted")
        if retweet is not None:
            values["retweeted_id"] = _str(retweet.get("id"))
            original = lookup.tweet(retweet)
            if original is None:
                incomplete = True
            else:
                rt_author_id = _str(original.get("author_id")) or _str(
                    _dict(original.get("author")).get("id")
                )
                rt_author = lookup.user(rt_author_id, original.get("author"))
                values["retweeted_author_id"] = rt_author_id
                if rt_author is None:
                    incomplete = True
                else:
                    handle = _str(rt_author.get("username"))
                    self._nulled(None if handle else rt_author.get("username"))
                    values["retweeted_author_handle"] = handle
                    full = _full_text(original)
                    if full is not None and handle:
                        text = f"RT @{handle}: {full}"
                        # The retweet's own entities are cut with its text: its mentions
                        # are the retweeted author's, then the full text's.
                        mentions = [
                            {"username": handle, "id": rt_author_id},
                            *_entity_list(original, "mentions"),
                        ]
                source = original
        quoted = refs.get("quoted")
        if quoted is not None:
            values["quoted_id"] = _str(quoted.get("id"))
            original = lookup.tweet(quoted)
            if original is not None:
                q_author_id = _str(original.get("author_id")) or _str(
                    _dict(original.get("author")).get("id")
                )
                values["quoted_author_id"] = q_author_id
                q_author = lookup.user(q_author_id, original.get("author"))
                values["quoted_author_handle"] = (
                    _str(q_author.get("username")) if q_author else None
                )
            else:
                incomplete = True
        replied = refs.get("replied_to")
        if replied is not None:
            values["reply_to_id"] = _str(replied.get("id"))
        reply_inline = item.get("in_reply_to_user")
        if item.get("in_reply_to_user_id") or isinstance(reply_inline, dict):
            reply_id = _str(item.get("in_reply_to_user_id")) or _str(_dict(reply_inline).get("id"))
            reply_user = lookup.user(reply_id, reply_inline)
            values["reply_to_author_id"] = reply_id
            values["reply_to_author_handle"] = (
                _str(reply_user.get("username")) if reply_user else None
            )
        if item.get("geo") is not None and not isinstance(item.get("geo"), dict):
            self.nulled_fields += 1
        geo = _dict(item.get("geo"))
        point = _dict(geo.get("coordinates")).get("coordinates")
        lon = lat = None
        if point is not None:
            if (
                isinstance(point, list)
                and len(point) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in point)
                and -180 <= point[0] <= 180
                and -90 <= point[1] <= 90
            ):
                lon, lat = float(point[0]), float(point[1])
            else:
                self.nulled_fields += 1
        country = geo.get("country_code")
        place_id = geo.get("place_id")
        if country is None and place_id is not None:
            if not isinstance(place_id, str):
                self.nulled_fields += 1
            place = lookup.places.get(place_id) if isinstance(place_id, str) else None
            place = place or _dict(geo.get("place"))
            country = place.get("country_code")
        if country is not None and not isinstance(country, str):
            self._nulled(country)
            country = None
        location = _dict(author).get("location")
        handle = _dict(author).get("username")
        if handle is not None and not isinstance(handle, str):
            self._nulled(handle)
            handle = None
        lang = item.get("lang")
        if lang is not None and not isinstance(lang, str):
            self._nulled(lang)
            lang = None
        mention_handles: list[str | None] = []
        mention_ids: list[str | None] = []
        for m in mentions:
            name = _str(m.get("username"))
            mention_handles.append(name.lower() if name else None)
            mention_id = _str(m.get("id"))
            if mention_id is None and name:
                mention_id = lookup.ids_by_handle.get(name.lower())
            mention_ids.append(mention_id)
        rows.add(
            id=item["id"],
            created_at=created,
            author_id=author_id,
            author_handle=handle,
            author_location=location.strip() or None if isinstance(location, str) else None,
            text=unescape_html(text),
            lang=lang,
            mention_ids=mention_ids,
            mention_handles=mention_handles,
            hashtags=[
                t.lower()
                for t in (h.get("tag") for h in _entity_list(source, "hashtags"))
                if isinstance(t, str)
            ],
            urls=[
                u
                for u in (
                    _str(e.get("expanded_url")) or _str(e.get("url"))
                    for e in _entity_list(source, "urls")
                )
                if u is not None
            ],
            longitude=lon,
            latitude=lat,
            place_country_code=country or None,
            source_format=self.source_format,
            source_file=self.path,
            source_line=line,
            **values,
        )
        if incomplete:
            self.incomplete += 1
        return None
