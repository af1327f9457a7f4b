"""Solidarity classifiers: feature sets, estimators, LSTM, sentence embeddings, CV, term weights.

Typical use::

    from crowdpulse.classify import cross_validate, make_model, term_weights

    results = cross_validate(texts, labels, ["svm-bigram", "svm-tfidf", "svm-tfidf-bigram"])
    results["svm-tfidf"].accuracy, results["svm-tfidf"].accuracy_sd
    model = make_model("logreg", emojis=False).fit(texts, labels)
    weights = term_weights(texts, labels, k=20)

Models are scikit-learn estimators found by key (:data:`MODELS`): ``svm-bigram``,
``svm-tfidf``, ``svm-tfidf-bigram``, ``logreg``, ``lstm`` (extra ``deep``),
``sentence-embed`` (extra ``embed``).
"""

from __future__ import annotations

from crowdpulse.classify.analyzer import TweetAnalyzer, clear_token_cache, is_emoji_token
from crowdpulse.classify.data import (
    TrainingData,
    read_table,
    read_training_data,
    training_data_from_table,
)
from crowdpulse.classify.embed import SentenceEmbeddingClassifier, encode_texts, load_encoder
from crowdpulse.classify.evaluate import (
    CVResult,
    FoldScore,
    cross_validate,
    make_splits,
    results_table,
    results_to_json,
)
from crowdpulse.classify.glove import PACKAGED_GLOVE, GloveVectors, load_glove
from crowdpulse.classify.linear import FEATURE_SETS, FeatureSet, LinearKind, LinearTextClassifier
from crowdpulse.classify.lstm import LSTMClassifier
from crowdpulse.classify.persist import TRUSTED_TYPES, load_model, save_model
from crowdpulse.classify.predict import predict_table
from crowdpulse.classify.registry import MODELS, available_models, make_model, register_model
from crowdpulse.classify.weights import (
    TermWeight,
    plot_term_weights,
    term_weights,
    term_weights_table,
)

__all__ = [
    "FEATURE_SETS",
    "MODELS",
    "PACKAGED_GLOVE",
    "TRUSTED_TYPES",
    "CVResult",
    "FeatureSet",
    "FoldScore",
    "GloveVectors",
    "LSTMClassifier",
    "LinearKind",
    "LinearTextClassifier",
    "SentenceEmbeddingClassifier",
    "TermWeight",
    "TrainingData",
    "TweetAnalyzer",
    "available_models",
    "clear_token_cache",
    "cross_validate",
    "encode_texts",
    "is_emoji_token",
    "load_encoder",
    "load_glove",
    "load_model",
    "make_model",
    "make_splits",
    "plot_term_weights",
    "predict_table",
    "read_table",
    "read_training_data",
    "register_model",
    "results_table",
    "results_to_json",
    "save_model",
    "term_weights",
    "term_weights_table",
    "training_data_from_table",
]
