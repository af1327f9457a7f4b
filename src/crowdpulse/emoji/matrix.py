"""The post x emoji count matrix every emoji analysis is computed from.

A corpus's ``emojis`` column (a list of full emoji sequences per post, repeats
kept, in text order) becomes one sparse matrix: row = post, column = emoji,
value = how many times the post uses the emoji. Totals, top-k, co-occurrence and
diffusion are then sums and products of this matrix, without a Python loop over
posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

__all__ = ["EmojiMatrix", "emoji_matrix"]


@dataclass(frozen=True)
class EmojiMatrix:
    """Emoji occurrences per post.

    Attributes:
        vocabulary: Every emoji seen, sorted by code point (Python string order).
        counts: Sparse ``posts x len(vocabulary)`` matrix of occurrences (repeats
            counted), CSR, int64.
    """

    vocabulary: tuple[str, ...]
    counts: sp.csr_matrix

    @property
    def n_posts(self) -> int:
        """Number of posts (rows), with or without emojis."""
        return int(self.counts.shape[0])

    def totals(self) -> np.ndarray:
        """Occurrences of each emoji over all posts (repeats counted)."""
        return np.asarray(self.counts.sum(axis=0), dtype=np.int64).ravel()

    def post_counts(self) -> np.ndarray:
        """Number of posts in which each emoji occurs at least once."""
        return np.asarray((self.counts > 0).sum(axis=0), dtype=np.int64).ravel()

    def lengths(self) -> np.ndarray:
        """Number of emoji occurrences in each post (repeats counted)."""
        return np.asarray(self.counts.sum(axis=1), dtype=np.int64).ravel()

    def distinct_lengths(self) -> np.ndarray:
        """Number of distinct emojis in each post."""
        return np.diff(self.counts.indptr).astype(np.int64)

    def presence(self) -> sp.csr_matrix:
        """The 0/1 matrix: 1 where the post uses the emoji at least once."""
        binary = self.counts.copy()
        binary.data = np.ones_like(binary.data)
        return binary

    def rows(self, selector: np.ndarray) -> EmojiMatrix:
        """The matrix of a subset of posts, same vocabulary.

        Args:
            selector: A boolean mask over the posts, or an array of row indices.

        Returns:
            A new :class:`EmojiMatrix` holding only those posts.
        """
        index = np.flatnonzero(selector) if selector.dtype == bool else selector
        return EmojiMatrix(self.vocabulary, self.counts[index].tocsr())

    def counter(self) -> dict[str, int]:
        """Occurrences of each emoji used at least once, as a dict."""
        totals = self.totals()
        return {self.vocabulary[i]: int(totals[i]) for i in np.flatnonzero(totals)}


def _as_list_array(column: pa.Array | pa.ChunkedArray | Sequence[Sequence[str] | None]) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        column = (
            column.combine_chunks() if column.num_chunks else pa.array([], pa.list_(pa.string()))
        )
    if not isinstance(column, pa.Array):
        column = pa.array(list(column), type=pa.list_(pa.string()))
    kind = column.type
    if not (pa.types.is_list(kind) or pa.types.is_large_list(kind)) or not (
        pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type)
    ):
        raise TypeError(f"expected a list<string> column of emojis, got {kind}")
    if kind != pa.list_(pa.string()):
        column = column.cast(pa.list_(pa.string()))
    return column


def emoji_matrix(
    column: pa.Array | pa.ChunkedArray | Sequence[Sequence[str] | None],
) -> EmojiMatrix:
    """Build the post x emoji count matrix of an ``emojis`` column.

    A null list counts as a post without emojis; null or empty items are ignored.

    Args:
        column: The ``emojis`` column (list<string>), or a list of lists of emojis.

    Returns:
        The :class:`EmojiMatrix`, one row per input post.

    Raises:
        TypeError: The column is not a list of strings.
    """
    array = _as_list_array(column)
    n_posts = len(array)
    flat = pc.list_flatten(array)
    parents = pc.list_parent_indices(array)
    seen = pc.unique(flat).to_pylist()
    if None in seen or "" in seen:  # filter only when needed: it costs a pass
        keep = pc.fill_null(pc.and_kleene(pc.is_valid(flat), pc.not_equal(flat, "")), False)
        flat = pc.filter(flat, keep)
        parents = pc.filter(parents, keep)
    vocabulary = tuple(sorted(e for e in seen if e))
    if not vocabulary:
        return EmojiMatrix((), sp.csr_matrix((n_posts, 0), dtype=np.int64))
    index = pc.index_in(flat, value_set=pa.array(vocabulary, pa.string()))
    columns = index.to_numpy(zero_copy_only=False).astype(np.int64)
    rows = parents.to_numpy(zero_copy_only=False).astype(np.int64)
    # parents are sorted: build the CSR row pointer directly
    indptr = np.zeros(n_posts + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_posts), out=indptr[1:])
    counts = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.int64), columns, indptr), shape=(n_posts, len(vocabulary))
    )
    counts.sum_duplicates()  # sorts the column indices of each row, adds repeats
    return EmojiMatrix(vocabulary, counts)
