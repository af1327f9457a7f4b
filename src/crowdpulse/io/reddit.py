"""Reddit reader: Pushshift / Arctic Shift comments and submissions.

Reads the monthly dumps (``RC_*`` comments, ``RS_*`` submissions: NDJSON, usually
``.zst``, read as a stream) and Pushshift API responses (``{"data": [...]}``).

- Ids are Reddit *fullnames*: ``t1_<id>`` for a comment, ``t3_<id>`` for a
  submission, so that ``parent_id`` and ``link_id`` point at posts of the corpus.
- A comment replies to its ``parent_id`` (the submission for a top-level comment,
  another comment otherwise); the replied-to author is filled when the parent was
  read earlier in the same file.
- Text: a comment's ``body``; a submission's ``title``, then a blank line and its
  ``selftext``; HTML entities (``&gt;``, ``&amp;``) unescaped; ``[deleted]`` and
  ``[removed]`` placeholders are read as no text (an empty string).
- Authors ``[deleted]`` (and ``[removed]``) are null; ``author_fullname`` (``t2_``)
  is the author id where the dump has it.
- Mentions are ``u/name`` and ``/u/name`` in the markdown (lower-cased, no ids);
  links are the submission's ``url`` (link posts) and URLs in the text.
- ``created_utc`` is read as a string, an integer or a float.
- A crosspost (``crosspost_parent``) is a repost of that submission.
- There is no language field in Reddit data: ``lang`` is null.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

from crowdpulse.io.recordreader import RecordProblem, RecordReader, as_dict, as_list, as_str
from crowdpulse.io.recordreader import epoch_time as _epoch

__all__ = ["RedditReader", "reddit_mentions"]

_GONE = frozenset({"[deleted]", "[removed]"})
_MENTION = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})\b")
_URL = re.compile(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")
_PARENTS_KEPT = 2_000_000


def reddit_mentions(text: str) -> list[str]:
    """The ``u/name`` mentions of a markdown text, lower-cased, in order."""
    return [match.group(1).lower() for match in _MENTION.finditer(text)]


def _body(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordProblem(f"{field} is not a string", field)
    return "" if value.strip() in _GONE else html.unescape(value)


def _fullname(record: dict[str, Any], prefix: str) -> str:
    name = as_str(record.get("name"))
    if name and name.startswith(prefix):
        return name
    raw = as_str(record.get("id"))
    if raw is None:
        raise RecordProblem("no id", "id")
    return raw if raw.startswith(prefix) else prefix + raw


class RedditReader(RecordReader):
    """Pushshift / Arctic Shift comments and submissions (NDJSON, or an API response)."""

    name = "reddit"
    platform = "reddit"
    description = "Reddit Pushshift / Arctic Shift comments and submissions"

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._authors: dict[str, str | None] = {}

    @classmethod
    def claims_record(cls, record: Any) -> bool:
        """A comment or submission: ``subreddit``, ``author``, ``created_utc`` and text."""
        return (
            isinstance(record, dict)
            and "subreddit" in record
            and "author" in record
            and "created_utc" in record
            and ("body" in record or "title" in record)
        )

    @classmethod
    def claims_document(cls, document: Any) -> bool:
        """A Pushshift API response: ``{"data": [comment or submission, ...]}``."""
        if not isinstance(document, dict) or not isinstance(document.get("data"), list):
            return False
        items = document["data"]
        return bool(items) and cls.claims_record(items[0])

    def document_records(self, document: Any) -> Iterator[Any]:
        """The ``data`` items."""
        yield from document["data"]

    def convert(self, record: dict[str, Any]) -> dict[str, Any]:
        """One comment or submission to one post."""
        author = as_str(record.get("author"))
        if author in _GONE:
            author = None
        comment = "body" in record
        if comment:
            post_id = _fullname(record, "t1_")
            text = _body(record.get("body"), "body")
            urls: list[str] = []
        else:
            post_id = _fullname(record, "t3_")
            title = _body(record.get("title"), "title")
            selftext = _body(record.get("selftext"), "selftext")
            text = f"{title}\n\n{selftext}" if title and selftext else title or selftext
            link = as_str(record.get("url"))
            urls = [link] if link and not record.get("is_self") else []
        created = _epoch(record.get("created_utc"), "created_utc")
        for found in _URL.findall(text):
            if found not in urls:
                urls.append(found)
        author_id = as_str(record.get("author_fullname"))
        post: dict[str, Any] = {
            "id": post_id,
            "created_at": created,
            "author_id": author_id,
            "author_handle": author,
            "text": text,
            "mention_handles": reddit_mentions(text),
            "urls": urls,
        }
        post["mention_ids"] = [None] * len(post["mention_handles"])
        if comment:
            parent = as_str(record.get("parent_id")) or as_str(record.get("link_id"))
            if parent is not None:
                post["reply_to_id"] = parent
                post["reply_to_author_handle"] = self._authors.get(parent)
        crosspost = as_str(record.get("crosspost_parent"))
        if crosspost:
            source = as_dict(next(iter(as_list(record.get("crosspost_parent_list"))), None))
            source_author = as_str(source.get("author"))
            post.update(
                retweeted_id=crosspost,
                retweeted_author_id=as_str(source.get("author_fullname")),
                retweeted_author_handle=None if source_author in _GONE else source_author,
            )
        if len(self._authors) < _PARENTS_KEPT:
            self._authors[post_id] = author
        return post
