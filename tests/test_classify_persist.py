"""Saving and loading models: skops with an explicit trusted-types list."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from crowdpulse.classify import TRUSTED_TYPES, load_model, make_model, predict_table, save_model
from crowdpulse.exceptions import InputError, NotFittedError

TEXTS = [
    "pray for paris 🙏",
    "love and strength ❤️",
    "police report shots",
    "breaking news video",
] * 10
LABELS = ["solidarity", "solidarity", "not solidarity", "not solidarity"] * 10


@pytest.mark.parametrize("name", ["svm-bigram", "svm-tfidf", "svm-tfidf-bigram", "logreg"])
@pytest.mark.parametrize("probability", [False, True])
def test_skops_round_trip(name: str, probability: bool, tmp_path: Path) -> None:
    from crowdpulse.classify.persist import _schema_types

    weights = {"solidarity": 2.0, "not solidarity": 1.0}
    model = make_model(name, probability=probability, emojis=False, class_weight=weights)
    model.fit(TEXTS, LABELS)
    path = save_model(model, tmp_path / "m.skops")
    # the trusted list covers every type the file names, and nothing is loaded blindly
    assert _schema_types(path) <= set(TRUSTED_TYPES)
    assert set(sio.get_untrusted_types(file=path)) <= set(TRUSTED_TYPES)
    loaded = load_model(path)
    assert loaded.get_params() == model.get_params()
    assert np.array_equal(loaded.predict(TEXTS), model.predict(TEXTS))
    if hasattr(model, "predict_proba"):
        np.testing.assert_allclose(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_untrusted_types_are_refused(tmp_path: Path) -> None:
    evil = make_pipeline(FunctionTransformer(np.log1p)).fit(np.ones((3, 2)))
    path = tmp_path / "evil.skops"
    sio.dump(evil, path)
    with pytest.raises(InputError, match="not trusted") as info:
        load_model(path)
    assert "FunctionTransformer" in str(info.value)


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_model(tmp_path / "none.skops")
    text = tmp_path / "text.skops"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(InputError, match="not a crowdpulse model"):
        load_model(text)
    with pytest.raises(NotFittedError):
        save_model(make_model("logreg"), tmp_path / "unfitted.skops")


def test_predict_table() -> None:
    svm = make_model("svm-tfidf").fit(TEXTS, LABELS)
    table = predict_table(svm, ["a", "b"], ["pray for paris", "police shots"])
    assert table.column_names == ["id", "label", "probability"]
    assert table.column("label").to_pylist() == ["solidarity", "not solidarity"]
    assert table.column("probability").null_count == 2
    logreg = make_model("logreg").fit(TEXTS, LABELS)
    table = predict_table(logreg, ["a", "b"], ["pray for paris", "police shots"])
    probs = table.column("probability").to_pylist()
    assert all(0.5 <= p <= 1 for p in probs)
    expected = logreg.predict_proba(["pray for paris"]).max()
    assert probs[0] == pytest.approx(expected)
