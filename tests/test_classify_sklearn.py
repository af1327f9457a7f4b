"""scikit-learn's estimator contract for the text classifiers (issue 14, item 1).

The classifiers take texts, so their tags declare string input and no 2-D array;
``check_estimator`` then skips its numeric-data checks by design (with a warning). The
estimator-only checks run here as scikit-learn wrote them, and the behaviour those data
checks test is tested with texts.
"""

from __future__ import annotations

import pickle
import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import check_estimator

from crowdpulse.classify import make_model
from crowdpulse.classify.tags import API_CHECKS
from crowdpulse.exceptions import NotFittedError

LIGHT = ["svm-bigram", "svm-tfidf", "svm-tfidf-bigram", "logreg", "svm-word-char"]
ALL = [*LIGHT, "sentence-embed", "stack-tfidf-embed", "lstm"]

TEXTS = [
    "praying for everyone in boston",
    "stay strong texas",
    "road closed after the flood",
    "video shows the explosion",
    "thoughts are with the victims",
    "death toll rises to twelve",
] * 6


def _model(name: str) -> Any:
    if name == "lstm":
        pytest.importorskip("torch")
    return make_model(name)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("check", API_CHECKS)
def test_api_checks_pass(name: str, check: str) -> None:
    model = _model(name)
    getattr(estimator_checks, check)(type(model).__name__, model)


@pytest.mark.parametrize("name", ALL)
def test_tags_declare_text_input_and_check_estimator_skips_data_checks(name: str) -> None:
    model = _model(name)
    tags = model.__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert tags.estimator_type == "classifier" and tags.classifier_tags.multi_class
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_estimator(model)
    assert any("Can't test estimator" in str(w.message) for w in caught)


@pytest.mark.parametrize("name", LIGHT)
def test_data_behaviour_with_texts(name: str) -> None:
    labels = ["support", "support", "news", "news", "support", "news"] * 6
    model = _model(name)
    with pytest.raises(NotFittedError):
        model.predict(TEXTS)
    fitted = clone(model).fit(TEXTS, labels)
    assert fitted.get_params() == model.get_params()  # fit changes no parameter
    assert list(fitted.predict(TEXTS)) == labels
    again = pickle.loads(pickle.dumps(fitted))
    assert list(again.predict(TEXTS)) == labels
    as_ints = clone(model).fit(TEXTS, [1 if v == "support" else 0 for v in labels])
    assert as_ints.predict(TEXTS).dtype.kind in "iu"
    three = ["weather" if "flood" in t else label for t, label in zip(TEXTS, labels, strict=True)]
    multi = clone(model).fit(TEXTS, three)
    assert set(multi.classes_) == {"support", "news", "weather"}
    assert list(multi.predict(TEXTS)) == three
    if hasattr(multi, "predict_proba"):
        proba = multi.predict_proba(TEXTS)
        assert proba.shape == (len(TEXTS), 3)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
