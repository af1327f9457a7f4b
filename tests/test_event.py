"""The event description: validation names the field, and it round-trips through TOML."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crowdpulse.event import event_from_dict, event_to_toml, load_event
from crowdpulse.exceptions import ConfigError

GOOD = """
name = "Irma"
keywords = ["Irma"]
lang = "en"
start = "2017-09-06"
end = "2017-09-12T23:59:59Z"
affected_countries = ["US", "Puerto Rico", "VGB", "Saint Martin (French part)", "us-fl"]
inputs = ["irma.jsonl.gz"]

[labels]
sheet = "annotations_irma.csv"

[firestorm]
target = "@KLM"

[emojis]
bucket = "1D"
min_count = 50
"""


def test_load_good_event(tmp_path: Path) -> None:
    path = tmp_path / "irma.toml"
    path.write_text(GOOD)
    event = load_event(path)
    assert event.keywords == ("irma",)
    assert event.start == datetime(2017, 9, 6, tzinfo=UTC)
    assert event.affected_countries == frozenset({"US", "PR", "VG", "MF", "US-FL"})
    assert event.labels is not None and event.labels.sheet == tmp_path / "annotations_irma.csv"
    assert event.inputs == (tmp_path / "irma.jsonl.gz",)
    assert event.firestorm is not None and event.firestorm.target == "@klm"
    assert event.firestorm.kind == "mention" and event.firestorm.name == "klm"
    assert event.emojis.min_count == 50


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "irma.toml"
    path.write_text(GOOD)
    event = load_event(path)
    again = tmp_path / "again.toml"
    again.write_text(event_to_toml(event, relative_to=tmp_path))
    assert load_event(again) == event.__class__(**{**event.__dict__, "path": again})


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({}, "name"),
        ({"name": "x", "colour": "red"}, "colour"),
        ({"name": "x", "start": "yesterday"}, "start"),
        ({"name": "x", "start": "2020-01-02", "end": "2020-01-01"}, "end"),
        ({"name": "x", "affected_countries": ["Atlantis"]}, "affected_countries[0]"),
        ({"name": "x", "affected_countries": ["FR", "US-XX"]}, "affected_countries[1]"),
        ({"name": "x", "keywords": "paris"}, "keywords"),
        ({"name": "x", "labels": {"sheet": "a.csv", "column": "label"}}, "labels"),
        ({"name": "x", "labels": {"column": "label"}}, "labels.positive"),
        ({"name": "x", "firestorm": {"target": "klm"}}, "firestorm.target"),
        (
            {"name": "x", "firestorm": {"target": "@klm", "bucket_minutes": 0}},
            "firestorm.bucket_minutes",
        ),
        ({"name": "x", "emojis": {"min_count": "ten"}}, "emojis.min_count"),
    ],
)
def test_errors_name_the_field(raw: dict, field: str) -> None:
    with pytest.raises(ConfigError) as info:
        event_from_dict(raw, path="e.toml")
    assert info.value.field == field
    assert f"'{field}'" in str(info.value) and "e.toml" in str(info.value)


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("name = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_event(tmp_path / "bad.toml")
    with pytest.raises(ConfigError, match="not found"):
        load_event(tmp_path / "none.toml")
