"""Applying a fitted model to posts: a table of id, label and probability.

:func:`predict_table` labels a list of texts; :func:`predict_batch` labels one record
batch of a corpus (the unit of batch-by-batch prediction); :func:`predict_file` runs
a model over a Parquet corpus batch by batch (bounded memory) or over a CSV file, and
writes the predictions as they come.

Labels and probabilities come from one pass: a model with ``predict_with_proba``
(the stacked models) gives both at once, with the label from its saved macro-F1
threshold; for other models with ``predict_proba`` the label is the most probable
class.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from crowdpulse.exceptions import InputError

__all__ = ["PREDICTION_SCHEMA", "predict_batch", "predict_file", "predict_table"]

PREDICTION_SCHEMA = pa.schema(
    [("id", pa.string()), ("label", pa.string()), ("probability", pa.float64())]
)
"""Columns of the predictions: ``id``, ``label`` and the probability of that label."""


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
    probability: list[float | None]
    if not texts:
        labels: list[str] = []
        probability = []
    elif hasattr(model, "predict_with_proba"):
        predicted, proba = model.predict_with_proba(texts)
        labels = [str(v) for v in predicted]
        index = {c: i for i, c in enumerate(model.classes_.tolist())}
        probability = [
            float(proba[r, index[v]]) for r, v in enumerate(np.asarray(predicted).tolist())
        ]
    elif hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(texts))
        best = np.argmax(proba, axis=1)
        labels = [str(model.classes_[i]) for i in best]
        probability = [float(proba[r, i]) for r, i in enumerate(best)]
    else:
        labels = [str(v) for v in model.predict(texts)]
        probability = [None] * len(labels)
    return pa.table(
        {
            "id": pa.array([str(i) for i in ids], pa.string()),
            "label": pa.array(labels, pa.string()),
            "probability": pa.array(probability, pa.float64()),
        },
        schema=PREDICTION_SCHEMA,
    )


def _pick_text_column(names: Sequence[str], text_col: str | None, path: str) -> str:
    if text_col is not None:
        wanted = text_col.strip()
        if wanted not in names:
            raise InputError(
                f"no column {wanted!r}; columns: {', '.join(names)}", path=path, field=wanted
            )
        return wanted
    for name in ("text_for_training", "text"):
        if name in names:
            return name
    raise InputError(
        f"no text column (text_for_training or text); columns: {', '.join(names)}; "
        "name one with --text-col",
        path=path,
        field="text",
    )


def predict_batch(
    model: Any,
    batch: pa.RecordBatch | pa.Table,
    *,
    text_col: str | None = None,
    id_col: str | None = None,
    first_row: int = 0,
    source: str = "",
) -> pa.Table:
    """Predict the posts of one record batch of a corpus.

    Args:
        model: A fitted classifier of texts.
        batch: Rows of a corpus or CSV table.
        text_col: Text column (default: ``text_for_training`` if present, else ``text``).
        id_col: Id column (default: ``id`` if present, else the 1-based row number).
        first_row: Number of rows before this batch (for row-number ids).
        source: File name for messages.

    Returns:
        The predictions (:data:`PREDICTION_SCHEMA`), one row per input row.

    Raises:
        InputError: A named column is missing.
    """
    names = list(batch.schema.names)
    text_name = _pick_text_column(names, text_col, source)
    texts = ["" if t is None else str(t) for t in batch.column(text_name).to_pylist()]
    if id_col is not None or "id" in names:
        name = (id_col or "id").strip()
        if name not in names:
            raise InputError(f"no column {name!r}", path=source, field=name)
        ids = ["" if i is None else str(i) for i in batch.column(name).to_pylist()]
    else:
        ids = [str(first_row + k + 1) for k in range(len(texts))]
    return predict_table(model, ids, texts)


def _batches(path: Path, batch_size: int) -> Iterator[pa.RecordBatch]:
    if path.suffix.lower() in {".parquet", ".pq"}:
        from crowdpulse.io.corpus import open_parquet

        reader = open_parquet(path)
        if reader.metadata.num_rows == 0:
            return
        yield from reader.iter_batches(batch_size=batch_size, use_threads=False)
        return
    from crowdpulse.classify.data import read_table

    table = read_table(path)
    yield from table.to_batches(max_chunksize=batch_size)


def predict_file(
    model: Any,
    data: str | Path,
    output: str | Path,
    *,
    text_col: str | None = None,
    id_col: str | None = None,
    batch_size: int = 8192,
    quiet: bool = True,
) -> dict[str, Any]:
    """Label every post of a corpus batch by batch and write the predictions.

    Args:
        model: A fitted classifier of texts.
        data: A Parquet corpus (read batch by batch) or a CSV file.
        output: ``.csv`` or Parquet (anything else) to write, replaced atomically.
        text_col: See :func:`predict_batch`.
        id_col: See :func:`predict_batch`.
        batch_size: Posts per batch.
        quiet: Show no progress bar.

    Returns:
        ``{"n_posts", "labels" (label -> count), "seconds", "posts_per_second"}``.
        An empty corpus gives an empty predictions file and ``n_posts`` 0.

    Raises:
        InputError: The data is unreadable or a column is missing.
    """
    import pyarrow.csv as pc
    import pyarrow.parquet as pq

    from crowdpulse.io.atomic import atomic_path
    from crowdpulse.progress import progress

    path = Path(data)
    out = Path(output)
    as_csv = out.suffix.lower() == ".csv"
    counts: Counter[str] = Counter()
    n = 0
    start = time.perf_counter()
    with atomic_path(out) as temp:
        writer: Any = (
            pc.CSVWriter(str(temp), PREDICTION_SCHEMA)
            if as_csv
            else pq.ParquetWriter(str(temp), PREDICTION_SCHEMA)
        )
        try:
            with progress("predict", total=None, quiet=quiet) as bar:
                for batch in _batches(path, max(int(batch_size), 1)):
                    table = predict_batch(
                        model,
                        batch,
                        text_col=text_col,
                        id_col=id_col,
                        first_row=n,
                        source=str(path),
                    )
                    writer.write_table(table)
                    counts.update(table.column("label").to_pylist())
                    n += table.num_rows
                    bar.advance(table.num_rows)
        finally:
            writer.close()
    seconds = time.perf_counter() - start
    return {
        "n_posts": n,
        "labels": dict(counts),
        "seconds": round(seconds, 3),
        "posts_per_second": round(n / seconds, 1) if n and seconds > 0 else None,
    }
