"""Coordinates to country (and US state), offline, with ``reverse_geocode``.

``reverse_geocode`` (LGPL; GeoNames ``cities1000``, CC BY 4.0) finds the nearest place
of 1,000 people or more with a k-d tree. The nearest place is taken as the answer when
it lies within ``max_km`` of the point (a point in the open sea has no country); the
confidence falls from 0.99 (within 25 km) to 0.6 (at ``max_km``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from crowdpulse.geo.result import GeoResult
from crowdpulse.progress import progress

__all__ = ["DEFAULT_MAX_KM", "PointResults", "geocode_point", "geocode_points"]

DEFAULT_MAX_KM = 150.0
"""Farthest distance (km) from a point to the nearest known place for an answer."""

_NEAR_KM = 25.0
_EARTH_KM = 6371.0088


@lru_cache(maxsize=1)
def _state_codes() -> dict[str, str]:
    from crowdpulse.geo.gazetteer import load_gazetteer
    from crowdpulse.geo.normalize import fold

    return {fold(name): code for code, name in load_gazetteer().us_states.items()}


def _haversine_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def _confidence(distance_km: np.ndarray, max_km: float) -> np.ndarray:
    span = max(max_km - _NEAR_KM, 1e-9)
    fall = np.clip((distance_km - _NEAR_KM) / span, 0.0, 1.0)
    return np.asarray(0.99 - 0.39 * fall)


class PointResults:
    """Results of :func:`geocode_points`, one entry a point, as parallel lists.

    Attributes:
        country: ISO alpha-2 codes, None where no answer.
        us_state: State codes for US points, else None.
        confidence: Confidence, 0.0 where no answer.
        place: Name of the nearest place, None where no answer.
        distance_km: Distance to it (NaN where the point is invalid).
    """

    def __init__(self, n: int) -> None:
        self.country: list[str | None] = [None] * n
        self.us_state: list[str | None] = [None] * n
        self.confidence = np.zeros(n, dtype=np.float64)
        self.place: list[str | None] = [None] * n
        self.distance_km = np.full(n, np.nan, dtype=np.float64)


def geocode_points(
    latitudes: Sequence[float | None] | np.ndarray,
    longitudes: Sequence[float | None] | np.ndarray,
    *,
    max_km: float = DEFAULT_MAX_KM,
    quiet: bool = True,
) -> PointResults:
    """Reverse-geocode many points at once.

    Args:
        latitudes: Latitudes in degrees (None or NaN where unknown).
        longitudes: Longitudes in degrees, same length.
        max_km: Farthest distance to the nearest known place for an answer.
        quiet: Show no progress bar.

    Returns:
        The results, in the order of the points. Points out of range
        (|lat| > 90, |lon| > 180), missing, or at ``(0, 0)`` (a common placeholder)
        get no answer.

    Raises:
        ValueError: The two sequences differ in length.
    """
    lat = np.asarray([np.nan if v is None else v for v in latitudes], dtype=np.float64)
    lon = np.asarray([np.nan if v is None else v for v in longitudes], dtype=np.float64)
    if lat.shape != lon.shape:
        raise ValueError("latitudes and longitudes differ in length")
    out = PointResults(len(lat))
    valid = (
        np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
        & ~((lat == 0) & (lon == 0))
    )  # fmt: skip
    index = np.flatnonzero(valid)
    if index.size == 0:
        return out
    import reverse_geocode

    with progress("reverse geocoding", total=float(index.size), quiet=quiet) as bar:
        found = reverse_geocode.search(
            list(zip(lat[index].tolist(), lon[index].tolist(), strict=True))
        )
        bar.advance(float(index.size))
    place_lat = np.asarray([f["latitude"] for f in found], dtype=np.float64)
    place_lon = np.asarray([f["longitude"] for f in found], dtype=np.float64)
    distance = _haversine_km(lat[index], lon[index], place_lat, place_lon)
    confidence = _confidence(distance, max_km)
    states = _state_codes()
    from crowdpulse.geo.normalize import fold

    for k, i in enumerate(index.tolist()):
        out.distance_km[i] = distance[k]
        if distance[k] > max_km:
            continue
        code = str(found[k].get("country_code") or "")
        if len(code) != 2:
            continue
        out.country[i] = code
        out.confidence[i] = confidence[k]
        out.place[i] = str(found[k].get("city") or "")
        if code == "US" and found[k].get("state"):
            out.us_state[i] = states.get(fold(str(found[k]["state"])))
    return out


def geocode_point(
    latitude: float, longitude: float, *, max_km: float = DEFAULT_MAX_KM
) -> GeoResult:
    """Find the country (and US state) of a point.

    Args:
        latitude: Degrees north, -90..90.
        longitude: Degrees east, -180..180.
        max_km: Farthest distance to the nearest known place for an answer.

    Returns:
        A :class:`GeoResult` with ``source="coordinates"``; no country for invalid
        points or points farther than ``max_km`` from any known place.

    Example:
        >>> geocode_point(25.77, -80.19).us_state
        'FL'
    """
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return GeoResult(None, None, 0.0, "not a number", "coordinates")
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return GeoResult(None, None, 0.0, "coordinates out of range", "coordinates")
    res = geocode_points([lat], [lon], max_km=max_km)
    if res.country[0] is None:
        if (lat, lon) == (0.0, 0.0):
            return GeoResult(None, None, 0.0, "coordinates (0, 0) are a placeholder", "coordinates")
        return GeoResult(None, None, 0.0, f"no known place within {max_km:g} km", "coordinates")
    distance = float(res.distance_km[0])
    return GeoResult(
        res.country[0],
        res.us_state[0],
        float(res.confidence[0]),
        f"nearest place {res.place[0]} ({distance:.0f} km)",
        "coordinates",
    )
