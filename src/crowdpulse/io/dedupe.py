"""Exact, compact dedupe state for ingest: stable 64-bit keys in sorted NumPy runs.

Ingest drops a post whose id was seen before (``duplicate_id``) and an original
post whose words were seen before (``duplicate_text``); the first occurrence in
input order is kept. The state must be the same in every process (a Dask worker
computes the keys of its partition, the client keeps the state), so keys are
stable digests, never Python's per-process salted ``hash``:

- **ids**: an id that is a canonical decimal below 2**63 (every Twitter id,
  Mastodon ids) is its own key, exactly (top bit 0). Any other id (Bluesky
  ``at://`` URIs, Reddit fullnames, Telegram ``chat/message``) is keyed by the
  first 63 bits of its BLAKE2b digest (top bit 1), so a decimal id never collides
  with a digest. Two different non-decimal ids share a key with probability about
  ``n**2 / 2**64`` for ``n`` distinct such ids (1.4e-5 for 16 million);
- **texts**: the BLAKE2b 64-bit digest of the text with surrounding whitespace
  removed (``str.strip``); two different texts share a key with probability about
  ``n**2 / 2**65`` for ``n`` distinct texts (7e-6 for 16 million). A collision
  would drop one post as a duplicate that is not one.

:class:`KeySet` holds the keys seen in sorted ``uint64`` runs whose sizes grow
geometrically (a new run is merged with the runs not larger than itself), so
memory is 8 bytes per distinct key (plus one temporary copy of the largest run
while it is merged), membership is ``np.searchsorted`` over at most ``log2(n)``
runs, and adding a batch costs ``O(log n)`` amortised per key. For inputs too
large even for that (hundreds of millions of posts), a *store* folder keeps the
runs of 2**24 keys or more on disk, memory-mapped (``crowdpulse ingest
--dedupe-store DIR``).
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import blake2b
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["MEMORY_KEYS", "PY_WHITESPACE", "Deduper", "KeySet", "id_keys", "text_keys"]

#: With a store: the run size (keys) from which a run is kept on disk (128 MiB).
MEMORY_KEYS = 1 << 24

_TOP = np.uint64(1 << 63)
_LOW = np.uint64((1 << 63) - 1)
_INT64_MAX = str((1 << 63) - 1)
_DECIMAL = r"^(0|[1-9][0-9]{0,18})$"


#: The characters ``str.strip()`` removes (``str.isspace``), for Arrow's ``utf8_trim``.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _digests(values: Sequence[bytes]) -> np.ndarray:
    """BLAKE2b 64-bit digests (read as little-endian ``uint64``) of byte strings."""
    if not values:
        return np.zeros(0, dtype=np.uint64)
    joined = b"".join([blake2b(v, digest_size=8).digest() for v in values])
    return np.frombuffer(joined, dtype="<u8").astype(np.uint64)


def _utf8_bytes(values: pa.Array | pa.ChunkedArray) -> list[bytes]:
    """The UTF-8 bytes of non-null strings, without decoding them to Python strings."""
    return pc.cast(values, pa.binary()).to_pylist()


def id_keys(ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The dedupe key of each post id (see the module docstring).

    Args:
        ids: Post ids (strings; nulls read as the empty string).

    Returns:
        One ``uint64`` key per id: a decimal id below 2**63 as itself, any other id
        as a 63-bit digest with the top bit set.
    """
    ids = pc.fill_null(ids, "")
    n = len(ids)
    keys = np.empty(n, dtype=np.uint64)
    decimal = pc.match_substring_regex(ids, _DECIMAL)
    fits = pc.or_(pc.less(pc.utf8_length(ids), 19), pc.less_equal(ids, _INT64_MAX))
    numeric = pc.and_(decimal, fits).to_numpy(zero_copy_only=False).astype(bool)
    if numeric.any():
        values = pc.cast(pc.filter(ids, pa.array(numeric)), pa.int64())
        keys[numeric] = np.asarray(values.to_numpy(zero_copy_only=False)).astype(np.uint64)
    if not numeric.all():
        others = _utf8_bytes(pc.filter(ids, pa.array(~numeric)))
        keys[~numeric] = (_digests(others) & _LOW) | _TOP
    return keys


def text_keys(
    texts: pa.Array | pa.ChunkedArray, candidates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The dedupe key of each candidate text, and which rows have one.

    Args:
        texts: Post texts.
        candidates: Which rows to key (the others get key 0).

    Returns:
        ``uint64`` keys (0 where not a candidate or the text has no words), and
        whether each row has a key (a candidate whose text has words).
    """
    n = len(texts)
    keys = np.zeros(n, dtype=np.uint64)
    has = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(candidates)
    if rows.size:
        chosen = texts if rows.size == n else pc.take(texts, pa.array(rows))
        # exactly str.strip(): Arrow trims the same characters, without Python strings
        stripped = pc.utf8_trim(pc.fill_null(chosen, ""), characters=PY_WHITESPACE)
        lengths = pc.binary_length(stripped).to_numpy(zero_copy_only=False)
        words = np.asarray(lengths) > 0
        if words.any():
            keyed = rows[words]
            with_words = stripped if words.all() else pc.filter(stripped, pa.array(words))
            keys[keyed] = _digests(_utf8_bytes(with_words))
            has[keyed] = True
    return keys, has


class KeySet:
    """A set of ``uint64`` keys in sorted runs (8 bytes a key).

    Args:
        keys: Keys to start with.
        store: A folder for runs of ``memory_keys`` keys or more: they are saved
            there and memory-mapped (read through the page cache, never merged
            again), so the memory held stays under about ``3 x memory_keys x 8``
            bytes however many keys there are. None keeps every run in memory.
        memory_keys: The size from which a run goes to ``store`` (default
            :data:`MEMORY_KEYS`).
    """

    def __init__(
        self,
        keys: np.ndarray | None = None,
        *,
        store: Path | None = None,
        memory_keys: int | None = None,
    ) -> None:
        self._runs: list[np.ndarray] = []
        self._disk: list[np.ndarray] = []
        self._store = store
        self._memory_keys = max(1, MEMORY_KEYS if memory_keys is None else memory_keys)
        if keys is not None and len(keys):
            self.add(np.unique(np.asarray(keys, dtype=np.uint64)))

    def __len__(self) -> int:
        return sum(len(run) for run in (*self._runs, *self._disk))

    @property
    def nbytes(self) -> int:
        """Bytes of keys held in memory."""
        return sum(run.nbytes for run in self._runs)

    @property
    def disk_bytes(self) -> int:
        """Bytes of keys in the store's files."""
        return sum(run.nbytes for run in self._disk)

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """Whether each key is in the set."""
        found = np.zeros(len(keys), dtype=bool)
        for run in (*self._runs, *self._disk):
            at = np.searchsorted(run, keys)
            inside = at < len(run)
            found[inside] |= run[at[inside]] == keys[inside]
        return found

    def add(self, new: np.ndarray) -> None:
        """Add sorted, unique keys that are not in the set yet."""
        if not len(new):
            return
        run = np.asarray(new, dtype=np.uint64)
        while self._runs and len(self._runs[-1]) <= 2 * len(run):
            # two sorted runs: the stable sort (timsort) merges them in linear time
            run = np.sort(np.concatenate([self._runs.pop(), run]), kind="stable")
        if self._store is not None and len(run) >= self._memory_keys:
            path = self._store / f"keys-{len(self._disk):06d}.npy"
            np.save(path, run)
            self._disk.append(np.load(path, mmap_mode="r"))
            return
        self._runs.append(run)

    def first_seen(self, keys: np.ndarray) -> np.ndarray:
        """Mark the keys seen before (in the set, or earlier in ``keys``) and add the rest.

        Args:
            keys: Keys in input order.

        Returns:
            True where the key is a repeat.
        """
        repeat = np.ones(len(keys), dtype=bool)
        if not len(keys):
            return repeat
        unique, first = np.unique(keys, return_index=True)
        seen = self.contains(unique)
        repeat[first[~seen]] = False
        self.add(unique[~seen])
        return repeat


class Deduper:
    """The ingest dedupe: ids first, then the texts of originals with words.

    Args:
        store: A folder for key runs too large to keep in memory (see
            :class:`KeySet`); two subfolders are made in it. None: all in memory.
        memory_keys: The run size from which runs go to ``store`` (default
            :data:`MEMORY_KEYS`).
    """

    def __init__(self, store: str | Path | None = None, memory_keys: int | None = None) -> None:
        ids = texts = None
        if store is not None:
            ids, texts = Path(store) / "ids", Path(store) / "texts"
            ids.mkdir(parents=True, exist_ok=True)
            texts.mkdir(parents=True, exist_ok=True)
        self.ids = KeySet(store=ids, memory_keys=memory_keys)
        self.texts = KeySet(store=texts, memory_keys=memory_keys)

    @property
    def nbytes(self) -> int:
        """Bytes of keys held in memory by both key sets."""
        return self.ids.nbytes + self.texts.nbytes

    def apply(
        self, ids: np.ndarray, texts: np.ndarray, has_text: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Find the repeats among the rows of a batch, in row order.

        Exactly the sequential rule: a row whose id was seen is a ``duplicate_id``
        (its text is not recorded); otherwise its id is recorded and, if it has a
        text key, the row is a ``duplicate_text`` when that key was seen, else the
        key is recorded.

        Args:
            ids: Id keys (:func:`id_keys`), one per row.
            texts: Text keys (:func:`text_keys`).
            has_text: Rows that have a text key (originals with words).

        Returns:
            The ``duplicate_id`` and ``duplicate_text`` masks.
        """
        dup_id = self.ids.first_seen(ids)
        dup_text = np.zeros(len(ids), dtype=bool)
        rows = np.flatnonzero(~dup_id & has_text)
        dup_text[rows] = self.texts.first_seen(texts[rows])
        return dup_id, dup_text
