"""Emoji names and sentiment scores for the emoji tables, networks and figures.

The emoji analyses never keep their own lexicon: names come from
``crowdpulse.text.emoji_name`` and scores from ``crowdpulse.text.emoji_sentiment``
(the Emoji Sentiment Ranking of Kralj Novak et al. 2015, score =
(positive - negative) / occurrences). Every public function of
:mod:`crowdpulse.emoji` takes ``name_of`` and ``sentiment_of`` arguments to
override them: a function, a mapping, or None for the defaults here.

When ``crowdpulse.text`` cannot be imported, names fall back to the CLDR short
names of the ``emoji`` package (``folded hands``) and every score is unknown; a
warning says so once.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
import warnings
from collections.abc import Callable, Mapping

__all__ = [
    "NameFn",
    "NameSource",
    "SentimentFn",
    "SentimentSource",
    "fallback_name",
    "resolve_name_of",
    "resolve_sentiment_of",
]

logger = logging.getLogger(__name__)

NameFn = Callable[[str], str]
SentimentFn = Callable[[str], "float | None"]
NameSource = NameFn | Mapping[str, str] | None
SentimentSource = SentimentFn | Mapping[str, float] | None


def fallback_name(emoji_text: str) -> str:
    """Name an emoji without ``crowdpulse.text``: its CLDR short name or Unicode names.

    Args:
        emoji_text: One emoji (a full sequence, e.g. a flag or a skin-tone variant).

    Returns:
        A lower-case name such as ``"folded hands"`` or ``"france"``; for a sequence
        the ``emoji`` package does not know, the Unicode names of its code points
        joined by ``" + "`` (``U+XXXX`` where a code point has no name).
    """
    import emoji as emoji_lib

    data = emoji_lib.EMOJI_DATA.get(emoji_text)
    if data is None and "\ufe0f" in emoji_text:
        data = emoji_lib.EMOJI_DATA.get(emoji_text.replace("\ufe0f", ""))
    if data is not None:
        return str(data["en"]).strip(":").replace("_", " ").lower()
    parts = []
    for char in emoji_text:
        if char in "\ufe0f\u200d":
            continue
        parts.append(unicodedata.name(char, f"U+{ord(char):04X}").lower())
    return " + ".join(parts) if parts else emoji_text


@functools.cache
def _warn_no_text_module(what: str) -> None:
    message = f"crowdpulse.text is not available: emoji {what} fall back " + (
        "to the emoji package's names" if what == "names" else "to 'unknown'"
    )
    warnings.warn(message, RuntimeWarning, stacklevel=3)
    logger.warning(message)


def _unknown_sentiment(emoji_text: str) -> float | None:
    del emoji_text
    return None


def resolve_name_of(source: NameSource = None) -> NameFn:
    """Turn a name source into a function ``emoji -> name``.

    Args:
        source: A function, a mapping (emojis it lacks get :func:`fallback_name`),
            or None for ``crowdpulse.text.emoji_name``.

    Returns:
        A function giving the name of an emoji.
    """
    if source is None:
        try:
            from crowdpulse.text import emoji_name
        except ImportError:
            _warn_no_text_module("names")
            return fallback_name
        return emoji_name
    if isinstance(source, Mapping):
        table = dict(source)
        return lambda e: table.get(e) or fallback_name(e)
    return source


def resolve_sentiment_of(source: SentimentSource = None) -> SentimentFn:
    """Turn a sentiment source into a function ``emoji -> score or None``.

    Args:
        source: A function, a mapping (emojis it lacks have no score), or None for
            ``crowdpulse.text.emoji_sentiment``.

    Returns:
        A function giving the Emoji Sentiment Ranking score in [-1, 1], or None
        for an emoji without a score.
    """
    if source is None:
        try:
            from crowdpulse.text import emoji_sentiment
        except ImportError:
            _warn_no_text_module("sentiment scores")
            return _unknown_sentiment
        return emoji_sentiment
    if isinstance(source, Mapping):
        table = {k: float(v) for k, v in source.items()}
        return table.get
    return source
