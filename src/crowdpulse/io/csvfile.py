"""Reader for CSV exports: twarc-csv output, the CrisisLexT26 files, any CSV with a column map.

A column map names, for each post field, the CSV column that holds it. Two presets
are recognised from the header:

- ``twarc-csv``: the columns twarc-csv 0.7.2 writes (``id``, ``created_at``,
  ``author_id``, ``author.username``, ``entities.hashtags``, ...). Its conventions are
  undone so that a twarc-csv file gives the same posts as the JSON it was made from:
  hashtags (``["#Tag"]``) and mentions (``["@user"]``) lose their prefixes; the
  ``\\n`` twarc-csv writes for every newline becomes a newline again in the text and
  the profile location (twarc-csv does not escape backslashes, so a literal ``\\n``
  typed by a user cannot be told apart and is turned into a newline too); a retweet,
  whose text and entities twarc-csv replaces by the retweeted post's, gets back the
  ``RT @handle: `` prefix and the retweeted author as its first mention, as the API
  text reads; mention ids are filled from the record's own id columns (the retweeted,
  replied-to and quoted users, the author) where the handle matches.
- ``crisislex``: the CrisisLex files (``Tweet ID``, ``Tweet Text``, ``Information Type``
  as the post's ``label``). CrisisLexT26's labelled files carry no time; when the
  event's ``*-tweetids_entire_period.csv`` lies beside the file, each post's time is
  joined from it by id. A file in which no post has a time is read with a warning.

Any other CSV needs a map (``{"text": "content", "created_at": "date", ...}``). Where
no column gives hashtags, mentions or URLs, they are taken from the text; where no
column says what a post is, a text starting ``RT @x`` is a retweet of ``x``, a text
starting with mentions a reply to the first, and a link to
``twitter.com/<user>/status/<id>`` at its end a quote. Without an id column, each
post gets a stable id made from the file name, the line and the record
(``csv-<16 hex>``). The HTML escapes of the Twitter APIs (``&amp; &lt; &gt;``) are
undone. Constant fields (``--set mention_handles=@account``) fill every post: a list
field gets the constant first (unless the record already has it), a scalar field
fills records that have no value.

Times are parsed by :class:`~crowdpulse.io.timeparse.TimeParser` (ISO 8601,
``created_at``, epochs, spreadsheet forms, ``--time-format``, ``--timezone``).

Encodings: without ``encoding`` the file is read as UTF-8. A record with bytes that
are not UTF-8 is, when the file has shown no valid non-ASCII UTF-8 before it (nor in
the record itself), taken for a legacy export: its undecodable bytes are decoded as
Windows-1252 (bytes that code page leaves undefined as Latin-1), the record is kept
and counted (:attr:`CsvReader.decoded_fallback`). In a file that is UTF-8 elsewhere,
such bytes are damage and the record is quarantined. With ``encoding`` the file is
decoded with it and undecodable records are quarantined. Lines may end in ``\\n``, ``\\r\\n`` or the
classic Mac ``\\r``.

Physical records are counted honestly: a record that runs over several lines and
then does not have the header's column count (an unclosed quote swallowing the rows
after it), or that runs over more than :data:`MAX_RECORD_LINES` lines, is split: its
first line is quarantined with the span it would have swallowed, and the lines after
it are read again as records of their own. ``source_line`` is the physical line on
which a record starts. Header names are compared trimmed and case-insensitively.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.io.records import ReadBatch, Rejected, excerpt
from crowdpulse.io.rows import RowBuilder, unescape_html
from crowdpulse.io.source import as_text_stream, open_binary
from crowdpulse.io.timeparse import TimeParser, parse_time_value
from crowdpulse.schema import POST_SCHEMA

__all__ = [
    "CSV_PRESETS",
    "MAX_RECORD_LINES",
    "CsvReader",
    "detect_csv_preset",
    "parse_constants",
]

logger = logging.getLogger(__name__)

#: Largest field, in characters (Python's csv limit; a longer field is an error).
MAX_FIELD_CHARS = 1 << 24
csv.field_size_limit(MAX_FIELD_CHARS)

#: A record running over more lines than this is taken for an unclosed quote and split.
MAX_RECORD_LINES = 300

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
        # Long posts, when the export has these columns (--extra-input-columns): the
        # full text and its entities, used where not empty.
        "note_text": ("note_tweet.text",),
        "note_hashtags": ("note_tweet.entities.hashtags",),
        "note_mentions": ("note_tweet.entities.mentions",),
        "note_urls": ("note_tweet.entities.urls",),
    },
    "crisislex": {
        "id": ("tweet id", "tweet-id"),
        "text": ("tweet text", "tweet"),
        "label": ("information type", "label"),
        "created_at": ("timestamp",),
    },
}

_LIST_FIELDS = ("mention_handles", "mention_ids", "hashtags", "urls")
_SCALARS = (
    "author_id", "author_handle", "author_location", "lang", "retweeted_id",
    "retweeted_author_id", "retweeted_author_handle", "quoted_id", "quoted_author_id",
    "quoted_author_handle", "reply_to_id", "reply_to_author_id", "reply_to_author_handle",
    "place_country_code", "label",
)  # fmt: skip
_HASHTAG = re.compile(r"(?<![\w&])[#＃](\w+)")
_MENTION = re.compile(r"(?<![\w@])[@＠](\w{1,15})")
_URL = re.compile(r"https?://\S+")
_RT = re.compile(r"^\s*RT\s*[@＠](\w{1,15})\b")
_LEADING = re.compile(r"^\s*[.]?[@＠](\w{1,15})\b")
_QUOTE_URL = re.compile(
    r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(\w{1,15})/status(?:es)?/(\d+)\S*\s*$"
)
_FALLBACK_ENCODING = "cp1252"


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


def parse_constants(pairs: Iterable[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    """Check constant fields (``FIELD=VALUE``) and normalise their values.

    List fields take comma-separated values; handles lose ``@`` and are lower-cased,
    hashtags lose ``#``.

    Args:
        pairs: ``FIELD=VALUE`` strings, or a mapping (from an event TOML).

    Returns:
        Field -> value (a list for list fields).

    Raises:
        ConfigError: A pair without ``=`` or an unknown field.
    """
    if not pairs:
        return {}
    items: list[tuple[str, Any]] = []
    if isinstance(pairs, Mapping):
        items = list(pairs.items())
    else:
        for pair in pairs:
            name, sep, value = str(pair).partition("=")
            if not sep or not name.strip():
                raise ConfigError(f"expected FIELD=VALUE, got {pair!r}", field="--set")
            items.append((name.strip(), value.strip()))
    allowed = set(_SCALARS) | {"mention_handles", "hashtags", "urls", "lang", "text"}
    allowed -= {"text"}
    constants: dict[str, Any] = {}
    for name, value in items:
        if name not in allowed:
            raise ConfigError(
                f"cannot set {name!r}; settable fields: {', '.join(sorted(allowed))}",
                field="--set",
            )
        if name in _LIST_FIELDS:
            parts = value if isinstance(value, list) else str(value).split(",")
            cleaned = [str(p).strip() for p in parts if str(p).strip()]
            if name == "mention_handles":
                cleaned = [p.lstrip("@＠").lower() for p in cleaned]
            elif name == "hashtags":
                cleaned = [p.lstrip("#＃").lower() for p in cleaned]
            constants[name] = cleaned
        else:
            text = str(value).strip()
            if name.endswith("_handle"):
                text = text.lstrip("@＠")
            constants[name] = text or None
    return constants


def _clean_id(value: str) -> str:
    return value.strip().strip("'\"").strip()


_SPLIT = re.compile(r"[\s,;]+")


def _list_cell(value: str) -> list[Any] | None:
    """The items of a list cell: a JSON list, or words separated by commas or spaces.

    Returns:
        The non-null items, or None for a cell that starts like JSON but is not a list.
    """
    stripped = value.strip()
    if stripped[:1] in ("[", "{", '"'):
        parsed = _json_list(stripped)
        return None if parsed is None else [item for item in parsed if item is not None]
    return [word for word in _SPLIT.split(stripped) if word]


def _json_list(value: str) -> list[Any] | None:
    if not value.strip():
        return []
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, list) else None


_ESCAPED = re.compile("[\udc80-\udcff]+")


def _fix_encoding(cell: str) -> str:
    """Decode the bytes that were not UTF-8 in a cell as Windows-1252 (else Latin-1).

    The cell was read as UTF-8 with undecodable bytes escaped (``surrogateescape``);
    its valid UTF-8 characters are kept, each run of escaped bytes is decoded.
    """

    def decode(found: re.Match[str]) -> str:
        data = found.group(0).encode("utf-8", errors="surrogateescape")
        return "".join(
            bytes([b]).decode(_FALLBACK_ENCODING, errors="ignore") or chr(b) for b in data
        )

    return _ESCAPED.sub(decode, cell)


def _has_escapes(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


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
                    parsed = parse_time_value(row[0])
                    if parsed is not None:
                        times[_clean_id(row[1])] = parsed
    return times


#: (handle column, id column) pairs of a twarc-csv file that name one account each.
_TWARC_ACCOUNTS = (
    ("author.username", "author_id"),
    ("author.username", "author.id"),
    ("in_reply_to_username", "in_reply_to_user_id"),
    ("retweeted_username", "retweeted_user_id"),
    ("quoted_username", "quoted_user_id"),
)


def _account_ids(path: str, header: list[str]) -> dict[str, str]:
    """Account id by lower-cased handle, from the account columns of a twarc-csv file.

    Read with Arrow's CSV reader (only those columns); a handle seen with two ids is
    left out. Any failure gives an empty map: the ids are an addition, never a need.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    present = {_norm(h): h for h in header}
    pairs = [(present[h], present[i]) for h, i in _TWARC_ACCOUNTS if h in present and i in present]
    wanted = sorted({c for pair in pairs for c in pair})
    if not pairs:
        return {}
    found: dict[str, str] = {}
    clashes: set[str] = set()
    try:
        with open_binary(path) as handle:
            batches = pcsv.open_csv(  # streamed: memory holds one block and the map
                handle,
                parse_options=pcsv.ParseOptions(
                    newlines_in_values=True, invalid_row_handler=lambda _row: "skip"
                ),
                convert_options=pcsv.ConvertOptions(
                    include_columns=wanted, column_types=dict.fromkeys(wanted, pa.string())
                ),
            )
            for batch in batches:
                for handle_column, id_column in pairs:
                    names = batch.column(handle_column).to_pylist()
                    ids = batch.column(id_column).to_pylist()
                    for name, account in zip(names, ids, strict=True):
                        if not name or not account:
                            continue
                        key = name.strip().lstrip("@").lower()
                        account = account.strip()
                        if found.setdefault(key, account) != account:
                            clashes.add(key)
    except (pa.ArrowException, OSError, ValueError):
        return {}
    for key in clashes:
        del found[key]
    return found


class _Lines:
    """Physical lines of a text stream with their numbers, and lines pushed back."""

    def __init__(self, handle: Iterable[str]) -> None:
        self._source = iter(handle)
        self._back: deque[tuple[int, str]] = deque()
        self._next_number = 1
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._back:
            item = self._back.popleft()
        else:
            line = next(self._source)
            item = (self._next_number, line)
            self._next_number += 1
        self.taken.append(item)
        return item[1]

    def start(self) -> None:
        """Begin a record: forget the lines of the previous one."""
        self.taken = []

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        """Read these lines again, before the rest of the stream."""
        self._back.extendleft(reversed(lines))


class CsvReader:
    """Read one CSV file into normalised posts.

    Args:
        path: The file (may be compressed).
        column_map: Post field -> CSV column; overrides or replaces the preset.
        preset: ``"twarc-csv"`` or ``"crisislex"``; detected from the header if None.
        batch_size: Posts per batch.
        time_format: ``strftime`` format of the time column (recognised if None).
        timezone: IANA zone of times without an offset (UTC if None).
        encoding: The file's encoding; None reads UTF-8 with a per-field Windows-1252
            fallback.
        constants: Constant fields (see :func:`parse_constants`).

    Attributes:
        decoded_fallback: Records in which a field was not UTF-8 and was decoded as
            Windows-1252 / Latin-1.
        split_records: Records that swallowed lines (an unclosed quote) and were split.
        without_time: Posts kept without a time.

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
        time_format: str | None = None,
        timezone: str | None = None,
        encoding: str | None = None,
        constants: Mapping[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.column_map = dict(column_map or {})
        self.preset = preset
        self.batch_size = batch_size
        self.encoding = encoding
        self.constants = parse_constants(constants) if constants else {}
        self.times = TimeParser(time_format, timezone, path)
        self.incomplete = 0
        self.api_errors = 0
        self.decoded_fallback = 0
        self.split_records = 0
        self.without_time = 0
        self.kept_rows = 0
        self._utf8_seen = False
        self._accounts: dict[str, str] = {}
        self.source_format = "csv"

    @property
    def report(self) -> dict[str, int]:
        """Per-file notes for the ingest summary (only those that happened)."""
        notes = {
            "decoded_fallback": self.decoded_fallback,
            "split_records": self.split_records,
            "without_time": self.without_time,
        }
        return {k: v for k, v in notes.items() if v}

    def _resolve(self, header: list[str]) -> dict[str, int]:
        index = {_norm(h): i for i, h in enumerate(header)}
        preset = self.preset or detect_csv_preset(header)
        if preset is None and not self.column_map:
            raise InputError(
                "CSV columns not recognised (neither twarc-csv nor CrisisLex); "
                "map them with --csv-map text=COLUMN,created_at=COLUMN,...",
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
        known |= {"note_text", "note_hashtags", "note_mentions", "note_urls"}
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
        if "text" not in columns:
            raise InputError(
                "no column for a required post field", path=self.path, line=1, field="text"
            )
        return columns

    def read(self) -> Iterator[ReadBatch]:
        """Yield batches of posts and rejects from the file."""
        handle = as_text_stream(open_binary(self.path))
        if self.encoding is not None:
            encoding = self.encoding
            if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
                encoding = "utf-8-sig"  # drop a byte-order mark, as without --encoding
            try:
                handle.reconfigure(encoding=encoding, errors="surrogateescape")
            except LookupError:
                handle.close()
                raise ConfigError(
                    f"unknown encoding {self.encoding!r}", field="--encoding"
                ) from None
        else:
            handle.reconfigure(errors="surrogateescape")
        try:
            yield from self._read(handle)
        finally:
            handle.close()

    def _records(self, lines: _Lines, width: int) -> Iterator[tuple[int, list[str], str | None]]:
        """Yield ``(line, row, problem)`` per physical record, splitting swallowing ones."""
        reader = csv.reader(lines)
        while True:
            lines.start()
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                taken = list(lines.taken)
                reader = csv.reader(lines)
                if not taken:
                    return
                if len(taken) > 1:
                    self.split_records += 1
                    lines.push_back(taken[1:])
                yield taken[0][0], [taken[0][1]], f"malformed CSV: {exc}"
                continue
            taken = list(lines.taken)
            if not taken:
                continue
            first = taken[0][0]
            span = len(taken)
            if span > 1 and (len(row) != width or span > MAX_RECORD_LINES):
                self.split_records += 1
                lines.push_back(taken[1:])
                last = taken[-1][0]
                yield (
                    first,
                    [taken[0][1]],
                    f"unbalanced quote: the record would run over lines {first}-{last} "
                    f"({span} lines, {len(row)} of {width} columns); its first line is "
                    "quarantined and the lines after it read again",
                )
                continue
            yield first, row, None

    def _read(self, handle: Any) -> Iterator[ReadBatch]:
        lines = _Lines(handle)
        try:
            header = next(csv.reader(lines))
        except StopIteration:
            raise InputError("empty CSV file", path=self.path) from None
        except csv.Error as exc:
            raise InputError(f"malformed CSV header: {exc}", path=self.path, line=1) from None
        if self.encoding is None and any(_has_escapes(h) for h in header):
            header = [_fix_encoding(h) if _has_escapes(h) else h for h in header]
        columns = self._resolve(header)
        if self.preset == "twarc-csv" and self.path != "-" and self.encoding is None:
            self._accounts = _account_ids(self.path, header)
        times = (
            _sibling_times(Path(self.path))
            if self.preset == "crisislex" and "created_at" not in columns and self.path != "-"
            else {}
        )
        width = len(header)
        records = self._records(lines, width)
        sample: list[tuple[int, list[str], str | None]] = []
        if "created_at" in columns:
            at = columns["created_at"]
            for item in records:
                sample.append(item)
                if len(sample) >= 5000:
                    break
            self.times.learn(row[at] for _, row, problem in sample if not problem and len(row) > at)
        batch, rows = ReadBatch(), RowBuilder()
        for line, row, problem in _chain(sample, records):
            if problem is not None:
                batch.rejected.append(Rejected(self.path, line, problem, None, _safe(row[0])))
            elif not any(cell.strip() for cell in row):
                continue
            else:
                self._row(row, width, columns, times, line, rows, batch)
            if len(rows) + len(batch.rejected) >= self.batch_size:
                batch.posts = rows.table()
                yield batch
                batch, rows = ReadBatch(), RowBuilder()
        batch.posts = rows.table()
        yield batch
        if self.kept_rows and self.without_time == self.kept_rows:
            logger.warning(
                "%s: no post has a time (%d posts): time windows, rates and change points "
                "need one; map a time column (--csv-map created_at=COLUMN)",
                self.path,
                self.kept_rows,
            )

    def _row(
        self,
        row: list[str],
        width: int,
        columns: dict[str, int],
        times: dict[str, datetime],
        line: int,
        rows: RowBuilder,
        batch: ReadBatch,
    ) -> None:
        raw = ",".join(row)
        if len(row) != width:
            reason = f"expected {width} columns, found {len(row)}"
            batch.rejected.append(Rejected(self.path, line, reason, None, _safe(raw)))
            return
        if _has_escapes(raw):
            if self.encoding is not None:
                reason = f"not valid {self.encoding}"
                batch.rejected.append(Rejected(self.path, line, reason, None, _safe(raw)))
                return
            if self._utf8_seen or not _ESCAPED.sub("", raw).isascii():
                # Valid UTF-8 beside the bad bytes: the file is UTF-8 and they are damage.
                reason = "invalid UTF-8 in a UTF-8 file (give --encoding to read it otherwise)"
                batch.rejected.append(Rejected(self.path, line, reason, None, _safe(raw)))
                return
            row = [_fix_encoding(c) if _has_escapes(c) else c for c in row]
            self.decoded_fallback += 1
        elif not self._utf8_seen and not raw.isascii():
            self._utf8_seen = True
        problem = self._add(row, columns, times, line, rows)
        if problem is not None:
            batch.rejected.append(Rejected(self.path, line, problem[1], problem[0], _safe(raw)))

    def _add(
        self,
        row: list[str],
        columns: dict[str, int],
        times: dict[str, datetime],
        line: int,
        rows: RowBuilder,
    ) -> tuple[str, str] | None:
        twarc = self.preset == "twarc-csv"

        def cell(name: str) -> str | None:
            i = columns.get(name)
            if i is None:
                return None
            value = row[i].strip()
            return value or None

        text = row[columns["text"]]
        if "note_text" in columns and row[columns["note_text"]].strip():
            text = row[columns["note_text"]]
            for name in ("hashtags", "mentions", "urls"):
                note = f"note_{name}"
                if note in columns and row[columns[note]].strip():
                    columns = {**columns, name: columns[note]}
        if not text.strip():
            return ("text", "missing field")
        if twarc:
            text = text.replace("\\n", "\n")
        text = unescape_html(text)
        if "id" in columns:
            post_id = _clean_id(cell("id") or "")
            if not post_id:
                return ("id", "missing field")
        else:
            digest = hashlib.sha256(
                "\x1f".join([Path(self.path).name, str(line), *row]).encode("utf-8", "replace")
            ).hexdigest()
            post_id = f"csv-{digest[:16]}"
        created = None
        raw_time = cell("created_at")
        if raw_time is not None:
            created = self.times.parse(raw_time)
            if created is None:
                return ("created_at", f"not a time: {raw_time[:40]!r}")
        else:
            created = times.get(post_id)
        values: dict[str, Any] = {name: cell(name) for name in _SCALARS}
        for name in ("author_handle", "retweeted_author_handle", "quoted_author_handle",
                     "reply_to_author_handle"):  # fmt: skip
            if values[name]:
                values[name] = values[name].lstrip("@＠") or None
        if twarc and values["author_location"]:
            values["author_location"] = values["author_location"].replace("\\n", "\n")
        if "hashtags" in columns:
            tags = _list_cell(row[columns["hashtags"]])
            if tags is None:
                return ("hashtags", "not a JSON list")
            values["hashtags"] = [
                str(t.get("tag", "") if isinstance(t, dict) else t).lstrip("#＃").lower()
                for t in tags
            ]
        else:
            values["hashtags"] = [t.lower() for t in _HASHTAG.findall(text)]
        if "mentions" in columns:
            mentions = _list_cell(row[columns["mentions"]])
            if mentions is None:
                return ("mentions", "not a JSON list")
            dicts = [m if isinstance(m, dict) else {"username": m} for m in mentions]
            handles = [
                str(m.get("username") or m.get("screen_name") or "").lstrip("@＠").lower() or None
                for m in dicts
            ]
            ids = [
                m.get("id") or m.get("id_str")
                if isinstance(m.get("id") or m.get("id_str"), str)
                else None
                for m in dicts
            ]
        else:
            handles = [h.lower() for h in _MENTION.findall(text)]
            ids = [None] * len(handles)
        if "urls" in columns:
            urls = _list_cell(row[columns["urls"]])
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
            try:
                lon, lat = float(parsed[0]), float(parsed[1])
            except (TypeError, ValueError):
                return ("coordinates", "not a pair of numbers")
            if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
                return ("coordinates", "outside [-180, 180] x [-90, 90]")
            values["longitude"], values["latitude"] = lon, lat
        if twarc:
            self._twarc_retweet(values, handles, ids)
            text = self._rt_text(text, values)
        else:
            self._infer_kind(text, columns, values)
        self._mention_ids(values, handles, ids, self._accounts)
        for name, constant in self.constants.items():
            if name == "mention_handles":
                for handle in reversed(constant):
                    if handle not in handles:
                        handles.insert(0, handle)
                        ids.insert(0, None)
            elif name in ("hashtags", "urls"):
                values[name] = [c for c in constant if c not in values[name]] + values[name]
            elif values.get(name) is None:
                values[name] = constant
        values["mention_handles"], values["mention_ids"] = handles, ids
        if created is None:
            self.without_time += 1
        self.kept_rows += 1
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

    @staticmethod
    def _twarc_retweet(values: dict[str, Any], handles: list[Any], ids: list[Any]) -> None:
        """Put the retweeted author first among a retweet's mentions, as the API text reads."""
        handle = values.get("retweeted_author_handle")
        if values.get("retweeted_id") and handle and handles[:1] != [handle.lower()]:
            # (twarc-csv keeps the retweet's own entities, which start with the
            # retweeted author, when the expansion of the retweeted post has none.)
            handles.insert(0, handle.lower())
            ids.insert(0, values.get("retweeted_author_id"))

    @staticmethod
    def _rt_text(text: str, values: dict[str, Any]) -> str:
        handle = values.get("retweeted_author_handle")
        if values.get("retweeted_id") and handle and not text.startswith("RT @"):
            return f"RT @{handle}: {text}"
        return text

    @staticmethod
    def _infer_kind(text: str, columns: dict[str, int], values: dict[str, Any]) -> None:
        """Recognise a retweet, reply or quote from the text where no column says so."""
        given = set(columns)
        if not given & {"retweeted_id", "retweeted_author_id", "retweeted_author_handle"}:
            found = _RT.match(text)
            if found is not None:
                values["retweeted_author_handle"] = found.group(1)
                return
        if not given & {"reply_to_id", "reply_to_author_id", "reply_to_author_handle"}:
            found = _LEADING.match(text)
            if found is not None:
                values["reply_to_author_handle"] = found.group(1)
        if not given & {"quoted_id", "quoted_author_id", "quoted_author_handle"}:
            found = _QUOTE_URL.search(text)
            if found is not None:
                values["quoted_author_handle"], values["quoted_id"] = found.group(1), found.group(2)

    @staticmethod
    def _mention_ids(
        values: dict[str, Any], handles: list[Any], ids: list[Any], accounts: dict[str, str]
    ) -> None:
        """Fill mention ids from the record's own (handle, id) columns, else the file's."""
        known: dict[str, str] = dict(accounts)
        for handle_name, id_name in (
            ("author_handle", "author_id"),
            ("quoted_author_handle", "quoted_author_id"),
            ("reply_to_author_handle", "reply_to_author_id"),
            ("retweeted_author_handle", "retweeted_author_id"),
        ):
            handle, user_id = values.get(handle_name), values.get(id_name)
            if handle and user_id:
                known[handle.lower()] = user_id
        for i, handle in enumerate(handles):
            if ids[i] is None and handle in known:
                ids[i] = known[handle]


def _chain(
    first: list[tuple[int, list[str], str | None]],
    rest: Iterator[tuple[int, list[str], str | None]],
) -> Iterator[tuple[int, list[str], str | None]]:
    yield from first
    yield from rest


def _safe(raw: str) -> str:
    return excerpt(raw.encode("utf-8", errors="surrogateescape"))
