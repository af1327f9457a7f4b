"""Mastodon reader: REST API ``Status`` objects (a JSON array or JSON lines).

Reads what ``GET /api/v1/timelines/...``, ``/accounts/:id/statuses``, search and
clients such as Mastodon.py save, across server generations (1.x to 4.x): fields
that one generation lacks are read as absent.

- ``content`` is HTML: tags are stripped with selectolax (chosen over
  beautifulsoup4: same text on the shared samples, faster; see docs/ingest.md),
  ``<span class="invisible">`` parts of shortened links are dropped, ``<br>`` is a
  line break and paragraphs are separated by a blank line; entities are unescaped.
  A content warning (``spoiler_text``) comes first, on its own line.
- Handles are ``user@instance`` everywhere: ``acct`` is relative to the serving
  instance, so a local ``acct`` gets the host of the account's ``url``.
- Ids (statuses and accounts) are kept as exact strings, also when a dump wrote them
  as integers above 2^53.
- A boost (``reblog`` set) is a repost: its own id, author and time, the boosted
  status's text, language, mentions and tags, and ``retweeted_*`` pointing at it.
- A 4.x quote (``quote.quoted_status``) fills ``quoted_*``.
- Replies: ``in_reply_to_id`` / ``in_reply_to_account_id``; the replied-to handle is
  taken from the status's mentions (Mastodon mentions the parent's author) or is the
  author's own for a self-reply.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from crowdpulse.io.recordreader import (
    RecordProblem,
    RecordReader,
    as_dict,
    as_list,
    as_str,
    iso_time,
    repost_of,
)

__all__ = ["MastodonReader", "html_to_text", "qualified_handle"]


def html_to_text(html: str) -> tuple[str, list[str]]:
    """Turn a status's HTML ``content`` into plain text and its link targets.

    Args:
        html: The ``content`` field.

    Returns:
        The text (paragraphs separated by a blank line, ``<br>`` as a newline,
        invisible link parts dropped, entities unescaped) and the ``href`` of every
        link that is neither a mention nor a hashtag, in order.
    """
    if not html:
        return "", []
    if "<" not in html and "&" not in html:
        return html, []
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    links: list[str] = []
    for anchor in tree.css("a"):
        classes = (anchor.attributes.get("class") or "").split()
        href = anchor.attributes.get("href")
        if href and "mention" not in classes and "hashtag" not in classes:
            links.append(href)
    for node in tree.css("span.invisible"):
        node.decompose()
    for node in tree.css("br"):
        node.replace_with("\n")
    paragraphs = tree.css("p")
    if paragraphs:
        text = "\n\n".join(p.text(deep=True) for p in paragraphs)
    else:
        body = tree.body
        text = body.text(deep=True) if body is not None else ""
    return text.strip(), links


def qualified_handle(acct: str | None, url: str | None) -> str | None:
    """``acct`` as ``user@instance``: a local ``acct`` gets the host of the profile URL."""
    if not acct:
        return None
    acct = acct.lstrip("@")
    if "@" in acct or not url:
        return acct
    host = urlsplit(url).netloc
    return f"{acct}@{host}" if host else acct


def _account(status: dict[str, Any]) -> tuple[str | None, str | None]:
    account = as_dict(status.get("account"))
    return as_str(account.get("id")), qualified_handle(
        as_str(account.get("acct")), as_str(account.get("url"))
    )


def _text(status: dict[str, Any]) -> tuple[str, list[str]]:
    content = status.get("content")
    if content is not None and not isinstance(content, str):
        raise RecordProblem("content is not a string", "content")
    text, links = html_to_text(content or "")
    spoiler = status.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():
        text = f"{spoiler.strip()}\n\n{text}" if text else spoiler.strip()
    return text, links


def _status_fields(status: dict[str, Any]) -> dict[str, Any]:
    status_id = as_str(status.get("id"))
    if status_id is None:
        raise RecordProblem("a status without an id", "id")
    author_id, handle = _account(status)
    text, links = _text(status)
    mention_ids: list[str | None] = []
    mention_handles: list[str] = []
    by_id: dict[str, str] = {}
    for mention in as_list(status.get("mentions")):
        mention = as_dict(mention)
        mid = as_str(mention.get("id"))
        acct = qualified_handle(as_str(mention.get("acct")), as_str(mention.get("url")))
        if acct is None:
            continue
        mention_ids.append(mid)
        mention_handles.append(acct.lower())
        if mid:
            by_id[mid] = acct
    reply_author = as_str(status.get("in_reply_to_account_id"))
    reply_handle = by_id.get(reply_author) if reply_author else None
    if reply_author and reply_author == author_id:
        reply_handle = handle
    card = as_str(as_dict(status.get("card")).get("url"))
    if card and card not in links:
        links.append(card)
    language = status.get("language")
    post: dict[str, Any] = {
        "id": status_id,
        "created_at": iso_time(status.get("created_at"), "created_at"),
        "author_id": author_id,
        "author_handle": handle,
        "text": text,
        "lang": language if isinstance(language, str) and language else None,
        "reply_to_id": as_str(status.get("in_reply_to_id")),
        "reply_to_author_id": reply_author,
        "reply_to_author_handle": reply_handle,
        "mention_ids": mention_ids,
        "mention_handles": mention_handles,
        "hashtags": [
            str(tag["name"]).lstrip("#").lower()
            for tag in as_list(status.get("tags"))
            if isinstance(tag, dict) and isinstance(tag.get("name"), str) and tag["name"]
        ],
        "urls": links,
    }
    quoted = as_dict(as_dict(status.get("quote")).get("quoted_status"))
    if quoted:
        post["quoted_id"] = as_str(quoted.get("id"))
        post["quoted_author_id"], post["quoted_author_handle"] = _account(quoted)
    return post


class MastodonReader(RecordReader):
    """Mastodon API ``Status`` JSON: an array (an API response) or JSON lines."""

    name = "mastodon"
    platform = "mastodon"
    description = "Mastodon API Status JSON (array or JSON lines)"

    @classmethod
    def claims_record(cls, record: Any) -> bool:
        """A status: ``content``, an ``account`` object, ``created_at`` and a ``uri``/``url``."""
        return (
            isinstance(record, dict)
            and "content" in record
            and isinstance(record.get("account"), dict)
            and "created_at" in record
            and ("uri" in record or "url" in record)
        )

    def convert(self, record: dict[str, Any]) -> dict[str, Any]:
        """One status to one post, or a boost to one repost."""
        boosted = record.get("reblog")
        if not isinstance(boosted, dict):
            return _status_fields(record)
        original = _status_fields(boosted)
        wrapper_id = as_str(record.get("id"))
        if wrapper_id is None:
            raise RecordProblem("a boost without an id", "id")
        author_id, handle = _account(record)
        return repost_of(
            original,
            id=wrapper_id,
            created_at=iso_time(record.get("created_at"), "created_at") or original["created_at"],
            author_id=author_id,
            author_handle=handle,
        )
