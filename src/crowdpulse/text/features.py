"""The ``features`` stage: tokens, emojis, emoji sentiment and lexicon categories per post.

:func:`add_features` adds to a corpus table (and :func:`features_file` to a corpus
file, streamed in row-group batches over several processes) the columns that
``docs/contributing.md`` lists for ``features``:

==================  ================  ===============================================
column              type              value
==================  ================  ===============================================
``tokens``          list<string>      :func:`~crowdpulse.text.tokenize` (lower case,
                                      stopwords kept)
``emojis``          list<string>      the emojis in order, fully-qualified (❤ → ❤️)
``emoji_sentiment`` float64           mean Emoji Sentiment Ranking score of the
                                      post's scored emojis; null when none is scored
``word_count``      int64             words as the lexicon counts them
``lex_<category>``  float64           percentage of the words in the category (LIWC)
``lex_emo``         float64           ``lex_posemo - lex_negemo`` (when derivable)
==================  ================  ===============================================

A null text gives empty lists, a null sentiment, 0 words and 0.0 percentages.
Columns of these names already in the input are replaced; all others are kept as
they are.

How it is fast: a batch of posts is scanned by one compiled regex; each distinct
token string is classified once (kind, output form, emoji score, lexicon
categories) and given an id; everything per post is then computed on the id
arrays with numpy (word counts by ``bincount``, category counts by one sparse
matrix product). Posts that need context (LIWC2007 conditional entries, possible
multi-word entries) are recounted one by one with :meth:`Lexicon.count_words`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from crowdpulse.engine import Engine, LocalEngine, partitions
from crowdpulse.exceptions import InputError
from crowdpulse.io.atomic import die_with_parent
from crowdpulse.io.corpus import iter_row_groups, open_parquet, replaced_atomically
from crowdpulse.progress import progress
from crowdpulse.text.lexicon import Lexicon
from crowdpulse.text.sentiment import emoji_sentiment
from crowdpulse.text.tokenize import WORD_KINDS, _forms, _scanners, prepare

__all__ = ["FEATURE_COLUMNS", "add_features", "feature_schema", "features_file"]

FEATURE_COLUMNS: tuple[str, ...] = ("tokens", "emojis", "emoji_sentiment", "word_count")
"""The fixed feature columns; ``lex_<category>`` columns follow them."""

_DEFAULT_BATCH = 65_536
_VOCAB_LIMIT = 2_000_000


def _lexicon(lexicon: Lexicon | str | Path) -> Lexicon:
    return lexicon if isinstance(lexicon, Lexicon) else Lexicon.load(lexicon)


def feature_schema(lexicon: Lexicon | str = "open") -> pa.Schema:
    """Return the schema of the columns :func:`add_features` adds, in order.

    Args:
        lexicon: The lexicon (or its key) whose categories become ``lex_`` columns.

    Returns:
        The Arrow schema of the feature columns.
    """
    lex = _lexicon(lexicon)
    fields = [
        pa.field("tokens", pa.list_(pa.string())),
        pa.field("emojis", pa.list_(pa.string())),
        pa.field("emoji_sentiment", pa.float64()),
        pa.field("word_count", pa.int64()),
    ]
    fields += [pa.field(f"lex_{name}", pa.float64()) for name in lex.output_names]
    return pa.schema(fields)


class _Vocab(dict[str, int]):
    """Token string → id; a token seen for the first time gets the next id."""

    def __init__(self) -> None:
        super().__init__()
        self.new: list[str] = []

    def __missing__(self, key: str) -> int:
        value = self[key] = len(self)
        self.new.append(key)
        return value


class _Engine:
    """Per-process state: the token vocabulary and what is known about each token."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.ncat = len(lexicon.categories)
        self.context = lexicon.has_context
        self.scanners = _scanners()
        self.schema = feature_schema(lexicon)
        self.second_words = tuple({p.words[1] for p in lexicon._phrases})
        self._reset()

    def _reset(self) -> None:
        self.vocab = _Vocab()
        self.forms: list[str] = []
        self.words: list[str] = []  # the lexicon's view of a word token ("" otherwise)
        self.is_word = np.zeros(0, dtype=bool)
        self.is_emoji = np.zeros(0, dtype=bool)
        self.score = np.zeros(0, dtype=np.float64)
        self.conditional = np.zeros(0, dtype=bool)  # its entry has LIWC2007 conditions
        self.first = np.zeros(0, dtype=bool)  # may start a multi-word entry
        self.second = np.zeros(0, dtype=bool)  # may be the 2nd word of a multi-word entry
        self.cat_indptr: list[int] = [0]
        self.cat_indices: list[int] = []
        self.forms_array = pa.array([], pa.string())
        self.matrix_rows = 0
        self.matrix: object = None

    def _grow(self, new: list[str]) -> None:
        """Classify the tokens first seen in this batch."""
        lex = self.lexicon
        n = len(new)
        is_word = np.zeros(n, dtype=bool)
        is_emoji = np.zeros(n, dtype=bool)
        score = np.full(n, np.nan)
        conditional = np.zeros(n, dtype=bool)
        first = np.zeros(n, dtype=bool)
        second = np.zeros(n, dtype=bool)
        forms = []
        for i, raw in enumerate(new):
            kind, written, lower = _forms(raw)
            forms.append(lower)
            if kind == "emoji":
                is_emoji[i] = True
                value = emoji_sentiment(lower)
                if value is not None:
                    score[i] = value
            if kind in WORD_KINDS:
                is_word[i] = True
                word = written.lower()
                self.words.append(word)
                entry = lex.lookup(word)
                if entry is not None:
                    self.cat_indices.extend(entry.categories)
                    conditional[i] = bool(entry.conditions)
                if self.second_words:
                    first[i] = bool(lex.phrases_from(word))
                    second[i] = any(
                        word.startswith(p[:-1]) if p.endswith("*") else word == p
                        for p in self.second_words
                    )
            else:
                self.words.append("")
            self.cat_indptr.append(len(self.cat_indices))
        self.forms.extend(forms)
        self.is_word = np.concatenate([self.is_word, is_word])
        self.is_emoji = np.concatenate([self.is_emoji, is_emoji])
        self.score = np.concatenate([self.score, score])
        self.conditional = np.concatenate([self.conditional, conditional])
        self.first = np.concatenate([self.first, first])
        self.second = np.concatenate([self.second, second])
        self.forms_array = pa.concat_arrays([self.forms_array, pa.array(forms, pa.string())])

    def _category_matrix(self) -> object:
        from scipy import sparse

        size = len(self.forms)
        if self.matrix is None or self.matrix_rows != size:
            indices = np.asarray(self.cat_indices, dtype=np.int32)
            self.matrix = sparse.csr_matrix(
                (np.ones(len(indices), dtype=np.float64), indices, np.asarray(self.cat_indptr)),
                shape=(size, max(self.ncat, 1)),
            )
            self.matrix_rows = size
        return self.matrix

    def run(self, texts: pa.Array | pa.ChunkedArray) -> pa.RecordBatch:
        """Compute the feature columns of one batch of post texts."""
        from scipy import sparse

        if len(self.vocab) > _VOCAB_LIMIT:
            self._reset()
        values = texts.to_pylist()
        n = len(values)
        plain, unmarked, full, marks = self.scanners
        plain_findall, unmarked_findall, full_findall = (
            plain.findall,
            unmarked.findall,
            full.findall,
        )
        has_marks = marks.search
        flat: list[str] = []
        extend = flat.extend
        lengths = np.zeros(n, dtype=np.int64)
        for i, text in enumerate(values):
            if text:
                if "&" in text:
                    text = prepare(text)
                if text.isascii():
                    found = plain_findall(text)
                elif has_marks(text) is None:
                    found = unmarked_findall(text)
                else:
                    found = full_findall(text)
                extend(found)
                lengths[i] = len(found)
        vocab = self.vocab
        # Known tokens are looked up in C; _Vocab.__missing__ numbers the new ones.
        ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
        if vocab.new:
            self._grow(vocab.new)
            vocab.new = []
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        post = np.repeat(np.arange(n), lengths)

        tokens = pa.ListArray.from_arrays(
            pa.array(offsets.astype(np.int32)), self.forms_array.take(pa.array(ids))
        )
        emoji_mask = self.is_emoji[ids]
        emoji_ids = ids[emoji_mask]
        emoji_post = post[emoji_mask]
        emoji_offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(emoji_post, minlength=n), out=emoji_offsets[1:])
        emojis = pa.ListArray.from_arrays(
            pa.array(emoji_offsets), self.forms_array.take(pa.array(emoji_ids))
        )
        scores = self.score[emoji_ids]
        scored = ~np.isnan(scores)
        total = np.bincount(emoji_post[scored], weights=scores[scored], minlength=n)
        count = np.bincount(emoji_post[scored], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / count
        sentiment = pa.array(mean, pa.float64(), mask=count == 0)

        word_mask = self.is_word[ids]
        word_count = np.bincount(post[word_mask], minlength=n).astype(np.int64)
        counts = np.zeros((n, self.ncat))
        if self.ncat and len(ids):
            tokens_by_post = sparse.csr_matrix(
                (np.ones(len(ids)), ids, offsets), shape=(n, len(self.forms))
            )
            counts = np.asarray((tokens_by_post @ self._category_matrix()).todense())
        if self.context and len(ids):
            self._recount(counts, ids[word_mask], post[word_mask])
        columns = [tokens, emojis, sentiment, pa.array(word_count)]
        columns += self._lexicon_columns(counts, word_count)
        return pa.RecordBatch.from_arrays(columns, schema=self.schema)

    def _recount(self, counts: np.ndarray, word_ids: np.ndarray, word_post: np.ndarray) -> None:
        """Recount, one by one, the posts where phrases or conditions may apply."""
        need = np.zeros(len(counts), dtype=bool)
        need[word_post[self.conditional[word_ids]]] = True
        if len(word_ids) > 1:
            pair = (
                self.first[word_ids[:-1]]
                & self.second[word_ids[1:]]
                & (word_post[:-1] == word_post[1:])
            )
            need[word_post[:-1][pair]] = True
        if not need.any():
            return
        bounds = np.searchsorted(word_post, np.arange(len(counts) + 1))
        words = self.words
        count_words = self.lexicon.count_words
        for i in np.flatnonzero(need):
            counts[i] = count_words([words[k] for k in word_ids[bounds[i] : bounds[i + 1]]])

    def _lexicon_columns(self, counts: np.ndarray, word_count: np.ndarray) -> list[pa.Array]:
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.where(word_count[:, None] > 0, counts * 100.0 / word_count[:, None], 0.0)
        columns = [pa.array(pct[:, j]) for j in range(self.ncat)]
        pair = self.lexicon._emo_pair
        if pair is not None:
            columns.append(pa.array(pct[:, pair[0]] - pct[:, pair[1]]))
        return columns


_ENGINES: dict[int, _Engine] = {}


def _engine(lexicon: Lexicon) -> _Engine:
    found = _ENGINES.get(id(lexicon))
    if found is None or found.lexicon is not lexicon:
        _ENGINES.clear()
        found = _ENGINES[id(lexicon)] = _Engine(lexicon)
    return found


_WORKER_LEXICON: Lexicon | None = None


def _init_worker(lexicon: Lexicon, parent: int | None = None) -> None:
    global _WORKER_LEXICON
    die_with_parent(parent)  # a killed parent leaves no worker behind
    _WORKER_LEXICON = lexicon


def _work(texts: pa.Array) -> pa.RecordBatch:
    assert _WORKER_LEXICON is not None
    return _engine(_WORKER_LEXICON).run(texts)


def _text_column(schema: pa.Schema, path: str | None = None) -> None:
    if "text" not in schema.names:
        raise InputError("not a crowdpulse corpus: column is missing", path=path, field="text")
    kind = schema.field("text").type
    if kind not in (pa.string(), pa.large_string()):
        raise InputError(f"column has type {kind}, expected string", path=path, field="text")


def _kept_columns(schema: pa.Schema, lexicon: Lexicon) -> list[str]:
    added = set(feature_schema(lexicon).names)
    return [
        name
        for name in schema.names
        if name not in added and name not in FEATURE_COLUMNS and not name.startswith("lex_")
    ]


def _jobs(n_jobs: int | None) -> int:
    if n_jobs is None or n_jobs <= 0:
        return max(1, min(os.cpu_count() or 1, 8))
    return n_jobs


def _pool(jobs: int, lexicon: Lexicon) -> ProcessPoolExecutor:
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(lexicon, os.getpid()),
    )


def _ordered(
    batches: Iterator[pa.RecordBatch], lexicon: Lexicon, jobs: int
) -> Iterator[tuple[pa.RecordBatch, pa.RecordBatch]]:
    """Yield ``(input batch, feature batch)`` in order, with at most 2 x jobs in flight."""
    if jobs == 1:
        engine = _engine(lexicon)
        for batch in batches:
            yield batch, engine.run(batch.column("text"))
        return
    window: list[tuple[pa.RecordBatch, Future[pa.RecordBatch]]] = []
    with _pool(jobs, lexicon) as pool:
        for batch in batches:
            window.append((batch, pool.submit(_work, batch.column("text"))))
            if len(window) >= 2 * jobs:
                done, future = window.pop(0)
                yield done, future.result()
        for done, future in window:
            yield done, future.result()


def _combine(batch: pa.RecordBatch, feats: pa.RecordBatch, keep: list[str]) -> pa.RecordBatch:
    arrays = [batch.column(name) for name in keep] + list(feats.columns)
    names = keep + feats.schema.names
    return pa.RecordBatch.from_arrays(arrays, names=names)


@dataclass(frozen=True)
class _FeatureJob:
    """What a worker needs to add the features to some row groups (picklable)."""

    path: str
    lexicon: Lexicon
    columns: list[str]
    keep: list[str]
    schema: pa.Schema
    batch_size: int


def _features_partition(job: _FeatureJob, row_groups: Sequence[int]) -> list[pa.RecordBatch]:
    """Add the features to some row groups of a corpus file (one engine task)."""
    engine = _engine(job.lexicon)
    return [
        _combine(batch, engine.run(batch.column("text")), job.keep).cast(job.schema)
        for batch in iter_row_groups(
            job.path, row_groups, batch_size=job.batch_size, columns=job.columns
        )
    ]


def add_features(
    table: pa.Table,
    *,
    lexicon: Lexicon | str = "open",
    quiet: bool = True,
    n_jobs: int = 1,
    batch_size: int = _DEFAULT_BATCH,
) -> pa.Table:
    """Add the ``features`` columns to a corpus table.

    Args:
        table: A corpus (any table with a string ``text`` column; other columns
            are kept unchanged, earlier feature columns are replaced).
        lexicon: A :class:`Lexicon`, a registry key (``"open"``, ``"empath"``) or
            the path of a LIWC ``.dic`` file.
        quiet: Show no progress bar.
        n_jobs: Processes to use (1: this process; 0 or less: one per core).
        batch_size: Posts per batch.

    Returns:
        The table with ``tokens``, ``emojis``, ``emoji_sentiment``,
        ``word_count`` and one ``lex_<category>`` column per lexicon category
        (plus ``lex_emo``) appended.

    Raises:
        InputError: The table has no string ``text`` column.
        ConfigError: The lexicon key is unknown.
    """
    lex = _lexicon(lexicon)
    _text_column(table.schema)
    keep = _kept_columns(table.schema, lex)
    schema = pa.schema([table.schema.field(n) for n in keep] + list(feature_schema(lex)))
    schema = schema.with_metadata(table.schema.metadata)
    jobs = _jobs(n_jobs)
    out: list[pa.RecordBatch] = []
    batches = table.select(keep + (["text"] if "text" not in keep else [])).to_batches(
        max_chunksize=batch_size
    )
    with progress("features", total=table.num_rows, quiet=quiet) as bar:
        for batch, feats in _ordered(iter(batches), lex, jobs if len(batches) > 1 else 1):
            out.append(_combine(batch, feats, keep))
            bar.advance(batch.num_rows)
    if not out:
        return schema.empty_table()
    return pa.Table.from_batches(out).cast(schema)


def features_file(
    source: str | Path,
    destination: str | Path,
    *,
    lexicon: Lexicon | str = "open",
    quiet: bool = True,
    n_jobs: int | None = None,
    batch_size: int = _DEFAULT_BATCH,
    engine: Engine | None = None,
) -> dict[str, object]:
    """Add the ``features`` columns to a corpus Parquet file, streaming it in batches.

    Memory stays bounded: at most ``2 * n_jobs`` batches are in flight; each is
    written as a row group as soon as its turn comes. With a Dask ``engine``
    (:mod:`crowdpulse.engine`) each row group of ``source`` is a task on the
    cluster (at most ``2 x workers`` in flight) and the results are written in
    file order, so the output is the same as with one process. The output is written to a
    temporary file beside ``destination`` and moved into place at the end, so
    ``destination`` may be ``source``.

    Args:
        source: The corpus Parquet file.
        destination: The Parquet file to write.
        lexicon: A :class:`Lexicon`, a registry key or a ``.dic`` path.
        quiet: Show no progress bar.
        n_jobs: Worker processes (None or 0: one per core).
        batch_size: Posts per batch (and per output row group).
        engine: Where to run (None or a local engine: this process and ``n_jobs``
            worker processes).

    Returns:
        A summary: ``posts``, ``columns_added``, ``lexicon``, ``output``.

    Raises:
        InputError: The file is missing, not Parquet, or has no string ``text`` column.
    """
    source, destination = Path(source), Path(destination)
    lex = _lexicon(lexicon)
    reader = open_parquet(source)
    in_schema = reader.schema_arrow
    _text_column(in_schema, str(source))
    keep = _kept_columns(in_schema, lex)
    added = feature_schema(lex)
    schema = pa.schema([in_schema.field(n) for n in keep] + list(added))
    schema = schema.with_metadata(in_schema.metadata)
    rows = reader.metadata.num_rows
    jobs = _jobs(n_jobs)
    if rows <= batch_size:
        jobs = 1
    columns = keep + (["text"] if "text" not in keep else [])
    distributed = engine is not None and not isinstance(engine, LocalEngine)
    if distributed:
        assert engine is not None
        jobs = engine.workers
    with (
        replaced_atomically(destination) as temp,
        pq.ParquetWriter(temp, schema) as writer,
        progress("features", total=rows, quiet=quiet) as bar,
    ):
        if distributed:
            assert engine is not None
            job = _FeatureJob(str(source), lex, columns, keep, schema, batch_size)
            for done in engine.map(_features_partition, partitions(source, batch_size), job):
                for out in done:
                    writer.write_batch(out)
                    bar.advance(out.num_rows)
        else:
            batches = reader.iter_batches(batch_size=batch_size, columns=columns)
            for batch, feats in _ordered(batches, lex, jobs):
                writer.write_batch(_combine(batch, feats, keep).cast(schema))
                bar.advance(batch.num_rows)
    return {
        "posts": rows,
        "columns_added": added.names,
        "lexicon": lex.name,
        "output": str(destination),
        "batches": math.ceil(rows / batch_size) if rows else 0,
        "jobs": jobs,
    }
