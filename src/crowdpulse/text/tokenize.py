"""Tokenizing posts: words, hashtags, mentions, URLs, emoticons and emojis as whole tokens.

One compiled regular expression scans the post left to right; at each position
the first of these that matches gives the token (everything else, i.e. spaces and
punctuation, is dropped):

=============  ==============================================  =====================
kind           what                                            example
=============  ==============================================  =====================
``url``        ``http://``, ``https://`` or ``www.`` then       ``https://t.co/Ab1``
               printable ASCII, not ending in ``.,;:!?)'"``
``mention``    ``@`` + letters, digits, ``_``, not after a      ``@klm``
               letter/digit/``_``/``@`` (so no e-mail parts)
``hashtag``    ``#`` + word characters holding at least one     ``#prayforparis``
               letter, not after a word character or ``&``
``emoticon``   ASCII faces and hearts: ``:)`` ``;-)`` ``:D``    ``:'(``  ``<3``
               ``:p`` ``:/`` ``(:`` ``D:`` ``<3`` ``</3``
               ``^_^`` ``-_-`` ``xD``
``emoji``      a full emoji sequence (see :mod:`.emojis`)       ``👩🏽‍⚕️``
``number``     digits with inner ``.``, ``,`` or ``:``          ``10:30`` ``3.5``
``word``       letters, digits, ``_`` and combining marks,      ``don't`` ``well-being``
               with inner ``'``, ``’`` or ``-``
=============  ==============================================  =====================

Normalisation: ``&amp;``, ``&lt;`` and ``&gt;`` (the Twitter API escapes these
three) are decoded first; ``’`` becomes ``'`` in words; emojis
are given in their fully-qualified form (❤ → ❤️); with ``lowercase`` words,
numbers, hashtags and mentions are lower-cased, URLs and emoticons are kept as
written (a URL path is case-sensitive; ``:D`` is not ``:d``).

Words for lexicon counting (LIWC's word count) are the ``word``, ``number`` and
``emoticon`` tokens; URLs, mentions, hashtags and emojis are not words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator
from functools import cache
from importlib import resources
from typing import Literal

from crowdpulse.text.emojis import _tables as _emoji_tables
from crowdpulse.text.emojis import normalize_emoji

__all__ = [
    "STOPWORDS",
    "WORD_KINDS",
    "TokenKind",
    "stopwords",
    "token_kind",
    "tokenize",
]

TokenKind = Literal["url", "mention", "hashtag", "emoticon", "emoji", "number", "word"]
KINDS: tuple[TokenKind, ...] = ("url", "mention", "hashtag", "emoticon", "emoji", "number", "word")
WORD_KINDS: frozenset[str] = frozenset({"word", "number", "emoticon"})
"""Token kinds that count as words (LIWC's word count)."""

# Never end a token on a digit, # or * that starts a keycap emoji (1️⃣ #️⃣): leave it to the emoji.
_KEYCAP_GUARD = r"(?:(?<![0-9#*])|(?!\ufe0f?\u20e3))"
_URL = r"(?i:https?://|www\.)[!-~]*[A-Za-z0-9/_=#&%~+\-]" + _KEYCAP_GUARD
_MENTION = r"(?<![A-Za-z0-9_@])@[A-Za-z0-9_]+" + _KEYCAP_GUARD
_EYES = r"[:;=]"
_NOSE = r"['\-o^]?"
_EMOTICON_SYMBOL = "|".join(
    [
        r"</?3+" + _KEYCAP_GUARD,
        r">?" + _EYES + _NOSE + r"[)\](\[/\\|}{@*]" + _KEYCAP_GUARD,
        r">?" + _EYES + _NOSE + r"[DPpOoXx3S](?![A-Za-z0-9])" + _KEYCAP_GUARD,
        r"(?<![A-Za-z0-9])[(\[][\-']?" + _EYES + r"(?![A-Za-z0-9])",
        r"\^_*\^",
        r"-_+-",
    ]
)
_EMOTICON_LETTER = "|".join(
    [
        r"(?<![A-Za-z0-9])D[\-']?" + _EYES + r"(?![A-Za-z0-9/])",
        r"(?<![A-Za-z0-9])(?:[oO][._][oO]|[Tt]_[Tt]|[xX]D+)(?![A-Za-z0-9])",
    ]
)
_EMOTICON = _EMOTICON_SYMBOL + "|" + _EMOTICON_LETTER
_NUMBER = r"[0-9]+(?:[.,:][0-9]+)+" + _KEYCAP_GUARD


def _mark_class() -> str:
    """A character class of the combining marks (Mn, Mc) in words, less U+FE00-FE0F.

    Only the Basic Multilingual Plane: astral ranges in a class make the engine test
    them one by one for every character (2.5x slower word matching), and the
    combining marks beyond it (Brahmi, musical notation) are rare in posts.
    """
    ranges: list[tuple[int, int]] = []
    start = prev = -2
    for cp in range(0x10000):
        if 0xFE00 <= cp <= 0xFE0F or unicodedata.category(chr(cp)) not in ("Mn", "Mc"):
            continue
        if cp != prev + 1:
            if start >= 0:
                ranges.append((start, prev))
            start = cp
        prev = cp
    if start >= 0:
        ranges.append((start, prev))
    body = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return "[" + body + "]"


@cache
def _compiled() -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """The full token scanner and one full-match pattern per kind (once per process)."""
    marks = _mark_class()
    # A word character; a digit that starts a keycap (1️⃣) and ℹ are left to the emoji branch.
    wch = rf"(?:[^\W0-9\u2139]+|[0-9](?!\ufe0f?\u20e3)|{marks}+)"
    word = rf"{wch}+(?:['’\-]{wch}+)*"
    hashtag = rf"(?<![\w&#])#(?=\w*?[^\W\d_]){wch}+"
    emoji = _emoji_tables()[0].pattern
    parts = [_URL, _MENTION, hashtag, _EMOTICON, emoji, _NUMBER, word]
    kinds = tuple(re.compile(f"(?:{p})") for p in parts)
    return _scanner(hashtag, emoji, word), kinds


def _scanner(hashtag: str, emoji: str | None, word: str) -> re.Pattern[str]:
    """Join the branches, each behind a cheap look-ahead on its possible first characters.

    ``findall`` on the result returns the tokens (the pattern's one group).

    At each position the engine then only tries the branches that can start there
    (the emoji branch carries its own look-ahead).
    """
    guarded = [
        (r"(?=[hHwW])", _URL),
        (r"(?=@)", _MENTION),
        (r"(?=#)", hashtag),
        (r"(?=[<>:;=(\[^\-])", _EMOTICON_SYMBOL),
        (r"(?=[DoOTtxX][\-'._:;=D])", _EMOTICON_LETTER),
        (r"(?=[0-9])", _NUMBER),
        ("", word),
        # Last: no word or number can start where an emoji does (digits that start a
        # keycap are given back by the keycap guards), and most tokens are words.
        ("", emoji),
    ]
    branches = "|".join(f"{g}(?:{p})" for g, p in guarded if p is not None)
    # The spaces before a token are taken in one possessive step, instead of failing
    # every branch at each space (a third faster); only the first space of a run
    # does so (the look-behind), which keeps long runs of spaces linear. The one
    # group makes findall return the token without them.
    return re.compile(rf"(?:(?<!\s)\s++)?({branches})")


@cache
def _scanners() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Three scanners giving the same tokens, fastest first, and a combining-mark finder.

    * ASCII text can hold no emoji and no combining mark: plain ASCII classes.
    * Other text without combining marks: one class for word characters, and a
      look-ahead at the end of a word or hashtag that gives a trailing keycap
      digit back to the emoji branch (the engine backtracks one character).
    * Text with combining marks: the full scanner of :func:`_compiled`.
    """
    full = _compiled()[0]
    emoji = _emoji_tables()[0].pattern
    ascii_word = r"[A-Za-z0-9_]+(?:['\-][A-Za-z0-9_]+)*"
    ascii_hashtag = r"(?<![\w&#])#(?=\w*?[^\W\d_])[A-Za-z0-9_]+"
    plain = _scanner(ascii_hashtag, None, ascii_word)
    word = r"[^\W\u2139]+(?:['’\-][^\W\u2139]+)*" + _KEYCAP_GUARD
    hashtag = r"(?<![\w&#])#(?=\w*?[^\W\d_])[^\W\u2139]+" + _KEYCAP_GUARD
    unmarked = _scanner(hashtag, emoji, word)
    return plain, unmarked, full, re.compile(_mark_class())


@cache
def stopwords() -> frozenset[str]:
    """Return the shipped English stopword list (lower case).

    The list is scikit-learn's ``ENGLISH_STOP_WORDS`` (318 words, BSD-3-Clause, from
    the Glasgow Information Retrieval Group), written to ``data/stopwords_en.txt``
    by ``scripts/build_open_lexicon.py``, plus the same words' forms with ``'``
    where English contracts them (``don't``, ``i'm``, ...).

    Returns:
        The stopwords.
    """
    path = resources.files("crowdpulse.text") / "data" / "stopwords_en.txt"
    words = path.read_text(encoding="utf-8").split()
    return frozenset(w for w in words if not w.startswith("#"))


class _StopwordsProxy(Collection[str]):
    """A lazily loaded view of :func:`stopwords` (keeps ``import`` cheap)."""

    def __contains__(self, item: object) -> bool:
        return item in stopwords()

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(stopwords()))

    def __len__(self) -> int:
        return len(stopwords())

    def __repr__(self) -> str:
        return f"<{len(self)} English stopwords>"


STOPWORDS: Collection[str] = _StopwordsProxy()
"""The shipped stopword list (see :func:`stopwords`)."""


def _kind(raw: str) -> TokenKind:
    """Classify one raw token found by the scanner."""
    first = raw[0]
    if first == "@" and len(raw) > 1:
        return "mention"
    _, kinds = _compiled()
    for name, pattern in zip(KINDS, kinds, strict=True):
        if name == "mention":
            continue
        if pattern.fullmatch(raw) is not None:
            return "number" if name == "word" and raw.isdigit() else name
    return "word"


def _forms(raw: str) -> tuple[TokenKind, str, str]:
    """Return the kind, the written form and the lower-cased form of a raw token."""
    kind = _kind(raw)
    if kind == "emoji":
        form = normalize_emoji(raw)
        return kind, form, form
    if kind in ("url", "emoticon"):
        return kind, raw, raw
    if kind == "word" and "’" in raw:
        raw = raw.replace("’", "'")
    return kind, raw, raw.lower()


_FORM_CACHE: dict[str, tuple[TokenKind, str, str]] = {}
_CACHE_LIMIT = 500_000


def _token_forms(raw: str) -> tuple[TokenKind, str, str]:
    found = _FORM_CACHE.get(raw)
    if found is None:
        if len(_FORM_CACHE) >= _CACHE_LIMIT:
            _FORM_CACHE.clear()
        found = _FORM_CACHE[raw] = _forms(raw)
    return found


def prepare(text: str) -> str:
    """Decode the three HTML entities the Twitter API writes in post texts (``&amp;`` → ``&``).

    Args:
        text: A post text.

    Returns:
        The text with entities decoded (unchanged when it holds none).
    """
    if "&" in text and ";" in text:
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text


def raw_tokens(text: str) -> list[str]:
    """Return the tokens of ``text`` exactly as written (no case or form changes).

    Args:
        text: A post text (HTML entities are decoded first).

    Returns:
        The raw token strings, in order.
    """
    if not text:
        return []
    text = prepare(text)
    plain, unmarked, full, marks = _scanners()
    if text.isascii():
        return plain.findall(text)
    if marks.search(text) is None:
        return unmarked.findall(text)
    return full.findall(text)


def token_kind(token: str) -> TokenKind:
    """Tell which kind a token is: url, mention, hashtag, emoticon, emoji, number or word.

    Args:
        token: One token, as :func:`tokenize` returns it (or as written).

    Returns:
        The kind.
    """
    return _token_forms(token)[0]


def tokenize(
    text: str,
    *,
    lowercase: bool = True,
    remove_stopwords: bool = False,
    drop_hashtags: Collection[str] = (),
) -> list[str]:
    """Split a post into tokens, keeping hashtags, mentions, URLs, emoticons and emojis whole.

    Args:
        text: The post text.
        lowercase: Lower-case words, numbers, hashtags and mentions (URLs and
            emoticons are kept as written; emojis have no case).
        remove_stopwords: Leave out the words of the shipped stopword list
            (:func:`stopwords`), compared in lower case.
        drop_hashtags: Hashtags to leave out, given without ``#`` and compared
            case-insensitively (e.g. the label hashtags of distant labelling).

    Returns:
        The tokens in order; punctuation and spaces are dropped.

    Examples:
        >>> tokenize("RT @KLM: We stand with you ❤ #PrayForParis https://t.co/x :)")
        ['rt', '@klm', 'we', 'stand', 'with', 'you', '❤️', '#prayforparis', 'https://t.co/x', ':)']
    """
    raws = raw_tokens(text)
    if not raws:
        return []
    drop = {h.lower().lstrip("#") for h in drop_hashtags} if drop_hashtags else None
    stop = stopwords() if remove_stopwords else None
    out: list[str] = []
    for raw in raws:
        kind, written, lower = _token_forms(raw)
        if drop is not None and kind == "hashtag" and lower[1:] in drop:
            continue
        if stop is not None and kind == "word" and lower in stop:
            continue
        out.append(lower if lowercase else written)
    return out
