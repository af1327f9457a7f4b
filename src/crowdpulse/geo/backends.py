"""Geocoders by string key: ``"offline"`` (default) and ``"geopy"``, and your own.

A geocoder is any object with a ``geocode(text) -> GeoResult`` method
(:class:`Geocoder`). :func:`get_geocoder` turns a key into one; add your own with
:func:`register_geocoder`::

    class MyGeocoder:
        def geocode(self, text: str) -> GeoResult: ...

    register_geocoder("mine", MyGeocoder)
    geotag(table, geocoder="mine")

A separate package adds one with an entry point of the group ``crowdpulse.geocoders``
(see :mod:`crowdpulse.registry`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol, runtime_checkable

from crowdpulse.exceptions import ConfigError
from crowdpulse.geo.result import GeoResult
from crowdpulse.registry import Registry

__all__ = [
    "Geocoder",
    "GeocoderName",
    "OfflineGeocoder",
    "available_geocoders",
    "get_geocoder",
    "register_geocoder",
]

GeocoderName = Literal["offline", "geopy"]


@runtime_checkable
class Geocoder(Protocol):
    """What :func:`crowdpulse.geo.geotag` needs from a geocoder."""

    def geocode(self, text: str) -> GeoResult:
        """Geocode one free-text location."""
        ...


class OfflineGeocoder:
    """The offline geocoder of :func:`crowdpulse.geo.geocode` as a :class:`Geocoder`."""

    name = "offline"

    def geocode(self, text: str) -> GeoResult:
        """Geocode one free-text location offline (see :func:`crowdpulse.geo.geocode`)."""
        from crowdpulse.geo.profile import geocode

        return geocode(text)


def _geopy_factory(**options: Any) -> Geocoder:
    """Online geocoding through geopy (Nominatim), cached and rate-limited (extra: geopy)."""
    from crowdpulse.geo.geopy_backend import GeopyGeocoder

    return GeopyGeocoder(**options)


_REGISTRY: Registry[Callable[..., Geocoder]] = Registry(
    "geocoder",
    {
        "offline": OfflineGeocoder,
        "geopy": _geopy_factory,
    },
    group="crowdpulse.geocoders",
)


def register_geocoder(name: str, factory: Callable[..., Geocoder]) -> None:
    """Make a geocoder available by a string key.

    Args:
        name: The key, e.g. ``"mine"``.
        factory: Called with the options given to :func:`get_geocoder`; returns a
            :class:`Geocoder`.

    Raises:
        ConfigError: The name is empty.
    """
    if not name or not name.strip():
        raise ConfigError("a geocoder needs a non-empty name", field="geocoder")
    _REGISTRY.register(name, factory, replace=True)


def available_geocoders() -> tuple[str, ...]:
    """The keys :func:`get_geocoder` knows, sorted."""
    return tuple(sorted(_REGISTRY))


def get_geocoder(spec: str | Geocoder = "offline", **options: Any) -> Geocoder:
    """Turn a key (or a ready geocoder) into a :class:`Geocoder`.

    Args:
        spec: ``"offline"``, ``"geopy"``, another registered key, or an object with a
            ``geocode`` method (returned as is).
        **options: Passed to the factory (e.g. ``cache_path`` for ``"geopy"``).

    Returns:
        The geocoder.

    Raises:
        ConfigError: The key is unknown or options are given with a ready geocoder.
        MissingExtraError: ``"geopy"`` was asked for and geopy is not installed.
    """
    if not isinstance(spec, str):
        if not callable(getattr(spec, "geocode", None)):
            raise ConfigError("a geocoder needs a geocode(text) method", field="geocoder")
        if options:
            raise ConfigError("options only apply to a geocoder given by name", field="geocoder")
        return spec
    return _REGISTRY.get(spec)(**options)
