"""Emoji sentiment from the Emoji Sentiment Ranking (Kralj Novak et al. 2015).

The ranking (969 emojis, CC BY-SA 4.0, bundled in ``data/emoji_sentiment/`` with
its licence and credit) counts how often each emoji occurred in tweets that
annotators labelled negative, neutral and positive. The score of an emoji is

    score = (Positive - Negative) / Occurrences,

between -1 and +1. The ranking keys on single code points without variation
selectors; :func:`emoji_sentiment` strips U+FE0E/U+FE0F first, so ❤️ finds ❤.
Sequences the ranking lacks (flags, keycaps, ZWJ sequences, skin-toned emojis)
get ``None``, never the score of one of their parts.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from crowdpulse.text.emojis import fold_skin_tones as _fold_skin_tones
from crowdpulse.text.emojis import strip_variation_selectors

__all__ = ["EmojiSentiment", "emoji_sentiment", "sentiment_table"]

_FILE = "Emoji_Sentiment_Data_v1.0.csv"


@dataclass(frozen=True)
class EmojiSentiment:
    """One row of the Emoji Sentiment Ranking.

    Attributes:
        emoji: The emoji (one code point, no variation selector).
        occurrences: Tweets it occurred in.
        negative: Of those, labelled negative.
        neutral: Labelled neutral.
        positive: Labelled positive.
        position: Mean relative position of the emoji in the tweet (0 start, 1 end).
        name: Its Unicode name.
        block: Its Unicode block.
    """

    emoji: str
    occurrences: int
    negative: int
    neutral: int
    positive: int
    position: float
    name: str
    block: str

    @property
    def score(self) -> float:
        """The sentiment score ``(positive - negative) / occurrences``."""
        return (self.positive - self.negative) / self.occurrences


@cache
def _table() -> dict[str, EmojiSentiment]:
    path = resources.files("crowdpulse.text") / "data" / "emoji_sentiment" / _FILE
    rows: dict[str, EmojiSentiment] = {}
    with io.StringIO(path.read_text(encoding="utf-8"), newline="") as handle:
        for row in csv.DictReader(handle):
            entry = EmojiSentiment(
                emoji=row["Emoji"],
                occurrences=int(row["Occurrences"]),
                negative=int(row["Negative"]),
                neutral=int(row["Neutral"]),
                positive=int(row["Positive"]),
                position=float(row["Position"]),
                name=row["Unicode name"],
                block=row["Unicode block"],
            )
            rows[strip_variation_selectors(entry.emoji)] = entry
    return rows


@cache
def _scores() -> dict[str, float]:
    return {key: entry.score for key, entry in _table().items() if entry.occurrences > 0}


def sentiment_table() -> list[EmojiSentiment]:
    """Return the whole Emoji Sentiment Ranking, in the file's order (most frequent first).

    Returns:
        One :class:`EmojiSentiment` per emoji (969 rows).
    """
    return list(_table().values())


def emoji_sentiment(e: str, *, fold_skin_tones: bool = False) -> float | None:
    """Return the Emoji Sentiment Ranking score of one emoji.

    Args:
        e: One emoji sequence, in any qualification (❤ or ❤️).
        fold_skin_tones: Look a skin-toned emoji up by its base emoji (👍🏽 → 👍).
            Off by default: the ranking has no skin-toned emojis, and the
            rule is that a sequence it lacks gets no score.

    Returns:
        ``(positive - negative) / occurrences`` in [-1, 1], or None when the
        ranking does not list the sequence.

    Examples:
        >>> round(emoji_sentiment("❤️"), 3)
        0.746
    """
    if fold_skin_tones:
        e = _fold_skin_tones(e)
    return _scores().get(strip_variation_selectors(e))
