"""Affected regions of an event: inside or outside (the paper's Table 6 split).

An event lists its affected regions as ISO 3166-1 alpha-2 codes
(:attr:`crowdpulse.event.Event.affected_countries`); a US state may be given as
``US-FL`` when only some states were affected. The lists of Santhanam et al. (2018,
"I Stand With You"):

* Hurricane Irma 2017: :data:`IRMA_AFFECTED` (the United States, Antigua and Barbuda,
  Saint Martin, Saint Barthélemy, Anguilla, Saint Kitts and Nevis, the Virgin Islands
  (US and British), the Dominican Republic, Puerto Rico, Haiti, Turks and Caicos, Cuba);
  territories have their own ISO codes, so a post from San Juan (``PR``) is inside
  because ``PR`` is listed, not because Puerto Rico belongs to the US.
* Paris attacks 2015: :data:`PARIS_AFFECTED` (France).

Table 6 counts emojis of solidarity posts that were geotagged, split into those posted
inside the affected regions and those posted outside; posts without a country are in
neither (:func:`affected_column` gives them null).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pyarrow as pa

from crowdpulse.exceptions import ConfigError, InputError

__all__ = [
    "IRMA_AFFECTED",
    "PARIS_AFFECTED",
    "affected_column",
    "in_affected_region",
    "normalise_regions",
    "split_by_region",
]

IRMA_AFFECTED: frozenset[str] = frozenset(
    {"US", "AG", "MF", "BL", "AI", "KN", "VI", "VG", "DO", "PR", "HT", "TC", "CU"}
)
"""Regions affected by Hurricane Irma, as listed in the emoji paper (Figure 1)."""
PARIS_AFFECTED: frozenset[str] = frozenset({"FR"})
"""Regions affected by the Paris attacks of November 2015."""

_CODE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


def normalise_regions(affected: Iterable[str]) -> frozenset[str]:
    """Upper-case and check a list of region codes (``"FR"``, ``"us-fl"``).

    Args:
        affected: ISO alpha-2 codes, or ``CC-XX`` subdivision codes.

    Returns:
        The codes, upper case.

    Raises:
        ConfigError: A code is neither ``CC`` nor ``CC-XX``.
    """
    if isinstance(affected, str):
        affected = [affected]
    out = set()
    for item in affected:
        code = str(item).strip().upper()
        if not _CODE.match(code):
            raise ConfigError(
                f"{item!r} is not a region code such as 'FR' or 'US-FL'", field="affected"
            )
        out.add(code)
    return frozenset(out)


def in_affected_region(
    country: str | None, affected: Iterable[str], us_state: str | None = None
) -> bool | None:
    """Tell whether a place is inside the affected regions.

    Args:
        country: ISO alpha-2 code of the place, or None when unknown.
        affected: The affected regions (``Event.affected_countries``), alpha-2 codes or
            ``US-FL``-style state codes.
        us_state: The place's US state, if known.

    Returns:
        True inside, False outside, None when it cannot be told (no country; or only
        some states of the country are affected and the state is unknown).

    Example:
        >>> in_affected_region("PR", IRMA_AFFECTED)
        True
        >>> in_affected_region("FR", IRMA_AFFECTED)
        False
        >>> in_affected_region(None, IRMA_AFFECTED) is None
        True
    """
    regions = normalise_regions(affected)
    if not country:
        return None
    cc = country.strip().upper()
    if cc in regions:
        return True
    prefix = cc + "-"
    parts = {r for r in regions if r.startswith(prefix)}
    if not parts:
        return False
    if not us_state:
        return None
    return f"{cc}-{us_state.strip().upper()}" in parts


def affected_column(table: pa.Table, affected: Iterable[str]) -> pa.Array:
    """Inside (True), outside (False) or unknown (null) for every row of a geotagged table.

    Args:
        table: A table with the ``country`` column of ``geotag`` (``us_state`` is used
            when present).
        affected: The affected regions.

    Returns:
        A boolean array, one value a row.

    Raises:
        InputError: The table has no ``country`` column (run ``geotag`` first).
    """
    if "country" not in table.column_names:
        raise InputError("the table has no 'country' column: run geotag first", field="country")
    regions = normalise_regions(affected)
    countries = table.column("country").to_pylist()
    states = (
        table.column("us_state").to_pylist()
        if "us_state" in table.column_names
        else [None] * len(countries)
    )
    cache: dict[tuple[str | None, str | None], bool | None] = {}
    values = []
    for pair in zip(countries, states, strict=True):
        if pair not in cache:
            cache[pair] = in_affected_region(pair[0], regions, pair[1])
        values.append(cache[pair])
    return pa.array(values, type=pa.bool_())


def split_by_region(table: pa.Table, affected: Iterable[str]) -> tuple[pa.Table, pa.Table]:
    """Split geotagged posts into inside and outside the affected regions (Table 6).

    Posts whose place cannot be told are in neither part.

    Args:
        table: A geotagged table.
        affected: The affected regions.

    Returns:
        ``(inside, outside)``.
    """
    flags = affected_column(table, affected).to_pylist()
    inside = np.asarray([f is True for f in flags], dtype=bool)
    outside = np.asarray([f is False for f in flags], dtype=bool)
    return table.filter(pa.array(inside)), table.filter(pa.array(outside))
