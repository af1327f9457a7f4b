"""The shared engine of the JSON readers for platforms other than Twitter.

A platform reader (:mod:`crowdpulse.io.bluesky`, ``mastodon``, ``reddit``,
``telegram``, or a third party's) only says which records it claims and how one
record becomes one post; this module reads the file (JSON lines, a JSON array, or one
JSON document that holds a list of records), turns every record into exactly one of a
post, a notice (a well-formed record that is not a post: a like, a service message)
or a quarantined record, and keeps the accounting exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson

from crowdpulse.exceptions import InputError
from crowdpulse.io.records import ReadBatch, Rejected, excerpt
from crowdpulse.io.rows import RowBuilder, parse_iso_time
from crowdpulse.io.source import Block, iter_array_blocks, iter_blocks, open_binary

__all__ = [
    "DOCUMENT_LIMIT",
    "Notice",
    "RecordProblem",
    "RecordReader",
    "as_dict",
    "as_list",
    "as_str",
    "epoch_time",
    "iso_time",
    "repost_of",
]

#: The largest JSON document (decompressed bytes) a document reader loads whole.
DOCUMENT_LIMIT = 2 << 30

_BATCH = 20_000


class RecordProblem(Exception):
    """A record that cannot be read: it goes to the quarantine with this reason."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class Notice(Exception):
    """A well-formed record that is not a post (counted as filtered ``<kind>_notice``)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty dict (wrong types read as absent)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str | None:
    """A string field as a string; integers (64-bit ids) exactly; anything else None."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def iso_time(value: Any, field: str) -> datetime | None:
    """Parse an ISO 8601 time of any precision and offset to UTC; None when absent.

    Raises:
        RecordProblem: The value is present but not an ISO 8601 time.
    """
    if value is None:
        return None
    parsed = parse_iso_time(value)
    if parsed is None:
        raise RecordProblem(f"not an ISO 8601 time: {str(value)[:40]!r}", field)
    return parsed


def epoch_time(value: Any, field: str, *, scale: float = 1.0) -> datetime | None:
    """Parse Unix seconds given as an int, a float or a string; None when absent.

    Args:
        value: The value.
        field: The field name, for the quarantine.
        scale: Units per second (``1e6`` for microseconds).

    Raises:
        RecordProblem: The value is present but not a number of seconds.
    """
    if value is None:
        return None
    try:
        seconds = float(value) / scale if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        seconds = None
    if seconds is None or not (-1e11 < seconds < 1e11):
        raise RecordProblem(f"not a Unix time: {str(value)[:40]!r}", field)
    return datetime.fromtimestamp(seconds, UTC)


def repost_of(original: dict[str, Any], **act: Any) -> dict[str, Any]:
    """A repost of ``original``: its words and entities, and ``retweeted_*`` pointing at it.

    Args:
        original: The fields of the reposted post.
        **act: The repost's own fields (``id``, ``created_at``, ``author_id``, ...).

    Returns:
        The fields of the repost.
    """
    repost = {
        key: original.get(key)
        for key in ("text", "lang", "mention_ids", "mention_handles", "hashtags", "urls")
    }
    repost.update(
        retweeted_id=original.get("id"),
        retweeted_author_id=original.get("author_id"),
        retweeted_author_handle=original.get("author_handle"),
    )
    repost.update(act)
    return repost


class RecordReader:
    """Base class of a platform reader: a name, a platform, claims and a conversion.

    Subclasses set :attr:`name` (the ``--format`` value and ``source_format``),
    :attr:`platform`, :attr:`description`, and implement :meth:`claims_record`
    (and, for document formats, :meth:`claims_document` and
    :meth:`document_records`) and :meth:`convert`.

    Args:
        path: The input file.
    """

    name: ClassVar[str] = ""
    platform: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, path: str) -> None:
        self.path = path
        self.source_format = self.name
        self.incomplete = 0
        self.api_errors = 0

    @classmethod
    def claims_record(cls, record: Any) -> bool:
        """Whether one line of JSON lines (or one element of a JSON array) is ours."""
        return False

    @classmethod
    def claims_document(cls, document: Any) -> bool:
        """Whether a whole JSON document (an object holding a list of records) is ours."""
        return False

    def document_records(self, document: Any) -> Iterator[Any]:
        """The records of a claimed document, in order."""
        return iter(())

    def convert(self, record: dict[str, Any]) -> dict[str, Any]:
        """Turn one record (a JSON object) into the fields of one post.

        Raises:
            Notice: The record is well formed but not a post.
            RecordProblem: The record cannot be read.
        """
        raise NotImplementedError

    # -- reading -------------------------------------------------------------

    def read(self, *, array: bool = False, document: bool = False) -> Iterator[ReadBatch]:
        """Read the file in batches.

        Args:
            array: The records sit in one top-level JSON array.
            document: The file is one JSON document (see :meth:`document_records`).

        Yields:
            Batches whose ``records`` add up to every record of the file.

        Raises:
            InputError: The file cannot be opened, decompressed or (a document) parsed.
        """
        if document:
            yield from self._read_document()
            return
        handle = open_binary(self.path)
        try:
            blocks = (
                iter_array_blocks(handle, path=self.path)
                if array
                else iter_blocks(handle, path=self.path)
            )
            for block in blocks:
                yield from self._read_block(block)
        finally:
            handle.close()

    def read_blocks(self, blocks: Iterable[Block]) -> Iterator[ReadBatch]:
        """Read JSON lines given as line-aligned blocks (a live stream, ``crowdpulse watch``).

        Yields:
            Batches whose ``records`` add up to every non-blank line of the blocks.
        """
        for block in blocks:
            yield from self._read_block(block)

    def _new(self) -> tuple[ReadBatch, RowBuilder]:
        return ReadBatch(), RowBuilder(platform=self.platform)

    def _read_block(self, block: Block, shift: int = 0) -> Iterator[ReadBatch]:
        batch, rows = self._new()
        for offset, raw in enumerate(block.data.split(b"\n")):
            if not raw.strip():
                continue
            line = block.line_of(offset) + shift
            try:
                record = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                batch.rejected.append(
                    Rejected(self.path, line, f"not valid JSON: {exc.msg}", None, excerpt(raw))
                )
                continue
            self._one(record, line, raw, batch, rows)
            if len(rows) + len(batch.rejected) >= _BATCH:
                batch.posts = rows.table()
                yield batch
                batch, rows = self._new()
        batch.posts = rows.table()
        yield batch

    def _read_document(self) -> Iterator[ReadBatch]:
        handle = open_binary(self.path)
        try:
            data = handle.read(DOCUMENT_LIMIT + 1)
        except (OSError, EOFError, ValueError) as exc:
            raise InputError(f"cannot decompress: {exc}", path=self.path) from None
        finally:
            handle.close()
        if len(data) > DOCUMENT_LIMIT:
            raise InputError(
                f"JSON document larger than {DOCUMENT_LIMIT >> 20} MiB: split it first",
                path=self.path,
            )
        documents = self._documents(data)
        del data
        batch, rows = self._new()
        records = (r for document in documents for r in self.document_records(document))
        for position, record in enumerate(records, start=1):
            self._one(record, position, None, batch, rows)
            if len(rows) + len(batch.rejected) >= _BATCH:
                batch.posts = rows.table()
                yield batch
                batch, rows = self._new()
        batch.posts = rows.table()
        yield batch

    def _documents(self, data: bytes) -> list[Any]:
        """One JSON document, or one a line (saved API pages)."""
        try:
            return [orjson.loads(data)]
        except orjson.JSONDecodeError as exc:
            error = exc
        lines = [line for line in data.split(b"\n") if line.strip()]
        if len(lines) > 1:
            try:
                pages = [orjson.loads(line) for line in lines]
            except orjson.JSONDecodeError:
                pages = []
            if pages and all(self.claims_document(page) for page in pages):
                return pages
        line = data[: error.pos].count(b"\n") + 1 if error.pos is not None else None
        raise InputError(f"broken JSON document: {error.msg}", path=self.path, line=line)

    def _one(
        self, record: Any, line: int, raw: bytes | None, batch: ReadBatch, rows: RowBuilder
    ) -> None:
        try:
            if not isinstance(record, dict):
                raise RecordProblem("not a JSON object")
            post = self.convert(record)
            if not isinstance(post.get("id"), str) or not post["id"]:
                raise RecordProblem("no post id", "id")
        except Notice as notice:
            batch.notices[notice.kind] += 1
            return
        except RecordProblem as problem:
            batch.rejected.append(
                Rejected(self.path, line, problem.reason, problem.field, self._excerpt(record, raw))
            )
            return
        except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError) as exc:
            batch.rejected.append(
                Rejected(
                    self.path,
                    line,
                    f"unexpected record shape ({type(exc).__name__})",
                    None,
                    self._excerpt(record, raw),
                )
            )
            return
        if post.get("text") is None:
            post["text"] = ""  # a post without words (media only, deleted) is still a post
        rows.add(**post, source_format=self.name, source_file=self.path, source_line=line)

    @staticmethod
    def _excerpt(record: Any, raw: bytes | None) -> str:
        if raw is not None:
            return excerpt(raw)
        try:
            return excerpt(orjson.dumps(record))
        except (TypeError, orjson.JSONEncodeError):
            return ""
