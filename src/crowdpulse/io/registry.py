"""The one registry of input formats: every reader crowdpulse knows, in one place.

A format has a name (the ``--format`` value, also written to ``source_format``), the
platform its posts come from (the ``platform`` column) and a reader. Sniffing asks
the readers in registry order which one claims the file's first record (or, for a
file that is one JSON document, the document); ``--format NAME`` skips sniffing.

Twitter's formats (``v1``, ``v2``, ``twarc2-flat``, ``csv``) are read by
:mod:`crowdpulse.io.v1`, :mod:`~crowdpulse.io.v2` and :mod:`~crowdpulse.io.csvfile`
and recognised by :func:`crowdpulse.io.sniff.classify_record`; they come last in
the order, since their shapes are the loosest. Every other format is a
:class:`~crowdpulse.io.recordreader.RecordReader` subclass.

**Adding a format** is one new module: a ``RecordReader`` subclass with ``name``,
``platform``, ``claims_record`` (and ``claims_document`` for document formats) and
``convert``, listed in :data:`BUILTIN` below, or, for a third-party package,
registered as an entry point of the group ``crowdpulse.readers``::

    # the third party's pyproject.toml
    [project.entry-points."crowdpulse.readers"]
    threads = "crowdpulse_threads:ThreadsReader"

Third-party readers are asked after the built-in platform readers and before
Twitter's; a name that clashes with a built-in one is ignored (with a warning).
The formats are a :class:`crowdpulse.registry.Registry` (:data:`READERS`), the
shape every pluggable part of crowdpulse has; this module adds the sniffing order.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.io.records import ReadBatch
from crowdpulse.registry import Registry, first_doc_line

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "READERS",
    "TWITTER_FORMATS",
    "Format",
    "claim_document",
    "claim_record",
    "format_names",
    "formats",
    "get_format",
    "open_platform_reader",
]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "crowdpulse.readers"


@dataclass(frozen=True)
class Format:
    """One registered input format.

    Attributes:
        name: The ``--format`` value and the ``source_format`` of its posts.
        platform: The ``platform`` of its posts.
        description: One line for ``--help`` and the docs.
        target: ``module:Class`` of its reader (None for Twitter's built-in readers,
            which :func:`crowdpulse.io.ingest.iter_file_batches` opens itself).
    """

    name: str
    platform: str
    description: str
    target: str | None = None

    def load(self) -> Any:
        """Import and return the reader class."""
        if self.target is None:
            raise InputError(f"format {self.name!r} has no record reader")
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)


#: The built-in formats, in the order sniffing asks them.
BUILTIN: tuple[Format, ...] = (
    Format(
        "bluesky-jetstream",
        "bluesky",
        "Bluesky Jetstream events (JSON lines)",
        "crowdpulse.io.bluesky:JetstreamReader",
    ),
    Format(
        "bluesky-appview",
        "bluesky",
        "Bluesky AppView JSON: searchPosts, getAuthorFeed, getPostThread, PostView lines",
        "crowdpulse.io.bluesky:AppViewReader",
    ),
    Format(
        "mastodon",
        "mastodon",
        "Mastodon API Status JSON (array or JSON lines)",
        "crowdpulse.io.mastodon:MastodonReader",
    ),
    Format(
        "reddit",
        "reddit",
        "Reddit Pushshift / Arctic Shift comments and submissions (NDJSON, API JSON)",
        "crowdpulse.io.reddit:RedditReader",
    ),
    Format(
        "telegram",
        "telegram",
        "Telegram Desktop export result.json",
        "crowdpulse.io.telegram:TelegramReader",
    ),
    Format("v1", "twitter", "Twitter API v1.1 tweets (JSON lines or array)"),
    Format("v2", "twitter", "Twitter API v2 response pages (twarc2)"),
    Format("twarc2-flat", "twitter", "twarc2 flattened tweets (one a line)"),
    Format("csv", "twitter", "CSV: twarc-csv, CrisisLex, or any export with --csv-map"),
)

#: The formats read by Twitter's own readers.
TWITTER_FORMATS: tuple[str, ...] = tuple(f.name for f in BUILTIN if f.target is None)


def _plugin_format(name: str, reader: Any) -> Format:
    """The :class:`Format` of a reader class loaded from an entry point."""
    if not callable(getattr(reader, "claims_record", None)):
        raise TypeError(f"{reader!r} is not a RecordReader subclass (no claims_record)")
    target = f"{reader.__module__}:{reader.__qualname__}"
    return Format(name, str(getattr(reader, "platform", "") or ""), first_doc_line(reader), target)


READERS: Registry[Format] = Registry(
    "format",
    {f.name: f for f in BUILTIN},
    group=ENTRY_POINT_GROUP,
    adapt=_plugin_format,
)
"""Every input format by name: the built-in ones, then third-party entry points."""


@cache
def _third_party() -> tuple[str, ...]:
    """The names of the third-party formats (``cache_clear()`` reads the entry points again)."""
    READERS.refresh()
    return tuple(name for name in READERS if READERS.is_plugin(name))


def format_names() -> tuple[str, ...]:
    """The names ``--format`` accepts, in sniffing order (no plug-in is imported).

    Readers of other platforms first, then third-party readers, then Twitter's.
    """
    plugins = _third_party()
    own = [READERS[name] for name in READERS if name not in plugins]
    platforms = tuple(f.name for f in own if f.target is not None)
    twitter = tuple(f.name for f in own if f.target is None)
    return platforms + plugins + twitter


_BROKEN: set[str] = set()


def formats() -> tuple[Format, ...]:
    """Every format in sniffing order (a plug-in that fails to import is skipped, warned once)."""
    found: list[Format] = []
    for name in format_names():
        try:
            found.append(READERS[name])
        except ConfigError as exc:
            if name not in _BROKEN:
                _BROKEN.add(name)
                log.warning("%s: skipped", exc)
    return tuple(found)


def get_format(name: str) -> Format:
    """The format of this name.

    Raises:
        InputError: No format has this name, or its plug-in fails to import.
    """
    _third_party()
    try:
        return READERS.get(name)
    except ConfigError as exc:
        raise InputError(str(exc).removeprefix("field 'format': ")) from None


def _readers() -> Iterator[tuple[Format, Any]]:
    for found in formats():
        if found.target is None:
            continue
        try:
            yield found, found.load()
        except Exception as exc:  # a broken third-party plug-in must not stop ingest
            if found.name not in _BROKEN:
                _BROKEN.add(found.name)
                log.warning("cannot load reader %s (%s): skipped", found.target, exc)


def claim_record(record: Any) -> str | None:
    """The name of the first non-Twitter reader that claims one record, or None."""
    for found, reader in _readers():
        if reader.claims_record(record):
            return found.name
    return None


def claim_document(document: Any) -> str | None:
    """The name of the first non-Twitter reader that claims a whole JSON document."""
    for found, reader in _readers():
        if reader.claims_document(document):
            return found.name
    return None


def open_platform_reader(
    name: str, path: str, *, array: bool = False, document: bool = False
) -> tuple[Any, Iterator[ReadBatch]]:
    """Open a file with a registered (non-Twitter) reader.

    Args:
        name: The format.
        path: The file.
        array: The records sit in one top-level JSON array.
        document: The file is one JSON document holding the records.

    Returns:
        The reader (with ``source_format``, ``incomplete``, ``api_errors``) and its
        batches.
    """
    reader = get_format(name).load()(path)
    return reader, reader.read(array=array, document=document)
