"""Hashtag annotation sheets: reading them, their agreement and their label lexicon.

A sheet is a CSV with the columns ``hashtags, FREQUENCY, annotator-1, annotator-2,
annotations`` (header case does not matter; ``annotations``, the final label, is
optional: it is recomputed from the two annotators by
:func:`~crowdpulse.label.agreement.agreed_label`). The published sheets of the
Paris and Irma studies (``shared/data/icwsm_emoji``) are of this shape.

Published sheets have quirks the reader keeps visible instead of hiding: the same
hashtag may appear on several rows (e.g. ``https`` 20 times in the Paris sheet), and
those rows may carry different final labels. :meth:`HashtagSheet.lexicon` gives such a
hashtag a label only when all its labelled rows agree.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.label.agreement import (
    FINAL_LABELS,
    AnnotatorLabel,
    FinalLabel,
    agreed_label,
    cohen_kappa,
    normalise_annotator_label,
)

__all__ = [
    "HashtagSheet",
    "SheetRow",
    "SolidarityLabel",
    "normalise_hashtag",
    "read_sheet",
]

SolidarityLabel = Literal["solidarity", "not solidarity"]

_COLUMNS = {
    "hashtag": ("hashtags", "hashtag"),
    "frequency": ("frequency", "count"),
    "annotator_1": ("annotator-1", "annotator_1", "annotator1"),
    "annotator_2": ("annotator-2", "annotator_2", "annotator2"),
    "annotation": ("annotations", "annotation", "final", "label"),
}


def normalise_hashtag(tag: str) -> str:
    """The form in which hashtags are compared: without ``#``, stripped, lower-cased.

    Args:
        tag: A hashtag with or without its ``#`` (or full-width ``＃``).

    Returns:
        The normalised hashtag (the corpus ``hashtags`` column uses the same form).
    """
    return tag.strip().lstrip("#＃").lower()


@dataclass(frozen=True)
class SheetRow:
    """One row of an annotation sheet.

    Attributes:
        line: 1-based line of the row in the file (the header is line 1).
        hashtag: The hashtag as written in the sheet.
        frequency: Its count in the corpus, or None when the cell is empty.
        annotator_1: Category given by annotator 1.
        annotator_2: Category given by annotator 2.
        annotation: The sheet's own final label, or None when the sheet has none.
    """

    line: int
    hashtag: str
    frequency: int | None
    annotator_1: AnnotatorLabel
    annotator_2: AnnotatorLabel
    annotation: str | None

    @property
    def final(self) -> FinalLabel:
        """The final label recomputed from the two annotators."""
        return agreed_label(self.annotator_1, self.annotator_2)


@dataclass(frozen=True)
class HashtagSheet:
    """A parsed annotation sheet.

    Attributes:
        rows: The rows in file order.
        path: The file it was read from, if any.
    """

    rows: tuple[SheetRow, ...]
    path: Path | None = None

    @property
    def kappa(self) -> float:
        """Cohen's kappa between the two annotators over all rows."""
        return cohen_kappa([r.annotator_1 for r in self.rows], [r.annotator_2 for r in self.rows])

    def final_labels(self) -> list[FinalLabel]:
        """The recomputed final label of every row, in file order."""
        return [r.final for r in self.rows]

    def label_counts(self) -> dict[str, int]:
        """Number of rows per final label, ``ignore`` included (zero counts kept)."""
        counts = Counter(self.final_labels())
        return {label: counts.get(label, 0) for label in FINAL_LABELS}

    def mismatches(self) -> list[SheetRow]:
        """Rows whose own final label differs from the recomputed one."""
        return [r for r in self.rows if r.annotation is not None and r.annotation != r.final]

    def duplicates(self) -> dict[str, int]:
        """Hashtags (normalised) on more than one row, with their row counts."""
        counts = Counter(normalise_hashtag(r.hashtag) for r in self.rows)
        return {tag: n for tag, n in counts.items() if n > 1}

    def inconsistent(self) -> list[str]:
        """Hashtags whose rows carry different final labels (left out of the lexicon)."""
        finals: dict[str, set[str]] = {}
        for r in self.rows:
            finals.setdefault(normalise_hashtag(r.hashtag), set()).add(r.final)
        return sorted(tag for tag, labels in finals.items() if len(labels) > 1)

    def lexicon(self) -> dict[str, SolidarityLabel]:
        """The label hashtags: normalised hashtag -> ``solidarity`` / ``not solidarity``.

        A hashtag is in the lexicon when every one of its rows has the final label
        ``solidarity`` (or every one ``no solidarity``). Hashtags with any ``ignore``
        row or with rows of both labels are left out; see :meth:`inconsistent`.

        Returns:
            The mapping, in the sheet's row order.
        """
        finals: dict[str, set[str]] = {}
        for r in self.rows:
            tag = normalise_hashtag(r.hashtag)
            if tag:
                finals.setdefault(tag, set()).add(r.final)
        out: dict[str, SolidarityLabel] = {}
        for tag, labels in finals.items():
            if labels == {"solidarity"}:
                out[tag] = "solidarity"
            elif labels == {"no solidarity"}:
                out[tag] = "not solidarity"
        return out

    def summary(self) -> dict[str, object]:
        """Kappa, rows per final label and the sheet's quirks, ready for JSON.

        Returns:
            ``{"kappa", "hashtags" (label -> rows), "rows", "unique_hashtags",
            "duplicate_hashtags", "inconsistent_hashtags", "mismatches",
            "lexicon" (label -> hashtags)}``.
        """
        lex = Counter(self.lexicon().values())
        return {
            "kappa": self.kappa,
            "hashtags": self.label_counts(),
            "rows": len(self.rows),
            "unique_hashtags": len({normalise_hashtag(r.hashtag) for r in self.rows}),
            "duplicate_hashtags": len(self.duplicates()),
            "inconsistent_hashtags": len(self.inconsistent()),
            "mismatches": len(self.mismatches()),
            "lexicon": {
                "solidarity": lex.get("solidarity", 0),
                "not solidarity": lex.get("not solidarity", 0),
            },
        }


def _find_columns(header: list[str], path: str) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for key, aliases in _COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[key] = names.index(alias)
                break
    for key in ("hashtag", "annotator_1", "annotator_2"):
        if key not in found:
            raise InputError(
                f"not an annotation sheet: no column {' / '.join(_COLUMNS[key])} "
                f"(header: {', '.join(h.strip() for h in header)})",
                path=path,
                line=1,
            )
    return found


def read_sheet(path: str | Path) -> HashtagSheet:
    """Read a hashtag annotation sheet (CSV, UTF-8, optional BOM).

    Args:
        path: The CSV file.

    Returns:
        The parsed sheet.

    Raises:
        InputError: The file is missing, not UTF-8 CSV, lacks a required column, or a
            row has an unknown annotator label or a non-numeric frequency (the message
            names the line and field).
    """
    path = Path(path)
    where = str(path)
    if path.suffix.lower() in {".xlsx", ".xls"}:
        raise InputError(
            "annotation sheets are read as CSV; export the spreadsheet to CSV", path=where
        )
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            records = list(csv.reader(handle))
    except FileNotFoundError:
        raise InputError("annotation sheet not found", path=where) from None
    except UnicodeDecodeError:
        raise InputError("annotation sheet is not UTF-8 text", path=where) from None
    if not records:
        raise InputError("annotation sheet is empty", path=where)
    cols = _find_columns(records[0], where)
    width = max(cols.values()) + 1
    rows: list[SheetRow] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) < width:
            raise InputError(
                f"row has {len(record)} cells, expected {width}", path=where, line=number
            )
        hashtag = record[cols["hashtag"]].strip()
        if not hashtag:
            raise InputError(
                "empty hashtag", path=where, line=number, field=records[0][cols["hashtag"]]
            )
        frequency: int | None = None
        if "frequency" in cols and record[cols["frequency"]].strip():
            text = record[cols["frequency"]].strip().replace(",", "")
            try:
                frequency = int(float(text))  # OverflowError: 1e400 is inf
            except (ValueError, OverflowError) as exc:
                kind = "a finite number" if isinstance(exc, OverflowError) else "a number"
                raise InputError(
                    f"frequency {text!r} is not {kind}",
                    path=where,
                    line=number,
                    field=records[0][cols["frequency"]].strip(),
                ) from None
        labels: list[AnnotatorLabel] = []
        for key in ("annotator_1", "annotator_2"):
            try:
                labels.append(normalise_annotator_label(record[cols[key]]))
            except ConfigError as exc:
                raise InputError(
                    str(exc), path=where, line=number, field=records[0][cols[key]].strip()
                ) from None
        annotation = record[cols["annotation"]].strip().lower() if "annotation" in cols else None
        rows.append(
            SheetRow(
                line=number,
                hashtag=hashtag,
                frequency=frequency,
                annotator_1=labels[0],
                annotator_2=labels[1],
                annotation=annotation or None,
            )
        )
    if not rows:
        raise InputError("annotation sheet has no rows", path=where)
    return HashtagSheet(rows=tuple(rows), path=path)
