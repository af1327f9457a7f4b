"""Which class and which region group each post belongs to.

Classes come from the ``solidarity`` column the ``label`` stage adds:
``"solidarity"``, ``"not solidarity"``, or null for a post without a label
(reported as *unlabelled*, never counted in a class).

Region groups come from the ``country`` column the ``geotag`` stage adds and the
event's ``affected_countries``:

- ``inside``: the post's country is one of the affected regions;
- ``outside``: the post has a country and it is not affected;
- ``unknown``: the post has no country (null or empty), or it cannot be told
  (only some US states are affected, ``US-FL``, and the post's ``us_state`` is
  unknown). These posts are counted and reported as their own group, never
  silently dropped.

Whether a place is affected is decided by ``crowdpulse.geo.in_affected_region``
``(country, affected, us_state) -> True / False / None`` when that module is
available, else by plain membership of the upper-cased alpha-2 code in the
affected set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crowdpulse.exceptions import InputError

__all__ = [
    "CLASSES",
    "GROUPS",
    "NOT_SOLIDARITY",
    "SOLIDARITY",
    "ClassName",
    "GroupName",
    "InRegionFn",
    "class_masks",
    "region_groups",
    "require_columns",
    "resolve_in_region",
]

logger = logging.getLogger(__name__)

SOLIDARITY = "solidarity"
NOT_SOLIDARITY = "not solidarity"
ClassName = Literal["solidarity", "not solidarity"]
CLASSES: tuple[str, str] = (SOLIDARITY, NOT_SOLIDARITY)
GroupName = Literal["inside", "outside", "unknown"]
GROUPS: tuple[GroupName, GroupName, GroupName] = ("inside", "outside", "unknown")
InRegionFn = Callable[..., "bool | None"]


def require_columns(table: pa.Table, names: Iterable[str], *, purpose: str) -> None:
    """Check that ``table`` has the columns an analysis reads.

    Args:
        table: The corpus.
        names: Column names that must be present.
        purpose: What needs them, for the message (e.g. ``"Table 6"``).

    Raises:
        InputError: A column is missing; the error names it and the stage that adds it.
    """
    stage = {
        "emojis": "features",
        "solidarity": "label",
        "country": "geotag",
        "created_at": "ingest",
    }
    for name in names:
        if name not in table.column_names:
            raise InputError(
                f"{purpose} needs this column; "
                f"run the '{stage.get(name, 'enrichment')}' stage first",
                field=name,
            )


def class_masks(table: pa.Table) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Split the posts by their ``solidarity`` label.

    Args:
        table: A corpus with a ``solidarity`` column.

    Returns:
        ``({"solidarity": mask, "not solidarity": mask}, unlabelled_mask)``; boolean
        arrays over the rows.

    Raises:
        InputError: The column is missing or holds a value other than the two
            class names and null.
    """
    require_columns(table, ["solidarity"], purpose="the class tables")
    column = table.column("solidarity")
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        if pa.types.is_null(column.type):
            column = column.cast(pa.string())
        else:
            raise InputError(f"expected strings, got {column.type}", field="solidarity")
    values = pc.unique(column).to_pylist()
    bad = sorted(v for v in values if v is not None and v not in CLASSES)
    if bad:
        raise InputError(
            f"unexpected label {bad[0]!r}; expected 'solidarity', 'not solidarity' or null",
            field="solidarity",
        )
    masks: dict[str, np.ndarray] = {
        name: pc.fill_null(pc.equal(column, name), False).to_numpy(zero_copy_only=False)
        for name in CLASSES
    }
    unlabelled = pc.is_null(column).to_numpy(zero_copy_only=False)
    return masks, unlabelled


def _membership(country: str, affected: frozenset[str], us_state: str | None = None) -> bool:
    del us_state
    return country.upper() in affected


def resolve_in_region(in_region: InRegionFn | None = None) -> InRegionFn:
    """The function deciding whether a country is affected.

    Args:
        in_region: A function ``(country, affected) -> bool | None`` (called
            ``(country, affected, us_state)`` when states are given; None means
            "cannot tell"), or None for ``crowdpulse.geo.in_affected_region``
            (plain alpha-2 membership when that module is not available).

    Returns:
        The function.
    """
    if in_region is not None:
        return in_region
    try:
        from crowdpulse.geo import in_affected_region
    except ImportError:
        logger.info("crowdpulse.geo is not available; affected regions by alpha-2 membership")
        return _membership
    return in_affected_region


def region_groups(
    countries: pa.Array | pa.ChunkedArray | Iterable[str | None],
    affected: Collection[str],
    *,
    states: pa.Array | pa.ChunkedArray | Iterable[str | None] | None = None,
    in_region: InRegionFn | None = None,
) -> np.ndarray:
    """Put each post in ``inside``, ``outside`` or ``unknown``.

    Args:
        countries: The ``country`` column (ISO alpha-2 or null), one value per post.
        affected: The affected regions (alpha-2, or ``US-FL``-style state codes for
            the geo module's test), e.g. ``event.affected_countries``.
        states: The ``us_state`` column, if any (used for state-level regions).
        in_region: Overrides the affected-region test (see :func:`resolve_in_region`).

    Returns:
        An array of group names (dtype object), one per post.
    """
    test = resolve_in_region(in_region)
    affected_set = frozenset(c.upper() for c in affected)
    values = _as_list(countries)
    state_values = _as_list(states) if states is not None else [None] * len(values)
    if len(state_values) != len(values):
        raise ValueError("countries and states have different lengths")
    verdict: dict[tuple[str | None, str | None], str] = {}
    out = np.empty(len(values), dtype=object)
    for i, key in enumerate(zip(values, state_values, strict=True)):
        group = verdict.get(key)
        if group is None:
            country, state = key
            if country is None or not str(country).strip():
                group = "unknown"
            else:
                if states is None:
                    answer = test(str(country).strip(), affected_set)
                else:
                    answer = test(str(country).strip(), affected_set, state)
                group = "unknown" if answer is None else "inside" if answer else "outside"
            verdict[key] = group
        out[i] = group
    return out


def _as_list(values: pa.Array | pa.ChunkedArray | Iterable[str | None]) -> list[str | None]:
    if isinstance(values, pa.ChunkedArray | pa.Array):
        return values.to_pylist()
    return list(values)
