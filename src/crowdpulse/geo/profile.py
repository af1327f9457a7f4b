"""Offline geocoding of free-text profile locations: :func:`geocode`.

How a location is resolved (see ``docs/geography.md`` for the full account):

1. :func:`crowdpulse.geo.normalize.parse_location` takes out coordinates, flags, URLs
   and pronouns, and splits the rest into *groups* (places listed with ``/``, ``|``,
   ``•``, `` - ``, emojis) of *segments* (a hierarchy written with commas:
   ``city, state, country``) of tokens.
2. Each segment is scanned left to right for the longest known name (up to six
   tokens): country names (ISO, GeoNames, translations, aliases such as ``USA``),
   US states (names, nicknames, postal codes), regions (ISO 3166-2 subdivisions),
   city names and aliases (``NYC``, ``Philly``), non-place phrases (``worldwide``,
   ``in your heart``). Two-letter codes count only alone in their segment
   (``Miami, FL``) or right after a place (``Miami FL``), and lower-case ones only
   when they are not English words (``in``, ``me``). Words that are neither a name
   nor a filler (``near``, ``north``, ``city``) make the segment *noisy*: there only
   strong names count (countries, states, aliases, non-word regions, cities of
   100,000 people or more).
3. Within a group every reading votes for its country: explicit administrative
   names (countries, states, regions, codes, aliases) first, then the number of
   segments explained, then the weight (for cities, their share of the population
   of all places of that name). ``Paris, Texas`` is in the US because ``Texas``
   explains one segment and a US Paris the other; a lone ``Paris`` is in France
   (98% of the population of places named Paris). Ties are refused as ambiguous
   (``Cambridge``: GB, CA, US). Names that are also English words (``Reading``)
   need another part of the location to agree.
4. Groups must agree: ``Madrid / Paris`` names two countries and gets none.
   Flags decide only when the text names no place; nationalities (``Proud
   Nigerian``) likewise, with low confidence.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache

from crowdpulse.geo.gazetteer import (
    COMMON_SHORT_WORDS,
    MAX_NAME_TOKENS,
    Entry,
    Gazetteer,
    load_gazetteer,
)
from crowdpulse.geo.lexicon import ABBREVIATION_CODES, FILLER, INSTITUTION_WORDS
from crowdpulse.geo.normalize import ParsedLocation, Segment, Token, fold, parse_location
from crowdpulse.geo.result import GeoResult

__all__ = [
    "AMBIGUITY_RATIO",
    "MIN_AMBIGUOUS_POPULATION",
    "NOISY_MIN_POPULATION",
    "geocode",
]

AMBIGUITY_RATIO = 0.75
"""A rival country whose weight reaches this share of the best one's makes a tie."""
MIN_AMBIGUOUS_POPULATION = 50_000
"""A city name shared by several countries needs this many people in its best match."""
NOISY_MIN_POPULATION = 100_000
"""Population a city needs to count in a segment with unknown words."""
NOISY_MIN_POPULATION_LOWER = 1_000_000
"""The same in a location typed without capitals (no sign of what is a proper name)."""
REGION_WEIGHT = 0.5
"""Weight of a region name against a city of the same name elsewhere (``Charlotte``)."""
ALT_NAME_FACTOR = 0.5
"""Weight of a city matched by an alternate name, relative to a main name."""

_CODE_WEIGHTS = {
    "alias": 1.0,
    "state code": 0.7,
    "alpha-3": 0.8,
    "country code": 0.5,
    "region code": 0.3,
}
_CODE_CONFIDENCE = {
    "alias": 0.9,
    "state code": 0.85,
    "alpha-3": 0.85,
    "country code": 0.75,
    "region code": 0.6,
}
_NO_SPACE_SCRIPTS = ("THAI", "CJK", "HIRAGANA", "KATAKANA", "LAO", "KHMER", "MYANMAR")
_MAX_CITY_READINGS = 12


@dataclass(frozen=True, slots=True)
class _Reading:
    country: str
    state: str
    weight: float
    admin: bool
    kind: str
    label: str
    confidence: float
    weak: bool = False
    population: int = 0
    alt: bool = False


@dataclass(slots=True)
class _Span:
    readings: list[_Reading]
    segment: int
    capitalised: bool


@dataclass(slots=True)
class _Outcome:
    country: str | None = None
    state: str | None = None
    confidence: float = 0.0
    evidence: str = ""
    ambiguous: tuple[str, ...] = ()
    non_places: set[str] = field(default_factory=set)
    demonyms: list[str] = field(default_factory=list)
    unknown: bool = False


def _city_confidence(population: int) -> float:
    return 0.55 + 0.35 * min(1.0, max(0.0, math.log10(max(population, 1) / 15_000) / 2))


def _no_space_script(text: str) -> bool:
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            return name.startswith(_NO_SPACE_SCRIPTS)
    return False


class _Resolver:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gaz = gazetteer

    # -- readings of one entry ---------------------------------------------------------
    def name_readings(self, entry: Entry) -> list[_Reading]:
        return list(self._name_readings(entry))

    @lru_cache(maxsize=100_000)  # noqa: B019  (one resolver per process)
    def _name_readings(self, entry: Entry) -> tuple[_Reading, ...]:
        gaz = self.gaz
        out: list[_Reading] = []
        for cc in entry.countries:
            name = gaz.country_name(cc)
            label = (
                f"country {name}" if fold(name) == entry.key else f"country '{entry.key}' ({cc})"
            )
            out.append(_Reading(cc, "", 1.0, True, "country", label, 0.95))
        for st in entry.states:
            out.append(_Reading("US", st, 1.0, True, "state", f"state {st}", 0.95))
        for cc, st in entry.places:
            where = f"{cc}-{st}" if st else cc
            out.append(_Reading(cc, st, 1.0, True, "alias", f"'{entry.key}' ({where})", 0.9))
        if entry.regions:
            shared = len(set(entry.regions))
            for cc in sorted(set(entry.regions)):
                out.append(
                    _Reading(
                        cc,
                        "",
                        REGION_WEIGHT / shared,
                        False,
                        "region",
                        f"region {entry.key} ({cc})",
                        0.85 / shared,
                        entry.weak,
                    )
                )
        every = entry.cities + entry.alt_cities
        if every:
            total = sum(gaz.cities[i].population for i in every) or 1
            main = set(entry.cities)
            ids = sorted(every, key=lambda i: -gaz.cities[i].population)[:_MAX_CITY_READINGS]
            for i in ids:
                city = gaz.cities[i]
                where = f"{city.country}-{city.us_state}" if city.us_state else city.country
                out.append(
                    _Reading(
                        city.country,
                        city.us_state,
                        city.population / total * (1.0 if i in main else ALT_NAME_FACTOR),
                        False,
                        "city",
                        f"city {city.name} ({where})",
                        _city_confidence(city.population),
                        entry.weak,
                        city.population,
                        i not in main,
                    )
                )
        return tuple(out)

    def code_readings(self, entry: Entry, text: str) -> list[_Reading]:
        out: list[_Reading] = []
        for cc, st in entry.short_places:
            where = f"{cc}-{st}" if st else cc
            out.append(_Reading(cc, st, 1.0, True, "alias", f"'{text}' ({where})", 0.9))
        for st in entry.state_codes:
            out.append(_Reading("US", st, 0.7, True, "state code", f"state code {st}", 0.85))
        for cc in entry.country_codes:
            kind = "alpha-3" if len(entry.key) == 3 else "country code"
            out.append(
                _Reading(
                    cc,
                    "",
                    _CODE_WEIGHTS[kind],
                    True,
                    kind,
                    f"{kind} {text}",
                    _CODE_CONFIDENCE[kind],
                )
            )
        for cc in entry.region_codes:
            out.append(
                _Reading(cc, "", 0.3, True, "region code", f"region code {text} ({cc})", 0.6)
            )
        return out

    # -- scanning ------------------------------------------------------------------------
    @staticmethod
    def trailing_state_code(
        entry: Entry, tokens: tuple[Token, ...], i: int, last_segment: bool
    ) -> bool:
        """A capital state code ending the location after a capitalised name ("Taos NM").

        The town may be too small for the gazetteer; the code in capitals at the very
        end, after a word written with a capital and small letters, is how US
        locations are written.
        """
        if not (last_segment and i == len(tokens) - 1 and i > 0 and entry.state_codes):
            return False
        before = tokens[i - 1]
        return tokens[i].is_upper and before.is_capitalised and not before.is_upper

    def code_allowed(
        self,
        entry: Entry,
        seg: Segment,
        i: int,
        seg_index: int,
        after_place: bool,
        last_segment: bool = False,
    ) -> bool:
        tokens = seg.tokens
        token = tokens[i]
        alone = all(t.key in FILLER or t.key.isdigit() for k, t in enumerate(tokens) if k != i)
        if entry.key in ABBREVIATION_CODES and not entry.state_codes and not entry.short_places:
            return after_place or (seg_index > 0 and token.is_upper)  # "TV": television
        if not (alone or after_place):
            return self.trailing_state_code(entry, tokens, i, last_segment)
        if len(entry.key) == 3 and not entry.short_places and not entry.region_codes:
            return token.is_upper and alone  # ISO alpha-3: "GBR", "MEX"
        if token.is_upper:
            return True
        if token.is_capitalised:  # "Miami, Fl", "Orlando Fl"; not a lone "Bi"
            return seg_index > 0 or after_place
        return entry.key not in COMMON_SHORT_WORDS

    def substring_readings(self, key: str) -> tuple[Entry | None, bool]:
        """Longest known name inside a word of a script written without spaces."""
        best: Entry | None = None
        for length in range(len(key), 1, -1):
            for start in range(0, len(key) - length + 1):
                entry = self.gaz.entry(key[start : start + length])
                if entry is not None and entry.has_name:
                    best = entry
                    break
            if best is not None:
                break
        return best, best is not None

    def scan(self, segments: tuple[Segment, ...], mixed: bool, outcome: _Outcome) -> list[_Span]:
        gaz = self.gaz
        spans: list[_Span] = []
        for seg_index, seg in enumerate(segments):
            tokens = seg.tokens
            keys = [t.key for t in tokens]
            n = len(tokens)
            seg_spans: list[_Span] = []
            unknown = 0
            i = 0
            last_place_end = -1
            while i < n:
                match_end = 0
                for j in range(min(n, i + MAX_NAME_TOKENS), i + 1, -1):
                    if gaz.is_multi_key(" ".join(keys[i:j])):
                        match_end = j
                        break
                if match_end:
                    entry = gaz.entry(" ".join(keys[i:match_end]))
                    if entry is not None:
                        if entry.non_place:
                            outcome.non_places.add(entry.non_place)
                        elif entry.demonym and not entry.has_name:
                            outcome.demonyms.append(entry.demonym)
                        else:
                            seg_spans.append(
                                _Span(
                                    self.name_readings(entry), seg_index, tokens[i].is_capitalised
                                )
                            )
                            last_place_end = match_end
                    i = match_end
                    continue
                token = tokens[i]
                key = token.key
                entry = gaz.entry(key)
                if entry is not None and entry.non_place:
                    outcome.non_places.add(entry.non_place)
                    i += 1
                    continue
                if entry is not None and entry.has_code:
                    after_place = last_place_end == i
                    last = seg_index == len(segments) - 1
                    if self.code_allowed(entry, seg, i, seg_index, after_place, last):
                        readings = self.code_readings(entry, token.text)
                        if not after_place and self.trailing_state_code(entry, tokens, i, last):
                            readings = [r for r in readings if r.kind == "state code"]
                        if entry.has_name:
                            readings += self.name_readings(entry)
                        seg_spans.append(_Span(readings, seg_index, True))
                        last_place_end = i + 1
                        i += 1
                        continue
                if key in FILLER or key.isdigit() or (len(key) == 1 and key.isascii()):
                    pass
                elif key in INSTITUTION_WORDS:
                    unknown += 1
                elif entry is not None and entry.has_name:
                    seg_spans.append(
                        _Span(self.name_readings(entry), seg_index, token.is_capitalised)
                    )
                    last_place_end = i + 1
                elif entry is not None and entry.demonym:
                    outcome.demonyms.append(entry.demonym)
                elif _no_space_script(token.text):
                    found, ok = self.substring_readings(key)
                    if ok and found is not None:
                        seg_spans.append(_Span(self.name_readings(found), seg_index, True))
                        last_place_end = i + 1
                    else:
                        unknown += 1
                else:
                    unknown += 1
                i += 1
            if unknown:
                outcome.unknown = True
                has_upper = any(t.text[:1].isupper() for s in segments for t in s.tokens)
                for span in seg_spans:
                    span.readings = [
                        r for r in span.readings if self.strong(r, span, mixed, has_upper)
                    ]
            spans.extend(s for s in seg_spans if s.readings)
        return spans

    @staticmethod
    def strong(reading: _Reading, span: _Span, mixed: bool, has_upper: bool) -> bool:
        """Whether a reading counts inside a segment that also holds unknown words.

        Countries, states, aliases and codes always do; regions and cities only under
        their main name, capitalised (in a mixed-case text), not an everyday word, and
        for cities with a large population.
        """
        if reading.kind in ("country", "state", "alias") or reading.kind in _CODE_WEIGHTS:
            return True
        if reading.weak or reading.alt or (mixed and not span.capitalised):
            return False
        if reading.kind == "region":
            return True
        floor = NOISY_MIN_POPULATION if has_upper else NOISY_MIN_POPULATION_LOWER
        return reading.population >= floor

    # -- deciding ------------------------------------------------------------------------
    def resolve_group(self, segments: tuple[Segment, ...], mixed: bool) -> _Outcome:
        outcome = _Outcome()
        spans = self.scan(segments, mixed, outcome)
        # A name that is also an everyday word needs another span of the same country.
        for k, span in enumerate(spans):
            if any(r.weak for r in span.readings):
                support = {
                    r.country
                    for m, other in enumerate(spans)
                    if m != k
                    for r in other.readings
                    if not r.weak
                }
                span.readings = [r for r in span.readings if not r.weak or r.country in support]
        spans = [s for s in spans if s.readings]
        if not spans:
            return outcome
        # A region after a comma qualifies what comes before ("Stockbridge, England").
        for span in spans:
            if span.segment > 0 and any(r.kind == "region" for r in span.readings):
                span.readings = [
                    replace(r, admin=True) if r.kind == "region" else r for r in span.readings
                ]

        admin_cov: dict[str, int] = defaultdict(int)
        cov: dict[str, int] = defaultdict(int)
        weight: dict[str, float] = defaultdict(float)
        best_city_pop: dict[str, int] = defaultdict(int)
        for span in spans:
            admin_w: dict[str, float] = {}
            city_w: dict[str, float] = defaultdict(float)
            for r in span.readings:
                if r.admin:
                    if r.weight > admin_w.get(r.country, 0.0):
                        admin_w[r.country] = r.weight
                else:
                    city_w[r.country] += r.weight
                    if r.population > best_city_pop[r.country]:
                        best_city_pop[r.country] = r.population
            for cc in set(admin_w) | set(city_w):
                cov[cc] += 1
                if cc in admin_w:
                    admin_cov[cc] += 1
                weight[cc] += max(admin_w.get(cc, 0.0), min(1.0, city_w.get(cc, 0.0)))
        ranked = sorted(cov, key=lambda cc: (admin_cov[cc], cov[cc], weight[cc], cc), reverse=True)
        best = ranked[0]
        rival = ranked[1] if len(ranked) > 1 else None
        if rival is not None and (admin_cov[rival], cov[rival]) == (admin_cov[best], cov[best]):
            if weight[rival] >= AMBIGUITY_RATIO * weight[best]:
                tied = [
                    cc
                    for cc in ranked
                    if (admin_cov[cc], cov[cc]) == (admin_cov[best], cov[best])
                    and weight[cc] >= AMBIGUITY_RATIO * weight[best]
                ]
                outcome.ambiguous = tuple(tied)
                return outcome
            if admin_cov[best] == 0 and best_city_pop[best] < MIN_AMBIGUOUS_POPULATION:
                outcome.ambiguous = (best, rival)
                return outcome

        outcome.country = best
        outcome.state = self.choose_state(spans, best)
        # Confidence: evidence of each span combined, less the share of a rival.
        miss = 1.0
        labels: list[str] = []
        for span in spans:
            mine = [r for r in span.readings if r.country == best]
            if not mine:
                continue
            if outcome.state is not None:
                mine = [r for r in mine if r.state in ("", outcome.state)] or mine
            top = max(mine, key=lambda r: (r.admin, r.confidence * (1.0 if r.admin else r.weight)))
            if top.admin:
                share = 1.0
            else:  # the country's part of all the places of that name
                every = sum(r.weight for r in span.readings if not r.admin)
                share = (
                    sum(r.weight for r in span.readings if not r.admin and r.country == best)
                    / every
                )
            evidence = top.confidence * share
            miss *= 1.0 - evidence
            labels.append(top.label)
        confidence = 1.0 - miss
        if rival is not None:
            ratio = min(1.0, weight[rival] / weight[best]) if weight[best] else 1.0
            same_tier = (admin_cov[rival], cov[rival]) == (admin_cov[best], cov[best])
            confidence *= 1.0 - (0.5 if same_tier else 0.15) * ratio
            labels.append(f"also {rival}")
        if outcome.unknown:
            confidence *= 0.85
            labels.append("unknown words ignored")
        outcome.confidence = min(0.99, confidence)
        outcome.evidence = " + ".join(labels)
        return outcome

    @staticmethod
    def choose_state(spans: list[_Span], country: str) -> str | None:
        # States named outright (names, codes) rule; city homonyms in other states
        # ("Westchester" is also in Florida) give way to them. Cities and city aliases
        # ("NYC") must all agree.
        with_state: list[dict[str, _Reading]] = []
        named: list[dict[str, _Reading]] = []
        for span in spans:
            states: dict[str, _Reading] = {}
            is_named = False
            for r in span.readings:
                if r.country != country or not r.state:
                    continue
                if r.kind == "state" or r.kind == "state code":
                    is_named = True
                old = states.get(r.state)
                if old is None or (r.admin, r.weight) > (old.admin, old.weight):
                    states[r.state] = r
            if states:
                with_state.append(states)
                if is_named:
                    named.append(states)
        state_spans = named or with_state
        if not state_spans:
            return None
        candidates = set(state_spans[0]).intersection(*state_spans[1:])
        if not candidates:
            return None
        if len(candidates) > 1 and named:
            # A code read two ways ("LA": Louisiana or Los Angeles) takes the reading
            # the other parts agree with ("Baton Rouge, LA").
            others = [s for s in with_state if not any(s is m for m in named)]
            agreed = candidates.intersection(*others) if others else set()
            if agreed:
                candidates = agreed
        if len(candidates) == 1:
            return candidates.pop()

        def score(st: str) -> tuple[bool, float]:
            admin = any(s[st].admin for s in state_spans)
            return admin, sum(s[st].weight for s in state_spans)

        ranked = sorted(candidates, key=lambda st: (score(st), st), reverse=True)
        first, second = score(ranked[0]), score(ranked[1])
        if first[0] == second[0] and second[1] >= AMBIGUITY_RATIO * first[1]:
            return None
        return ranked[0]

    # -- the whole location ---------------------------------------------------------------
    @lru_cache(maxsize=100_000)  # noqa: B019  (one resolver per process)
    def cached_group(self, group: tuple[Segment, ...], mixed: bool) -> _Outcome:
        """:meth:`resolve_group`, cached: the same place recurs in many locations."""
        return self.resolve_group(group, mixed)

    def resolve(self, parsed: ParsedLocation) -> GeoResult:
        outcomes = [self.cached_group(group, parsed.mixed_case) for group in parsed.groups]
        decided = [o for o in outcomes if o.country is not None]
        flags = [f for f in parsed.flags if self.gaz.is_country(f)]
        if decided:
            countries = sorted({o.country for o in decided if o.country})
            if len(countries) > 1:
                return GeoResult(None, None, 0.0, "several countries: " + ", ".join(countries))
            country = countries[0]
            states = {o.state for o in decided if o.state}
            state = states.pop() if len(states) == 1 else None
            miss = 1.0
            for o in decided:
                miss *= 1.0 - o.confidence
            confidence = 1.0 - miss
            evidence = "; ".join(o.evidence for o in decided)
            if flags:
                if set(flags) == {country}:
                    confidence = 1.0 - (1.0 - confidence) * 0.5
                    evidence += "; flag agrees"
                else:
                    confidence *= 0.8
                    evidence += "; flag disagrees"
            if country != "US":
                state = None
            return GeoResult(country, state, round(min(0.99, confidence), 4), evidence)
        ambiguous = sorted({cc for o in outcomes for cc in o.ambiguous})
        if flags:
            if len(set(flags)) == 1:
                return GeoResult(flags[0], None, 0.8, f"flag {flags[0]}")
            return GeoResult(
                None, None, 0.0, "flags of several countries: " + ", ".join(sorted(set(flags)))
            )
        if ambiguous:
            return GeoResult(None, None, 0.0, "ambiguous: " + ", ".join(ambiguous))
        demonyms = sorted({d for o in outcomes for d in o.demonyms})
        if len(demonyms) == 1:
            return GeoResult(demonyms[0], None, 0.5, f"nationality word ({demonyms[0]})")
        non_places = sorted({c for o in outcomes for c in o.non_places})
        if non_places and not any(o.unknown for o in outcomes):
            return GeoResult(None, None, 0.0, "not a place: " + ", ".join(non_places))
        removed = parsed.removed - {"coordinates"}
        if not parsed.groups and removed:
            return GeoResult(None, None, 0.0, "only " + ", ".join(sorted(removed)))
        if not parsed.groups:
            return GeoResult(None, None, 0.0, "no words")
        return GeoResult(None, None, 0.0, "no known place")


@lru_cache(maxsize=1)
def _resolver() -> _Resolver:
    return _Resolver(load_gazetteer())


@lru_cache(maxsize=65_536)
def geocode(text: str) -> GeoResult:
    """Geocode a free-text profile location, offline.

    Args:
        text: The location as typed, e.g. ``"Miami FL"``, ``"London, UK"``, ``"🇫🇷"``.

    Returns:
        A :class:`~crowdpulse.geo.result.GeoResult` (``source="profile"``): the
        country (ISO alpha-2) and US state where they can be told, a confidence in
        0..1 and the reason; ``country`` is None for non-places (``"worldwide"``,
        ``"she/her"``), unknown words, ambiguous names (``"Cambridge"``) and lists of
        places in several countries.

    Example:
        >>> r = geocode("Miami FL")
        >>> (r.country, r.us_state)
        ('US', 'FL')
    """
    if not isinstance(text, str) or not text.strip():
        return GeoResult(None, None, 0.0, "empty")
    parsed = parse_location(text)
    if parsed.coordinates is not None:
        from crowdpulse.geo.coords import geocode_point

        point = geocode_point(*parsed.coordinates)
        if point.country is not None:
            return GeoResult(
                point.country,
                point.us_state,
                round(point.confidence * 0.95, 4),
                f"coordinates in the text: {point.reason}",
            )
    return _resolver().resolve(parsed)
