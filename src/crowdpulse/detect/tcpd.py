"""Read TCPD series and their annotations (the development split in ``../shared/data``).

The Turing Change Point Dataset (van den Burg & Williams, 2020, "An Evaluation of
Change Point Detection Algorithms") stores each series as JSON (``name``, ``n_obs``,
``time``, ``series`` with ``raw`` values, ``null`` for missing) and the annotations
in one ``annotations.json``: series name -> annotator id -> 0-based change points.

Missing values are dropped before detection; :class:`TcpdSeries` keeps, for each
value, its index in the original series, so that change points found on the values
are mapped back (:meth:`TcpdSeries.to_original`) before scoring against the
annotations, which count every original index.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from crowdpulse.exceptions import InputError

__all__ = ["TcpdSeries", "load_tcpd", "load_tcpd_series"]


@dataclass(frozen=True)
class TcpdSeries:
    """One annotated TCPD series.

    Attributes:
        name: The series name (its folder).
        values: The non-missing values of the first dimension, in order.
        index: For each value, its 0-based index in the original series.
        n_obs: Length of the original series (missing values included).
        annotations: Annotator id -> change points (0-based original indices).
    """

    name: str
    values: NDArray[np.float64]
    index: NDArray[np.int64]
    n_obs: int
    annotations: dict[str, list[int]]

    def to_original(self, changepoints: Sequence[int]) -> list[int]:
        """Map change points on :attr:`values` to indices of the original series.

        Args:
            changepoints: 0-based positions in :attr:`values` (segment starts).

        Returns:
            The original indices of those values.
        """
        return [int(self.index[int(c)]) for c in changepoints]


def load_tcpd_series(path: str | Path, annotations: dict[str, list[int]]) -> TcpdSeries:
    """Read one TCPD series file (first dimension only).

    Args:
        path: The series' JSON file.
        annotations: Its annotations (annotator id -> change points).

    Returns:
        The series.

    Raises:
        InputError: The file is not a TCPD series.
    """
    name = str(path)
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        raw = doc["series"][0]["raw"]
        n_obs = int(doc.get("n_obs", len(raw)))
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise InputError(f"not a TCPD series file: {exc}", path=name) from None
    if len(raw) != n_obs:
        raise InputError(f"n_obs is {n_obs} but the series has {len(raw)} values", path=name)
    index = [i for i, v in enumerate(raw) if v is not None]
    try:
        values = np.asarray([float(raw[i]) for i in index], dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("the series holds a value that is not a number", path=name) from None
    if not np.all(np.isfinite(values)):
        raise InputError("the series holds NaN or infinite values", path=name)
    return TcpdSeries(
        name=str(doc.get("name", Path(path).stem)),
        values=values,
        index=np.asarray(index, dtype=np.int64),
        n_obs=n_obs,
        annotations={str(k): [int(t) for t in v] for k, v in annotations.items()},
    )


def load_tcpd(root: str | Path) -> list[TcpdSeries]:
    """Read every annotated series of a TCPD folder, sorted by name.

    Args:
        root: Folder with ``annotations.json`` and ``datasets/<name>/<name>.json``
            (e.g. ``../shared/data/tcpd_dev``).

    Returns:
        The series that have both a file and annotations.

    Raises:
        InputError: ``annotations.json`` is missing or malformed, or a series file
            is missing.
    """
    base = Path(root)
    ann_path = base / "annotations.json"
    try:
        annotations = json.loads(ann_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the annotations: {exc}", path=str(ann_path)) from None
    if not isinstance(annotations, dict):
        raise InputError("annotations must be an object", path=str(ann_path))
    out = []
    for name in sorted(annotations):
        path = base / "datasets" / name / f"{name}.json"
        if not path.is_file():
            raise InputError("series file not found", path=str(path))
        out.append(load_tcpd_series(path, annotations[name]))
    return out
