"""Vectorised helpers over Arrow arrays shared by the readers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["coalesce", "empty_to_null", "field", "map_list", "unescape_html"]

ArrayLike: TypeAlias = pa.Array | pa.ChunkedArray


def _flat(arr: ArrayLike) -> pa.Array:
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def field(table: pa.Table, path: str) -> pa.Array:
    """The nested field ``a.b.c`` of a table's struct columns (null where a parent is)."""
    head, *rest = path.split(".")
    arr = _flat(table.column(head))
    for name in rest:
        arr = pc.struct_field(arr, name)
    return arr


def coalesce(*arrays: ArrayLike) -> pa.Array:
    """The first non-null value across arrays of one type, row by row."""
    return _flat(pc.coalesce(*arrays))


def empty_to_null(arr: ArrayLike) -> pa.Array:
    """Strings that are empty or only spaces become null."""
    arr = _flat(arr)
    blank = pc.equal(pc.utf8_trim_whitespace(arr), "")
    return pc.if_else(blank, pa.scalar(None, arr.type), arr)


def as_string(arr: ArrayLike) -> pa.Array:
    """Cast numbers (e.g. numeric ids) to strings, keeping nulls."""
    return _flat(pc.cast(arr, pa.string()))


def map_list(
    lists: ArrayLike,
    values: Callable[[pa.Array], pa.Array],
) -> pa.Array:
    """Apply ``values`` to the flattened items of a list array and rebuild the lists.

    Null lists become empty lists, so every post has a (possibly empty) list.

    Args:
        lists: A list array.
        values: Turns the flat item array into a string array of the same length.

    Returns:
        A ``list<string>`` array with one list per input row.
    """
    lists = _flat(lists)
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    items = values(pc.list_flatten(lists))
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), items)


def unescape_html(arr: ArrayLike) -> pa.Array:
    """Undo the three HTML escapes the Twitter APIs apply to text (``&amp; &lt; &gt;``)."""
    arr = _flat(arr)
    arr = pc.replace_substring(arr, "&lt;", "<")
    arr = pc.replace_substring(arr, "&gt;", ">")
    return pc.replace_substring(arr, "&amp;", "&")
