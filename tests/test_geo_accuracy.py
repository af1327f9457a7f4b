"""Accuracy of the offline geocoder on real, hand-labelled profile locations.

tests/data/geo_labelled_locations.csv holds 453 distinct profile locations taken from
the real data in ../shared/data (user.location of the Napa earthquake v1.1 sample,
users of the twarc v2 files), each labelled by hand: the true country, or empty when
the text is not a place or the country cannot be told (the note says why).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crowdpulse.geo import geocode

LABELS = Path(__file__).parent / "data" / "geo_labelled_locations.csv"


def _rows() -> list[dict[str, str]]:
    with LABELS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_labelled_set_is_large_and_well_formed() -> None:
    rows = _rows()
    assert list(rows[0]) == ["location", "country", "us_state", "note"]
    assert len(rows) >= 300
    assert len({r["location"] for r in rows}) == len(rows)
    for row in rows:
        assert row["country"] == "" or (len(row["country"]) == 2 and row["country"].isupper())
        assert row["us_state"] == "" or row["country"] == "US"
    assert sum(1 for r in rows if r["country"]) >= 200
    assert sum(1 for r in rows if not r["country"]) >= 50


def test_labelled_strings_come_from_the_real_data(shared_data: Path) -> None:
    import json

    seen: set[str] = set()

    def walk(obj: object) -> None:
        if isinstance(obj, dict):
            loc = obj.get("location")
            if isinstance(loc, str) and ("screen_name" in obj or "username" in obj):
                seen.add(loc)
            for value in obj.values():
                walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    files = [shared_data / "twitter_v1_sample" / "napa_earthquake_2014_sample.jsonl"]
    files += sorted((shared_data / "twitter_v2_twarc").glob("*.jsonl"))
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                walk(json.loads(line))
            except json.JSONDecodeError:
                continue
    missing = [r["location"] for r in _rows() if r["location"] not in seen]
    assert not missing, f"not found in the real data: {missing[:10]}"


def test_accuracy_on_labelled_locations() -> None:
    rows = _rows()
    places = [r for r in rows if r["country"]]
    non_places = [r for r in rows if not r["country"]]
    wrong_country = []
    for row in places:
        result = geocode(row["location"])
        if result.country != row["country"]:
            wrong_country.append((row["location"], row["country"], result.country, result.reason))
    wrong_refusal = []
    for row in non_places:
        result = geocode(row["location"])
        if result.country is not None:
            wrong_refusal.append((row["location"], result.country, result.reason))
    country_accuracy = 1 - len(wrong_country) / len(places)
    refusal_accuracy = 1 - len(wrong_refusal) / len(non_places)
    report = (
        f"countries {country_accuracy:.1%} ({len(places)} places), "
        f"refusals {refusal_accuracy:.1%} ({len(non_places)} non-places)\n"
        + "\n".join(
            f"  place {loc!r}: want {want}, got {got} ({why})"
            for loc, want, got, why in wrong_country
        )
        + "\n"
        + "\n".join(f"  non-place {loc!r}: got {got} ({why})" for loc, got, why in wrong_refusal)
    )
    print(report)
    assert country_accuracy >= 0.90, report
    assert refusal_accuracy >= 0.95, report


def test_us_states_on_labelled_locations() -> None:
    rows = [r for r in _rows() if r["us_state"]]
    results = [geocode(r["location"]) for r in rows]
    found = [(r, g) for r, g in zip(rows, results, strict=True) if g.country == "US"]
    right = sum(1 for r, g in found if g.us_state == r["us_state"])
    # When the country is right, the state must be right nearly always.
    assert right / len(found) >= 0.95, [
        (r["location"], g.us_state) for r, g in found if g.us_state != r["us_state"]
    ]


@pytest.mark.parametrize(
    "row", [r for r in _rows() if r["note"] in ("two countries", "several countries")]
)
def test_lists_of_countries_are_refused(row: dict[str, str]) -> None:
    assert geocode(row["location"]).country is None
