"""Bluesky readers: Jetstream events (JSON lines) and AppView responses (JSON).

Jetstream (``bluesky-jetstream``): one event a line. Post creates (and updates)
of ``app.bsky.feed.post`` are posts; ``app.bsky.feed.repost`` creates are reposts
(``retweeted_id`` = the reposted post's ``at://`` URI); every other event (likes,
follows, blocks, profiles, other lexicons, deletes, ``identity``, ``account``) is a
well-formed non-post, counted as a filtered ``<kind>_notice``. Jetstream never gives
handles: authors are DIDs (``author_id``), ``author_handle`` is null.

AppView (``bluesky-appview``): ``searchPosts`` (``{"posts": [...]}``),
``getAuthorFeed`` / ``getTimeline`` (``{"feed": [...]}``; a ``reasonRepost`` item
is a repost by ``reason.by``) and ``getPostThread`` (``{"thread": ...}``: parents,
the post, then replies depth first). Also JSON lines or arrays of ``PostView`` or
``FeedViewPost`` objects.

Both: the post id is its ``at://`` URI; mentions come from the record's facets,
whose ``byteStart``/``byteEnd`` are UTF-8 *byte* offsets into the text (end
exclusive); hashtags from tag facets (and the record's ``tags``), lower-cased;
links from link facets and external embeds; quotes from ``app.bsky.embed.record``
(or ``recordWithMedia``); replies from ``record.reply.parent``; language is the first
of ``langs``, reduced to its primary subtag (``en-US`` -> ``en``); the time is the
client's ``createdAt`` (any ISO 8601 shape, to UTC), else the relay's ``time_us`` /
the AppView's ``indexedAt``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from crowdpulse.io.recordreader import (
    Notice,
    RecordProblem,
    RecordReader,
    as_dict,
    as_list,
    as_str,
    epoch_time,
    iso_time,
    repost_of,
)

__all__ = ["AppViewReader", "JetstreamReader", "did_of", "record_fields"]

_POST = "app.bsky.feed.post"
_REPOST = "app.bsky.feed.repost"


def did_of(uri: str | None) -> str | None:
    """The author DID of an ``at://did/collection/rkey`` URI (None if not one)."""
    if not uri or not uri.startswith("at://"):
        return None
    did = uri[5:].split("/", 1)[0]
    return did or None


_HANDLE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def _handle_in(piece: str) -> str:
    """The handle inside a mention facet's text (some clients cover ``" (@x)"``)."""
    at = piece.find("@")
    found = _HANDLE.search(piece, at + 1 if at >= 0 else 0)
    return found.group(0).lower() if found else ""


def _facets(record: dict[str, Any]) -> tuple[list[str | None], list[str], list[str], list[str]]:
    """Mention ids and handles, hashtags and links of a post record, in text order."""
    text = record.get("text")
    data = text.encode("utf-8") if isinstance(text, str) else b""
    facets = []
    for facet in as_list(record.get("facets")):
        index = as_dict(as_dict(facet).get("index"))
        start, end = index.get("byteStart"), index.get("byteEnd")
        order = start if isinstance(start, int) else 1 << 62
        facets.append((order, start, end, as_list(as_dict(facet).get("features"))))
    facets.sort(key=lambda item: item[0])
    ids: list[str | None] = []
    handles: list[str] = []
    tags: list[str] = []
    links: list[str] = []
    for _, start, end, features in facets:
        for feature in features:
            feature = as_dict(feature)
            kind = str(feature.get("$type", ""))
            if kind.endswith("#mention"):
                handle = ""
                if isinstance(start, int) and isinstance(end, int) and 0 <= start < end:
                    handle = data[start:end].decode("utf-8", errors="replace")
                ids.append(as_str(feature.get("did")))
                handles.append(_handle_in(handle))
            elif kind.endswith("#tag"):
                tag = as_str(feature.get("tag"))
                if tag:
                    tags.append(tag.lstrip("#").lower())
            elif kind.endswith("#link"):
                uri = as_str(feature.get("uri"))
                if uri:
                    links.append(uri)
    for tag in as_list(record.get("tags")):
        if isinstance(tag, str) and tag.lstrip("#").lower() not in tags:
            tags.append(tag.lstrip("#").lower())
    return ids, handles, tags, links


def _quoted(embed: dict[str, Any]) -> str | None:
    """The quoted post's URI from a record's (not hydrated) embed."""
    kind = embed.get("$type")
    if kind == "app.bsky.embed.record":
        return as_str(as_dict(embed.get("record")).get("uri"))
    if kind == "app.bsky.embed.recordWithMedia":
        return as_str(as_dict(as_dict(embed.get("record")).get("record")).get("uri"))
    return None


def record_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The post fields a ``app.bsky.feed.post`` record holds by itself.

    Args:
        record: The record (Jetstream ``commit.record`` or AppView ``post.record``).

    Returns:
        text, lang, created_at, reply, quote, mention, hashtag and url fields.

    Raises:
        RecordProblem: The text is not a string or the time is not ISO 8601.
    """
    text = record.get("text", "")
    if not isinstance(text, str):
        raise RecordProblem("text is not a string", "record.text")
    ids, handles, tags, links = _facets(record)
    embed = as_dict(record.get("embed"))
    external = as_str(as_dict(embed.get("external")).get("uri"))
    if external is None and embed.get("$type") == "app.bsky.embed.recordWithMedia":
        external = as_str(as_dict(as_dict(embed.get("media")).get("external")).get("uri"))
    if external and external not in links:
        links.append(external)
    langs = [lang for lang in as_list(record.get("langs")) if isinstance(lang, str) and lang]
    parent = as_str(as_dict(as_dict(record.get("reply")).get("parent")).get("uri"))
    quoted = _quoted(embed)
    try:
        created = iso_time(record.get("createdAt"), "record.createdAt")
    except RecordProblem:
        created = None  # a client's broken time: the caller falls back to the relay's
    return {
        "text": text,
        # BCP-47 tags (``en-US``) to their language, as Twitter's and Mastodon's codes
        "lang": langs[0].split("-")[0].lower() if langs else None,
        "created_at": created,
        "reply_to_id": parent,
        "reply_to_author_id": did_of(parent),
        "quoted_id": quoted,
        "quoted_author_id": did_of(quoted),
        "mention_ids": ids,
        "mention_handles": handles,
        "hashtags": tags,
        "urls": links,
    }


class JetstreamReader(RecordReader):
    """Bluesky Jetstream events, one JSON object a line."""

    name = "bluesky-jetstream"
    platform = "bluesky"
    description = "Bluesky Jetstream events (JSON lines)"

    @classmethod
    def claims_record(cls, record: Any) -> bool:
        """A Jetstream event: ``did``, ``time_us`` and a ``kind``."""
        return (
            isinstance(record, dict)
            and isinstance(record.get("did"), str)
            and "time_us" in record
            and record.get("kind") in ("commit", "identity", "account")
        )

    def convert(self, record: dict[str, Any]) -> dict[str, Any]:
        """One event to one post, repost or notice."""
        kind = record.get("kind")
        if kind in ("identity", "account"):
            raise Notice(str(kind))
        if kind != "commit":
            raise RecordProblem(f"unknown event kind {str(kind)[:40]!r}", "kind")
        did = as_str(record.get("did"))
        commit = as_dict(record.get("commit"))
        collection = as_str(commit.get("collection")) or ""
        operation = commit.get("operation")
        if collection not in (_POST, _REPOST):
            if collection.startswith("app.bsky."):
                raise Notice(collection.rsplit(".", 1)[-1])
            raise Notice("other_lexicon")
        if operation == "delete":
            raise Notice("delete")
        if operation not in ("create", "update"):
            raise RecordProblem(f"unknown operation {str(operation)[:40]!r}", "commit.operation")
        rkey = as_str(commit.get("rkey"))
        if not did or not rkey:
            raise RecordProblem("no did or rkey", "commit.rkey")
        body = commit.get("record")
        if not isinstance(body, dict):
            raise RecordProblem("a create without a record", "commit.record")
        relay_time = epoch_time(record.get("time_us"), "time_us", scale=1e6)
        post: dict[str, Any] = {"id": f"at://{did}/{collection}/{rkey}", "author_id": did}
        if collection == _REPOST:
            subject = as_str(as_dict(body.get("subject")).get("uri"))
            if subject is None:
                raise RecordProblem("a repost without a subject", "commit.record.subject")
            try:
                created = iso_time(body.get("createdAt"), "commit.record.createdAt")
            except RecordProblem:
                created = None
            post.update(
                created_at=created or relay_time,
                retweeted_id=subject,
                retweeted_author_id=did_of(subject),
            )
            return post
        post.update(record_fields(body))
        post["created_at"] = post["created_at"] or relay_time
        return post


def _view_post(view: dict[str, Any], *, parent_handle: str | None = None) -> dict[str, Any]:
    """One AppView ``PostView`` to the fields of a post."""
    uri = as_str(view.get("uri"))
    if uri is None:
        raise RecordProblem("a post view without a uri", "uri")
    record = view.get("record")
    if not isinstance(record, dict):
        raise RecordProblem("a post view without a record", "record")
    author = as_dict(view.get("author"))
    post = record_fields(record)
    post["created_at"] = post["created_at"] or iso_time(view.get("indexedAt"), "indexedAt")
    post.update(
        id=uri,
        author_id=as_str(author.get("did")),
        author_handle=as_str(author.get("handle")),
    )
    embed = as_dict(view.get("embed"))
    shown = as_dict(embed.get("record"))
    if embed.get("$type") == "app.bsky.embed.recordWithMedia#view":
        shown = as_dict(shown.get("record"))
    if post["quoted_id"] and as_str(shown.get("uri")) == post["quoted_id"]:
        post["quoted_author_handle"] = as_str(as_dict(shown.get("author")).get("handle"))
    if parent_handle and post["reply_to_id"]:
        post["reply_to_author_handle"] = parent_handle
    return post


def _is_post_view(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and str(value.get("uri", "")).startswith("at://")
        and isinstance(value.get("record"), dict)
        and isinstance(value.get("author"), dict)
    )


class AppViewReader(RecordReader):
    """Bluesky AppView responses: searchPosts, author feeds, threads; or PostView lines."""

    name = "bluesky-appview"
    platform = "bluesky"
    description = "Bluesky AppView JSON (searchPosts, getAuthorFeed, getPostThread)"

    @classmethod
    def claims_record(cls, record: Any) -> bool:
        """A ``PostView`` or a ``FeedViewPost`` (``{"post": PostView, ...}``)."""
        return _is_post_view(record) or (
            isinstance(record, dict) and _is_post_view(record.get("post"))
        )

    @classmethod
    def claims_document(cls, document: Any) -> bool:
        """A response of ``searchPosts``, ``getAuthorFeed``/``getTimeline`` or a thread."""
        if not isinstance(document, dict):
            return False
        for key in ("posts", "feed"):
            items = document.get(key)
            if isinstance(items, list):
                return not items or cls.claims_record(items[0])
        thread = document.get("thread")
        return isinstance(thread, dict) and _is_post_view(thread.get("post"))

    def document_records(self, document: Any) -> Iterator[Any]:
        """Posts or feed items in order; a thread as parents, the post, then replies."""
        for key in ("posts", "feed"):
            if isinstance(document.get(key), list):
                yield from document[key]
                return
        thread = document["thread"]
        parents = []
        node = as_dict(thread.get("parent"))
        while node:
            parents.append(node)
            node = as_dict(node.get("parent"))
        for parent in reversed(parents):
            yield {"post": parent.get("post"), "_thread_parent": None}
        yield from self._thread(thread, None)

    def _thread(self, node: dict[str, Any], parent_handle: str | None) -> Iterator[Any]:
        post = node.get("post")
        yield {"post": post, "_thread_parent": parent_handle}
        handle = as_str(as_dict(as_dict(post).get("author")).get("handle"))
        for reply in as_list(node.get("replies")):
            if isinstance(reply, dict) and "post" in reply:
                yield from self._thread(reply, handle)
            else:
                yield reply  # a blocked or missing reply: quarantined with its shape

    def convert(self, record: dict[str, Any]) -> dict[str, Any]:
        """One post view or feed item to one post or repost."""
        if _is_post_view(record):
            return _view_post(record)
        if str(record.get("$type", "")).endswith(("#notFoundPost", "#blockedPost")):
            raise Notice("unavailable_post")  # a deleted or blocked post in a thread
        if not _is_post_view(record.get("post")):
            raise RecordProblem("not a Bluesky post view or feed item")
        view = record["post"]
        if "_thread_parent" in record:
            return _view_post(view, parent_handle=record["_thread_parent"])
        parent = as_dict(as_dict(record.get("reply")).get("parent"))
        parent_handle = as_str(as_dict(parent.get("author")).get("handle"))
        original = _view_post(view, parent_handle=parent_handle)
        reason = as_dict(record.get("reason"))
        if reason.get("$type") != "app.bsky.feed.defs#reasonRepost":
            return original
        by = as_dict(reason.get("by"))
        reposter = as_str(by.get("did"))
        repost_id = as_str(reason.get("uri")) or f"{original['id']}#repost-by-{reposter}"
        return repost_of(
            original,
            id=repost_id,
            author_id=reposter,
            author_handle=as_str(by.get("handle")),
            created_at=iso_time(reason.get("indexedAt"), "reason.indexedAt")
            or original["created_at"],
        )
