"""The synthetic population: user ids, handles, names and messy profile locations.

Profile locations are written the way people write them ("NYC", "new york, ny",
"Paris, France 🇫🇷", "🇫🇷", "somewhere over the rainbow", "she/her", "") and each
carries its true country (ISO 3166-1 alpha-2, or None for text that is no place),
so a geocoder can be scored exactly. Places with coordinates also give the
Twitter place (id, name, full name, country code) used for geotagged posts.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

__all__ = ["LOCATIONS", "Location", "Population", "make_population"]


@dataclass(frozen=True, slots=True)
class Location:
    """One way of writing a profile location.

    Attributes:
        text: The free text as typed in the profile.
        country: The true ISO alpha-2 country, or None for no place.
        weight: Relative frequency in the population.
        lat: Latitude of the place meant (None without a city).
        lon: Longitude of the place meant.
        place: Twitter-style place full name (e.g. ``"Miami, FL"``), or None.
        place_type: ``"city"``, ``"admin"`` or ``"country"``.
    """

    text: str
    country: str | None
    weight: float
    lat: float | None = None
    lon: float | None = None
    place: str | None = None
    place_type: str = "city"


def _loc(
    text: str,
    country: str | None,
    weight: float,
    lat: float | None = None,
    lon: float | None = None,
    place: str | None = None,
    place_type: str = "city",
) -> Location:
    return Location(text, country, weight, lat, lon, place, place_type)


#: Every profile location the generator writes, with its truth.
LOCATIONS: tuple[Location, ...] = (
    # no place at all
    _loc("", None, 22.0),
    _loc("Earth", None, 1.0),
    _loc("she/her", None, 1.0),
    _loc("he/him", None, 0.8),
    _loc("somewhere over the rainbow", None, 0.5),
    _loc("worldwide", None, 0.8),
    _loc("the internet", None, 0.5),
    _loc("in my head", None, 0.4),
    _loc("🌍", None, 0.5),
    _loc("Hogwarts", None, 0.3),
    _loc("everywhere & nowhere", None, 0.3),
    # United States
    _loc("NYC", "US", 2.0, 40.7128, -74.0060, "Manhattan, NY"),
    _loc("new york, ny", "US", 1.5, 40.7128, -74.0060, "Manhattan, NY"),
    _loc("New York", "US", 1.5, 40.7128, -74.0060, "Manhattan, NY"),
    _loc("Brooklyn, NY", "US", 1.0, 40.6782, -73.9442, "Brooklyn, NY"),
    _loc("Miami FL", "US", 1.2, 25.7617, -80.1918, "Miami, FL"),
    _loc("Miami, Florida", "US", 0.8, 25.7617, -80.1918, "Miami, FL"),
    _loc("Orlando, FL", "US", 0.6, 28.5383, -81.3792, "Orlando, FL"),
    _loc("Florida", "US", 0.8, 27.9944, -81.7603, "Florida, USA", "admin"),
    _loc("Texas", "US", 1.0, 31.9686, -99.9018, "Texas, USA", "admin"),
    _loc("Houston, TX", "US", 0.8, 29.7604, -95.3698, "Houston, TX"),
    _loc("Los Angeles, CA", "US", 1.5, 34.0522, -118.2437, "Los Angeles, CA"),
    _loc("LA", "US", 0.5, 34.0522, -118.2437, "Los Angeles, CA"),
    _loc("Chicago", "US", 1.0, 41.8781, -87.6298, "Chicago, IL"),
    _loc("Boston, MA", "US", 0.7, 42.3601, -71.0589, "Boston, MA"),
    _loc("Seattle, WA", "US", 0.6, 47.6062, -122.3321, "Seattle, WA"),
    _loc("Atlanta, Georgia", "US", 0.6, 33.7490, -84.3880, "Atlanta, GA"),
    _loc("USA", "US", 1.0),
    _loc("United States", "US", 0.6),
    _loc("🇺🇸", "US", 0.6),
    _loc("Washington, DC", "US", 0.7, 38.9072, -77.0369, "Washington, DC"),
    # Puerto Rico (its own ISO code)
    _loc("Puerto Rico", "PR", 0.6, 18.2208, -66.5901, "Puerto Rico", "country"),
    _loc("San Juan, Puerto Rico", "PR", 0.4, 18.4655, -66.1057, "San Juan, Puerto Rico"),
    # France
    _loc("Paris, France 🇫🇷", "FR", 1.2, 48.8566, 2.3522, "Paris, France"),
    _loc("paris", "FR", 1.0, 48.8566, 2.3522, "Paris, France"),
    _loc("Paris", "FR", 1.2, 48.8566, 2.3522, "Paris, France"),
    _loc("Lyon, France", "FR", 0.5, 45.7640, 4.8357, "Lyon, France"),
    _loc("Marseille", "FR", 0.5, 43.2965, 5.3698, "Marseille, France"),
    _loc("Toulouse", "FR", 0.3, 43.6047, 1.4442, "Toulouse, France"),
    _loc("Île-de-France", "FR", 0.4, 48.8499, 2.6370, "Île-de-France, France", "admin"),
    _loc("France", "FR", 0.8),
    _loc("🇫🇷", "FR", 0.5),
    # United Kingdom
    _loc("London UK", "GB", 1.2, 51.5074, -0.1278, "London, England"),
    _loc("London, England", "GB", 1.0, 51.5074, -0.1278, "London, England"),
    _loc("london", "GB", 0.6, 51.5074, -0.1278, "London, England"),
    _loc("Manchester", "GB", 0.5, 53.4808, -2.2426, "Manchester, England"),
    _loc("Scotland", "GB", 0.4, 56.4907, -4.2026, "Scotland, United Kingdom", "admin"),
    _loc("UK", "GB", 0.6),
    # Nigeria
    _loc("Lagos", "NG", 1.0, 6.5244, 3.3792, "Lagos, Nigeria"),
    _loc("Lagos, Nigeria", "NG", 0.6, 6.5244, 3.3792, "Lagos, Nigeria"),
    _loc("Abuja", "NG", 0.4, 9.0765, 7.3986, "Abuja, Nigeria"),
    # Brazil
    _loc("São Paulo", "BR", 0.8, -23.5505, -46.6333, "São Paulo, Brasil"),
    _loc("Rio de Janeiro, Brasil", "BR", 0.5, -22.9068, -43.1729, "Rio de Janeiro, Brasil"),
    # Canada
    _loc("Toronto, Ontario", "CA", 0.8, 43.6532, -79.3832, "Toronto, Ontario"),
    _loc("Montréal, QC", "CA", 0.5, 45.5017, -73.5673, "Montréal, Québec"),
    _loc("Vancouver, BC", "CA", 0.4, 49.2827, -123.1207, "Vancouver, British Columbia"),
    # India
    _loc("Mumbai, India", "IN", 0.7, 19.0760, 72.8777, "Mumbai, India"),
    _loc("New Delhi", "IN", 0.5, 28.6139, 77.2090, "New Delhi, India"),
    # Spain, Mexico
    _loc("Madrid", "ES", 0.5, 40.4168, -3.7038, "Madrid, España"),
    _loc("Barcelona, España", "ES", 0.4, 41.3874, 2.1686, "Barcelona, España"),
    _loc("CDMX", "MX", 0.4, 19.4326, -99.1332, "Ciudad de México, México"),
    _loc("Guadalajara, Jalisco", "MX", 0.3, 20.6597, -103.3496, "Guadalajara, Jalisco"),
    # others
    _loc("Berlin", "DE", 0.5, 52.5200, 13.4050, "Berlin, Deutschland"),
    _loc("Sydney, Australia", "AU", 0.5, -33.8688, 151.2093, "Sydney, New South Wales"),
    _loc("Brussels, Belgium", "BE", 0.4, 50.8503, 4.3517, "Brussels, Belgium"),
    _loc("Dublin, Ireland", "IE", 0.4, 53.3498, -6.2603, "Dublin City, Ireland"),
    _loc("Tokyo", "JP", 0.4, 35.6762, 139.6503, "Tokyo, Japan"),
    _loc("Manila, Philippines", "PH", 0.4, 14.5995, 120.9842, "Manila, Philippines"),
    _loc("Johannesburg", "ZA", 0.3, -26.2041, 28.0473, "Johannesburg, South Africa"),
)

_COUNTRY_NAMES = {
    "US": "United States", "PR": "Puerto Rico", "FR": "France", "GB": "United Kingdom",
    "NG": "Nigeria", "BR": "Brazil", "CA": "Canada", "IN": "India", "ES": "Spain",
    "MX": "Mexico", "DE": "Germany", "AU": "Australia", "BE": "Belgium", "IE": "Ireland",
    "JP": "Japan", "PH": "Philippines", "ZA": "South Africa",
}  # fmt: skip

_FIRST = (
    "Alex", "Sam", "Maria", "John", "Fatima", "Chloé", "Lucas", "Amaka", "Priya", "Diego",
    "Emma", "Noah", "Olivia", "Liam", "Aisha", "Chen", "Sofia", "Mateo", "Zoe", "Kwame",
    "Hannah", "Louis", "Camille", "Tomás", "Yuki", "Grace", "Omar", "Lea", "Ravi", "Nina",
)  # fmt: skip
_LAST = (
    "Smith", "Martin", "Okafor", "Garcia", "Dubois", "Patel", "Silva", "Brown", "Nguyen",
    "Müller", "Rossi", "Kim", "Johnson", "Moreau", "Adeyemi", "Lopez", "Walsh", "Tanaka",
    "Bernard", "Cohen", "Diallo", "Evans", "Santos", "Fischer", "Leroy",
)  # fmt: skip
_HANDLE_A = (
    "sunny", "night", "coffee", "pixel", "lazy", "urban", "happy", "wild", "blue", "tiny",
    "lucky", "cosmic", "salty", "quiet", "rainy", "golden", "real", "its", "the", "just",
    "mister", "miss", "dr", "captain", "little", "big", "daily", "crazy", "sweet", "lost",
)  # fmt: skip
_HANDLE_B = (
    "owl", "cat", "wolf", "fox", "bee", "panda", "reader", "runner", "chef", "gamer", "nomad",
    "dreamer", "poet", "fan", "girl", "boy", "dude", "queen", "king", "walker", "writer",
    "baker", "rider", "lover", "thinker", "otter", "tiger", "sparrow", "maple", "river",
)  # fmt: skip
_TWEPOCH_MS = 1_288_834_974_657
_FIRST_ACCOUNT_MS = 1_142_000_000_000  # March 2006
_SNOWFLAKE_USERS_MS = 1_388_534_400_000  # 2014-01-01: later accounts get snowflake ids

_NEWS_ACCOUNTS = (
    "dailyheraldnews",
    "worldwirelive",
    "lejournalq",
    "metrocitynews",
    "eveningpostnow",
    "breakingalerts24",
    "citytrafficinfo",
    "emergencyupdates",
)


class StrColumn(Sequence[str]):
    """Strings packed into one UTF-8 buffer with offsets: about 20 bytes a short string.

    A Python ``str`` costs about 60 bytes; the population of a large streamed event
    (millions of users) keeps its ids, handles and names this way.
    """

    __slots__ = ("_data", "_offsets")

    def __init__(self, values: Iterable[str]) -> None:
        """Pack ``values``.

        Args:
            values: The strings, in order.
        """
        offsets = array("q", [0])
        chunks: list[bytes] = []
        end = 0
        for value in values:
            data = value.encode("utf-8")
            chunks.append(data)
            end += len(data)
            offsets.append(end)
        self._data = b"".join(chunks)
        self._offsets = offsets

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = int(index)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("StrColumn index out of range")
        return self._data[self._offsets[i] : self._offsets[i + 1]].decode("utf-8")


@dataclass
class Population:
    """Users of the corpus, one entry per user index.

    Attributes:
        ids: Account ids (decimal strings).
        handles: Screen names (unique, case-insensitively).
        names: Display names.
        location_index: Index into :data:`LOCATIONS` per user.
        activity: Relative posting activity per user (heavy-tailed).
        created_at_ms: Account creation time per user (ms since the epoch).
        followers: Follower counts.
        news: User indices of news accounts.
        target: User index of the firestorm target account.
        helpdesk: User index of the target's help-desk account, which customers
            mention together with the target before the firestorm.
        newcomers: User indices that only post during the firestorm.
    """

    ids: Sequence[str]
    handles: Sequence[str]
    names: Sequence[str]
    location_index: np.ndarray
    activity: np.ndarray
    created_at_ms: np.ndarray
    followers: np.ndarray
    news: np.ndarray
    target: int
    helpdesk: int
    newcomers: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def country(self, user: int) -> str | None:
        """The true country of ``user`` (alpha-2) or None."""
        return LOCATIONS[int(self.location_index[user])].country

    def location_text(self, user: int) -> str:
        """The profile location of ``user`` as typed."""
        return LOCATIONS[int(self.location_index[user])].text


def country_name(code: str) -> str:
    """English name of a country code used by :data:`LOCATIONS`."""
    return _COUNTRY_NAMES.get(code, code)


#: Above this many users, handles that collide 5 times are numbered by user index
#: (smaller populations are drawn as before: their handles never needed it).
_LARGE_POPULATION = 300_000


def make_population(
    rng: np.random.Generator,
    n_users: int,
    n_newcomers: int,
    target_handle: str,
    start_ms: int,
) -> Population:
    """Draw the population.

    Args:
        rng: The random generator (seeded by the caller).
        n_users: Regular users (news accounts included).
        n_newcomers: Extra users who only take part in the firestorm.
        target_handle: Screen name of the firestorm target (no ``@``).
        start_ms: Corpus start; every account is created at least 30 days before it.

    Returns:
        The population; the help desk and the target are the last two users.
    """
    total = n_users + n_newcomers + 2
    helpdesk_handle = target_handle[:11] + "help"
    if helpdesk_handle.lower() == target_handle.lower():
        helpdesk_handle = target_handle[:10] + "_help"
    taken: set[str] = {target_handle.lower(), helpdesk_handle.lower()}
    handles: list[str] = []
    n_news = min(len(_NEWS_ACCOUNTS), max(1, n_users // 50))
    for h in _NEWS_ACCOUNTS[:n_news]:
        handles.append(h)
        taken.add(h)
    a = rng.integers(0, len(_HANDLE_A), total)
    b = rng.integers(0, len(_HANDLE_B), total)
    digits = rng.integers(0, 10_000, total)
    style = rng.integers(0, 4, total)
    # a large population (more users than the styles' short numbers can tell apart)
    # tries a few redraws, then numbers the handle with the user index
    large = total > _LARGE_POPULATION
    for i in range(len(handles), total - 2):
        ai, bi, di, st = int(a[i]), int(b[i]), int(digits[i]), int(style[i])
        for attempt in range(5 if large else 1000):
            if attempt:  # redraw deterministically from the attempt number
                ai = (ai + attempt) % len(_HANDLE_A)
                bi = (bi + 3 * attempt) % len(_HANDLE_B)
                di = (di * 31 + attempt) % 100_000
            if st == 0:
                word, num = f"{_HANDLE_A[ai]}_{_HANDLE_B[bi]}", str(di % 1000)
            elif st == 1:
                word, num = f"{_HANDLE_A[ai].capitalize()}{_HANDLE_B[bi].capitalize()}", str(di)
            elif st == 2:
                word, num = f"{_HANDLE_B[bi]}{_HANDLE_A[ai]}", str(di % 100)
            else:
                word, num = f"{_HANDLE_A[ai]}{_HANDLE_B[bi]}_", str(di)
            h = word[: 15 - len(num)] + num
            if h.lower() not in taken:
                break
        else:
            if not large:  # pragma: no cover - a thousand collisions in a row
                raise RuntimeError("could not draw a unique handle")
            word = f"{_HANDLE_A[ai]}{_HANDLE_B[bi]}"
            k = 0
            while True:
                num = str(i + k * total)
                h = word[: 15 - len(num)] + num
                if h.lower() not in taken:
                    break
                k += 1
        taken.add(h.lower())
        handles.append(h)
    handles.append(helpdesk_handle)
    handles.append(target_handle)

    first = rng.integers(0, len(_FIRST), total)
    last = rng.integers(0, len(_LAST), total)
    names = [f"{_FIRST[f]} {_LAST[s]}" for f, s in zip(first.tolist(), last.tolist(), strict=True)]
    for i in range(n_news):
        names[i] = handles[i].replace("news", " News").title()
    names[-1] = target_handle.capitalize() + " Airlines"
    names[-2] = target_handle.capitalize() + " Help"

    weights = np.array([loc.weight for loc in LOCATIONS])
    location_index = rng.choice(len(LOCATIONS), size=total, p=weights / weights.sum())
    # news accounts and the target have a real place
    location_index[:n_news] = rng.choice([i for i, loc in enumerate(LOCATIONS) if loc.lat], n_news)
    location_index[-2:] = next(i for i, loc in enumerate(LOCATIONS) if loc.text == "Paris")

    # accounts are created before the corpus; ids follow the creation time: sequential
    # short ids before 2014, snowflakes (time << 22 | worker bits) after
    year_ms = 365 * 24 * 3600 * 1000
    created = start_ms - rng.integers(30 * 24 * 3600 * 1000, 9 * year_ms, total)
    worker = rng.integers(0, 1 << 22, total)
    snow = ((created - _TWEPOCH_MS) << 22) | worker
    frac = np.clip((created - _FIRST_ACCOUNT_MS) / (_SNOWFLAKE_USERS_MS - _FIRST_ACCOUNT_MS), 0, 1)
    short = (frac * 2_300_000_000).astype(np.int64) + rng.integers(1_000, 900_000, total)
    raw_ids = np.where(created >= _SNOWFLAKE_USERS_MS, snow, short)
    seen: set[int] = set()
    ids: list[str] = []
    for value in raw_ids.tolist():
        while value in seen:
            value += 1
        seen.add(value)
        ids.append(str(value))

    activity = rng.pareto(1.6, total) + 1.0
    activity[:n_news] *= 20.0
    newcomers = np.arange(n_users, n_users + n_newcomers)
    followers = np.minimum((rng.pareto(1.2, total) * 150).astype(np.int64), 5_000_000)
    followers[:n_news] += 250_000
    followers[-1] = 1_800_000
    followers[-2] = 95_000
    return Population(
        ids=StrColumn(ids),
        handles=StrColumn(handles),
        names=StrColumn(names),
        location_index=location_index.astype(np.int64),
        activity=activity,
        created_at_ms=created.astype(np.int64),
        followers=followers,
        news=np.arange(n_news),
        target=total - 1,
        helpdesk=total - 2,
        newcomers=newcomers,
    )
