"""Tell an input's format from its content: v1.1, v2 pages, twarc2 flat lines, CSV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

from crowdpulse.exceptions import InputError
from crowdpulse.io.source import read_head
from crowdpulse.io.v1 import NOTICE_KINDS
from crowdpulse.io.v2 import classify_v2_item

__all__ = ["Sniffed", "classify_record", "sniff"]

_SNIFF_LINES = 200


@dataclass(frozen=True)
class Sniffed:
    """What a file holds.

    Attributes:
        format: ``"v1"``, ``"v2"``, ``"twarc2-flat"`` or ``"csv"``.
        array: Whether the JSON records sit in one top-level array.
    """

    format: str
    array: bool = False


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
        InputError: The file is empty, binary, or holds something other than posts
            (users, counts, compliance events), or no record can be recognised.
    """
    name = str(path)
    head = read_head(path)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    text = head.lstrip()
    if not text:
        raise InputError("empty file: no records", path=name)
    if b"\x00" in head[:4096]:
        raise InputError("binary content: not JSON lines, a JSON array or CSV", path=name)
    if text[:1] == b"[":
        import json

        decoded = text.decode("utf-8", errors="replace")
        start = 1
        while start < len(decoded) and decoded[start].isspace():
            start += 1
        if decoded[start : start + 1] == "]":
            raise InputError("empty file: the JSON array has no records", path=name)
        try:
            first, _ = json.JSONDecoder().raw_decode(decoded, start)
        except json.JSONDecodeError:
            raise InputError(
                "starts like a JSON array but its first element is not JSON", path=name
            ) from None
        kind = classify_record(first) or "v1"
        return _result(kind, name, array=True)
    if text[:1] != b"{":
        return Sniffed("csv")
    seen_bad = 0
    refused: tuple[str, int] | None = None
    lines = head.split(b"\n")
    complete = lines if len(head) < (1 << 20) else lines[:-1]
    for number, raw in enumerate(complete[:_SNIFF_LINES], start=1):
        if not raw.strip():
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            seen_bad += 1
            continue
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
            raise InputError(f"this file holds {kind.split(':', 1)[1]}", path=name, line=number)
        raise InputError(
            "unknown record shape: not a Twitter v1.1 or v2 post", path=name, line=number
        )
    if seen_bad:
        raise InputError(
            f"no valid JSON record in the first {min(len(complete), _SNIFF_LINES)} lines",
            path=name,
        )
    return Sniffed("v1")  # only streaming notices so far: v1.1 streaming output


def _result(kind: str, name: str, *, array: bool) -> Sniffed:
    if kind.startswith("not-posts:"):
        raise InputError(f"this file holds {kind.split(':', 1)[1]}", path=name)
    if kind == "unknown":
        raise InputError("unknown record shape: not a Twitter v1.1 or v2 post", path=name)
    return Sniffed(kind, array)
