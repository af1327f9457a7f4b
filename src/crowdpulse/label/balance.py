"""Balancing the classes of a labelled set (Santhanam et al., 2018).

The 2015 study drew as many neutral posts as there were solidarity posts (20,465
each): :func:`undersample`. The 2018 study kept every post and weighted the classes
instead: :func:`class_weights` (the same weights as scikit-learn's
``class_weight="balanced"``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Literal

import numpy as np

from crowdpulse.exceptions import ConfigError

__all__ = ["Balance", "class_weights", "undersample"]

Balance = Literal["none", "undersample", "class-weight"]


def undersample(labels: Sequence[Hashable] | np.ndarray, *, seed: int) -> np.ndarray:
    """Indices of a class-balanced subset: every class cut to the smallest class's size.

    The smallest class is kept whole; from each other class as many posts are drawn
    at random, without replacement.

    Args:
        labels: One label per post (None / NaN are not allowed; filter them first).
        seed: Seed of the random draw.

    Returns:
        The chosen indices, sorted ascending (so the input order is kept).

    Raises:
        ConfigError: There are no labels, or fewer than two classes.
    """
    y = np.asarray(labels, dtype=object)
    if y.size == 0:
        raise ConfigError("nothing to balance: no labelled posts")
    classes, inverse = np.unique(y.astype(str), return_inverse=True)
    if len(classes) < 2:
        raise ConfigError(f"balancing needs two classes, found {len(classes)}")
    counts = np.bincount(inverse)
    n = int(counts.min())
    rng = np.random.default_rng(seed)
    chosen = []
    for k in range(len(classes)):
        members = np.flatnonzero(inverse == k)
        chosen.append(members if len(members) == n else rng.choice(members, size=n, replace=False))
    return np.sort(np.concatenate(chosen))


def class_weights(labels: Sequence[Hashable] | np.ndarray) -> dict[str, float]:
    """Class weights inversely proportional to class frequency.

    weight(c) = n_posts / (n_classes * n_posts_in_c), as scikit-learn's
    ``class_weight="balanced"``; every class then carries the same total weight.

    Args:
        labels: One label per post.

    Returns:
        Class (as a string) -> weight.

    Raises:
        ConfigError: There are no labels.
    """
    y = np.asarray(labels, dtype=object).astype(str)
    if y.size == 0:
        raise ConfigError("no labels to weight")
    classes, counts = np.unique(y, return_counts=True)
    return {
        str(c): float(y.size / (len(classes) * k)) for c, k in zip(classes, counts, strict=True)
    }
