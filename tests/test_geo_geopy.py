"""The geopy backend, with a fake geocoder injected: no network, ever."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyarrow as pa
import pytest

from crowdpulse.exceptions import ConfigError, MissingExtraError
from crowdpulse.geo import GeoResult, available_geocoders, geotag, get_geocoder, register_geocoder
from crowdpulse.geo.backends import OfflineGeocoder
from crowdpulse.geo.geopy_backend import GeopyGeocoder, default_cache_path


def location(
    country: str | None = None,
    lvl4: str | None = None,
    lat: float = 0.0,
    lon: float = 0.0,
    importance: float | None = 0.6,
    address: str = "Somewhere",
) -> SimpleNamespace:
    addr: dict[str, Any] = {}
    if country:
        addr["country_code"] = country
    if lvl4:
        addr["ISO3166-2-lvl4"] = lvl4
    raw: dict[str, Any] = {"address": addr}
    if importance is not None:
        raw["importance"] = importance
    return SimpleNamespace(raw=raw, latitude=lat, longitude=lon, address=address)


class FakeService:
    """Stands for a geopy geocoder: answers from a dict, records calls."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def geocode(self, query: str, **options: Any) -> Any:
        self.calls.append((query, options))
        answer = self.answers.get(query)
        if isinstance(answer, Exception):
            raise answer
        return answer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


ANSWERS = {
    "Miami FL": location("us", "US-FL", importance=0.7),
    "San Juan PR": location("us", "US-PR"),
    "Lagos": location("ng", importance=None),
    "Nowhereville": None,
    "Somewhere odd": location(None, lat=48.8534, lon=2.3488),
    "Boom": TimeoutError("slow"),
}


def make(
    tmp_path: Path, service: FakeService, clock: FakeClock | None = None, **kw: Any
) -> GeopyGeocoder:
    clock = clock or FakeClock()
    return GeopyGeocoder(
        service, cache_path=tmp_path / "cache.sqlite", clock=clock, sleep=clock.sleep, **kw
    )


def test_answers_are_parsed(tmp_path: Path) -> None:
    coder = make(tmp_path, FakeService(ANSWERS))
    miami = coder.geocode("Miami FL")
    assert (miami.country, miami.us_state, miami.confidence) == ("US", "FL", 0.7)
    assert miami.source == "profile" and miami.reason.startswith("geopy:")
    assert coder.geocode("San Juan PR").country == "PR"  # a territory keeps its own code
    lagos = coder.geocode("Lagos")
    assert (lagos.country, lagos.confidence) == ("NG", 0.8)
    assert coder.geocode("Nowhereville").country is None
    odd = coder.geocode("Somewhere odd")  # no address: the country comes from the point
    assert odd.country == "FR" and "coordinates" in odd.reason


def test_cache_persists_on_disk(tmp_path: Path) -> None:
    service = FakeService(ANSWERS)
    with make(tmp_path, service) as coder:
        coder.geocode("Miami FL")
        coder.geocode("  Miami   FL ")  # same query once whitespace is normalised
        coder.geocode("Nowhereville")
        assert coder.requests == 2 and coder.cache_hits == 1
        assert coder.cache_size == 2
    again = make(tmp_path, service)
    assert again.geocode("Miami FL").us_state == "FL"
    assert again.geocode("Nowhereville").country is None  # "not found" is cached too
    assert again.requests == 0
    assert len(service.calls) == 2
    assert service.calls[0][1] == {"exactly_one": True}


def test_rate_limit(tmp_path: Path) -> None:
    clock = FakeClock()
    coder = make(tmp_path, FakeService(ANSWERS), clock, min_delay_seconds=1.0)
    coder.geocode("Miami FL")
    clock.now += 0.25
    coder.geocode("Lagos")
    assert clock.sleeps == [pytest.approx(0.75)]
    clock.now += 5
    coder.geocode("San Juan PR")
    assert len(clock.sleeps) == 1
    coder.geocode("Miami FL")  # cached: no wait, no request
    assert len(clock.sleeps) == 1 and coder.requests == 3


def test_non_places_are_not_sent(tmp_path: Path) -> None:
    service = FakeService(ANSWERS)
    coder = make(tmp_path, service)
    for text in ("worldwide", "she/her", "https://example.com", "", "follow me"):
        assert coder.geocode(text).country is None
    assert service.calls == []
    unfiltered = make(tmp_path, service, prefilter=False)
    unfiltered.geocode("worldwide")
    assert [c[0] for c in service.calls] == ["worldwide"]


def test_errors_are_not_cached(tmp_path: Path) -> None:
    service = FakeService(ANSWERS)
    coder = make(tmp_path, service)
    result = coder.geocode("Boom")
    assert result.country is None and "TimeoutError" in result.reason
    coder.geocode("Boom")
    assert len(service.calls) == 2


def test_missing_geopy_raises_missing_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "geopy", None)
    monkeypatch.setitem(sys.modules, "geopy.geocoders", None)
    with pytest.raises(MissingExtraError, match=r"crowdpulse\[geopy\]"):
        GeopyGeocoder(cache_path=tmp_path / "c.sqlite")
    with pytest.raises(ImportError):
        get_geocoder("geopy", cache_path=tmp_path / "c.sqlite")


def test_registry_and_geotag_with_geopy(tmp_path: Path) -> None:
    assert {"offline", "geopy"} <= set(available_geocoders())
    assert isinstance(get_geocoder(), OfflineGeocoder)
    service = FakeService(ANSWERS)
    clock = FakeClock()
    coder = get_geocoder(
        "geopy", geocoder=service, cache_path=tmp_path / "c.sqlite", clock=clock, sleep=clock.sleep
    )
    out = geotag(
        pa.table({"author_location": ["Miami FL", "Miami FL", "worldwide", "Lagos"]}),
        geocoder=coder,
    )
    assert out.column("country").to_pylist() == ["US", "US", None, "NG"]
    assert [c[0] for c in service.calls] == ["Miami FL", "Lagos"]
    with pytest.raises(ConfigError, match="unknown geocoder"):
        get_geocoder("nominatim-please")
    with pytest.raises(ConfigError, match="options"):
        get_geocoder(coder, cache_path="x")
    with pytest.raises(ConfigError, match="geocode"):
        get_geocoder(object())  # type: ignore[arg-type]


def test_register_own_geocoder() -> None:
    class Everywhere:
        def geocode(self, text: str) -> GeoResult:
            return GeoResult("IS", None, 0.5, "always Iceland")

    register_geocoder("iceland-test", Everywhere)
    out = geotag(pa.table({"author_location": ["anything"]}), geocoder="iceland-test")
    assert out.column("country").to_pylist() == ["IS"]
    with pytest.raises(ConfigError):
        register_geocoder(" ", Everywhere)


def test_default_cache_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_path("nominatim") == tmp_path / "crowdpulse" / "geopy-nominatim.sqlite"
