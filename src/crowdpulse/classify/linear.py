"""Linear baselines: SVM on word bigrams / TF-IDF / TF-IDF + bigrams, L2 logistic regression.

The baselines of the Paris solidarity study (2015) and the term weights of
Santhanam et al. (2018). Each model is a scikit-learn ``Pipeline`` over the shared
:class:`~crowdpulse.classify.analyzer.TweetAnalyzer`:

==================  ========================================  =======================
``features``        vectorizer                                paper
==================  ========================================  =======================
``bigram``          word-bigram counts (n = 2 only), each     "(a) word bigrams"
                    post's vector L2-normalised (no IDF)
``tfidf``           TF-IDF of words (n = 1), L2-normalised    "(b) TF-IDF"
``tfidf-bigram``    TF-IDF of words and bigrams (n = 1, 2)    "(c) TF-IDF + bigrams"
==================  ========================================  =======================

followed by a linear SVM (``LinearSVC``, squared hinge, L2, solved in the dual, which
suits sparse text with about as many features as posts) or an L2-penalised logistic
regression (liblinear). The bigram counts are L2-normalised like the TF-IDF vectors:
raw counts made the SVM solver ten times slower to converge for the same accuracy.

:class:`LinearTextClassifier` also knows how to be cross-validated fast: the
features of all posts are counted once, and each fold's vocabulary, TF-IDF weights
and classifier are then fitted on that fold's training rows only, giving the very
matrices the pipeline would build (see :meth:`LinearTextClassifier.cv_features`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.metaestimators import available_if

from crowdpulse.classify.analyzer import TweetAnalyzer
from crowdpulse.classify.tags import Tags, text_classifier_tags
from crowdpulse.exceptions import ConfigError, NotFittedError

__all__ = ["FEATURE_SETS", "CountCache", "FeatureSet", "LinearKind", "LinearTextClassifier"]

FeatureSet = Literal["bigram", "tfidf", "tfidf-bigram"]
LinearKind = Literal["svm", "logreg"]
FEATURE_SETS: dict[str, tuple[tuple[int, int], bool]] = {  # n-gram range, use IDF
    "bigram": ((2, 2), False),
    "tfidf": ((1, 1), True),
    "tfidf-bigram": ((1, 2), True),
}


def _as_texts(X: Iterable[Any]) -> list[str]:
    if isinstance(X, str):
        raise ConfigError("expected a sequence of texts, got one string")
    return ["" if x is None else str(x) for x in X]


class LinearTextClassifier(ClassifierMixin, BaseEstimator):
    """A linear classifier of post texts (scikit-learn compatible).

    Args:
        features: ``"bigram"``, ``"tfidf"`` or ``"tfidf-bigram"`` (see the module doc).
        classifier: ``"svm"`` (linear SVM) or ``"logreg"`` (L2 logistic regression).
        emojis: Keep emoji tokens as features (False: the emoji ablation, A7).
        lowercase: Lower-case texts before tokenizing (paper default).
        remove_stopwords: Remove stopwords (paper default).
        drop_hashtags: Hashtags the tokenizer drops (label hashtags left in the text).
        C: Inverse regularisation strength.
        class_weight: None, ``"balanced"`` (the 2018 study's class balancing) or a
            dict class -> weight.
        probability: For the SVM: also fit a sigmoid (Platt) calibration on
            3-fold cross-validated decision values, so that ``predict_proba`` exists
            (like ``SVC(probability=True)``; about 4x the fitting time). Logistic
            regression always has ``predict_proba``.
        max_iter: Iteration limit of the solver.
        random_state: Seed of the solver's random order.

    Attributes:
        pipeline_: The fitted ``Pipeline`` (vectorizer, tfidf, clf).
        classes_: The class labels.
    """

    def __init__(
        self,
        *,
        features: FeatureSet = "tfidf-bigram",
        classifier: LinearKind = "svm",
        emojis: bool = True,
        lowercase: bool = True,
        remove_stopwords: bool = True,
        drop_hashtags: Sequence[str] = (),
        C: float = 1.0,
        class_weight: str | Mapping[Any, float] | None = None,
        probability: bool = False,
        max_iter: int = 2000,
        random_state: int | None = 0,
    ) -> None:
        self.features = features
        self.classifier = classifier
        self.emojis = emojis
        self.lowercase = lowercase
        self.remove_stopwords = remove_stopwords
        self.drop_hashtags = drop_hashtags
        self.C = C
        self.class_weight = class_weight
        self.probability = probability
        self.max_iter = max_iter
        self.random_state = random_state

    # -- building -------------------------------------------------------------

    def _check_params(self) -> None:
        if self.features not in FEATURE_SETS:
            raise ConfigError(
                f"unknown feature set {self.features!r}; choose one of {', '.join(FEATURE_SETS)}",
                field="features",
            )
        if self.classifier not in ("svm", "logreg"):
            raise ConfigError(
                f"unknown classifier {self.classifier!r}; choose svm or logreg", field="classifier"
            )
        if not self.C > 0:
            raise ConfigError("C must be positive", field="C")

    def analyzer(self) -> TweetAnalyzer:
        """The analyzer this model's vectorizer uses."""
        self._check_params()
        ngram_range, _ = FEATURE_SETS[self.features]
        return TweetAnalyzer(
            ngram_range=ngram_range,
            emojis=self.emojis,
            lowercase=self.lowercase,
            remove_stopwords=self.remove_stopwords,
            drop_hashtags=tuple(self.drop_hashtags),
        )

    def _final_estimator(self, n_classes: int = 2) -> BaseEstimator:
        clf: BaseEstimator
        if self.classifier == "svm":
            clf = LinearSVC(
                C=self.C,
                dual=True,
                class_weight=None if self._weights_as_samples() else self.class_weight,
                max_iter=self.max_iter,
                random_state=self.random_state,
            )
            if self.probability:
                from sklearn.calibration import CalibratedClassifierCV

                clf = CalibratedClassifierCV(clf, method="sigmoid", cv=3, ensemble=False)
        else:
            # liblinear for two classes (the published numbers); it cannot fit three or
            # more, where lbfgs fits one multinomial model.
            clf = LogisticRegression(
                C=self.C,
                class_weight=self.class_weight,
                solver="liblinear" if n_classes <= 2 else "lbfgs",
                max_iter=self.max_iter,
                random_state=self.random_state,
            )
        return clf

    def _weights_as_samples(self) -> bool:
        # CalibratedClassifierCV hands its inner SVM encoded labels (0, 1, ...), so a
        # dict of class weights cannot reach it: pass them as sample weights instead.
        return (
            self.classifier == "svm"
            and bool(self.probability)
            and isinstance(self.class_weight, Mapping)
        )

    def _fit_params(self, labels: np.ndarray) -> dict[str, Any]:
        if not self._weights_as_samples():
            return {}
        assert isinstance(self.class_weight, Mapping)
        weights = np.asarray([float(self.class_weight.get(v, 1.0)) for v in labels])
        return {"clf__sample_weight": weights}

    def build_pipeline(self, n_classes: int = 2) -> Pipeline:
        """The unfitted scikit-learn pipeline this model fits.

        Args:
            n_classes: Number of classes of the labels (logistic regression: liblinear
                for two, multinomial lbfgs for more).

        Returns:
            ``Pipeline([("vectorizer", CountVectorizer(analyzer=...)), ("tfidf",
            TfidfTransformer(use_idf=...)), ("clf", LinearSVC or LogisticRegression)])``.
        """
        self._check_params()
        _, tfidf = FEATURE_SETS[self.features]
        return Pipeline(
            [
                ("vectorizer", CountVectorizer(analyzer=self.analyzer())),
                ("tfidf", TfidfTransformer(use_idf=tfidf)),
                ("clf", self._final_estimator(n_classes)),
            ]
        )

    # -- fitting and predicting -----------------------------------------------

    def fit(self, X: Iterable[str], y: Sequence[Any] | np.ndarray) -> LinearTextClassifier:
        """Fit on texts and labels.

        Args:
            X: Post texts.
            y: One label per text.

        Returns:
            self.

        Raises:
            ConfigError: An option is invalid, the lengths differ, or there is only one class.
        """
        texts = _as_texts(X)
        labels = np.asarray(y)
        if len(texts) != len(labels):
            raise ConfigError(f"{len(texts)} texts but {len(labels)} labels")
        if len(np.unique(labels)) < 2:
            raise ConfigError("fitting needs at least two classes")
        pipeline = self.build_pipeline(len(np.unique(labels)))
        try:
            pipeline.fit(texts, labels, **self._fit_params(labels))
        except ValueError as exc:
            if "empty vocabulary" in str(exc):
                raise ConfigError("the texts have no features (empty vocabulary)") from None
            raise
        self.pipeline_ = pipeline
        self.classes_ = pipeline.classes_
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "pipeline_")

    def __sklearn_tags__(self) -> Tags:
        return text_classifier_tags(super().__sklearn_tags__())

    def _fitted(self) -> Pipeline:
        if not hasattr(self, "pipeline_"):
            raise NotFittedError.of(self)
        return self.pipeline_

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """Predict the class of each text.

        Args:
            X: Post texts.

        Returns:
            One label per text.

        Raises:
            NotFittedError: Called before :meth:`fit`.
        """
        return self._fitted().predict(_as_texts(X))

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Signed distance to the separating hyperplane (positive: ``classes_[1]``).

        Args:
            X: Post texts.

        Returns:
            One score per text (binary) or per text and class.

        Raises:
            NotFittedError: Called before :meth:`fit`.
        """
        pipeline = self._fitted()
        Xt = pipeline[:-1].transform(_as_texts(X))
        clf = pipeline[-1]
        if hasattr(clf, "decision_function"):
            return clf.decision_function(Xt)
        return clf.estimator.decision_function(Xt) if hasattr(clf, "estimator") else clf.predict(Xt)

    def _has_proba(self) -> bool:
        return self.classifier == "logreg" or bool(self.probability)

    @available_if(_has_proba)
    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Class probabilities (logistic regression, or the SVM with ``probability=True``).

        Args:
            X: Post texts.

        Returns:
            Array (n_texts, n_classes), columns in the order of ``classes_``.

        Raises:
            NotFittedError: Called before :meth:`fit`.
        """
        return self._fitted().predict_proba(_as_texts(X))

    def feature_names(self) -> np.ndarray:
        """The names of the fitted features (words and ``"w1 w2"`` bigrams).

        Raises:
            NotFittedError: Called before :meth:`fit`.
        """
        return self._fitted().named_steps["vectorizer"].get_feature_names_out()

    def coefficients(self) -> np.ndarray:
        """The linear model's coefficients, shape (1 or n_classes, n_features).

        Raises:
            NotFittedError: Called before :meth:`fit`.
        """
        clf = self._fitted().named_steps["clf"]
        if hasattr(clf, "coef_"):
            return np.asarray(clf.coef_)
        return np.asarray(clf.calibrated_classifiers_[0].estimator.coef_)

    # -- fast cross-validation ---------------------------------------------------

    def cv_cache_key(self) -> tuple[Any, ...]:
        """Models with equal keys share one :class:`CountCache` in cross-validation."""
        return (
            "linear",
            self.emojis,
            self.lowercase,
            self.remove_stopwords,
            tuple(self.drop_hashtags),
        )

    def cv_features(self, texts: Sequence[str], *, quiet: bool = True) -> CountCache:
        """Count every post's features once, for all folds and all feature sets.

        Args:
            texts: All texts of the cross-validation.
            quiet: Show no progress bar.

        Returns:
            The counts, shared by models with the same :meth:`cv_cache_key`.
        """
        return CountCache(texts, self.analyzer(), quiet=quiet)

    def cv_fit_predict(
        self, cache: CountCache, train: np.ndarray, test: np.ndarray, y_train: np.ndarray
    ) -> np.ndarray:
        """Fit on the training rows of a fold and predict its test rows.

        Equivalent to ``clone(self).fit(texts[train], y_train).predict(texts[test])``:
        the vocabulary is the features seen in the training rows (in sorted order, as
        ``CountVectorizer`` makes it) and TF-IDF is fitted on the training rows.

        Args:
            cache: The counts from :meth:`cv_features`.
            train: Indices of the training rows.
            test: Indices of the test rows.
            y_train: Labels of the training rows.

        Returns:
            The predicted labels of the test rows.
        """
        self._check_params()
        ngram_range, tfidf = FEATURE_SETS[self.features]
        X_all = cache.matrix(ngram_range)
        X_train = X_all[train]
        used = np.flatnonzero(np.bincount(X_train.indices, minlength=X_all.shape[1]))
        if used.size == 0:
            raise ConfigError("the training texts have no features (empty vocabulary)")
        X_train = X_train[:, used]
        X_test = X_all[test][:, used]
        steps: list[tuple[str, Any]] = [("tfidf", TfidfTransformer(use_idf=tfidf))]
        steps.append(("clf", clone(self._final_estimator(len(np.unique(y_train))))))
        model = Pipeline(steps)
        model.fit(X_train, y_train, **self._fit_params(y_train))
        return model.predict(X_test)


class CountCache:
    """Word and bigram counts of a fixed list of texts, in ``CountVectorizer`` order.

    Args:
        texts: The texts.
        analyzer: Supplies the tokens (its own ``ngram_range`` is ignored).
        quiet: Show no progress bar.
    """

    def __init__(
        self, texts: Sequence[str], analyzer: TweetAnalyzer, *, quiet: bool = True
    ) -> None:
        from crowdpulse.progress import track

        self.n_texts = len(texts)
        self._orders: dict[int, tuple[sp.csr_matrix, list[str]]] = {}
        self._combined: dict[tuple[int, int], sp.csr_matrix] = {}
        vocab: dict[int, dict[str, int]] = {1: {}, 2: {}}
        indices: dict[int, list[int]] = {1: [], 2: []}
        indptr: dict[int, list[int]] = {1: [0], 2: [0]}
        for text in track(texts, "count features", quiet=quiet):
            toks = analyzer.tokens(text)
            for n, feats in (
                (1, toks),
                (2, [f"{a} {b}" for a, b in itertools.pairwise(toks)]),
            ):
                v = vocab[n]
                ind = indices[n]
                for f in feats:
                    j = v.get(f)
                    if j is None:
                        j = v[f] = len(v)
                    ind.append(j)
                indptr[n].append(len(ind))
        for n in (1, 2):
            names = sorted(vocab[n])
            remap = np.empty(len(names), dtype=np.int64)
            for new, name in enumerate(names):
                remap[vocab[n][name]] = new
            ind_arr = (
                remap[np.asarray(indices[n], dtype=np.int64)]
                if indices[n]
                else np.zeros(0, np.int64)
            )
            data = np.ones(len(ind_arr), dtype=np.int64)
            mat = sp.csr_matrix(
                (data, ind_arr, np.asarray(indptr[n], dtype=np.int64)),
                shape=(self.n_texts, len(names)),
            )
            mat.sum_duplicates()
            self._orders[n] = (mat, names)

    def matrix(self, ngram_range: tuple[int, int]) -> sp.csr_matrix:
        """The count matrix of all texts for n-grams with n in ``ngram_range``.

        Columns are in sorted feature order, like ``CountVectorizer``'s.

        Args:
            ngram_range: ``(1, 1)``, ``(2, 2)`` or ``(1, 2)``.

        Returns:
            A CSR matrix (n_texts, n_features) of int64 counts.
        """
        low, high = ngram_range
        if low == high:
            return self._orders[low][0]
        if (low, high) not in self._combined:
            mats = [self._orders[n][0] for n in range(low, high + 1)]
            names = [name for n in range(low, high + 1) for name in self._orders[n][1]]
            order = np.argsort(np.asarray(names, dtype=object), kind="stable")
            combined = sp.hstack(mats, format="csr")[:, order]
            combined.sort_indices()
            self._combined[(low, high)] = combined
        return self._combined[(low, high)]
