from __future__ import annotations

import math

import numpy as np
import pytest

from crowdpulse.geo import geocode_point, geocode_points


@pytest.mark.parametrize(
    ("lat", "lon", "country", "state"),
    [
        (25.7743, -80.1937, "US", "FL"),  # Miami
        (38.8951, -77.0364, "US", "DC"),  # Washington
        (30.2672, -97.7431, "US", "TX"),  # Austin
        (48.8534, 2.3488, "FR", None),  # Paris
        (18.4655, -66.1057, "PR", None),  # San Juan: Puerto Rico has its own code
        (18.3419, -64.9307, "VI", None),  # Charlotte Amalie
        (17.8962, -62.8498, "BL", None),  # Gustavia
        (18.0677, -63.0825, "MF", None),  # Marigot, Saint Martin
        (23.1136, -82.3666, "CU", None),  # Havana
        (6.4541, 3.3947, "NG", None),  # Lagos
        (-33.8679, 151.2073, "AU", None),  # Sydney
    ],
)
def test_known_places(lat: float, lon: float, country: str, state: str | None) -> None:
    result = geocode_point(lat, lon)
    assert (result.country, result.us_state) == (country, state), result.reason
    assert result.source == "coordinates"
    assert result.confidence >= 0.9


@pytest.mark.parametrize(
    ("lat", "lon", "reason"),
    [
        (0.0, 0.0, "placeholder"),
        (10.0, -30.0, "no known place"),  # the middle of the Atlantic
        (91.0, 0.0, "out of range"),
        (0.0, 181.0, "out of range"),
        (math.nan, 2.0, "out of range"),
    ],
)
def test_no_answer(lat: float, lon: float, reason: str) -> None:
    result = geocode_point(lat, lon)
    assert result.country is None
    assert result.confidence == 0.0
    assert reason in result.reason


def test_confidence_falls_with_distance() -> None:
    near = geocode_point(25.7743, -80.1937)
    # About 100 km off the coast of Florida: still Florida's nearest place, less sure.
    far = geocode_point(25.5, -79.2, max_km=300)
    assert far.country is not None
    assert far.confidence < near.confidence
    assert geocode_point(25.5, -79.2, max_km=20).country is None


def test_vectorised_matches_scalar() -> None:
    lats = [25.7743, None, 48.8534, 0.0, 10.0, np.nan]
    lons = [-80.1937, 1.0, 2.3488, 0.0, -30.0, 2.0]
    res = geocode_points(lats, lons)
    assert res.country == ["US", None, "FR", None, None, None]
    assert res.us_state == ["FL", None, None, None, None, None]
    assert res.confidence[0] == pytest.approx(geocode_point(25.7743, -80.1937).confidence)
    assert np.isnan(res.distance_km[1])


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError, match="length"):
        geocode_points([1.0, 2.0], [1.0])
