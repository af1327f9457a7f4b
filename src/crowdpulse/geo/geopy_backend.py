"""The online geocoder of the paper, as an option: geopy, with a cache and a rate limit.

The emoji paper geocoded profile locations with geopy (Nominatim, one request a
second). :class:`GeopyGeocoder` does the same for users who want it, politely:

* every answer (found or not) is kept in an on-disk SQLite cache, so a location is
  asked once, across runs;
* requests are spaced by ``min_delay_seconds`` (1 s by default, Nominatim's usage
  policy);
* locations that the offline parser already knows are not places (``"worldwide"``,
  ``"she/her"``, a URL) are not sent (``prefilter=True``).

geopy is an optional extra (``pip install 'crowdpulse[geopy]'``) imported only here;
its absence raises :class:`~crowdpulse.exceptions.MissingExtraError`. Tests inject a
fake geocoder object and never touch the network.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crowdpulse.exceptions import MissingExtraError
from crowdpulse.geo.result import GeoResult

__all__ = ["GeopyGeocoder", "default_cache_path"]

log = logging.getLogger(__name__)

_TERRITORIES = frozenset({"PR", "VI", "GU", "AS", "MP", "UM"})
_NOT_SENT = ("empty", "not a place", "only ", "no words")


def default_cache_path(service: str = "nominatim") -> Path:
    """Where the cache lives unless told otherwise: ``$XDG_CACHE_HOME/crowdpulse/``.

    Args:
        service: The geopy service name.

    Returns:
        ``~/.cache/crowdpulse/geopy-<service>.sqlite`` (or under ``$XDG_CACHE_HOME``).
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "crowdpulse" / f"geopy-{service}.sqlite"


class _Cache:
    """A small SQLite table of answers by query."""

    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path))
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS geocode (query TEXT PRIMARY KEY, country TEXT,"
            " us_state TEXT, confidence REAL NOT NULL, reason TEXT NOT NULL,"
            " created REAL NOT NULL)"
        )
        self._db.commit()

    def get(self, query: str) -> GeoResult | None:
        row = self._db.execute(
            "SELECT country, us_state, confidence, reason FROM geocode WHERE query = ?", (query,)
        ).fetchone()
        if row is None:
            return None
        return GeoResult(row[0], row[1], float(row[2]), f"{row[3]} (cached)")

    def put(self, query: str, result: GeoResult) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO geocode VALUES (?, ?, ?, ?, ?, ?)",
            (query, result.country, result.us_state, result.confidence, result.reason, time.time()),
        )
        self._db.commit()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM geocode").fetchone()[0])

    def close(self) -> None:
        self._db.close()


class GeopyGeocoder:
    """Geocode profile locations with a geopy geocoder, cached and rate-limited.

    Args:
        geocoder: A ready geopy geocoder (or any object with
            ``geocode(query, **options)`` returning a geopy ``Location`` or None). When
            None, one is made for ``service`` (geopy must be installed).
        service: The geopy service name used when ``geocoder`` is None
            (``"nominatim"``; see ``geopy.geocoders.SERVICE_TO_GEOCODER``).
        user_agent: Sent to the service (Nominatim requires one that names you).
        cache_path: SQLite file of cached answers (``":memory:"`` for none on disk);
            defaults to :func:`default_cache_path`.
        min_delay_seconds: Least time between two requests (1 s: Nominatim's policy).
        timeout: Seconds to wait for an answer.
        prefilter: Do not send locations that the offline parser knows are not places.
        query_options: Extra keyword arguments for each ``geocode`` call; defaults to
            ``exactly_one=True`` (and ``addressdetails=True, language="en"`` for a
            Nominatim geocoder made here).
        clock: Monotonic clock, for tests.
        sleep: Sleep function, for tests.

    Raises:
        MissingExtraError: ``geocoder`` is None and geopy is not installed.
    """

    name = "geopy"

    def __init__(
        self,
        geocoder: Any | None = None,
        *,
        service: str = "nominatim",
        user_agent: str = "crowdpulse",
        cache_path: str | Path | None = None,
        min_delay_seconds: float = 1.0,
        timeout: float = 10.0,
        prefilter: bool = True,
        query_options: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        options: dict[str, Any] = {"exactly_one": True}
        if geocoder is None:
            try:
                from geopy.geocoders import get_geocoder_for_service
            except ImportError:
                raise MissingExtraError("geopy", "geopy") from None
            geocoder = get_geocoder_for_service(service)(user_agent=user_agent, timeout=timeout)
            if service == "nominatim":
                options.update(addressdetails=True, language="en")
        if query_options:
            options.update(query_options)
        self._geocoder = geocoder
        self._options = options
        self._cache = _Cache(cache_path if cache_path is not None else default_cache_path(service))
        self.min_delay_seconds = float(min_delay_seconds)
        self.prefilter = prefilter
        self._clock = clock
        self._sleep = sleep
        self._last_request: float | None = None
        self.requests = 0
        self.cache_hits = 0

    def _wait_turn(self) -> None:
        now = self._clock()
        if self._last_request is not None:
            delay = self._last_request + self.min_delay_seconds - now
            if delay > 0:
                self._sleep(delay)
                now = self._clock()
        self._last_request = now

    def geocode(self, text: str) -> GeoResult:
        """Geocode one location: from the cache, or one (rate-limited) request.

        Args:
            text: The location as typed.

        Returns:
            The answer (``source="profile"``). Service errors give no country and are
            not cached, so a later run asks again.
        """
        query = " ".join(str(text).split())
        if not query:
            return GeoResult(None, None, 0.0, "empty")
        if self.prefilter:
            from crowdpulse.geo.profile import geocode as offline

            known = offline(query)
            if known.country is None and known.reason.startswith(_NOT_SENT):
                return known
        cached = self._cache.get(query)
        if cached is not None:
            self.cache_hits += 1
            return cached
        self._wait_turn()
        self.requests += 1
        try:
            location = self._geocoder.geocode(query, **self._options)
        except Exception as exc:  # geopy raises many kinds (timeouts, quota, HTTP)
            log.debug("geopy request failed: %s", type(exc).__name__)
            return GeoResult(None, None, 0.0, f"geopy error: {type(exc).__name__}")
        result = self._to_result(location)
        self._cache.put(query, result)
        return result

    @staticmethod
    def _to_result(location: Any) -> GeoResult:
        if location is None:
            return GeoResult(None, None, 0.0, "not found by geopy")
        raw = getattr(location, "raw", None) or {}
        address = raw.get("address") or {}
        country = str(address.get("country_code") or "").upper() or None
        state: str | None = None
        iso = str(address.get("ISO3166-2-lvl4") or "")
        if iso.startswith("US-"):
            state = iso[3:]
        elif country == "US" and address.get("state"):
            from crowdpulse.geo.gazetteer import load_gazetteer
            from crowdpulse.geo.normalize import fold

            names = {fold(n): c for c, n in load_gazetteer().us_states.items()}
            state = names.get(fold(str(address["state"])))
        reason = f"geopy: {getattr(location, 'address', '')}"
        if country is None:
            lat, lon = getattr(location, "latitude", None), getattr(location, "longitude", None)
            if lat is None or lon is None:
                return GeoResult(None, None, 0.0, "geopy answer without a country")
            from crowdpulse.geo.coords import geocode_point

            point = geocode_point(float(lat), float(lon))
            country, state = point.country, point.us_state
            reason += f" (country from coordinates: {point.reason})"
            if country is None:
                return GeoResult(None, None, 0.0, reason)
        if state in _TERRITORIES:  # Puerto Rico etc. have their own ISO codes
            country, state = state, None
        if country != "US":
            state = None
        importance = raw.get("importance")
        confidence = 0.8 if importance is None else min(0.95, max(0.3, float(importance)))
        return GeoResult(country, state, confidence, reason)

    @property
    def cache_size(self) -> int:
        """Number of answers in the cache."""
        return len(self._cache)

    def close(self) -> None:
        """Close the cache file."""
        self._cache.close()

    def __enter__(self) -> GeopyGeocoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
