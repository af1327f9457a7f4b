"""The shared text analyzer of every classifier: tokens, emoji ablation, word n-grams.

All models see a post through :class:`TweetAnalyzer`, built on
:func:`crowdpulse.text.tokenize` (hashtags, mentions, URLs and emojis stay whole
tokens). With ``emojis=False`` the emoji tokens are removed before n-grams are
formed: the emoji ablation of RQ1 in Santhanam et al., 2018, "I Stand With You".

Tokenizing is the costly part of fitting a linear model on short texts, and cross
validation fits the same texts many times; the token lists are therefore memoised
per (text, settings) in a bounded process-wide cache (:func:`clear_token_cache`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

__all__ = ["TweetAnalyzer", "clear_token_cache", "is_emoji_token"]

_CACHE_SIZE = 1 << 19


@functools.lru_cache(maxsize=1 << 16)
def is_emoji_token(token: str) -> bool:
    """Whether a token is emojis only (as :func:`crowdpulse.text.extract_emojis` sees them).

    Args:
        token: One token.

    Returns:
        True for tokens such as ``🙏🏽`` or ``🇫🇷``, False for words and mixed tokens.
    """
    from crowdpulse.text import extract_emojis

    found = extract_emojis(token)
    return bool(found) and "".join(found) == token


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _tokens(
    text: str, lowercase: bool, remove_stopwords: bool, drop_hashtags: tuple[str, ...], emojis: bool
) -> tuple[str, ...]:
    from crowdpulse.text import tokenize

    toks = tokenize(
        text, lowercase=lowercase, remove_stopwords=remove_stopwords, drop_hashtags=drop_hashtags
    )
    out = []
    for tok in toks:
        if not tok or (not emojis and is_emoji_token(tok)):
            continue
        # n-grams are joined with a space: keep tokens free of it.
        out.append(tok.replace(" ", "_") if " " in tok else tok)
    return tuple(out)


def clear_token_cache() -> None:
    """Empty the memoised token lists (e.g. after changing the tokenizer)."""
    _tokens.cache_clear()
    is_emoji_token.cache_clear()


class TweetAnalyzer:
    """Turn a post's text into features: tokens and their word n-grams.

    A picklable callable for ``CountVectorizer(analyzer=...)``.

    Args:
        ngram_range: Smallest and largest n of the word n-grams, e.g. ``(1, 1)`` for
            words, ``(2, 2)`` for bigrams only, ``(1, 2)`` for both.
        emojis: Keep emoji tokens as features (False: the emoji ablation).
        lowercase: Lower-case the text (paper default).
        remove_stopwords: Remove stopwords (paper default).
        drop_hashtags: Hashtags (without ``#``) the tokenizer drops, e.g. label hashtags
            still in the text.
    """

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 1),
        emojis: bool = True,
        lowercase: bool = True,
        remove_stopwords: bool = True,
        drop_hashtags: Sequence[str] = (),
    ) -> None:
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.emojis = bool(emojis)
        self.lowercase = bool(lowercase)
        self.remove_stopwords = bool(remove_stopwords)
        self.drop_hashtags = tuple(drop_hashtags)

    def __repr__(self) -> str:
        return (
            f"TweetAnalyzer(ngram_range={self.ngram_range}, emojis={self.emojis}, "
            f"lowercase={self.lowercase}, remove_stopwords={self.remove_stopwords}, "
            f"drop_hashtags={self.drop_hashtags})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TweetAnalyzer) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))

    def tokens(self, text: str | None) -> tuple[str, ...]:
        """The post's tokens after lower-casing, stopword and emoji removal.

        Args:
            text: The post text (None counts as empty).

        Returns:
            The tokens, in text order.
        """
        if not text:
            return ()
        return _tokens(text, self.lowercase, self.remove_stopwords, self.drop_hashtags, self.emojis)

    def __call__(self, text: str | None) -> list[str]:
        """The post's features: its word n-grams for n in ``ngram_range``.

        Args:
            text: The post text.

        Returns:
            Unigrams as the tokens themselves, longer n-grams as tokens joined by a space.
        """
        toks = self.tokens(text)
        low, high = self.ngram_range
        if low == 1 and high == 1:
            return list(toks)
        out: list[str] = list(toks) if low <= 1 else []
        for n in range(max(2, low), high + 1):
            out.extend(" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1))
        return out
