"""Label-hashtag sheets in the papers' format, read for drawing hashtags.

A sheet has the columns ``hashtags, FREQUENCY, annotator-1, annotator-2,
annotations`` (the Irma sheet writes ``frequency``); annotator values are
``expresses solidarity`` / ``does not express solidarity`` / ``cannot determine``
and the final ``annotations`` value is ``solidarity`` / ``no solidarity`` /
``ignore``. The package ships a small sheet written by us
(:func:`default_sheet_path`); ``crowdpulse synth --sheet`` accepts a real one.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from crowdpulse.exceptions import InputError

__all__ = ["LabelSheet", "SheetRow", "default_sheet_path", "read_sheet"]

_COLUMNS = ("hashtags", "frequency", "annotator-1", "annotator-2", "annotations")
_FINALS = {"solidarity", "no solidarity", "ignore"}
_TAG = re.compile(r"^\w+$")
_ANNOTATOR = {
    "expresses solidarity": "solidarity",
    "does not express solidarity": "no solidarity",
    "cannot determine": "ignore",
}


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One annotated hashtag.

    Attributes:
        hashtag: The hashtag, lower-cased, without ``#``.
        frequency: Its frequency as written in the sheet.
        annotator_1: The first annotator's label.
        annotator_2: The second annotator's label.
        final: ``solidarity`` / ``no solidarity`` where both annotators agree that
            the hashtag expresses / does not express solidarity, else ``ignore``
            (the papers' rule; the sheet's own ``annotations`` column is used only
            when an annotator cell holds another value).
    """

    hashtag: str
    frequency: int
    annotator_1: str
    annotator_2: str
    final: str


@dataclass(frozen=True)
class LabelSheet:
    """A parsed sheet.

    Attributes:
        path: Where it was read from.
        rows: Every row, in file order.
    """

    path: Path
    rows: tuple[SheetRow, ...]

    @property
    def finals(self) -> dict[str, str]:
        """Final label per hashtag; a hashtag whose rows disagree counts as ``ignore``.

        This is the lexicon a distant labeller builds from the sheet: such hashtags
        label nothing.
        """
        seen: dict[str, set[str]] = {}
        for r in self.rows:
            seen.setdefault(r.hashtag, set()).add(r.final)
        return {tag: labels.pop() if len(labels) == 1 else "ignore" for tag, labels in seen.items()}

    def by_final(self, final: str) -> tuple[SheetRow, ...]:
        """One row per hashtag whose final label is ``final`` and that can be written in a post.

        Repeated hashtags keep their most frequent row; inconsistent ones are left out
        (except from ``ignore``).
        """
        finals = self.finals
        best: dict[str, SheetRow] = {}
        for r in self.rows:
            if finals[r.hashtag] != final or not _TAG.match(r.hashtag):
                continue
            if r.hashtag not in best or r.frequency > best[r.hashtag].frequency:
                best[r.hashtag] = r
        return tuple(best.values())

    @property
    def hashtags(self) -> frozenset[str]:
        """Every hashtag of the sheet, lower-cased."""
        return frozenset(r.hashtag for r in self.rows)


def default_sheet_path() -> Path:
    """Path of the label-hashtag sheet shipped with crowdpulse (written by us)."""
    return Path(str(resources.files("crowdpulse.synth").joinpath("data/solidarity_hashtags.csv")))


def read_sheet(path: str | Path) -> LabelSheet:
    """Read a label-hashtag sheet.

    Args:
        path: A CSV file with the columns ``hashtags, FREQUENCY, annotator-1,
            annotator-2, annotations`` (header case does not matter).

    Returns:
        The sheet.

    Raises:
        InputError: The file is missing, has other columns, or a row is malformed.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("label sheet not found", path=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("label sheet is not UTF-8 text", path=str(path)) from None
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in _COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"not a label sheet: missing column(s) {', '.join(missing)}", path=str(path), line=1
        )
    pos = [header.index(c) for c in _COLUMNS]
    rows: list[SheetRow] = []
    for line_no, record in enumerate(reader, start=2):
        if not record or not any(cell.strip() for cell in record):
            continue
        if len(record) < len(header):
            raise InputError("row has too few cells", path=str(path), line=line_no)
        tag, freq, a1, a2, final = (record[p].strip() for p in pos)
        final = final.lower()
        if final not in _FINALS:
            raise InputError(
                f"unknown final label {final!r}", path=str(path), line=line_no, field="annotations"
            )
        try:
            frequency = int(float(freq)) if freq else 0
        except ValueError:
            raise InputError(
                f"frequency {freq!r} is not a number",
                path=str(path),
                line=line_no,
                field="frequency",
            ) from None
        a1, a2 = a1.lower(), a2.lower()
        if a1 in _ANNOTATOR and a2 in _ANNOTATOR:
            final = _ANNOTATOR[a1] if a1 == a2 else "ignore"
        tag = tag.strip().lstrip("#＃").lower()
        rows.append(SheetRow(tag, frequency, a1, a2, final))
    if not rows:
        raise InputError("label sheet has no rows", path=str(path))
    return LabelSheet(path=path, rows=tuple(rows))
