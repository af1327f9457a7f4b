"""Applying a fitted model to posts: a table of id, label and probability."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["predict_table"]


def predict_table(model: Any, ids: Sequence[str], texts: Sequence[str]) -> pa.Table:
    """Predict every post and return ``id, label, probability``.

    Args:
        model: A fitted classifier of texts.
        ids: One id per post (kept as given).
        texts: The texts.

    Returns:
        A table with ``id`` (string), ``label`` (string, the predicted class) and
        ``probability`` (float64, the model's probability of that class; null for a
        model without probabilities, e.g. an SVM fitted without ``probability=True``).
    """
    texts = list(texts)
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(texts))
        best = np.argmax(proba, axis=1) if len(texts) else np.zeros(0, dtype=int)
        labels = [str(model.classes_[i]) for i in best]
        probability: list[float | None] = [float(proba[r, i]) for r, i in enumerate(best)]
    else:
        labels = [str(v) for v in model.predict(texts)]
        probability = [None] * len(labels)
    return pa.table(
        {
            "id": pa.array([str(i) for i in ids], pa.string()),
            "label": pa.array(labels, pa.string()),
            "probability": pa.array(probability, pa.float64()),
        }
    )
