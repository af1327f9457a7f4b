from __future__ import annotations

import pyarrow as pa
import pytest

from crowdpulse.event import event_from_dict
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.geo import (
    IRMA_AFFECTED,
    PARIS_AFFECTED,
    affected_column,
    geotag,
    in_affected_region,
    split_by_region,
)


def test_irma_list_matches_the_paper() -> None:
    # United States, Antigua and Barbuda, Saint Martin, Saint Barthelemy, Anguilla,
    # Saint Kitts and Nevis, Virgin Islands, Dominican Republic, Puerto Rico, Haiti,
    # Turks and Caicos, Cuba (Santhanam et al., 2018).
    assert {
        "PR",
        "VI",
        "VG",
        "MF",
        "BL",
        "AI",
        "KN",
        "AG",
        "DO",
        "HT",
        "TC",
        "CU",
        "US",
    } == IRMA_AFFECTED
    assert {"FR"} == PARIS_AFFECTED


@pytest.mark.parametrize(
    ("country", "state", "affected", "expected"),
    [
        ("PR", None, IRMA_AFFECTED, True),
        ("US", "FL", IRMA_AFFECTED, True),
        ("FR", None, IRMA_AFFECTED, False),
        ("SX", None, IRMA_AFFECTED, False),  # Sint Maarten is not in the paper's list
        (None, None, IRMA_AFFECTED, None),
        ("fr", None, ["fr"], True),
        ("US", "FL", ["US-FL", "PR"], True),
        ("US", "TX", ["US-FL", "PR"], False),
        ("US", None, ["US-FL", "PR"], None),  # only some states: the state must be known
        ("GB", None, ["US-FL"], False),
    ],
)
def test_in_affected_region(
    country: str | None, state: str | None, affected: object, expected: bool | None
) -> None:
    assert in_affected_region(country, affected, state) is expected  # type: ignore[arg-type]


def test_bad_region_codes() -> None:
    with pytest.raises(ConfigError):
        in_affected_region("FR", ["France"])
    with pytest.raises(ConfigError):
        in_affected_region("FR", ["F"])


def test_event_regions() -> None:
    event = event_from_dict({"name": "Irma", "affected_countries": sorted(IRMA_AFFECTED)})
    assert in_affected_region("VG", event.affected_countries) is True
    assert in_affected_region("MX", event.affected_countries) is False


def test_table6_split() -> None:
    table = geotag(
        pa.table(
            {"author_location": ["Miami FL", "San Juan, Puerto Rico", "Paris", "worldwide", None]}
        )
    )
    flags = affected_column(table, IRMA_AFFECTED).to_pylist()
    assert flags == [True, True, False, None, None]
    inside, outside = split_by_region(table, IRMA_AFFECTED)
    assert inside.num_rows == 2 and outside.num_rows == 1
    assert inside.column("author_location").to_pylist() == ["Miami FL", "San Juan, Puerto Rico"]
    with pytest.raises(InputError, match="geotag"):
        affected_column(pa.table({"x": [1]}), IRMA_AFFECTED)
