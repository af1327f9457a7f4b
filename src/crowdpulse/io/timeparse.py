"""Parse the times of CSV exports: ISO 8601, Twitter's ``created_at``, epochs, spreadsheet forms.

A :class:`TimeParser` is made once per column. With an explicit ``strftime`` format
(``--time-format '%m/%d/%y %H:%M'``) every value is parsed with it. Without one, the
column's form is recognised from a sample of its values:

- ISO 8601 (``2021-04-08T19:34:16.000Z``, ``2021-04-08 19:34:16+02:00``, a date alone);
- Twitter API v1.1 ``created_at`` (``Sun Aug 24 20:40:22 +0000 2014``);
- epoch seconds or milliseconds (9-10 or 12-13 digits, decimals allowed);
- spreadsheet forms with ``/``, ``.`` or ``-`` between day, month and year, a 2- or
  4-digit year, an optional ``H:M[:S]`` and AM/PM (``6/12/17 7:30``,
  ``24.08.2014 20:40``, ``2014/08/24 20:40``).

Day-first or month-first order is decided from the sample: a first number above 12
means day-first, a second above 12 month-first. When every sampled value fits both
orders (``6/12/17``), or the sample has both, the column is refused with a message
naming the ``--time-format`` to give, never guessed. Times without an offset are
read in ``timezone`` (an IANA name such as ``Europe/Berlin``; UTC by default) and
stored in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crowdpulse.exceptions import ConfigError

__all__ = ["TimeParser", "parse_time_value", "resolve_timezone"]

_TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"
_EPOCH = re.compile(r"^\d{9,13}(?:\.\d+)?$")
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
    r"\s*(?:Z|z|[+-]\d{2}:?\d{2}|UTC)?$"
)
_SHEET = re.compile(
    r"^(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{2,4})"
    r"(?:[ T,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?$"
)
_SAMPLE = 5000


def resolve_timezone(name: str | None) -> tzinfo:
    """The zone naive times are read in.

    Args:
        name: An IANA zone name, ``UTC``, or None (UTC).

    Returns:
        The zone.

    Raises:
        ConfigError: The name is not a known zone.
    """
    if name is None or name.strip().upper() in ("UTC", "Z", ""):
        return UTC
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {name!r} (give an IANA name such as Europe/Berlin)",
            field="--timezone",
        ) from None


def _aware(parsed: datetime, zone: tzinfo) -> datetime:
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def _iso(value: str, zone: tzinfo) -> datetime | None:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    elif text.endswith("UTC"):
        text = text[:-3].strip() + "+00:00"
    try:
        return _aware(datetime.fromisoformat(text.replace(",", ".")), zone)
    except ValueError:
        return None


def _epoch(value: str) -> datetime | None:
    number = float(value)
    digits = len(value.split(".")[0])
    if digits >= 12:
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_time_value(value: str, zone: tzinfo = UTC) -> datetime | None:
    """Parse one value of an unambiguous form (ISO 8601, ``created_at``, epoch).

    Args:
        value: The cell.
        zone: The zone of times without an offset.

    Returns:
        The time in UTC, or None when the value is none of these forms.
    """
    value = value.strip()
    if not value:
        return None
    if _ISO.match(value):
        return _iso(value, zone)
    if _EPOCH.match(value):
        return _epoch(value)
    try:
        return datetime.strptime(value, _TWITTER_TIME).astimezone(UTC)
    except ValueError:
        return None


class TimeParser:
    """Parse one column of times, with a given format or a form recognised from a sample.

    Args:
        time_format: A ``strftime`` format applied to every value, or None to recognise.
        timezone: IANA zone of times without an offset (UTC if None).
        path: The file, for error messages.
    """

    def __init__(
        self, time_format: str | None = None, timezone: str | None = None, path: str = ""
    ) -> None:
        self.time_format = time_format
        self.zone = resolve_timezone(timezone)
        self.path = path
        self.day_first: bool | None = None

    def learn(self, values: Iterable[str]) -> None:
        """Decide day-first or month-first from a sample of the column.

        Args:
            values: Cells of the time column (the first rows of the file).

        Raises:
            ConfigError: The sample uses a spreadsheet form whose day/month order
                cannot be told (every value fits both), or mixes both orders.
        """
        if self.time_format is not None:
            return
        day_first = month_first = False
        ambiguous: str | None = None
        for count, value in enumerate(values):
            if count >= _SAMPLE:
                break
            found = _SHEET.match(value.strip())
            if found is None or len(found["a"]) == 4:
                continue
            a, b = int(found["a"]), int(found["b"])
            if a > 12 >= b:
                day_first = True
            elif b > 12 >= a:
                month_first = True
            elif a <= 12 and b <= 12 and a != b:
                ambiguous = ambiguous or value.strip()
        if day_first and month_first:
            raise ConfigError(
                f"{self.path}: the time column mixes day-first and month-first dates; "
                "give --time-format",
                field="--time-format",
            )
        if day_first or month_first:
            self.day_first = day_first
        elif ambiguous is not None:
            sep = _SHEET.match(ambiguous)
            mark = sep["sep"] if sep else "/"
            raise ConfigError(
                f"{self.path}: cannot tell day from month in times such as {ambiguous!r}; "
                f"give --time-format '%m{mark}%d{mark}%y %H:%M' (month first) or "
                f"'%d{mark}%m{mark}%y %H:%M' (day first)",
                field="--time-format",
            )

    def parse(self, value: str) -> datetime | None:
        """Parse one cell.

        Args:
            value: The cell (not empty).

        Returns:
            The time in UTC, or None when the cell is not a time of the column's form.
        """
        value = value.strip()
        if self.time_format is not None:
            try:
                parsed = datetime.strptime(value, self.time_format)
            except ValueError:
                return None
            return _aware(parsed, self.zone)
        known = parse_time_value(value, self.zone)
        if known is not None:
            return known
        return self._sheet(value)

    def _sheet(self, value: str) -> datetime | None:
        found = _SHEET.match(value)
        if found is None:
            return None
        a, b, c = found["a"], int(found["b"]), found["c"]
        if len(a) == 4:
            year, month, day = int(a), b, int(c)
        else:
            first = int(a)
            if self.day_first is None:
                if first <= 12 and b <= 12 and first != b:
                    return None
                day_first = first > 12
            else:
                day_first = self.day_first
            day, month = (first, b) if day_first else (b, first)
            year = int(c)
            if len(c) == 2:
                year += 2000 if year < 70 else 1900
        hour = int(found["H"] or 0)
        ampm = (found["ampm"] or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        try:
            parsed = datetime(year, month, day, hour, int(found["M"] or 0), int(found["S"] or 0))
        except ValueError:
            return None
        return _aware(parsed, self.zone)
