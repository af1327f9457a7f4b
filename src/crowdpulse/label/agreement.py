"""Annotator agreement: Cohen's kappa and the agreed label of a hashtag (Santhanam et al., 2018).

Two annotators give each hashtag one of three categories. The papers keep the
hashtags both annotators agree on: agreement on *solidarity* or on *not solidarity*
makes a label hashtag; agreement on *cannot determine*, and any disagreement, makes
it ``ignore``. That rule reproduces the final ``annotations`` column of the
published sheets row for row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from crowdpulse.exceptions import ConfigError

__all__ = [
    "CANNOT_DETERMINE",
    "EXPRESSES",
    "FINAL_LABELS",
    "NOT_EXPRESSES",
    "AnnotatorLabel",
    "FinalLabel",
    "agreed_label",
    "cohen_kappa",
    "normalise_annotator_label",
]

AnnotatorLabel = Literal["expresses solidarity", "does not express solidarity", "cannot determine"]
FinalLabel = Literal["solidarity", "no solidarity", "ignore"]

EXPRESSES: AnnotatorLabel = "expresses solidarity"
NOT_EXPRESSES: AnnotatorLabel = "does not express solidarity"
CANNOT_DETERMINE: AnnotatorLabel = "cannot determine"
FINAL_LABELS: tuple[FinalLabel, ...] = ("solidarity", "no solidarity", "ignore")

# Spellings annotators use for the three categories (the sheets' own words first,
# then the names the papers use: "Solidarity", "Neutral"/"Not solidarity",
# "Unrelated or cannot determine").
_SYNONYMS: dict[str, AnnotatorLabel] = {
    "expresses solidarity": EXPRESSES,
    "solidarity": EXPRESSES,
    "does not express solidarity": NOT_EXPRESSES,
    "not solidarity": NOT_EXPRESSES,
    "no solidarity": NOT_EXPRESSES,
    "neutral": NOT_EXPRESSES,
    "cannot determine": CANNOT_DETERMINE,
    "can not determine": CANNOT_DETERMINE,
    "unrelated": CANNOT_DETERMINE,
    "unrelated or cannot determine": CANNOT_DETERMINE,
    "unrelated/cannot determine": CANNOT_DETERMINE,
}


def normalise_annotator_label(value: str) -> AnnotatorLabel:
    """Map an annotator's label to one of the three categories.

    Args:
        value: The label as written in a sheet, e.g. ``"expresses solidarity"`` or
            ``"Neutral"`` (case and surrounding spaces do not matter).

    Returns:
        ``"expresses solidarity"``, ``"does not express solidarity"`` or
        ``"cannot determine"``.

    Raises:
        ConfigError: The value is none of the known spellings.
    """
    key = " ".join(value.strip().lower().replace("-", " ").split())
    try:
        return _SYNONYMS[key]
    except KeyError:
        known = ", ".join(sorted({*_SYNONYMS.values()}))
        raise ConfigError(f"unknown annotator label {value!r}; expected one of: {known}") from None


def agreed_label(first: str, second: str) -> FinalLabel:
    """The final label of a hashtag from its two annotations.

    Args:
        first: Label of annotator 1 (any spelling :func:`normalise_annotator_label` knows).
        second: Label of annotator 2.

    Returns:
        ``"solidarity"`` when both say it expresses solidarity, ``"no solidarity"``
        when both say it does not, else ``"ignore"`` (disagreement, or both cannot
        determine).
    """
    a = normalise_annotator_label(first)
    b = normalise_annotator_label(second)
    if a != b or a == CANNOT_DETERMINE:
        return "ignore"
    return "solidarity" if a == EXPRESSES else "no solidarity"


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float:
    """Cohen's kappa between two annotators over the three categories.

    kappa = (p_o - p_e) / (1 - p_e), where p_o is the share of items both label alike
    and p_e the agreement expected by chance from each annotator's label shares.

    Args:
        first: Labels of annotator 1, one per item.
        second: Labels of annotator 2, same order.

    Returns:
        Kappa in [-1, 1]; 1.0 when both annotators used one and the same category
        for every item (no disagreement possible).

    Raises:
        ConfigError: The sequences differ in length or are empty.
    """
    from sklearn.metrics import cohen_kappa_score

    if len(first) != len(second):
        raise ConfigError(f"annotations differ in length: {len(first)} vs {len(second)}")
    if not first:
        raise ConfigError("no annotations to compare")
    a = [normalise_annotator_label(v) for v in first]
    b = [normalise_annotator_label(v) for v in second]
    if len(set(a) | set(b)) == 1:
        return 1.0
    return float(cohen_kappa_score(a, b))
