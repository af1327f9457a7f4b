"""Reader for CSV exports: twarc-csv output, the CrisisLexT26 files, any CSV with a column map.

A column map names, for each post field, the CSV column that holds it. Two presets
are recognised from the header:

- ``twarc-csv``: twarc-csv's columns (``id``, ``created_at``, ``author_id``,
  ``author.username``, ``entities.hashtags`` as JSON, ...).
- ``crisislex``: the CrisisLex files (``Tweet ID``, ``Tweet Text``, ``Information Type``
  as the post's ``label``). CrisisLexT26's labelled files carry no time; when the
  event's ``*-tweetids_entire_period.csv`` lies beside the file, each post's time is
  joined from it by id.

Any other CSV needs a map (``{"id": "tweet_id", "text": "content", ...}``). Where no
column gives hashtags, mentions or URLs, they are taken from the text. Header names
are compared trimmed and case-insensitively. ``source_line`` is the physical line on
which the CSV record starts.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from crowdpulse.exceptions import InputError
from crowdpulse.io.records import ReadBatch, Rejected, excerpt
from crowdpulse.io.rows import RowBuilder, parse_iso_time
from crowdpulse.io.source import as_text_stream, open_binary
from crowdpulse.schema import POST_SCHEMA

__all__ = ["CSV_PRESETS", "CsvReader", "detect_csv_preset"]

csv.field_size_limit(1 << 24)

#: Post field -> candidate CSV columns (the first present is used), per preset.
CSV_PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    "twarc-csv": {
        "id": ("id",),
        "created_at": ("created_at",),
        "author_id": ("author_id", "author.id"),
        "author_handle": ("author.username",),
        "author_location": ("author.location",),
        "text": ("text",),
        "lang": ("lang",),
        "retweeted_id": ("referenced_tweets.retweeted.id",),
        "retweeted_author_id": ("retweeted_user_id", "referenced_tweets.retweeted.author_id"),
        "retweeted_author_handle": ("retweeted_username", "retweeted_user.username"),
        "quoted_id": ("referenced_tweets.quoted.id",),
        "quoted_author_id": ("quoted_user_id", "referenced_tweets.quoted.author_id"),
        "quoted_author_handle": ("quoted_username", "quoted_user.username"),
        "reply_to_id": ("referenced_tweets.replied_to.id",),
        "reply_to_author_id": ("in_reply_to_user_id", "in_reply_to_user.id"),
        "reply_to_author_handle": ("in_reply_to_username", "in_reply_to_user.username"),
        "hashtags": ("entities.hashtags",),
        "mentions": ("entities.mentions",),
        "urls": ("entities.urls",),
        "coordinates": ("geo.coordinates.coordinates",),
        "place_country_code": ("geo.country_code", "geo.place.country_code"),
    },
    "crisislex": {
        "id": ("tweet id", "tweet-id"),
        "text": ("tweet text", "tweet"),
        "label": ("information type", "label"),
        "created_at": ("timestamp",),
    },
}

_HASHTAG = re.compile(r"(?<![\w&])[#＃](\w+)")
_MENTION = re.compile(r"(?<![\w@])[@＠](\w{1,15})")
_URL = re.compile(r"https?://\S+")
_TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"


def _norm(name: str) -> str:
    return name.strip().lower()


def detect_csv_preset(header: list[str]) -> str | None:
    """Name the preset whose columns a CSV header has, or None.

    Args:
        header: The CSV's first row.

    Returns:
        ``"twarc-csv"``, ``"crisislex"`` or None.
    """
    names = {_norm(h) for h in header}
    if {"id", "text"} <= names and ({"author.username", "entities.hashtags", "author_id"} & names):
        return "twarc-csv"
    if names & {"tweet id", "tweet-id"} and names & {"tweet text", "tweet"}:
        return "crisislex"
    return None


def _parse_time(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    parsed = parse_iso_time(value.replace(" ", "T", 1) if value[4:5] == "-" else value)
    if parsed is not None:
        return parsed
    try:
        return datetime.strptime(value, _TWITTER_TIME).astimezone(UTC)
    except ValueError:
        pass
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _clean_id(value: str) -> str:
    return value.strip().strip("'\"").strip()


def _json_list(value: str) -> list[Any] | None:
    if not value.strip():
        return []
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, list) else None


def _sibling_times(path: Path) -> dict[str, datetime]:
    """Times by post id from a CrisisLexT26 ``*-tweetids_entire_period.csv`` beside ``path``."""
    siblings = sorted(path.parent.glob("*tweetids_entire_period.csv"))
    times: dict[str, datetime] = {}
    for sibling in siblings:
        with open(sibling, encoding="utf-8", errors="replace", newline="") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            for row in reader:
                if len(row) >= 2:
                    parsed = _parse_time(row[0])
                    if parsed is not None:
                        times[_clean_id(row[1])] = parsed
    return times


class CsvReader:
    """Read one CSV file into normalised posts.

    Args:
        path: The file (may be compressed).
        column_map: Post field -> CSV column; overrides or replaces the preset.
        preset: ``"twarc-csv"`` or ``"crisislex"``; detected from the header if None.
        batch_size: Posts per batch.

    Raises:
        InputError: The header matches no preset and no map is given, or a mapped
            column is missing.
    """

    def __init__(
        self,
        path: str,
        *,
        column_map: Mapping[str, str] | None = None,
        preset: str | None = None,
        batch_size: int = 50_000,
    ) -> None:
        self.path = path
        self.column_map = dict(column_map or {})
        self.preset = preset
        self.batch_size = batch_size
        self.incomplete = 0
        self.api_errors = 0
        self.source_format = "csv"

    def _resolve(self, header: list[str]) -> dict[str, int]:
        index = {_norm(h): i for i, h in enumerate(header)}
        preset = self.preset or detect_csv_preset(header)
        if preset is None and not self.column_map:
            raise InputError(
                "CSV columns not recognised (neither twarc-csv nor CrisisLex); "
                "map them with --csv-map id=COLUMN,text=COLUMN,...",
                path=self.path,
                line=1,
            )
        if preset is not None and preset not in CSV_PRESETS:
            raise InputError(f"unknown CSV preset {preset!r}", path=self.path)
        self.preset = preset
        columns: dict[str, int] = {}
        for name, candidates in (CSV_PRESETS.get(preset or "", {})).items():
            found = next((index[_norm(c)] for c in candidates if _norm(c) in index), None)
            if found is not None:
                columns[name] = found
        known = set(POST_SCHEMA.names) | {"mentions", "coordinates"}
        for name, column in self.column_map.items():
            if name not in known:
                raise InputError(f"cannot map unknown post field {name!r}", path=self.path)
            if _norm(column) not in index:
                raise InputError(
                    f"mapped column {column!r} is not in the header",
                    path=self.path,
                    line=1,
                    field=name,
                )
            columns[name] = index[_norm(column)]
        for required in ("id", "text"):
            if required not in columns:
                raise InputError(
                    "no column for a required post field", path=self.path, line=1, field=required
                )
        return columns

    def read(self) -> Iterator[ReadBatch]:
        """Yield batches of posts and rejects from the file."""
        handle = as_text_stream(open_binary(self.path))
        handle.reconfigure(errors="surrogateescape")
        try:
            yield from self._read(handle)
        finally:
            handle.close()

    def _read(self, handle: Any) -> Iterator[ReadBatch]:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError("empty CSV file", path=self.path) from None
        columns = self._resolve(header)
        times = (
            _sibling_times(Path(self.path))
            if self.preset == "crisislex" and "created_at" not in columns and self.path != "-"
            else {}
        )
        width = len(header)
        batch, rows = ReadBatch(), RowBuilder()
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                batch.rejected.append(Rejected(self.path, start, f"malformed CSV: {exc}"))
                start = reader.line_num + 1
                continue
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            raw = ",".join(row)
            if len(row) != width:
                reason = f"expected {width} columns, found {len(row)}"
                batch.rejected.append(Rejected(self.path, line, reason, None, _safe(raw)))
            elif any("\udc80" <= ch <= "\udcff" for ch in raw):
                batch.rejected.append(Rejected(self.path, line, "invalid UTF-8", None, _safe(raw)))
            else:
                problem = self._add(row, columns, times, line, rows)
                if problem is not None:
                    batch.rejected.append(
                        Rejected(self.path, line, problem[1], problem[0], _safe(raw))
                    )
            if len(rows) + len(batch.rejected) >= self.batch_size:
                batch.posts = rows.table()
                yield batch
                batch, rows = ReadBatch(), RowBuilder()
        batch.posts = rows.table()
        yield batch

    def _add(
        self,
        row: list[str],
        columns: dict[str, int],
        times: dict[str, datetime],
        line: int,
        rows: RowBuilder,
    ) -> tuple[str, str] | None:
        def cell(name: str) -> str | None:
            i = columns.get(name)
            if i is None:
                return None
            value = row[i].strip()
            return value or None

        post_id = _clean_id(cell("id") or "")
        if not post_id:
            return ("id", "missing field")
        text = row[columns["text"]]
        if not text.strip():
            return ("text", "missing field")
        created = None
        raw_time = cell("created_at")
        if raw_time is not None:
            created = _parse_time(raw_time)
            if created is None:
                return ("created_at", f"not a time: {raw_time[:40]!r}")
        else:
            created = times.get(post_id)
        values: dict[str, Any] = {}
        for name in (
            "author_id", "author_handle", "author_location", "lang", "retweeted_id",
            "retweeted_author_id", "retweeted_author_handle", "quoted_id", "quoted_author_id",
            "quoted_author_handle", "reply_to_id", "reply_to_author_id", "reply_to_author_handle",
            "place_country_code", "label",
        ):  # fmt: skip
            values[name] = cell(name)
        if "hashtags" in columns:
            tags = _json_list(row[columns["hashtags"]])
            if tags is None:
                return ("hashtags", "not a JSON list")
            values["hashtags"] = [
                str(t.get("tag", "") if isinstance(t, dict) else t).lower() for t in tags
            ]
        else:
            values["hashtags"] = [t.lower() for t in _HASHTAG.findall(text)]
        if "mentions" in columns:
            mentions = _json_list(row[columns["mentions"]])
            if mentions is None:
                return ("mentions", "not a JSON list")
            dicts = [m if isinstance(m, dict) else {"username": m} for m in mentions]
            values["mention_ids"] = [m.get("id") for m in dicts]
            values["mention_handles"] = [
                str(m.get("username") or "").lower() or None for m in dicts
            ]
        else:
            handles = [h.lower() for h in _MENTION.findall(text)]
            values["mention_ids"] = [None] * len(handles)
            values["mention_handles"] = handles
        if "urls" in columns:
            urls = _json_list(row[columns["urls"]])
            if urls is None:
                return ("urls", "not a JSON list")
            values["urls"] = [
                (u.get("expanded_url") or u.get("url")) if isinstance(u, dict) else str(u)
                for u in urls
            ]
        else:
            values["urls"] = _URL.findall(text)
        point = cell("coordinates")
        if point is not None:
            parsed = _json_list(point)
            if parsed is None or len(parsed) != 2:
                return ("coordinates", "not a JSON [longitude, latitude] pair")
            values["longitude"], values["latitude"] = float(parsed[0]), float(parsed[1])
        if values["author_handle"]:
            values["author_handle"] = values["author_handle"].lstrip("@")
        rows.add(
            id=post_id,
            created_at=created,
            text=text,
            source_format="csv",
            source_file=self.path,
            source_line=line,
            **values,
        )
        return None


def _safe(raw: str) -> str:
    return excerpt(raw.encode("utf-8", errors="surrogateescape"))
