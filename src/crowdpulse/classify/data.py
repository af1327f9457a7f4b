"""Reading texts and labels to train and evaluate on: a labelled corpus or a CSV.

- a corpus Parquet file (after ``crowdpulse label``): the text is
  ``text_for_training`` (the text without its label hashtags) where present, else
  ``text``; the label is ``solidarity``; the id is ``id``.
- a CSV file: ``text_col`` and ``label_col`` name the columns (header names are
  matched with surrounding spaces ignored, so CrisisLexT26's ``" Tweet Text"`` is
  ``--text-col "Tweet Text"``). Read with ``pyarrow.csv``, every column as a string.

With ``positive`` the label values are mapped to ``solidarity`` (a positive value),
null (an ``exclude`` value) or ``not solidarity`` (any other value).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa

from crowdpulse.exceptions import InputError

__all__ = [
    "TrainingData",
    "read_folder",
    "read_table",
    "read_training_data",
    "training_data_from_table",
]


@dataclass(frozen=True)
class TrainingData:
    """Posts to classify.

    Attributes:
        ids: One id per post.
        texts: The texts.
        labels: The labels (None where a post has none).
        groups: Optional group per post (e.g. the event), else None.
        source: The file read.
    """

    ids: list[str]
    texts: list[str]
    labels: list[str | None]
    groups: list[str] | None = None
    source: str = ""

    def __len__(self) -> int:
        return len(self.texts)

    def labelled(self) -> TrainingData:
        """Only the posts that have a label."""
        keep = [i for i, label in enumerate(self.labels) if label is not None]
        return replace(
            self,
            ids=[self.ids[i] for i in keep],
            texts=[self.texts[i] for i in keep],
            labels=[self.labels[i] for i in keep],
            groups=None if self.groups is None else [self.groups[i] for i in keep],
        )

    def __add__(self, other: TrainingData) -> TrainingData:
        groups = None
        if self.groups is not None and other.groups is not None:
            groups = self.groups + other.groups
        return TrainingData(
            self.ids + other.ids,
            self.texts + other.texts,
            self.labels + other.labels,
            groups,
            self.source,
        )


def read_table(path: str | Path) -> pa.Table:
    """Read a Parquet corpus or a CSV file (all columns as strings, names stripped).

    Args:
        path: ``.parquet`` / ``.pq`` or a CSV file (anything else is read as CSV).

    Returns:
        The table.

    Raises:
        InputError: The file is missing or unreadable.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=str(path))
    if path.suffix.lower() in {".parquet", ".pq"}:
        import pyarrow.parquet as pq

        try:
            return pq.read_table(path)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"not a readable Parquet file: {exc}", path=str(path)) from None
    import pyarrow.csv as pc

    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        raise InputError("CSV file is not UTF-8 text", path=str(path)) from None
    if not header:
        raise InputError("CSV file is empty", path=str(path))
    try:
        table = pc.read_csv(
            path,
            read_options=pc.ReadOptions(encoding="utf-8"),
            convert_options=pc.ConvertOptions(column_types={c: pa.string() for c in header}),
        )
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot read CSV: {exc}", path=str(path)) from None
    names = [n.strip().lstrip("\ufeff") for n in table.column_names]
    return table.rename_columns(names)


def read_folder(
    folder: str | Path, pattern: str = "*.csv", *, require: Sequence[str] = ()
) -> pa.Table:
    """Read every CSV under a folder (recursively) as one table with an ``event`` column.

    Made for collections laid out one folder per crisis, like CrisisLexT26: the
    ``event`` of a row is the name of its file's folder (unless the file has an
    ``event`` column), so ``--group-col event`` leaves one event out per fold.

    Args:
        folder: The folder.
        pattern: File name pattern.
        require: Columns a file must have to be read; other files are skipped (e.g. the
            tweet-id lists beside CrisisLex's labelled files).

    Returns:
        The rows of all files, in sorted path order; columns missing from a file are null.

    Raises:
        InputError: No file matches (or none has the required columns), or a file is
            unreadable.
    """
    root = Path(folder)
    files = sorted(p for p in root.rglob(pattern) if p.is_file())
    if not files:
        raise InputError(f"no {pattern} file in the folder", path=str(root))
    tables = []
    for file in files:
        table = read_table(file)
        if any(c.strip() not in table.column_names for c in require if c):
            continue
        if "event" not in table.column_names:
            table = table.append_column(
                "event", pa.array([file.parent.name] * table.num_rows, pa.string())
            )
        tables.append(table)
    if not tables:
        raise InputError(
            f"no {pattern} file in the folder has the columns {', '.join(require)}",
            path=str(root),
        )
    return pa.concat_tables(tables, promote_options="default")


def _column(table: pa.Table, name: str, path: str) -> list[str | None]:
    wanted = name.strip()
    if wanted not in table.column_names:
        raise InputError(
            f"no column {wanted!r}; columns: {', '.join(table.column_names)}",
            path=path,
            field=wanted,
        )
    return table.column(wanted).cast(pa.string()).to_pylist()


def training_data_from_table(
    table: pa.Table,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    id_col: str | None = None,
    group_col: str | None = None,
    positive: Sequence[str] = (),
    exclude: Sequence[str] = (),
    require_labels: bool = True,
    source: str = "",
) -> TrainingData:
    """Pick texts, labels, ids and groups out of a table.

    Args:
        table: A corpus or CSV table.
        text_col: Text column (default: ``text_for_training`` if present, else ``text``).
        label_col: Label column (default: ``solidarity`` if present, else ``label``).
        id_col: Id column (default: ``id`` if present, else the 1-based row number).
        group_col: Optional group column (e.g. the event, for leave-one-group-out).
        positive: Label values that mean solidarity (maps labels, see the module doc).
        exclude: Label values that mean no label.
        require_labels: Fail when the label column is missing (False: all labels None,
            for prediction).
        source: File name for messages.

    Returns:
        The data, unlabelled posts included (see :meth:`TrainingData.labelled`).

    Raises:
        InputError: A column is missing.
    """
    cols = table.column_names
    text_name = text_col or ("text_for_training" if "text_for_training" in cols else "text")
    label_name = label_col or ("solidarity" if "solidarity" in cols else "label")
    texts = [t or "" for t in _column(table, text_name, source)]
    if require_labels or label_name in cols:
        raw_labels = _column(table, label_name, source)
    else:
        raw_labels = [None] * table.num_rows
    pos = {p.strip() for p in positive}
    skip = {e.strip() for e in exclude}
    labels: list[str | None] = []
    for value in raw_labels:
        v = value.strip() if value is not None else None
        if v is None or v == "" or v in skip:
            labels.append(None)
        elif pos:
            labels.append("solidarity" if v in pos else "not solidarity")
        else:
            labels.append(v)
    if id_col is not None or "id" in cols:
        ids = [str(i) if i is not None else "" for i in _column(table, id_col or "id", source)]
    else:
        ids = [str(i) for i in range(1, table.num_rows + 1)]
    groups = None if group_col is None else [str(g) for g in _column(table, group_col, source)]
    return TrainingData(ids, texts, labels, groups, source)


def read_training_data(
    path: str | Path,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    id_col: str | None = None,
    group_col: str | None = None,
    positive: Sequence[str] = (),
    exclude: Sequence[str] = (),
    require_labels: bool = True,
) -> TrainingData:
    """Read texts and labels from a corpus Parquet file or a CSV.

    Args:
        path: The file, or a folder of CSV files (see :func:`read_folder`).
        text_col: See :func:`training_data_from_table`.
        label_col: See :func:`training_data_from_table`.
        id_col: See :func:`training_data_from_table`.
        group_col: See :func:`training_data_from_table`.
        positive: See :func:`training_data_from_table`.
        exclude: See :func:`training_data_from_table`.
        require_labels: See :func:`training_data_from_table`.

    Returns:
        The data (unlabelled posts included).

    Raises:
        InputError: The file or a column is missing.
    """
    if Path(path).is_dir():
        wanted = [c for c in (text_col, label_col if require_labels else None) if c]
        table = read_folder(path, require=wanted)
    else:
        table = read_table(path)
    return training_data_from_table(
        table,
        text_col=text_col,
        label_col=label_col,
        id_col=id_col,
        group_col=group_col,
        positive=positive,
        exclude=exclude,
        require_labels=require_labels,
        source=str(path),
    )
