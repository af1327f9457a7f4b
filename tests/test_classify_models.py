"""Linear solidarity classifiers, the shared analyzer, the registry and cross-validation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from crowdpulse.classify import (
    MODELS,
    LinearTextClassifier,
    TweetAnalyzer,
    available_models,
    cross_validate,
    make_model,
    make_splits,
    plot_term_weights,
    register_model,
    results_table,
    results_to_json,
    term_weights,
    term_weights_table,
)
from crowdpulse.exceptions import ConfigError, NotFittedError

SOL = ["pray", "love", "strength", "courage", "heart", "support", "thoughts", "🙏", "❤️", "🇫🇷"]
NEU = ["police", "breaking", "news", "report", "stadium", "shots", "video", "update", "live", "📺"]
COMMON = ["paris", "tonight", "people", "city", "now", "#paris", "today", "@friend"]


def make_texts(n: int, seed: int, noise: float = 0.25) -> tuple[list[str], list[str]]:
    """Seeded posts: 3 class words, 4 common words; some with a word of the other class."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        sol = rng.random() < 0.4
        words = list(rng.choice(SOL if sol else NEU, size=3)) + list(rng.choice(COMMON, size=4))
        if rng.random() < noise:
            words[0] = rng.choice(NEU if sol else SOL)
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append("solidarity" if sol else "not solidarity")
    return texts, labels


LINEAR = ["svm-bigram", "svm-tfidf", "svm-tfidf-bigram", "logreg"]


@pytest.fixture(scope="module")
def data() -> tuple[list[str], list[str]]:
    return make_texts(600, seed=1)


# -- the analyzer ------------------------------------------------------------------


def test_analyzer_ngrams_and_emoji_ablation() -> None:
    text = "We PRAY for #Paris 🙏🏽 🇫🇷 tonight"
    words = TweetAnalyzer()(text)
    assert words == ["pray", "#paris", "🙏🏽", "🇫🇷", "tonight"]
    assert TweetAnalyzer(emojis=False)(text) == ["pray", "#paris", "tonight"]
    assert TweetAnalyzer(ngram_range=(2, 2), emojis=False)(text) == [
        "pray #paris",
        "#paris tonight",
    ]
    both = TweetAnalyzer(ngram_range=(1, 2))(text)
    assert both[:5] == words and "🙏🏽 🇫🇷" in both and len(both) == 9
    assert TweetAnalyzer(remove_stopwords=False, lowercase=False)(text)[:2] == ["We", "PRAY"]
    assert TweetAnalyzer(drop_hashtags=("paris",))(text) == ["pray", "🙏🏽", "🇫🇷", "tonight"]
    assert TweetAnalyzer()(None) == [] and TweetAnalyzer()("") == []


def test_analyzer_equality_and_pickle() -> None:
    import pickle

    a = TweetAnalyzer(ngram_range=(1, 2), emojis=False)
    assert a == TweetAnalyzer(ngram_range=(1, 2), emojis=False)
    assert a != TweetAnalyzer(ngram_range=(1, 2))
    assert pickle.loads(pickle.dumps(a)) == a


# -- the estimators -----------------------------------------------------------------


@pytest.mark.parametrize("name", LINEAR)
def test_estimator_contract(name: str, data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    model = make_model(name)
    with pytest.raises(NotFittedError):
        model.predict(texts[:3])
    with pytest.raises(SklearnNotFittedError):  # also catchable as scikit-learn's
        model.predict(texts[:3])
    assert model.fit(texts, labels) is model
    assert set(model.classes_) == {"solidarity", "not solidarity"}
    assert (model.predict(texts) == np.asarray(labels)).mean() > 0.9
    cloned = clone(model)
    assert not hasattr(cloned, "pipeline_")
    assert cloned.get_params() == model.get_params()
    cloned.set_params(emojis=False, C=0.5)
    assert cloned.get_params()["emojis"] is False and cloned.C == 0.5
    scores = cross_val_score(make_model(name), texts, labels, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8


def test_feature_sets_are_what_the_paper_names(data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    bigram = make_model("svm-bigram").fit(texts, labels)
    assert all(" " in f for f in bigram.feature_names())
    tfidf = make_model("svm-tfidf").fit(texts, labels)
    assert not any(" " in f for f in tfidf.feature_names())
    both = make_model("svm-tfidf-bigram").fit(texts, labels)
    names = set(both.feature_names())
    assert set(tfidf.feature_names()) | set(bigram.feature_names()) == names
    assert both.pipeline_.named_steps["tfidf"].use_idf is True
    assert bigram.pipeline_.named_steps["tfidf"].use_idf is False  # L2-normalised counts
    assert bigram.pipeline_.named_steps["clf"].dual is True
    assert type(make_model("logreg").build_pipeline()[-1]).__name__ == "LogisticRegression"


def test_emoji_ablation_removes_emoji_features(data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    with_emoji = make_model("logreg").fit(texts, labels)
    without = make_model("logreg", emojis=False).fit(texts, labels)
    assert {"🙏", "❤️", "🇫🇷", "📺"} <= set(with_emoji.feature_names())
    assert not {"🙏", "❤️", "🇫🇷", "📺"} & set(without.feature_names())
    assert len(without.feature_names()) == len(with_emoji.feature_names()) - 4


def test_same_features_as_a_plain_sklearn_pipeline(data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    ours = make_model("svm-tfidf", remove_stopwords=False).fit(texts, labels)
    plain = make_pipeline(
        TfidfVectorizer(analyzer=TweetAnalyzer(remove_stopwords=False)),
        LinearSVC(random_state=0, max_iter=2000, dual=True),
    ).fit(texts, labels)
    np.testing.assert_allclose(ours.decision_function(texts), plain.decision_function(texts))


def test_probabilities(data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    svm = make_model("svm-tfidf").fit(texts, labels)
    assert not hasattr(svm, "predict_proba")
    calibrated = make_model("svm-tfidf", probability=True).fit(texts, labels)
    proba = calibrated.predict_proba(texts[:20])
    assert proba.shape == (20, 2) and np.allclose(proba.sum(axis=1), 1)
    assert calibrated.coefficients().shape[0] == 1
    logreg = make_model("logreg").fit(texts, labels)
    assert np.allclose(logreg.predict_proba(texts[:5]).sum(axis=1), 1)


def test_class_weight_shifts_towards_minority() -> None:
    texts, labels = make_texts(400, seed=3, noise=0.45)
    keep = [i for i, label in enumerate(labels) if label == "not solidarity" or i % 4 == 0]
    texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    plain = make_model("logreg").fit(texts, labels)
    balanced = make_model("logreg", class_weight="balanced").fit(texts, labels)
    assert balanced.pipeline_[-1].class_weight == "balanced"
    col = list(plain.classes_).index("solidarity")
    assert (
        balanced.predict_proba(texts)[:, col].mean()
        > plain.predict_proba(texts)[:, col].mean() + 0.05
    )


def test_bad_options() -> None:
    texts, labels = make_texts(50, seed=0)
    with pytest.raises(ConfigError, match="feature set"):
        LinearTextClassifier(features="trigram").fit(texts, labels)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="classifier"):
        LinearTextClassifier(classifier="tree").fit(texts, labels)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="two classes"):
        make_model("svm-tfidf").fit(texts, ["a"] * len(texts))
    with pytest.raises(ConfigError, match="labels"):
        make_model("svm-tfidf").fit(texts, labels[:-1])
    with pytest.raises(ConfigError, match="one string"):
        make_model("svm-tfidf").fit("just one text", ["a"])
    with pytest.raises(ConfigError, match="empty vocabulary"):
        make_model("svm-bigram").fit(["one", "two"], ["a", "b"])


def test_registry() -> None:
    assert available_models() == [
        "svm-bigram",
        "svm-tfidf",
        "svm-tfidf-bigram",
        "logreg",
        "lstm",
        "sentence-embed",
        "svm-word-char",
        "stack-tfidf-embed",
        "stack-finetuned",
    ]
    with pytest.raises(ConfigError, match="unknown model"):
        make_model("forest")
    with pytest.raises(ConfigError, match="parameters"):
        make_model("svm-tfidf", depth=3)
    with pytest.raises(ConfigError, match="already registered"):
        register_model("logreg", lambda **kw: LinearTextClassifier(**kw))
    register_model(
        "logreg-bigram",
        lambda **kw: LinearTextClassifier(features="tfidf-bigram", classifier="logreg", **kw),
    )
    try:
        assert make_model("logreg-bigram").features == "tfidf-bigram"
    finally:
        del MODELS["logreg-bigram"]


# -- cross-validation ---------------------------------------------------------------


def test_splits_are_stratified_seeded_and_cover_everything() -> None:
    labels = np.asarray(["a"] * 30 + ["b"] * 70)
    splits = make_splits(labels, folds=10, seed=4)
    assert len(splits) == 10
    tests = np.concatenate([te for _, te, _ in splits])
    assert sorted(tests.tolist()) == list(range(100))
    assert all((labels[te] == "a").sum() == 3 for _, te, _ in splits)
    again = make_splits(labels, folds=10, seed=4)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(splits, again, strict=True))
    assert not all(
        np.array_equal(a[1], b[1]) for a, b in zip(splits, make_splits(labels, seed=5), strict=True)
    )
    with pytest.raises(ConfigError, match="fewer than"):
        make_splits(np.asarray(["a"] * 5 + ["b"] * 50), folds=10)
    groups = ["e1"] * 40 + ["e2"] * 60
    logo = make_splits(labels, groups=groups)
    assert [g for _, _, g in logo] == ["e1", "e2"]
    assert len(logo[0][1]) == 40


def test_fast_cv_equals_refitting_clones(data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    fast = cross_validate(texts, labels, LINEAR, folds=5, seed=2)
    slow = cross_validate(texts, labels, LINEAR, folds=5, seed=2, fast=False)
    for name in LINEAR:
        assert np.array_equal(fast[name].predictions, slow[name].predictions), name
        assert fast[name].accuracy == slow[name].accuracy


def test_cv_matches_sklearn_cross_val_score(data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    ours = cross_validate(texts, labels, ["svm-tfidf"], folds=5, seed=7)["svm-tfidf"]
    splitter = StratifiedKFold(5, shuffle=True, random_state=7)
    theirs = cross_val_score(make_model("svm-tfidf"), texts, labels, cv=splitter)
    np.testing.assert_allclose([f.accuracy for f in ours.folds], theirs)
    assert ours.accuracy == pytest.approx(theirs.mean())
    assert ours.accuracy_sd == pytest.approx(theirs.std(ddof=1))


def test_fold_scores_known_answer() -> None:
    from crowdpulse.classify.evaluate import _score

    truth = np.asarray(["s", "s", "s", "n", "n"])
    pred = np.asarray(["s", "s", "n", "n", "s"])
    fold = _score(0, None, 10, truth, pred, ["n", "s"], 0.1)
    assert fold.accuracy == pytest.approx(3 / 5)
    assert fold.per_class["s"]["precision"] == pytest.approx(2 / 3)
    assert fold.per_class["s"]["recall"] == pytest.approx(2 / 3)
    assert fold.per_class["n"]["precision"] == pytest.approx(1 / 2)
    assert fold.per_class["n"]["recall"] == pytest.approx(1 / 2)
    assert fold.macro_f1 == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert fold.per_class["s"]["support"] == 3


def test_cv_result_json_shape(data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    results = cross_validate(
        texts, labels, ["svm-tfidf", "logreg"], folds=4, seed=0, balance="class-weight"
    )
    out = json.loads(json.dumps(results_to_json(results, n_posts=len(texts))))
    assert out["n_posts"] == len(texts)
    entry = out["models"]["logreg"]
    assert {
        "accuracy",
        "accuracy_sd",
        "macro_f1",
        "macro_f1_sd",
        "per_class",
        "folds",
        "pooled",
    } <= set(entry)
    assert len(entry["folds"]) == 4
    assert entry["accuracy"] == pytest.approx(np.mean([f["accuracy"] for f in entry["folds"]]))
    assert set(entry["per_class"]) == {"solidarity", "not solidarity"}
    assert entry["per_class"]["solidarity"]["support"] == labels.count("solidarity")
    assert {"precision", "precision_sd", "recall", "recall_sd", "f1"} <= set(
        entry["per_class"]["solidarity"]
    )
    table = results_table(results)
    assert table.splitlines()[0].startswith("| model |") and "logreg" in table


def test_cv_undersample_and_groups(data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    n_sol = labels.count("solidarity")
    res = cross_validate(texts, labels, ["svm-tfidf"], folds=5, balance="undersample", seed=1)[
        "svm-tfidf"
    ]
    assert sum(f.n_test for f in res.folds) == 2 * n_sol
    assert sum(p is not None for p in res.predictions) == 2 * n_sol
    groups = ["a" if i % 3 else "b" for i in range(len(texts))]
    logo = cross_validate(texts, labels, ["logreg"], groups=groups)["logreg"]
    assert [f.group for f in logo.folds] == ["a", "b"]
    assert not any(p is None for p in logo.predictions)
    assert 0 <= logo.pooled_accuracy <= 1 and not math.isnan(logo.pooled_macro_f1)


def test_cv_threads_give_the_same_result(data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    one = cross_validate(texts, labels, ["svm-tfidf-bigram"], folds=4, n_jobs=1)
    two = cross_validate(texts, labels, ["svm-tfidf-bigram"], folds=4, n_jobs=2)
    assert np.array_equal(one["svm-tfidf-bigram"].predictions, two["svm-tfidf-bigram"].predictions)


def test_cv_bad_options(data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    with pytest.raises(ConfigError):
        cross_validate(texts, labels[:-1], ["logreg"])
    with pytest.raises(ConfigError):
        cross_validate(texts, labels, ["logreg"], balance="smote")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        cross_validate(texts, ["a"] * len(texts), ["logreg"])


# -- term weights --------------------------------------------------------------------


def test_term_weights_known_top_terms(tmp_path: Path) -> None:
    texts, labels = make_texts(800, seed=5, noise=0.1)
    weights = term_weights(texts, labels, k=10)
    sol_pos = [w.term for w in weights if w.label == "solidarity" and w.direction == "positive"]
    sol_neg = [w.term for w in weights if w.label == "solidarity" and w.direction == "negative"]
    assert set(sol_pos) == set(SOL) and set(sol_neg) == set(NEU)
    coef = [w.coefficient for w in weights if w.label == "solidarity" and w.direction == "positive"]
    assert coef == sorted(coef, reverse=True) and min(coef) > 0
    # two classes: one class's positive terms are the other's negative ones
    neu_pos = {
        w.term: w.coefficient
        for w in weights
        if w.label == "not solidarity" and w.direction == "positive"
    }
    neg_map = {
        w.term: w.coefficient
        for w in weights
        if w.label == "solidarity" and w.direction == "negative"
    }
    assert neu_pos == {t: -c for t, c in neg_map.items()}
    table = term_weights_table(weights)
    assert table.column_names == ["label", "direction", "rank", "term", "coefficient"]
    assert table.num_rows == 40
    no_emoji = term_weights(texts, labels, k=10, emojis=False)
    assert not {"🙏", "❤️", "🇫🇷", "📺"} & {w.term for w in no_emoji}
    with pytest.raises(ConfigError):
        term_weights(texts, labels, k=0)
    with pytest.raises(ConfigError):
        term_weights(texts, labels, model=make_model("svm-tfidf").fit(texts, labels))


def test_term_weight_figure(tmp_path: Path) -> None:
    from PIL import Image

    texts, labels = make_texts(400, seed=6, noise=0.1)
    weights = term_weights(texts, labels, k=8)
    drawn = plot_term_weights(weights, tmp_path / "terms.png", k=8, width=8, height=6, dpi=100)
    path = drawn.png
    assert drawn.paths == (tmp_path / "terms.png",)
    assert (drawn.width_px, drawn.height_px) == (800, 600)
    assert path.is_file() and path.stat().st_size > 0
    with Image.open(path) as image:
        assert image.size == (800, 600)
    with pytest.raises(ConfigError):
        plot_term_weights(weights, tmp_path / "x.png", label="nope")


def test_emoji_labels_fall_back_to_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from crowdpulse.classify import weights as mod

    assert mod._emoji_names("pray 🙏") == "pray :folded hands:"
    monkeypatch.setenv("CROWDPULSE_EMOJI_FONT", str(tmp_path / "no-such-font.ttf"))
    texts, labels = make_texts(200, seed=6, noise=0.1)
    out = tmp_path / "t.png"
    mod.plot_term_weights(term_weights(texts, labels, k=5), out, k=5)
    assert out.stat().st_size > 0


def test_plain_count_vectorizer_agrees_with_count_cache(data: tuple[list[str], list[str]]) -> None:
    from crowdpulse.classify.linear import CountCache

    texts, _ = data
    analyzer = TweetAnalyzer(ngram_range=(1, 2))
    cache = CountCache(texts, analyzer)
    vec = CountVectorizer(analyzer=analyzer)
    expected = vec.fit_transform(texts)
    got = cache.matrix((1, 2))
    assert got.shape == expected.shape
    assert (got != expected).nnz == 0
