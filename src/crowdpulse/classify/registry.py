"""Models by string key: ``make_model("svm-tfidf")``.

==================== =============================================================
key                  model
==================== =============================================================
``svm-bigram``       linear SVM on word-bigram counts (paper baseline a)
``svm-tfidf``        linear SVM on word TF-IDF (paper baseline b)
``svm-tfidf-bigram`` linear SVM on TF-IDF of words and bigrams (paper baseline c)
``logreg``           L2 logistic regression on word TF-IDF (the term-weight model)
``lstm``             RNN+LSTM with GloVe embeddings (extra ``deep``)
``sentence-embed``   MiniLM sentence embeddings + logistic regression (extra ``embed``)
==================== =============================================================

Add your own with :func:`register_model` (any scikit-learn classifier of texts).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sklearn.base import BaseEstimator

from crowdpulse.exceptions import ConfigError

__all__ = ["MODELS", "available_models", "make_model", "register_model"]


def _linear(features: str, classifier: str, **params: Any) -> BaseEstimator:
    from crowdpulse.classify.linear import LinearTextClassifier

    return LinearTextClassifier(features=features, classifier=classifier, **params)  # type: ignore[arg-type]


def _lstm(**params: Any) -> BaseEstimator:
    from crowdpulse.classify.lstm import LSTMClassifier

    return LSTMClassifier(**params)


def _embed(**params: Any) -> BaseEstimator:
    from crowdpulse.classify.embed import SentenceEmbeddingClassifier

    return SentenceEmbeddingClassifier(**params)


MODELS: dict[str, Callable[..., BaseEstimator]] = {
    "svm-bigram": functools.partial(_linear, "bigram", "svm"),
    "svm-tfidf": functools.partial(_linear, "tfidf", "svm"),
    "svm-tfidf-bigram": functools.partial(_linear, "tfidf-bigram", "svm"),
    "logreg": functools.partial(_linear, "tfidf", "logreg"),
    "lstm": _lstm,
    "sentence-embed": _embed,
}


def available_models() -> list[str]:
    """The registered model keys, in registration order."""
    return list(MODELS)


def register_model(
    name: str, factory: Callable[..., BaseEstimator], *, replace: bool = False
) -> None:
    """Register a model factory under a key.

    Args:
        name: The key, e.g. ``"my-model"``.
        factory: Called with keyword parameters, returns an unfitted estimator with
            ``fit(texts, labels)`` and ``predict(texts)``.
        replace: Allow replacing an existing key.

    Raises:
        ConfigError: The key exists and ``replace`` is False.
    """
    if name in MODELS and not replace:
        raise ConfigError(f"a model named {name!r} is already registered", field="model")
    MODELS[name] = factory


def make_model(name: str, **params: Any) -> BaseEstimator:
    """Build an unfitted model by key.

    Args:
        name: A key of :data:`MODELS`.
        **params: Constructor parameters (e.g. ``emojis=False``, ``class_weight="balanced"``).

    Returns:
        The estimator.

    Raises:
        ConfigError: Unknown key or parameter.
    """
    try:
        factory = MODELS[name]
    except KeyError:
        raise ConfigError(
            f"unknown model {name!r}; choose from {', '.join(MODELS)}", field="model"
        ) from None
    try:
        return factory(**params)
    except TypeError as exc:
        raise ConfigError(
            f"model {name!r} does not take these parameters: {exc}", field="model"
        ) from None
