"""The event description: one TOML file that every command takes.

An event names what was collected and what to look for in it. Example::

    name = "Paris attacks, November 2015"
    keywords = ["paris"]                 # optional: posts must contain one (case-insensitive)
    lang = "en"                          # optional: keep only this language
    start = "2015-11-13T21:00:00Z"       # optional time range, ISO 8601 (UTC if no offset)
    end = "2015-11-14T21:00:00Z"
    inputs = ["paris.jsonl.gz"]          # optional raw files, relative to this TOML
    affected_countries = ["FR"]          # ISO 3166-1 alpha-2, names, or ISO 3166-2 ("US-FL")

    [labels]                             # how posts get a solidarity label
    sheet = "annotations_paris.csv"      # a hashtag annotation sheet, relative to this TOML
    # column = "label"                   # or: a label column of the corpus ...
    # positive = ["Sympathy and support"]  # ... and the values that mean solidarity

    [firestorm]                          # optional
    target = "@klm"                      # an account (@) or a hashtag (#)
    bucket_minutes = 30
    window_buckets = 24

    [emojis]                             # optional
    bucket = "1D"                        # day buckets for temporal diffusion
    min_count = 25                       # leave out emojis under this count per bucket

    [ingest]                             # optional: how CSV inputs are read
    csv_map = {text = "text", created_at = "time", author_handle = "user"}
    time_format = "%m/%d/%y %H:%M"       # else recognised; ambiguous day/month is refused
    timezone = "Europe/Berlin"           # zone of times without an offset (default UTC)
    encoding = "latin-1"                 # default: UTF-8 with a Windows-1252 fallback
    set = {mention_handles = "@klm"}     # constant fields, e.g. replies to one account

    [privacy]                            # optional: pseudonymise accounts everywhere
    salt_env = "CROWDPULSE_SALT"         # the environment variable holding the secret salt
    quarantine_excerpts = "redact"       # or "pseudonymize" (JSON inputs)

:func:`load_event` validates every field and raises :class:`ConfigError` naming the
field that is wrong.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crowdpulse.exceptions import ConfigError

__all__ = [
    "EmojiSettings",
    "Event",
    "FirestormSettings",
    "LabelSource",
    "PrivacySettings",
    "event_from_dict",
    "event_to_toml",
    "load_event",
    "parse_time",
    "resolve_country",
]


@dataclass(frozen=True)
class LabelSource:
    """Where solidarity labels come from: a hashtag sheet or a corpus column.

    Attributes:
        sheet: Path of a hashtag annotation sheet (columns ``hashtags``, ``FREQUENCY``,
            ``annotator-1``, ``annotator-2``, ``annotations``), or None.
        column: Name of a corpus column holding labels (e.g. ``label``), or None.
        positive: With ``column``: the values that mean solidarity; every other
            non-null value means not solidarity.
    """

    sheet: Path | None = None
    column: str | None = None
    positive: tuple[str, ...] = ()


@dataclass(frozen=True)
class FirestormSettings:
    """The firestorm to look for.

    Attributes:
        target: The account (``@name``) or hashtag (``#tag``) the crowd turns on,
            lower-cased.
        bucket_minutes: Length of a time bucket (paper: 30).
        window_buckets: Buckets in a network window (paper: 24, i.e. 12 hours).
        preset: ``"early-warning"`` (episode alerts) or ``"paper"`` (the published
            per-series change points); see :mod:`crowdpulse.firestorm.monitor`.
        monitor: The ``[firestorm.monitor]`` table as ``(key, value)`` pairs
            (:class:`crowdpulse.firestorm.MonitorOptions` checks them).
    """

    target: str
    bucket_minutes: int = 30
    window_buckets: int = 24
    preset: str = "early-warning"
    monitor: tuple[tuple[str, Any], ...] = ()

    @property
    def kind(self) -> str:
        """``"mention"`` for an ``@account`` target, ``"hashtag"`` for a ``#tag``."""
        return "mention" if self.target.startswith("@") else "hashtag"

    @property
    def name(self) -> str:
        """The target without its ``@`` or ``#``."""
        return self.target[1:]


@dataclass(frozen=True)
class EmojiSettings:
    """Settings of the emoji analyses.

    Attributes:
        bucket: A pandas-style bucket size for temporal diffusion (``1D``, ``6h``...).
        min_count: Emojis with fewer occurrences in a bucket are left out
            (paper: 50 for Irma, 25 for Paris).
    """

    bucket: str = "1D"
    min_count: int = 25


@dataclass(frozen=True)
class PrivacySettings:
    """How an event's accounts are pseudonymised (see :mod:`crowdpulse.io.pseudonym`).

    Attributes:
        salt_env: Name of the environment variable that holds the secret salt.
        quarantine_excerpts: ``redact`` or ``pseudonymize``: what the quarantine
            keeps of a rejected record's raw text.
    """

    salt_env: str
    quarantine_excerpts: str = "redact"


@dataclass(frozen=True)
class Event:
    """A validated event description.

    Attributes:
        name: Human-readable name of the event.
        path: The TOML file it was read from (None when built in code).
        keywords: Lower-cased keywords; a post must contain one, if any are given.
        lang: Language to keep, or None for all.
        start: Start of the time range (UTC), or None.
        end: End of the time range (UTC), or None.
        inputs: Raw input files, resolved against the TOML's folder.
        affected_countries: ISO 3166-1 alpha-2 codes of the affected countries, and
            ISO 3166-2 codes (``US-FL``) of affected regions within a country.
        labels: Where solidarity labels come from, or None.
        firestorm: The firestorm to look for, or None.
        emojis: Settings of the emoji analyses.
        ingest: How CSV inputs are read (``csv_map``, ``time_format``, ``timezone``,
            ``encoding``, ``set``), as given; empty if not.
        privacy: Pseudonymisation, or None: ``salt_env`` names the environment
            variable that holds the salt (the salt itself is never in the TOML nor in
            any output), ``quarantine_excerpts`` is ``redact`` or ``pseudonymize``.
    """

    name: str
    path: Path | None = None
    keywords: tuple[str, ...] = ()
    lang: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    inputs: tuple[Path, ...] = ()
    affected_countries: frozenset[str] = field(default_factory=frozenset)
    labels: LabelSource | None = None
    firestorm: FirestormSettings | None = None
    emojis: EmojiSettings = field(default_factory=EmojiSettings)
    ingest: dict[str, Any] = field(default_factory=dict)
    privacy: PrivacySettings | None = None

    def pseudonymize_salt(self) -> str | None:
        """The salt of a ``[privacy]`` event, read from its environment variable.

        Returns:
            The salt, or None when the event has no ``[privacy]`` section.

        Raises:
            ConfigError: The variable is unset or empty.
        """
        if self.privacy is None:
            return None
        salt = os.environ.get(self.privacy.salt_env, "")
        if not salt:
            raise ConfigError(
                f"the environment variable {self.privacy.salt_env} (the salt) is not set",
                field="privacy.salt_env",
                path=None if self.path is None else str(self.path),
            )
        return salt


def parse_time(value: Any, *, field_name: str, path: str | None = None) -> datetime:
    """Parse an ISO 8601 time (or a TOML datetime) into an aware UTC datetime.

    Args:
        value: A string such as ``2015-11-13T21:00:00Z`` or ``2015-11-13``, or a datetime.
        field_name: Field name for the error message.
        path: File name for the error message.

    Returns:
        The time in UTC; a time without offset is taken as UTC.

    Raises:
        ConfigError: The value is not a time.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ConfigError(
                f"{value!r} is not an ISO 8601 time such as 2015-11-13T21:00:00Z",
                field=field_name,
                path=path,
            ) from None
    else:
        raise ConfigError(
            f"expected an ISO 8601 time, got {type(value).__name__}", field=field_name, path=path
        )
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def resolve_country(value: str, *, field_name: str, path: str | None = None) -> str:
    """Turn a country code or name into its ISO 3166-1 alpha-2 code.

    A region smaller than a country is given by its ISO 3166-2 code (``"US-FL"``)
    and kept as such.

    Args:
        value: ``"FR"``, ``"FRA"``, ``"France"``, another name pycountry knows, or an
            ISO 3166-2 subdivision code such as ``"US-FL"``.
        field_name: Field name for the error message.
        path: File name for the error message.

    Returns:
        The upper-case alpha-2 code (or the subdivision code).

    Raises:
        ConfigError: No country or subdivision matches.
    """
    import pycountry

    text = value.strip()
    if len(text) > 3 and text[2:3] == "-" and text[:2].isalpha():
        if pycountry.subdivisions.get(code=text.upper()) is not None:
            return text.upper()
        raise ConfigError(
            f"{value!r} is not an ISO 3166-2 subdivision code", field=field_name, path=path
        )
    found = pycountry.countries.get(alpha_2=text.upper()) if len(text) == 2 else None
    if found is None and len(text) == 3:
        found = pycountry.countries.get(alpha_3=text.upper())
    if found is None:
        try:
            found = pycountry.countries.lookup(text)
        except LookupError:
            found = None
    if found is None:
        raise ConfigError(f"{value!r} is not a country code or name", field=field_name, path=path)
    return str(found.alpha_2)


def _expect(
    table: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, path: str | None
) -> Any:
    value = table.get(key)
    if value is not None and not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"expected {names}, got {type(value).__name__}", field=where, path=path)
    return value


def _string_list(table: dict[str, Any], key: str, where: str, path: str | None) -> tuple[str, ...]:
    value = _expect(table, key, list, where, path)
    if value is None:
        return ()
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError("expected a non-empty string", field=f"{where}[{i}]", path=path)
    return tuple(value)


_TOP_KEYS = {
    "name", "keywords", "lang", "start", "end", "inputs", "affected_countries",
    "labels", "firestorm", "emojis", "ingest", "cluster", "privacy",
}  # fmt: skip  # [cluster] is read by crowdpulse.engine.cluster_config
_SECTION_KEYS = {
    "labels": {"sheet", "column", "positive"},
    "firestorm": {"target", "bucket_minutes", "window_buckets", "preset", "monitor"},
    "emojis": {"bucket", "min_count"},
    "ingest": {"csv_map", "time_format", "timezone", "encoding", "set"},
    "privacy": {"salt_env", "quarantine_excerpts"},
}


def _ingest_section(raw: dict[str, Any], path: str | None) -> dict[str, Any]:
    section = _section(raw, "ingest", path)
    if section is None:
        return {}
    for key in ("time_format", "timezone", "encoding"):
        _expect(section, key, str, f"ingest.{key}", path)
    for key in ("csv_map", "set"):
        table = _expect(section, key, dict, f"ingest.{key}", path)
        for name, value in (table or {}).items():
            ok = isinstance(value, str) or (
                key == "set" and isinstance(value, list) and all(isinstance(v, str) for v in value)
            )
            if not ok:
                raise ConfigError("expected a string", field=f"ingest.{key}.{name}", path=path)
    return dict(section)


def _check_keys(table: dict[str, Any], allowed: set[str], prefix: str, path: str | None) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"unknown field; known fields: {', '.join(sorted(allowed))}",
                field=f"{prefix}{key}",
                path=path,
            )


def _section(raw: dict[str, Any], name: str, path: str | None) -> dict[str, Any] | None:
    section = _expect(raw, name, dict, name, path)
    if section is not None:
        _check_keys(section, _SECTION_KEYS[name], f"{name}.", path)
    return section


#: Upper bounds of whole-number settings: a year of minutes, a year of 1-minute
#: buckets, a billion posts. Larger values are typing mistakes that would overflow
#: time arithmetic.
_MAXIMA = {
    "bucket_minutes": 366 * 24 * 60,
    "window_buckets": 366 * 24 * 60,
    "min_count": 1_000_000_000,
}


def _positive_int(
    table: dict[str, Any], key: str, default: int, where: str, path: str | None
) -> int:
    value = _expect(table, key, int, where, path)
    if value is None:
        return default
    if isinstance(value, bool) or value < 1:
        raise ConfigError("expected a whole number of at least 1", field=where, path=path)
    maximum = _MAXIMA.get(key)
    if maximum is not None and value > maximum:
        raise ConfigError(f"expected a whole number of at most {maximum:,}", field=where, path=path)
    return int(value)


def _privacy_section(raw: dict[str, Any], path: str | None) -> PrivacySettings | None:
    section = _section(raw, "privacy", path)
    if section is None:
        return None
    salt_env = _expect(section, "salt_env", str, "privacy.salt_env", path)
    if not salt_env or not salt_env.strip():
        raise ConfigError(
            "name the environment variable that holds the salt", field="privacy.salt_env", path=path
        )
    mode = _expect(section, "quarantine_excerpts", str, "privacy.quarantine_excerpts", path)
    if mode is not None and mode not in ("redact", "pseudonymize"):
        raise ConfigError(
            "expected 'redact' or 'pseudonymize'", field="privacy.quarantine_excerpts", path=path
        )
    return PrivacySettings(salt_env.strip(), mode or "redact")


def event_from_dict(
    raw: dict[str, Any], *, base: Path | None = None, path: str | None = None
) -> Event:
    """Validate a parsed event description.

    Args:
        raw: The parsed TOML document.
        base: Folder against which relative paths are resolved.
        path: File name for error messages.

    Returns:
        The validated :class:`Event`.

    Raises:
        ConfigError: A field is missing, unknown or invalid; the message names it.
    """
    _check_keys(raw, _TOP_KEYS, "", path)
    name = _expect(raw, "name", str, "name", path)
    if not name or not name.strip():
        raise ConfigError("the event needs a non-empty name", field="name", path=path)
    root = base or Path.cwd()
    start = parse_time(raw["start"], field_name="start", path=path) if "start" in raw else None
    end = parse_time(raw["end"], field_name="end", path=path) if "end" in raw else None
    if start is not None and end is not None and end <= start:
        raise ConfigError("end must come after start", field="end", path=path)
    lang = _expect(raw, "lang", str, "lang", path)
    countries = frozenset(
        resolve_country(c, field_name=f"affected_countries[{i}]", path=path)
        for i, c in enumerate(_string_list(raw, "affected_countries", "affected_countries", path))
    )
    labels = None
    section = _section(raw, "labels", path)
    if section is not None:
        sheet = _expect(section, "sheet", str, "labels.sheet", path)
        column = _expect(section, "column", str, "labels.column", path)
        if (sheet is None) == (column is None):
            raise ConfigError("give exactly one of 'sheet' and 'column'", field="labels", path=path)
        positive = _string_list(section, "positive", "labels.positive", path)
        if column is not None and not positive:
            raise ConfigError(
                "a label column needs the values that mean solidarity",
                field="labels.positive",
                path=path,
            )
        labels = LabelSource(
            sheet=(root / sheet) if sheet is not None else None, column=column, positive=positive
        )
    firestorm = None
    section = _section(raw, "firestorm", path)
    if section is not None:
        target = _expect(section, "target", str, "firestorm.target", path)
        if not target or target[0] not in "@#" or len(target.strip()) < 2:
            raise ConfigError(
                "the target is an @account or a #hashtag", field="firestorm.target", path=path
            )
        firestorm = FirestormSettings(
            target=target.strip().lower(),
            bucket_minutes=_positive_int(
                section, "bucket_minutes", 30, "firestorm.bucket_minutes", path
            ),
            window_buckets=_positive_int(
                section, "window_buckets", 24, "firestorm.window_buckets", path
            ),
            preset=_expect(section, "preset", str, "firestorm.preset", path) or "early-warning",
            monitor=tuple(
                sorted((_expect(section, "monitor", dict, "firestorm.monitor", path) or {}).items())
            ),
        )
        if firestorm.preset not in ("early-warning", "paper"):
            raise ConfigError(
                "expected 'early-warning' or 'paper'", field="firestorm.preset", path=path
            )
    emojis = EmojiSettings()
    section = _section(raw, "emojis", path)
    if section is not None:
        bucket = _expect(section, "bucket", str, "emojis.bucket", path) or "1D"
        emojis = EmojiSettings(
            bucket=bucket,
            min_count=_positive_int(section, "min_count", 25, "emojis.min_count", path),
        )
    return Event(
        name=name.strip(),
        path=Path(path) if path else None,
        keywords=tuple(k.lower() for k in _string_list(raw, "keywords", "keywords", path)),
        lang=lang,
        start=start,
        end=end,
        inputs=tuple(root / p for p in _string_list(raw, "inputs", "inputs", path)),
        affected_countries=countries,
        labels=labels,
        firestorm=firestorm,
        emojis=emojis,
        ingest=_ingest_section(raw, path),
        privacy=_privacy_section(raw, path),
    )


def load_event(path: str | Path) -> Event:
    """Read and validate an event description from a TOML file.

    Args:
        path: The TOML file.

    Returns:
        The validated :class:`Event`; relative paths in it are resolved against the
        file's folder.

    Raises:
        ConfigError: The file is missing, is not TOML, or a field is invalid.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("event file not found", path=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from None
    return event_from_dict(raw, base=path.parent, path=str(path))


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return json.dumps(value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if isinstance(value, (list, tuple, frozenset)):
        items = sorted(value) if isinstance(value, frozenset) else value
        return "[" + ", ".join(_toml_value(v) for v in items) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def event_to_toml(event: Event, *, relative_to: Path | None = None) -> str:
    """Write an event description as TOML text that :func:`load_event` reads back.

    Args:
        event: The event.
        relative_to: Folder the TOML will be saved in; paths are written relative to it.

    Returns:
        The TOML document.
    """

    def rel(p: Path) -> str:
        if relative_to is None:
            return str(p)
        try:
            return str(p.resolve().relative_to(relative_to.resolve()))
        except ValueError:
            return str(p.resolve())

    lines = [f"name = {_toml_value(event.name)}"]
    if event.keywords:
        lines.append(f"keywords = {_toml_value(event.keywords)}")
    if event.lang:
        lines.append(f"lang = {_toml_value(event.lang)}")
    if event.start:
        lines.append(f"start = {_toml_value(event.start)}")
    if event.end:
        lines.append(f"end = {_toml_value(event.end)}")
    if event.inputs:
        lines.append(f"inputs = {_toml_value([rel(p) for p in event.inputs])}")
    if event.affected_countries:
        lines.append(f"affected_countries = {_toml_value(event.affected_countries)}")
    if event.labels is not None:
        lines.append("\n[labels]")
        if event.labels.sheet is not None:
            lines.append(f"sheet = {_toml_value(rel(event.labels.sheet))}")
        if event.labels.column is not None:
            lines.append(f"column = {_toml_value(event.labels.column)}")
            lines.append(f"positive = {_toml_value(event.labels.positive)}")
    if event.firestorm is not None:
        fs = event.firestorm
        lines.append("\n[firestorm]")
        lines.append(f"target = {_toml_value(fs.target)}")
        lines.append(f"bucket_minutes = {fs.bucket_minutes}")
        lines.append(f"window_buckets = {fs.window_buckets}")
        if fs.preset != "early-warning":
            lines.append(f"preset = {_toml_value(fs.preset)}")
        if fs.monitor:
            lines.append("\n[firestorm.monitor]")
            for key, value in fs.monitor:
                number = isinstance(value, float) and not isinstance(value, bool)
                lines.append(f"{key} = {value!r}" if number else f"{key} = {_toml_value(value)}")
    lines.append("\n[emojis]")
    lines.append(f"bucket = {_toml_value(event.emojis.bucket)}")
    lines.append(f"min_count = {event.emojis.min_count}")
    if event.ingest:
        lines.append("\n[ingest]")
        for key, value in event.ingest.items():
            if isinstance(value, dict):
                inner = ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items())
                lines.append(f"{key} = {{{inner}}}")
            else:
                lines.append(f"{key} = {_toml_value(value)}")
    if event.privacy is not None:
        lines.append("\n[privacy]")
        lines.append(f"salt_env = {_toml_value(event.privacy.salt_env)}")
        lines.append(f"quarantine_excerpts = {_toml_value(event.privacy.quarantine_excerpts)}")
    return "\n".join(lines) + "\n"
