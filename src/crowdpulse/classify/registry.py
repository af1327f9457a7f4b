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
``svm-word-char``    linear SVM on TF-IDF of word 1-2-grams and character 2-5-grams
``stack-tfidf-embed`` stack of ``svm-word-char`` and ``sentence-embed`` with calibrated
                     probabilities and a macro-F1 threshold (extra ``embed``)
``stack-finetuned``  ``stack-tfidf-embed`` plus MiniLM fine-tuned end to end as a third
                     base model (extras ``embed`` and torch)
==================== =============================================================

:data:`MODEL_INFO` describes each key (what it is, what it costs, what it needs) and
:data:`RECOMMENDED` names the model that won the leave-one-event-out comparison on
CrisisLexT26 (docs/solidarity.md); ``crowdpulse classify models --json`` prints both.

Add your own with :func:`register_model` (any scikit-learn classifier of texts).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sklearn.base import BaseEstimator

from crowdpulse.exceptions import ConfigError
from crowdpulse.registry import Registry

__all__ = [
    "MODELS",
    "MODEL_COSTS",
    "MODEL_INFO",
    "RECOMMENDED",
    "available_models",
    "make_model",
    "register_model",
]


def _linear(features: str, classifier: str, **params: Any) -> BaseEstimator:
    from crowdpulse.classify.linear import LinearTextClassifier

    return LinearTextClassifier(features=features, classifier=classifier, **params)  # type: ignore[arg-type]


def _lstm(**params: Any) -> BaseEstimator:
    from crowdpulse.classify.lstm import LSTMClassifier

    return LSTMClassifier(**params)


def _embed(**params: Any) -> BaseEstimator:
    from crowdpulse.classify.embed import SentenceEmbeddingClassifier

    return SentenceEmbeddingClassifier(**params)


def _stack(**params: Any) -> BaseEstimator:
    from crowdpulse.classify.stack import StackedTextClassifier

    return StackedTextClassifier(**params)


def _stack_finetuned(**params: Any) -> BaseEstimator:
    from crowdpulse.classify.stack import StackedTextClassifier

    return StackedTextClassifier(finetune=True, **params)


def _word_char(**params: Any) -> BaseEstimator:
    from crowdpulse.classify.stack import StackedTextClassifier

    return StackedTextClassifier(embed=False, **params)


MODELS: Registry[Callable[..., BaseEstimator]] = Registry(
    "model",
    {
        "svm-bigram": functools.partial(_linear, "bigram", "svm"),
        "svm-tfidf": functools.partial(_linear, "tfidf", "svm"),
        "svm-tfidf-bigram": functools.partial(_linear, "tfidf-bigram", "svm"),
        "logreg": functools.partial(_linear, "tfidf", "logreg"),
        "lstm": _lstm,
        "sentence-embed": _embed,
        "svm-word-char": _word_char,
        "stack-tfidf-embed": _stack,
        "stack-finetuned": _stack_finetuned,
    },
    group="crowdpulse.models",
)

RECOMMENDED = "stack-tfidf-embed"
"""The key that won the CrisisLexT26 leave-one-event-out comparison (docs/solidarity.md)."""

MODEL_INFO: dict[str, dict[str, Any]] = {
    "svm-bigram": {
        "description": "linear SVM on word-bigram counts (paper baseline a)",
        "extra": None,
    },
    "svm-tfidf": {"description": "linear SVM on word TF-IDF (paper baseline b)", "extra": None},
    "svm-tfidf-bigram": {
        "description": "linear SVM on TF-IDF of words and bigrams (paper baseline c)",
        "extra": None,
    },
    "logreg": {
        "description": "L2 logistic regression on word TF-IDF (multinomial for 3+ classes)",
        "extra": None,
    },
    "lstm": {
        "description": "RNN+LSTM on GloVe 6B 50d embeddings (the paper's model); on a "
        "CPU about 7 s per epoch on 22k posts, 20 epochs about 2.5 CPU-minutes per fit "
        "(bucket_batches=50 halves it; early_stopping=True stops when the validation loss does); "
        "transfers worse than the SVMs: 76.3 macro-F1 leave one event out on CrisisLexT26 "
        "(5 epochs) against 80.3 for svm-tfidf-bigram",
        "extra": "deep",
    },
    "sentence-embed": {
        "description": "logistic regression on MiniLM sentence embeddings",
        "extra": "embed",
    },
    "svm-word-char": {
        "description": "class-balanced linear SVM on TF-IDF of word 1-2-grams and "
        "character 2-5-grams, calibrated, macro-F1 threshold",
        "extra": None,
    },
    "stack-tfidf-embed": {
        "description": "stack of svm-word-char and sentence-embed: calibrated probabilities "
        "and a macro-F1 threshold chosen by inner cross-validation (grouped by event when "
        "trained with groups); encoding every post with MiniLM makes it about 40 posts per "
        "CPU-second",
        "extra": "embed",
    },
    "stack-finetuned": {
        "description": "stack-tfidf-embed plus MiniLM fine-tuned end to end (linear head, "
        "6,000 posts, 1 epoch) as a third base model, out of fold by inner cross-validation; "
        "slow: 25 minutes to train on 24.5k posts on 2 idle CPU cores (six fine-tunes), more "
        "on a busy laptop; not better than stack-tfidf-embed on CrisisLexT26",
        "extra": "embed",
    },
}
"""Per key: a one-line description and the extra it needs; costs are in MODEL_COSTS."""
for _key, _info in MODEL_INFO.items():
    MODELS.set_description(_key, _info["description"])

MODEL_COSTS: dict[str, dict[str, Any]] = {
    "svm-tfidf-bigram": {
        "train_seconds": 8.3,
        "peak_memory_mb": 1418,
        "predict_posts_per_second": 6228,
    },
    "svm-word-char": {
        "train_seconds": 29.8,
        "peak_memory_mb": 1149,
        "predict_posts_per_second": 1948,
    },
    "stack-tfidf-embed": {
        "train_seconds": 210.6,
        "peak_memory_mb": 1778,
        "predict_posts_per_second": 161.6,
        "note": "measured with 2 idle cores, --group-col event (grouped inner CV, 5 folds), the "
        "MiniLM encoding of the 24,514 posts (about 190 s) included; on the same machine "
        "shared with about ten jobs the encoding alone took 69 min",
    },
    "stack-finetuned": {
        "train_seconds": 1500.3,
        "peak_memory_mb": 3497,
        "predict_posts_per_second": 71.5,
        "note": "measured with 2 idle cores, --group-col event (six fine-tunes of MiniLM on "
        "6,000 posts each, the MiniLM encoding included); model file 178 MB",
    },
}
"""Per key: measured cost of ``classify train`` on all of CrisisLexT26 (24,514 labelled
posts): ``train_seconds`` and ``peak_memory_mb`` as printed by ``crowdpulse classify train
... --json``, and ``predict_posts_per_second`` by ``crowdpulse classify predict ... --json``,
on a shared 2-core machine (docs/solidarity.md). Keys not measured are absent."""


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
