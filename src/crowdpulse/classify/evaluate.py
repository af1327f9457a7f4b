"""Cross-validation of several models on the same folds (the papers' 10-fold CV).

:func:`cross_validate` splits once (stratified k-fold, default 10, seeded; or
leave-one-group-out, e.g. one crisis event per fold), fits every model on every
fold and reports accuracy, macro-F1 and per-class precision / recall / F1 with
their spread over the folds (mean, sample sd, and every fold).

Models that implement ``cv_cache_key`` / ``cv_features`` / ``cv_fit_predict`` (the
linear models and the sentence-embedding model) are cross-validated without
tokenizing or encoding a text twice; the results are the same as fitting a fresh
clone per fold (``fast=False`` does exactly that). With leave-one-group-out, models
whose ``fit`` takes ``groups`` (the stacks) get the training posts' groups, so their
inner cross-validation is grouped too (a new event inside every fold).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold

from crowdpulse.classify.registry import make_model
from crowdpulse.exceptions import ConfigError
from crowdpulse.label.balance import Balance, undersample
from crowdpulse.progress import progress

__all__ = [
    "CVResult",
    "FoldScore",
    "cross_validate",
    "make_splits",
    "results_table",
    "results_to_json",
    "train_test",
]


@dataclass(frozen=True)
class FoldScore:
    """The scores of one model on one fold.

    Attributes:
        fold: 0-based fold number.
        group: The held-out group (leave-one-group-out), else None.
        n_train: Training posts.
        n_test: Test posts.
        accuracy: Share of test posts classified correctly.
        macro_f1: Unweighted mean F1 over the classes present in the fold's truth or predictions.
        per_class: class -> {"precision", "recall", "f1", "support"} (NaN where undefined:
            no post predicted / present).
        seconds: Wall time to fit and predict.
    """

    fold: int
    group: str | None
    n_train: int
    n_test: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN as null)."""
        return {
            "fold": self.fold,
            "group": self.group,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "accuracy": _clean(self.accuracy),
            "macro_f1": _clean(self.macro_f1),
            "per_class": {
                c: {k: _clean(v) for k, v in d.items()} for c, d in self.per_class.items()
            },
            "seconds": round(self.seconds, 4),
        }


def _clean(value: float) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    arr = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if arr.size == 0:
        return math.nan, math.nan
    return float(arr.mean()), float(arr.std(ddof=1)) if arr.size > 1 else 0.0


@dataclass
class CVResult:
    """One model's cross-validation.

    Attributes:
        name: The model's name.
        classes: The class labels.
        folds: The per-fold scores.
        pooled_accuracy: Accuracy over all out-of-fold predictions together.
        pooled_macro_f1: Macro-F1 over all out-of-fold predictions together.
        predictions: The out-of-fold prediction of every post (input order).
    """

    name: str
    classes: list[str]
    folds: list[FoldScore]
    pooled_accuracy: float
    pooled_macro_f1: float
    predictions: np.ndarray = field(repr=False)

    @property
    def accuracy(self) -> float:
        """Mean accuracy over the folds."""
        return _mean_sd([f.accuracy for f in self.folds])[0]

    @property
    def accuracy_sd(self) -> float:
        """Sample standard deviation of the fold accuracies."""
        return _mean_sd([f.accuracy for f in self.folds])[1]

    @property
    def macro_f1(self) -> float:
        """Mean macro-F1 over the folds."""
        return _mean_sd([f.macro_f1 for f in self.folds])[0]

    @property
    def macro_f1_sd(self) -> float:
        """Sample standard deviation of the fold macro-F1s."""
        return _mean_sd([f.macro_f1 for f in self.folds])[1]

    def per_class(self) -> dict[str, dict[str, float | None]]:
        """Per class: mean and sd over folds of precision, recall, F1, and total support."""
        out: dict[str, dict[str, float | None]] = {}
        for c in self.classes:
            entry: dict[str, float | None] = {}
            for metric in ("precision", "recall", "f1"):
                mean, sd = _mean_sd([f.per_class[c][metric] for f in self.folds])
                entry[metric] = _clean(mean)
                entry[f"{metric}_sd"] = _clean(sd)
            entry["support"] = float(sum(f.per_class[c]["support"] for f in self.folds))
            out[c] = entry
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: means, sds, pooled scores, per class, every fold."""
        return {
            "accuracy": _clean(self.accuracy),
            "accuracy_sd": _clean(self.accuracy_sd),
            "macro_f1": _clean(self.macro_f1),
            "macro_f1_sd": _clean(self.macro_f1_sd),
            "pooled": {
                "accuracy": _clean(self.pooled_accuracy),
                "macro_f1": _clean(self.pooled_macro_f1),
            },
            "per_class": self.per_class(),
            "folds": [f.to_dict() for f in self.folds],
            "seconds": round(sum(f.seconds for f in self.folds), 3),
        }


def make_splits(
    labels: np.ndarray, *, folds: int = 10, groups: Sequence[Any] | None = None, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray, str | None]]:
    """The folds: stratified k-fold (shuffled, seeded), or leave-one-group-out.

    Args:
        labels: One label per post.
        folds: Number of folds (ignored with ``groups``).
        groups: One group per post (e.g. the crisis event): each fold holds out one group.
        seed: Seed of the shuffle.

    Returns:
        ``(train_indices, test_indices, held_out_group)`` per fold.

    Raises:
        ConfigError: Too few posts of a class for the folds, or fewer than two groups.
    """
    y = np.asarray(labels)
    if groups is not None:
        g = np.asarray([str(v) for v in groups])
        if len(g) != len(y):
            raise ConfigError(f"{len(g)} groups for {len(y)} posts", field="groups")
        if len(np.unique(g)) < 2:
            raise ConfigError("leave-one-group-out needs at least two groups", field="groups")
        return [(tr, te, str(g[te[0]])) for tr, te in LeaveOneGroupOut().split(y, y, g)]
    if folds < 2:
        raise ConfigError("cross-validation needs at least 2 folds", field="folds")
    _, counts = np.unique(y, return_counts=True)
    if counts.min() < folds:
        raise ConfigError(
            f"the smallest class has {counts.min()} posts, fewer than the {folds} folds",
            field="folds",
        )
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [(tr, te, None) for tr, te in splitter.split(np.zeros(len(y)), y)]


def _score(
    fold: int,
    group: str | None,
    n_train: int,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    classes: list[str],
    seconds: float,
) -> FoldScore:
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=classes, zero_division=np.nan
    )
    per_class = {
        c: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": float(support[i]),
        }
        for i, c in enumerate(classes)
    }
    return FoldScore(
        fold=fold,
        group=group,
        n_train=n_train,
        n_test=len(y_true),
        accuracy=float(accuracy_score(y_true, y_pred)),
        macro_f1=float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        per_class=per_class,
        seconds=seconds,
    )


def _takes(method: Any, parameter: str) -> bool:
    """Whether a callable has a parameter of this name."""
    import inspect

    try:
        return parameter in inspect.signature(method).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return False


def _resolve(models: Mapping[str, BaseEstimator] | Sequence[str]) -> dict[str, BaseEstimator]:
    if isinstance(models, Mapping):
        return dict(models)
    if isinstance(models, str):
        models = [models]
    return {name: make_model(name) for name in models}


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[Any] | np.ndarray,
    models: Mapping[str, BaseEstimator] | Sequence[str],
    *,
    folds: int = 10,
    groups: Sequence[Any] | None = None,
    seed: int = 0,
    balance: Balance = "none",
    n_jobs: int = 1,
    fast: bool = True,
    quiet: bool = True,
) -> dict[str, CVResult]:
    """Cross-validate models on the same folds.

    Args:
        texts: Post texts (e.g. ``text_for_training``).
        labels: One label per post.
        models: Registry keys, or name -> unfitted estimator.
        folds: Number of stratified folds (paper: 10).
        groups: One group per post for leave-one-group-out instead of k-fold.
        seed: Seed of the fold shuffle and of undersampling.
        balance: ``"none"``; ``"undersample"`` (the 2015 study: every class cut to the
            smallest one's size, seeded, before splitting); ``"class-weight"`` (the 2018
            study: models get ``class_weight="balanced"``).
        n_jobs: Folds fitted at once (threads).
        fast: Use the models' shared-feature path where they have one.
        quiet: Show no progress bar.

    Returns:
        Model name -> :class:`CVResult`, in the order given. With ``undersample``
        the predictions cover the undersampled posts only (others are None).

    Raises:
        ConfigError: Bad options, lengths that differ, or too few posts for the folds.
    """
    from joblib import Parallel, delayed

    text_list = ["" if t is None else str(t) for t in texts]
    y_all = np.asarray([str(v) for v in labels], dtype=object)
    if len(text_list) != len(y_all):
        raise ConfigError(f"{len(text_list)} texts but {len(y_all)} labels")
    if balance not in ("none", "undersample", "class-weight"):
        raise ConfigError("balance must be none, undersample or class-weight", field="balance")
    chosen = np.arange(len(y_all))
    if balance == "undersample":
        chosen = undersample(y_all, seed=seed)
    sub_texts = [text_list[i] for i in chosen]
    y = y_all[chosen]
    sub_groups = None if groups is None else [groups[int(i)] for i in chosen]
    if len(np.unique(y)) < 2:
        raise ConfigError("cross-validation needs at least two classes")
    splits = make_splits(y, folds=folds, groups=sub_groups, seed=seed)
    classes = sorted(np.unique(y).tolist())
    named = _resolve(models)
    if balance == "class-weight":
        named = {
            n: clone(m).set_params(class_weight="balanced")
            if "class_weight" in m.get_params()
            else m
            for n, m in named.items()
        }
    caches: dict[tuple[Any, ...], Any] = {}
    if fast:
        for model in named.values():
            if hasattr(model, "cv_cache_key"):
                key = model.cv_cache_key()
                if key not in caches:
                    caches[key] = model.cv_features(sub_texts, quiet=quiet)

    def run(name: str, model: BaseEstimator, fold: int) -> tuple[str, int, np.ndarray, float]:
        train, test, _ = splits[fold]
        start = time.perf_counter()
        fast_path = fast and hasattr(model, "cv_cache_key")
        # models that take groups (the stacks' grouped inner CV) get the training groups
        extra: dict[str, Any] = {}
        key = "groups_train" if fast_path else "groups"
        if sub_groups is not None and _takes(model.cv_fit_predict if fast_path else model.fit, key):
            extra[key] = [sub_groups[i] for i in train]
        if fast_path:
            pred = model.cv_fit_predict(
                caches[model.cv_cache_key()], train, test, y[train], **extra
            )
        else:
            fitted = clone(model).fit([sub_texts[i] for i in train], y[train], **extra)
            pred = fitted.predict([sub_texts[i] for i in test])
        return name, fold, np.asarray(pred).astype(str), time.perf_counter() - start

    jobs = [(name, model, k) for name, model in named.items() for k in range(len(splits))]
    outputs: list[tuple[str, int, np.ndarray, float]] = []
    with progress("cross-validate", total=len(jobs), quiet=quiet) as bar:
        parallel = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator")
        for out in parallel(delayed(run)(*job) for job in jobs):
            outputs.append(out)
            bar.advance()
    results: dict[str, CVResult] = {}
    for name in named:
        oof = np.full(len(y_all), None, dtype=object)
        scores = []
        for _, fold, pred, seconds in sorted(
            (o for o in outputs if o[0] == name), key=lambda o: o[1]
        ):
            train, test, group = splits[fold]
            oof[chosen[test]] = pred
            scores.append(_score(fold, group, len(train), y[test], pred, classes, seconds))
        pooled_pred = oof[chosen].astype(str)
        results[name] = CVResult(
            name=name,
            classes=classes,
            folds=scores,
            pooled_accuracy=float(accuracy_score(y, pooled_pred)),
            pooled_macro_f1=float(f1_score(y, pooled_pred, average="macro", zero_division=0)),
            predictions=oof,
        )
    return results


def results_to_json(results: Mapping[str, CVResult], **extra: Any) -> dict[str, Any]:
    """The ``{"models": {name: summary}}`` object the CLI prints.

    Args:
        results: From :func:`cross_validate`.
        **extra: Top-level keys to add (e.g. ``n_posts``, ``folds``).

    Returns:
        A JSON-ready dict.
    """
    return {**extra, "models": {name: r.to_dict() for name, r in results.items()}}


def results_table(results: Mapping[str, CVResult], *, positive: str | None = "solidarity") -> str:
    """A Markdown table: model, accuracy (mean ± sd), macro-F1, and the positive class's P / R.

    Args:
        results: From :func:`cross_validate`.
        positive: The class whose precision and recall get columns (None: none).

    Returns:
        The table text.
    """

    def pct(v: float | None) -> str:
        return "n/a" if v is None or math.isnan(v) else f"{100 * v:.2f}"

    head = "| model | accuracy % (mean ± sd) | macro-F1 % (mean ± sd) | pooled acc. % |"
    rule = "|---|---|---|---|"
    if positive is not None:
        head += f" {positive} P % | {positive} R % |"
        rule += "---|---|"
    lines = [head, rule]
    for name, r in results.items():
        row = (
            f"| {name} | {pct(r.accuracy)} ± {pct(r.accuracy_sd)} | {pct(r.macro_f1)} ± "
            f"{pct(r.macro_f1_sd)} | {pct(r.pooled_accuracy)} |"
        )
        if positive is not None:
            pc = r.per_class().get(positive, {})
            row += f" {pct(pc.get('precision'))} | {pct(pc.get('recall'))} |"
        lines.append(row)
    return "\n".join(lines)


def train_test(
    train_texts: Sequence[str],
    train_labels: Sequence[Any] | np.ndarray,
    test_texts: Sequence[str],
    test_labels: Sequence[Any] | np.ndarray,
    models: Mapping[str, BaseEstimator] | Sequence[str],
    *,
    balance: Balance = "class-weight",
    seed: int = 0,
    quiet: bool = True,
) -> dict[str, FoldScore]:
    """Train on one labelled set and score on another (train on A, test on B).

    Args:
        train_texts: Texts to fit on (e.g. past crises).
        train_labels: Their labels.
        test_texts: Texts to score on (e.g. a new crisis).
        test_labels: Their labels.
        models: Registry keys, or name -> unfitted estimator.
        balance: As in :func:`cross_validate` (undersampling applies to the training set).
        seed: Seed of undersampling.
        quiet: Show no progress bar.

    Returns:
        Model name -> the score on the test set (accuracy, macro-F1, per-class
        precision / recall / F1; ``seconds`` is the time to fit and predict).

    Raises:
        ConfigError: Lengths differ, or the training set has one class.
    """
    tr_texts = ["" if t is None else str(t) for t in train_texts]
    te_texts = ["" if t is None else str(t) for t in test_texts]
    y_tr = np.asarray([str(v) for v in train_labels], dtype=object)
    y_te = np.asarray([str(v) for v in test_labels], dtype=object)
    if len(tr_texts) != len(y_tr) or len(te_texts) != len(y_te):
        raise ConfigError("texts and labels differ in length")
    if balance not in ("none", "undersample", "class-weight"):
        raise ConfigError("balance must be none, undersample or class-weight", field="balance")
    if balance == "undersample":
        keep = undersample(y_tr, seed=seed)
        tr_texts = [tr_texts[i] for i in keep]
        y_tr = y_tr[keep]
    if len(np.unique(y_tr)) < 2:
        raise ConfigError("training needs at least two classes")
    classes = sorted(set(y_tr.tolist()) | set(y_te.tolist()))
    out: dict[str, FoldScore] = {}
    with progress("train and test", total=len(_resolve(models)), quiet=quiet) as bar:
        for name, model in _resolve(models).items():
            fitted = clone(model)
            if balance == "class-weight" and "class_weight" in fitted.get_params():
                fitted.set_params(class_weight="balanced")
            start = time.perf_counter()
            fitted.fit(tr_texts, y_tr)
            pred = np.asarray(fitted.predict(te_texts)).astype(str)
            seconds = time.perf_counter() - start
            out[name] = _score(0, None, len(tr_texts), y_te.astype(str), pred, classes, seconds)
            bar.advance()
    return out
