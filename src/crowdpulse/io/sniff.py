"""Tell an input's format from its content, asking the readers of the registry.

The first records (or, for a file that is one JSON document, the document) are
offered to the platform readers of :mod:`crowdpulse.io.registry` first, then to
Twitter's shapes (v1.1, v2 pages, twarc2 flat lines); anything that does not start
like JSON is a CSV, unless it is a list of ids, a documentation file or text
without a delimiter. Files that hold no posts raise :class:`NotPostsError`, which a
folder ingest skips (with a warning, counted per file) instead of failing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import orjson

from crowdpulse.exceptions import InputError
from crowdpulse.io.registry import claim_document, claim_record
from crowdpulse.io.source import read_head
from crowdpulse.io.v1 import NOTICE_KINDS
from crowdpulse.io.v2 import classify_v2_item

__all__ = ["NotPostsError", "Sniffed", "classify_record", "layout", "sniff", "sniff_bytes"]

_SNIFF_LINES = 200
_HEAD = 1 << 20
#: Suffixes of files that are documentation, never posts (skipped in folders).
DOC_SUFFIXES = frozenset(
    {".md", ".rst", ".txt.md", ".html", ".htm", ".pdf", ".yaml", ".yml", ".toml", ".py"}
)
_ID_LINE = re.compile(rb"^\s*\d{1,20}\s*$")
_TELEGRAM_HEAD = re.compile(rb'^\s*\{\s*"(?:name|type|id|about|personal_information|chats)"')


class NotPostsError(InputError):
    """The input is readable but holds no posts (users, counts, ids, documentation)."""


@dataclass(frozen=True)
class Sniffed:
    """What a file holds.

    Attributes:
        format: A format name of :mod:`crowdpulse.io.registry` (``"v1"``,
            ``"mastodon"``, ...).
        array: Whether the JSON records sit in one top-level array.
        document: Whether the file is one JSON document holding the records (an
            AppView response, a Telegram export, a Pushshift API response).
    """

    format: str
    array: bool = False
    document: bool = False


def classify_record(record: object) -> str | None:
    """The format of one parsed JSON record.

    Returns:
        ``"v1"``, ``"v2"`` or ``"twarc2-flat"`` for posts; None for a streaming
        notice or an empty page; ``"not-posts:<what>"`` for users, counts and the like;
        ``"unknown"`` otherwise.
    """
    if not isinstance(record, dict):
        return "unknown"
    if "data" in record:
        data = record["data"]
        items = data if isinstance(data, list) else [data]
        kinds = [classify_v2_item(item) for item in items]
        if not items:
            return None
        if any(kind is None for kind in kinds):
            return "v2"
        return f"not-posts:{kinds[0]}"
    if any(k in record for k in NOTICE_KINDS) and "id" not in record and "id_str" not in record:
        return None
    if isinstance(record.get("user"), dict) or "id_str" in record or "retweeted_status" in record:
        return "v1"
    if "text" in record or "note_tweet" in record:
        created = record.get("created_at")
        if isinstance(created, str) and created[:4].isdigit():
            return "twarc2-flat"
        return "v1"
    what = classify_v2_item(record)
    return f"not-posts:{what}" if what else "unknown"


def sniff(path: str | Path) -> Sniffed:
    """Tell the format of a raw input from its first records.

    Args:
        path: The input (plain or compressed).

    Returns:
        The detected :class:`Sniffed` format.

    Raises:
        NotPostsError: The file is empty, binary, or holds something other than
            posts (users, counts, compliance events, a list of ids, documentation).
        InputError: No record can be recognised.
    """
    name = str(path)
    if Path(name).suffix.lower() in DOC_SUFFIXES:
        raise NotPostsError("a documentation file, not posts", path=name)
    head = read_head(path, _HEAD)
    return sniff_bytes(head, name, complete=len(head) < _HEAD)


def sniff_bytes(head: bytes, name: str, *, complete: bool) -> Sniffed:
    """Tell the format from the first (decompressed) bytes of an input.

    Args:
        head: The first bytes.
        name: The input's name, for messages.
        complete: Whether ``head`` is the whole input.

    Returns:
        The detected :class:`Sniffed` format.

    Raises:
        NotPostsError: The input holds no posts (or records of no known shape).
        InputError: No valid JSON record, or a broken first array element.
    """
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    text = head.lstrip()
    if not text:
        raise NotPostsError("empty file: no records", path=name)
    if b"\x00" in head[:4096]:
        raise NotPostsError("binary content: not JSON lines, a JSON array or CSV", path=name)
    if text[:1] == b"[":
        import json

        decoded = text.decode("utf-8", errors="replace")
        start = 1
        while start < len(decoded) and decoded[start].isspace():
            start += 1
        if decoded[start : start + 1] == "]":
            raise NotPostsError("empty file: the JSON array has no records", path=name)
        try:
            first, _ = json.JSONDecoder().raw_decode(decoded, start)
        except (json.JSONDecodeError, RecursionError):
            raise InputError(
                "starts like a JSON array but its first element is not JSON", path=name
            ) from None
        platform = claim_record(first)
        if platform is not None:
            return Sniffed(platform, array=True)
        kind = classify_record(first) or "v1"
        return _result(kind, name, array=True)
    if text[:1] != b"{":
        return _not_json(text, name)
    document = _document(head, complete)
    if document is not None:
        return document
    if not complete and _TELEGRAM_HEAD.match(text) and b'"messages"' in head:
        return Sniffed("telegram", document=True)
    seen_bad = 0
    refused: tuple[str, int] | None = None
    lines = head.split(b"\n")
    whole = lines if complete else lines[:-1]
    for number, raw in enumerate(whole[:_SNIFF_LINES], start=1):
        if not raw.strip():
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            seen_bad += 1
            continue
        platform = claim_record(record)
        if platform is not None:
            return Sniffed(platform)
        found = classify_record(record)
        if found is None:
            continue
        if found == "unknown" or found.startswith("not-posts:"):
            if refused is None:
                refused = (found, number)
            continue
        return _result(found, name, array=False)
    if refused is not None:
        kind, number = refused
        if kind.startswith("not-posts:"):
            raise NotPostsError(f"this file holds {kind.split(':', 1)[1]}", path=name, line=number)
        raise NotPostsError(
            "unknown record shape: not a post of any known format", path=name, line=number
        )
    if seen_bad:
        raise InputError(
            f"no valid JSON record in the first {min(len(whole), _SNIFF_LINES)} lines",
            path=name,
        )
    return Sniffed("v1")  # only streaming notices so far: v1.1 streaming output


def _document(head: bytes, complete: bool) -> Sniffed | None:
    """A file that is one JSON document (or one a line) claimed by a platform reader."""
    first = head.split(b"\n", 1)[0]
    candidates = [first]
    if complete and first.strip() != head.strip():
        candidates.append(head)  # a pretty-printed document
    for candidate in candidates:
        try:
            value = orjson.loads(candidate)
        except orjson.JSONDecodeError:
            continue
        platform = claim_document(value)
        if platform is not None:
            return Sniffed(platform, document=True)
    return None


def _not_json(text: bytes, name: str) -> Sniffed:
    """A CSV, unless the text is a list of ids or has no delimiter at all."""
    lines = [line for line in text.split(b"\n")[:_SNIFF_LINES] if line.strip()]
    if len(lines) > 1 and all(_ID_LINE.match(line) for line in lines[:-1]):
        raise NotPostsError("this file holds a list of ids (to hydrate), not posts", path=name)
    header = lines[0] if lines else b""
    if not any(sep in header for sep in (b",", b"\t", b";", b"|")):
        raise NotPostsError(
            "neither JSON nor CSV: the first line has no delimiter", path=name, line=1
        )
    return Sniffed("csv")


def _result(kind: str, name: str, *, array: bool) -> Sniffed:
    if kind.startswith("not-posts:"):
        raise NotPostsError(f"this file holds {kind.split(':', 1)[1]}", path=name)
    if kind == "unknown":
        raise NotPostsError("unknown record shape: not a post of any known format", path=name)
    return Sniffed(kind, array)


def layout(path: str | Path, fmt: str) -> Sniffed:
    """How the records of a file of a forced format (``--format``) are laid out.

    Args:
        path: The input.
        fmt: The format given.

    Returns:
        ``fmt`` with ``array`` (a top-level JSON array) or ``document`` (one JSON
        document holding the records) set from the file's first bytes.
    """
    from crowdpulse.io.registry import get_format

    found = get_format(fmt)
    head = read_head(path, _HEAD)
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if found.target is None or not text:
        return Sniffed(fmt, array=text[:1] == b"[")
    if text[:1] == b"[":
        return Sniffed(fmt, array=True)
    reader = found.load()
    first = head.split(b"\n", 1)[0]
    try:
        value = orjson.loads(first)
    except orjson.JSONDecodeError:
        return Sniffed(fmt, document=text[:1] == b"{")  # a pretty-printed document
    return Sniffed(fmt, document=bool(reader.claims_document(value)))
