"""Build post tables row by row, for readers whose records need Python-level logic."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from crowdpulse.schema import POST_SCHEMA

__all__ = ["RowBuilder", "parse_iso_time", "unescape_html"]

_HTML = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def unescape_html(text: str) -> str:
    """Undo the three HTML escapes the Twitter APIs apply to text (``&amp; &lt; &gt;``).

    ``&amp;`` goes last, so that an escaped ``&amp;lt;`` becomes ``&lt;``, as typed.
    """
    if "&" not in text:
        return text
    for old, new in _HTML:
        if old in text:
            text = text.replace(old, new)
    return text


def parse_iso_time(value: Any) -> datetime | None:
    """Parse an API v2 time (``2021-04-01T15:52:31.000Z``) to an aware UTC datetime.

    Returns:
        The time, or None when the value is not an ISO 8601 time.
    """
    if not isinstance(value, str) or len(value) < 10:
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class RowBuilder:
    """Collect posts as Python values, column by column, then make one Arrow table.

    Args:
        platform: The ``platform`` of posts added without one.
    """

    def __init__(self, platform: str = "twitter") -> None:
        self.platform = platform
        self._columns: dict[str, list[Any]] = {name: [] for name in POST_SCHEMA.names}

    def __len__(self) -> int:
        return len(self._columns["id"])

    def add(self, **values: Any) -> None:
        """Append one post; columns not given are null (lists: empty)."""
        for name, column in self._columns.items():
            value = values.get(name)
            if value is None and name in ("mention_ids", "mention_handles", "hashtags", "urls"):
                value = []
            elif value is None and name == "platform":
                value = self.platform
            column.append(value)

    def table(self) -> pa.Table:
        """The posts so far as a table of :data:`~crowdpulse.schema.POST_SCHEMA`."""
        return pa.table(self._columns, schema=POST_SCHEMA)
