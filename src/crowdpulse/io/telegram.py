"""Telegram reader: Telegram Desktop "Export chat history" JSON (``result.json``).

Reads a single chat (``{"name", "type", "id", "messages": [...]}``) or a full
account export (``{"chats": {"list": [chat, ...]}}``).

- Only ``message`` messages are posts; ``service`` messages (joins, pins, calls)
  and ``unsupported`` ones are counted as ``service_notice`` / ``unsupported_notice``.
- Ids are ``<chat id>/<message id>`` (message ids are unique only inside a chat);
  ``reply_to_message_id`` points into the same chat, and the replied-to author is
  filled from the chat's messages.
- Text: ``text`` (a string, or a list of strings and ``{type, text}`` entity parts,
  joined) or ``text_entities``; mentions from ``mention`` parts (``@name``,
  lower-cased) and ``mention_name`` parts (the shown name, with the id
  ``user<user_id>``), hashtags from ``hashtag`` parts, links from ``link`` and
  ``text_link`` parts.
- The author is ``from_id`` (``user123``, ``channel123``) and ``from``, the display
  name Telegram exports (there is no @username in an export).
- Time: ``date_unixtime`` (a string of Unix seconds) where present; else ``date``,
  which has no zone (the exporting computer's local time) and is read as UTC.
- A forward (``forwarded_from``) is a repost: ``retweeted_author_handle`` is the
  source's name, ``retweeted_author_id`` its ``forwarded_from_id`` where exported;
  the original message's id is not exported, so ``retweeted_id`` is
  ``forward:<source>:<hash of the text>`` (forwards of one text from one source
  share it).
- There is no language field: ``lang`` is null.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from crowdpulse.io.recordreader import (
    Notice,
    RecordProblem,
    RecordReader,
    as_dict,
    as_list,
    as_str,
    epoch_time,
    iso_time,
)
from crowdpulse.io.records import ReadBatch
from crowdpulse.io.source import iter_array_blocks, open_binary

__all__ = ["TelegramReader", "message_text"]

_HEADER_LIMIT = 1 << 16
_AUTHORS_KEPT = 5_000_000
_MESSAGES_KEY = re.compile(rb'"messages"\s*:\s*\[')


def _messages_start(head: bytes) -> tuple[dict[str, Any], int] | None:
    """The chat header and the offset of the ``messages`` array in a chat export.

    Only when every key before ``messages`` is a plain value (the layout Telegram
    Desktop writes: ``name``, ``type``, ``id``), so that the text before it parses as
    an object once closed; else None (the document is read whole).
    """
    found = _MESSAGES_KEY.search(head)
    if found is None:
        return None
    before = head[: found.start()].rstrip()
    before = before[:-1] if before.endswith(b",") else before
    try:
        header = orjson.loads(before + b"}")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(header, dict) or "messages" in header:
        return None
    return header, found.end() - 1


class _Chained(io.RawIOBase):
    """The bytes already read, then the rest of the stream."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = prefix
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def message_text(value: Any) -> tuple[str, list[dict[str, Any]]]:
    """Join a message's ``text`` (string or list of parts) and return its entity parts.

    Raises:
        RecordProblem: The text is neither a string nor a list.
    """
    if value is None:
        return "", []
    if isinstance(value, str):
        return value, []
    if not isinstance(value, list):
        raise RecordProblem("text is neither a string nor a list", "text")
    pieces: list[str] = []
    entities: list[dict[str, Any]] = []
    for part in value:
        if isinstance(part, str):
            pieces.append(part)
        elif isinstance(part, dict):
            piece = part.get("text")
            pieces.append(piece if isinstance(piece, str) else "")
            entities.append(part)
    return "".join(pieces), entities


class TelegramReader(RecordReader):
    """Telegram Desktop ``result.json`` exports (one chat or a whole account)."""

    name = "telegram"
    platform = "telegram"
    description = "Telegram Desktop export result.json"

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._chat = ""
        self._streaming = False
        self._authors: dict[Any, tuple[str | None, str | None]] = {}

    def _remember(self, record: dict[str, Any], number: str) -> None:
        if len(self._authors) < _AUTHORS_KEPT:
            key = record.get("id")
            self._authors[key if isinstance(key, int) else number] = (
                as_str(record.get("from_id")),
                as_str(record.get("from")),
            )

    @classmethod
    def claims_document(cls, document: Any) -> bool:
        """A chat export (``messages`` list and a chat ``type``) or an account export."""
        if not isinstance(document, dict):
            return False
        if isinstance(document.get("messages"), list) and (
            "type" in document or "name" in document
        ):
            return True
        return isinstance(as_dict(document.get("chats")).get("list"), list)

    def read(self, *, array: bool = False, document: bool = False) -> Iterator[ReadBatch]:
        """Read the export; a one-chat export is streamed message by message.

        A chat export (``{"name", "type", "id", "messages": [...]}``) can be hundreds
        of megabytes: its ``messages`` array is decoded one message at a time, so
        memory stays bounded by the largest message (and the reply index), and each
        message's ``source_line`` is its line in the file. An account export is read
        whole.
        """
        if not document:
            yield from super().read(array=array, document=document)
            return
        handle = open_binary(self.path)
        try:
            head = handle.read(_HEADER_LIMIT)
            start = _messages_start(head)
            if start is None:
                handle.close()
                yield from super().read(array=array, document=True)
                return
            header, at = start
            self._chat = as_str(header.get("id")) or as_str(header.get("name")) or "chat"
            self._authors = {}
            self._streaming = True
            stream = io.BufferedReader(_Chained(head[at:], handle), 1 << 20)
            shift = head.count(b"\n", 0, at)
            for block in iter_array_blocks(stream, path=self.path):
                yield from self._read_block(block, shift)
        finally:
            handle.close()

    def document_records(self, document: Any) -> Iterator[Any]:
        """Every message of every chat, in order."""
        chats = (
            as_list(as_dict(document.get("chats")).get("list"))
            if "messages" not in document
            else [document]
        )
        for chat in chats:
            chat = as_dict(chat)
            self._chat = as_str(chat.get("id")) or as_str(chat.get("name")) or "chat"
            messages = as_list(chat.get("messages"))
            self._authors = {
                m.get("id"): (as_str(m.get("from_id")), as_str(m.get("from")))
                for m in messages
                if isinstance(m, dict) and m.get("type") == "message"
            }
            yield from messages

    def convert(self, record: dict[str, Any]) -> dict[str, Any]:
        """One message to one post (or a notice for service messages)."""
        kind = record.get("type")
        if kind in ("service", "unsupported"):
            raise Notice(str(kind))
        if kind != "message":
            raise RecordProblem(f"unknown message type {str(kind)[:40]!r}", "type")
        number = as_str(record.get("id"))
        if number is None:
            raise RecordProblem("a message without an id", "id")
        entities_field = record.get("text_entities")
        text, entities = message_text(record.get("text"))
        if isinstance(entities_field, list) and not entities:
            joined, entities = message_text(entities_field)
            text = text or joined
        created = epoch_time(record.get("date_unixtime"), "date_unixtime") or iso_time(
            record.get("date"), "date"
        )
        mention_ids: list[str | None] = []
        mention_handles: list[str] = []
        hashtags: list[str] = []
        urls: list[str] = []
        for part in entities:
            what = part.get("type")
            shown = part.get("text") if isinstance(part.get("text"), str) else ""
            if what == "mention" and shown:
                mention_ids.append(None)
                mention_handles.append(shown.lstrip("@").lower())
            elif what == "mention_name" and shown:
                user = as_str(part.get("user_id"))
                mention_ids.append(f"user{user}" if user else None)
                mention_handles.append(shown.lower())
            elif what == "hashtag" and shown:
                hashtags.append(shown.lstrip("#").lower())
            elif what == "link" and shown:
                urls.append(shown)
            elif what == "text_link" and as_str(part.get("href")):
                urls.append(str(part["href"]))
        post: dict[str, Any] = {
            "id": f"{self._chat}/{number}",
            "created_at": created,
            "author_id": as_str(record.get("from_id")),
            "author_handle": as_str(record.get("from")),
            "text": text,
            "mention_ids": mention_ids,
            "mention_handles": mention_handles,
            "hashtags": hashtags,
            "urls": urls,
        }
        if self._streaming:
            self._remember(record, number)
        reply = record.get("reply_to_message_id")
        if as_str(reply) is not None:
            post["reply_to_id"] = f"{self._chat}/{reply}"
            post["reply_to_author_id"], post["reply_to_author_handle"] = self._authors.get(
                reply, (None, None)
            )
        source = as_str(record.get("forwarded_from"))
        source_id = as_str(record.get("forwarded_from_id"))
        if source or source_id:
            digest = hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
            post.update(
                retweeted_id=f"forward:{source_id or source}:{digest}",
                retweeted_author_id=source_id,
                retweeted_author_handle=source,
            )
        return post
