"""Term weights: the words an L2 logistic regression ties to each class (Santhanam et al., 2018).

The 2015 paper's figure shows the terms with the largest L2-penalised logistic
regression coefficients for solidarity and for neutral posts. :func:`term_weights`
fits that model (word TF-IDF by default, the registry's ``logreg``) and returns,
per class, the ``k`` terms pushing hardest towards it (``positive``) and away from
it (``negative``); :func:`plot_term_weights` draws the paper's horizontal bar figure.

For two classes the model has one coefficient vector ``w`` (for ``classes_[1]``);
the first class's coefficients are ``-w``, so its positive terms are the second
class's negative ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from crowdpulse.classify.linear import FeatureSet, LinearTextClassifier
from crowdpulse.exceptions import ConfigError
from crowdpulse.figures import FigureResult, new_figure, save_figure_as

__all__ = ["TermWeight", "plot_term_weights", "term_weights", "term_weights_table"]

Direction = Literal["positive", "negative"]


@dataclass(frozen=True)
class TermWeight:
    """One term's coefficient for one class.

    Attributes:
        label: The class.
        direction: ``"positive"`` (the term points to the class) or ``"negative"``.
        rank: 1 for the largest absolute coefficient in its direction.
        term: The word, emoji, hashtag or bigram.
        coefficient: The coefficient for ``label`` (positive or negative).
    """

    label: str
    direction: Direction
    rank: int
    term: str
    coefficient: float


def term_weights(
    texts: Sequence[str],
    labels: Sequence[Any] | np.ndarray,
    *,
    k: int = 20,
    features: FeatureSet = "tfidf",
    emojis: bool = True,
    C: float = 1.0,
    class_weight: str | None = "balanced",
    remove_stopwords: bool = True,
    model: LinearTextClassifier | None = None,
) -> list[TermWeight]:
    """Fit an L2 logistic regression and list the top-k terms each way per class.

    Args:
        texts: Post texts (e.g. ``text_for_training``).
        labels: One label per post.
        k: Terms per class and direction.
        features: The feature set (default: word TF-IDF).
        emojis: Keep emoji tokens as features.
        C: Inverse regularisation strength.
        class_weight: Class weights (default ``"balanced"``, the 2018 study's balancing).
        remove_stopwords: Remove stopwords before counting.
        model: An already fitted logistic-regression :class:`LinearTextClassifier` to
            read instead of fitting one (the other options are then ignored).

    Returns:
        The weights, grouped by class (in ``classes_`` order), positive then negative,
        by rank.

    Raises:
        ConfigError: ``k`` < 1, or the model is not a logistic regression.
    """
    if k < 1:
        raise ConfigError("k must be at least 1", field="k")
    if model is None:
        model = LinearTextClassifier(
            features=features,
            classifier="logreg",
            emojis=emojis,
            C=C,
            class_weight=class_weight,
            remove_stopwords=remove_stopwords,
        ).fit(texts, labels)
    elif model.classifier != "logreg":
        raise ConfigError("term weights are read from a logistic regression", field="model")
    names = model.feature_names()
    coef = model.coefficients()
    classes = [str(c) for c in model.classes_]
    rows = [-coef[0], coef[0]] if coef.shape[0] == 1 else list(coef)
    out: list[TermWeight] = []
    for label, w in zip(classes, rows, strict=True):
        order = np.argsort(-w, kind="stable")
        top = [i for i in order[:k] if w[i] > 0]
        bottom = [i for i in order[::-1][:k] if w[i] < 0]
        out.extend(
            TermWeight(label, "positive", r, str(names[i]), float(w[i]))
            for r, i in enumerate(top, 1)
        )
        out.extend(
            TermWeight(label, "negative", r, str(names[i]), float(w[i]))
            for r, i in enumerate(bottom, 1)
        )
    return out


def term_weights_table(weights: Sequence[TermWeight]) -> pa.Table:
    """The weights as a table: ``label, direction, rank, term, coefficient``.

    Args:
        weights: From :func:`term_weights`.

    Returns:
        A pyarrow table (write it with ``pyarrow.csv`` or Parquet).
    """
    return pa.table(
        {
            "label": pa.array([w.label for w in weights], pa.string()),
            "direction": pa.array([w.direction for w in weights], pa.string()),
            "rank": pa.array([w.rank for w in weights], pa.int64()),
            "term": pa.array([w.term for w in weights], pa.string()),
            "coefficient": pa.array([w.coefficient for w in weights], pa.float64()),
        }
    )


def _segments(term: str) -> list[tuple[str, bool]]:
    """Split a term into (text, is_emoji) runs."""
    from crowdpulse.text.emojis import emoji_spans

    out: list[tuple[str, bool]] = []
    pos = 0
    for start, end in emoji_spans(term):
        if start > pos:
            out.append((term[pos:start], False))
        out.append((term[start:end], True))
        pos = end
    if pos < len(term):
        out.append((term[pos:], False))
    return out


def _emoji_names(term: str) -> str:
    from crowdpulse.text.emojis import emoji_name

    return "".join(f":{emoji_name(seg)}:" if emo else seg for seg, emo in _segments(term))


def _render_label(term: str, emoji_font: str) -> np.ndarray | None:
    """Draw a term with colour emojis as an RGBA image (emoji font size 109 px)."""
    try:
        from matplotlib import font_manager
        from PIL import Image, ImageDraw, ImageFont

        emo_font = ImageFont.truetype(emoji_font, 109)
        text_font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), 100)
        pieces = []
        for seg, emo in _segments(term):
            font = emo_font if emo else text_font
            right = font.getbbox(seg)[2]
            image = Image.new("RGBA", (max(1, int(right)) + 8, 136), (255, 255, 255, 0))
            ImageDraw.Draw(image).text(
                (0, 0 if emo else 14), seg, font=font, fill="black", embedded_color=emo
            )
            pieces.append(image)
        width = sum(p.width for p in pieces)
        canvas = Image.new("RGBA", (width, 136), (255, 255, 255, 0))
        x = 0
        for p in pieces:
            canvas.paste(p, (x, 0), p)
            x += p.width
        return np.asarray(canvas)
    except (OSError, ValueError):
        return None


def plot_term_weights(
    weights: Sequence[TermWeight],
    path: str | Path,
    *,
    label: str = "solidarity",
    k: int = 20,
    title: str | None = None,
    width: float = 8.0,
    height: float = 8.0,
    dpi: int = 100,
) -> FigureResult:
    """Draw the top terms for and against a class as horizontal bars (the paper's figure).

    The class's positive terms are drawn to the right, its negative terms (those of
    the other class, for two classes) to the left, largest at the top. Emoji terms
    are drawn in colour with the Noto Color Emoji font when it is installed (matplotlib
    cannot use that bitmap font, so Pillow draws those labels as images), else written
    as their names (``:folded hands:``), because DejaVu Sans has no emoji glyphs.

    Args:
        weights: From :func:`term_weights`.
        path: The PNG (or SVG/PDF, by suffix) to write.
        label: The class whose coefficients are drawn.
        k: Terms each way.
        title: Figure title (default names the class).
        width: Figure width in inches.
        height: Figure height in inches.
        dpi: Dots per inch (the PNG is ``width * dpi`` x ``height * dpi`` pixels).

    Returns:
        The file written (:class:`~crowdpulse.figures.FigureResult`).

    Raises:
        ConfigError: No weights for ``label``.
    """
    import matplotlib

    pos = sorted(
        (w for w in weights if w.label == label and w.direction == "positive"), key=lambda w: w.rank
    )[:k]
    neg = sorted(
        (w for w in weights if w.label == label and w.direction == "negative"), key=lambda w: w.rank
    )[:k]
    if not pos and not neg:
        raise ConfigError(f"no term weights for class {label!r}", field="label")
    other = sorted({w.label for w in weights} - {label})
    other_name = other[0] if len(other) == 1 else f"not {label}"
    from crowdpulse.emoji.glyphs import find_emoji_font

    font = find_emoji_font()
    emoji_font = str(font) if font is not None else None
    # most negative at the bottom, most positive at the top
    rows = sorted([*neg, *pos], key=lambda w: w.coefficient)
    values = [w.coefficient for w in rows]
    has_emoji = [any(emo for _, emo in _segments(w.term)) for w in rows]
    images = [
        _render_label(w.term, emoji_font) if e and emoji_font else None
        for w, e in zip(rows, has_emoji, strict=True)
    ]
    names = [
        "" if img is not None else (_emoji_names(w.term) if e else w.term)
        for w, e, img in zip(rows, has_emoji, images, strict=True)
    ]
    fig = new_figure(width, height, dpi)
    ax = fig.subplots()
    colors = ["#c0392b" if v > 0 else "#2c7fb8" for v in values]
    ax.barh(range(len(rows)), values, color=colors)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(names)
    if any(img is not None for img in images):
        from matplotlib.font_manager import FontProperties
        from matplotlib.offsetbox import AnnotationBbox, OffsetImage

        points = FontProperties(size=matplotlib.rcParams["ytick.labelsize"]).get_size_in_points()
        zoom = 1.5 * points * dpi / 72 / 136
        for i, img in enumerate(images):
            if img is None:
                continue
            box = AnnotationBbox(
                OffsetImage(img, zoom=zoom),
                (0, i),
                xycoords=("axes fraction", "data"),
                box_alignment=(1.0, 0.5),
                xybox=(-4, 0),
                boxcoords="offset points",
                frameon=False,
                annotation_clip=False,
            )
            ax.add_artist(box)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"L2 logistic regression coefficient (> 0: {label}, < 0: {other_name})")
    ax.set_title(title or f"Top terms: {label} vs {other_name}")
    fig.tight_layout()
    return FigureResult.written(fig, save_figure_as(fig, [Path(path)], dpi=dpi))
