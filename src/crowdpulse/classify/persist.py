"""Saving and loading fitted models.

- scikit-learn models (the linear models, the sentence-embedding model) are written
  with skops (``.skops``). Loading never trusts a file blindly: every type and
  function the file's schema names (not only those skops itself calls untrusted;
  skops trusts scikit-learn's ``FunctionTransformer`` and numpy functions by default)
  is checked against :data:`TRUSTED_TYPES`, the explicit list of what crowdpulse's
  own models contain; a file naming anything else is refused, with the names.
- the LSTM is written with ``torch.save`` as a plain dict (config, vocabulary, class
  labels, state dict) and read back with ``torch.load(weights_only=True)``, which
  unpickles no code.

:func:`load_model` tells the two apart by the archive's content, not the file name.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

from sklearn.base import BaseEstimator

from crowdpulse.exceptions import InputError
from crowdpulse.io.atomic import atomic_path

#: The deepest nesting a model file's ``schema.json`` may have (crowdpulse's own
#: models nest at most 25 levels); deeper files are refused before parsing.
MAX_SCHEMA_DEPTH = 100

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


def _json_depth(raw: bytes) -> int:
    """The deepest ``[``/``{`` nesting of a JSON text, found without parsing it."""
    import numpy as np

    bare = np.frombuffer(_JSON_STRING.sub(b'""', raw), dtype=np.uint8)
    steps = np.zeros(bare.shape, dtype=np.int64)
    steps[(bare == ord("[")) | (bare == ord("{"))] = 1
    steps[(bare == ord("]")) | (bare == ord("}"))] = -1
    return int(np.cumsum(steps).max(initial=0))


__all__ = ["TRUSTED_TYPES", "load_model", "save_model"]

TRUSTED_TYPES: tuple[str, ...] = (
    "builtins.bool",
    "builtins.dict",
    "builtins.float",
    "builtins.int",
    "builtins.list",
    "builtins.str",
    "builtins.tuple",
    "crowdpulse.classify.analyzer.TweetAnalyzer",
    "crowdpulse.classify.embed.SentenceEmbeddingClassifier",
    "crowdpulse.classify.finetune.FineTunedEncoder",
    "crowdpulse.classify.linear.LinearTextClassifier",
    "crowdpulse.classify.stack.StackedTextClassifier",
    "numpy.dtype",
    "numpy.float32",
    "numpy.float64",
    "numpy.int32",
    "numpy.int64",
    "numpy.ndarray",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.feature_extraction.text.CountVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "sklearn.svm._classes.LinearSVC",
)
"""Every type a crowdpulse model file may hold (checked before loading)."""


def save_model(model: BaseEstimator, path: str | Path) -> Path:
    """Write a fitted model.

    Args:
        model: A fitted crowdpulse model (``LSTMClassifier`` is written with torch,
            everything else with skops).
        path: The file to write (``.skops`` for scikit-learn models and ``.pt`` for
            the LSTM are the usual suffixes; any name works).

    Returns:
        The path written.

    Raises:
        NotFittedError: The model is not fitted.
    """
    from sklearn.utils.validation import check_is_fitted

    from crowdpulse.classify.lstm import LSTMClassifier
    from crowdpulse.exceptions import NotFittedError

    out = Path(path)
    if isinstance(model, LSTMClassifier):
        with atomic_path(out) as temp:  # never a half model file, even when killed
            model.save(temp)
        return out
    try:
        check_is_fitted(model)
    except Exception:
        raise NotFittedError.of(model) from None
    import skops.io as sio

    with atomic_path(out) as temp:
        sio.dump(model, temp)
    return out


def _is_torch_file(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return False
    return "schema.json" not in names and any(n.endswith("data.pkl") for n in names)


def _schema_types(path: Path) -> set[str]:
    """Every ``module.name`` a skops file's schema refers to."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("__class__"), str) and isinstance(node.get("__module__"), str):
                found.add(f"{node['__module__']}.{node['__class__']}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    try:
        with zipfile.ZipFile(path) as archive:
            raw = archive.read("schema.json")
        depth = _json_depth(raw)
        if depth > MAX_SCHEMA_DEPTH:
            raise InputError(
                f"not a crowdpulse model file: its schema nests {depth} levels deep "
                f"(at most {MAX_SCHEMA_DEPTH})",
                path=str(path),
            )
        schema = json.loads(raw)
    except (KeyError, ValueError, zipfile.BadZipFile, RecursionError) as exc:
        if isinstance(exc, InputError):
            raise

        raise InputError(f"not a skops model file: {exc}", path=str(path)) from None
    walk(schema)
    return found


def load_model(path: str | Path, *, trusted: tuple[str, ...] = TRUSTED_TYPES) -> Any:
    """Read a model written by :func:`save_model`.

    Args:
        path: The file.
        trusted: Type names a skops file may contain (default: crowdpulse's own
            models); extend it only for types you know to be safe.

    Returns:
        The fitted model.

    Raises:
        InputError: The file is missing, not a model file, or holds a type that is not
            trusted (the message lists them).
        MissingExtraError: It is an LSTM file and torch is not installed.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("model file not found", path=str(path))
    if not zipfile.is_zipfile(path):
        raise InputError("not a crowdpulse model file (neither skops nor torch)", path=str(path))
    if _is_torch_file(path):
        from crowdpulse.classify.lstm import LSTMClassifier, import_torch

        torch = import_torch()
        try:
            state = torch.load(str(path), weights_only=True, map_location="cpu")
        except Exception as exc:
            raise InputError(f"cannot read the LSTM file: {exc}", path=str(path)) from None
        if not isinstance(state, dict):
            raise InputError("not a crowdpulse LSTM file", path=str(path))
        return LSTMClassifier.from_state(state)
    import skops.io as sio

    found = _schema_types(path)
    unknown = sorted(found - set(trusted))
    if unknown:
        raise InputError(
            f"refusing to load: the file holds types that are not trusted: {', '.join(unknown)}",
            path=str(path),
        )
    try:
        untrusted = sio.get_untrusted_types(file=path)
        return sio.load(path, trusted=[t for t in untrusted if t in trusted])
    except Exception as exc:
        raise InputError(f"cannot load the skops file: {exc}", path=str(path)) from None
