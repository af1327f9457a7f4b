"""Emoji extraction: every emoji of a post as one full sequence, in order.

An emoji here is any sequence listed in the ``emoji`` package's ``EMOJI_DATA``
(Unicode's emoji-test.txt: fully-qualified, minimally-qualified and unqualified
forms, components), matched longest first. So a ZWJ family (👨‍👩‍👧‍👦), a health worker
with a skin tone (👩🏽‍⚕️), a flag (🇫🇷), a subdivision flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿) and a keycap (1️⃣)
are each one emoji. Rules, in the order they apply:

* The longest known sequence starting at a position wins; a ZWJ sequence that is
  not in the list (e.g. 👨‍🦰‍👩) falls apart into its longest known parts, and the
  joiner between them is left in the remainder (as the ``emoji`` package does).
* Text-default symbols count without a variation selector (☺, ❤, ✈ are emojis:
  Twitter showed them as emojis), except ©, ® and ™, which are typographic
  signs unless followed by U+FE0F (©️ is an emoji, © is not).
* A symbol followed by U+FE0E (text presentation selector) is not an emoji:
  the writer asked for the text glyph.
* Digits, ``#`` and ``*`` alone are never emojis; with U+20E3 they are keycaps.
* 🏴 followed by an incomplete tag sequence is the black flag; the tag characters
  stay in the remainder (UTS #51 displays the base of a malformed tag sequence).

:func:`extract_emojis` returns the sequences exactly as they appear in the text,
so that the emojis and the remainder reassemble the post.
:func:`normalize_emoji` maps each to its fully-qualified form (❤ → ❤️), the form
the corpus columns store so that counts do not split between the two.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache

__all__ = [
    "SKIN_TONES",
    "TEXT_SYMBOLS",
    "emoji_name",
    "emoji_spans",
    "extract_emojis",
    "fold_skin_tones",
    "is_emoji",
    "normalize_emoji",
    "strip_variation_selectors",
]

SKIN_TONES: frozenset[str] = frozenset("\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff")
"""The five Fitzpatrick skin-tone modifiers U+1F3FB..U+1F3FF."""

TEXT_SYMBOLS: frozenset[str] = frozenset("\u00a9\u00ae\u2122")
"""©, ®, ™: emojis only when followed by U+FE0F."""

_GROUP = 32
_VS15 = "\ufe0e"
_VS16 = "\ufe0f"
_TONE_NAME = re.compile(r"_(?:light|medium-light|medium|medium-dark|dark)_skin_tone")


@cache
def _tables() -> tuple[re.Pattern[str], dict[str, str], dict[str, str]]:
    """Compile the emoji matcher and the lookup tables (once per process).

    Returns:
        The compiled trie regex, the map from a variation-selector-free key to the
        fully-qualified form, and the map from CLDR short name to that form.
    """
    from emoji import EMOJI_DATA

    keys = [k for k in EMOJI_DATA if k not in TEXT_SYMBOLS]
    qualified: dict[str, str] = {}
    by_name: dict[str, str] = {}
    # A fully-qualified form wins over other forms sharing its stripped key.
    for key in sorted(EMOJI_DATA, key=lambda k: EMOJI_DATA[k]["status"] != 2):
        stripped = strip_variation_selectors(key)
        qualified.setdefault(stripped, key)
        by_name.setdefault(EMOJI_DATA[key]["en"], key)
    return re.compile(_trie_regex(keys)), qualified, by_name


def _trie_regex(words: list[str]) -> str:
    """Build a regex matching any of ``words``, longest match first, as a character trie.

    A flat alternation of ~5,000 literals is tried branch by branch at every
    candidate position; the trie shares prefixes, so a match costs one branch per
    code point. Greedy optional groups make the longest word win, backtracking to
    the last complete word when a longer path fails.
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render_node(node: dict[str, dict]) -> str:
        # Alternatives over the node's children; a child that ends a word makes
        # the rest of its path optional.
        chars = sorted(c for c in node if c)
        parts = []
        for ch in chars:
            child = node[ch]
            rest = render_node(child)
            if rest and "" in child:
                parts.append(re.escape(ch) + "(?:" + rest + ")?")
            else:
                parts.append(re.escape(ch) + rest)
        if not parts:
            return ""
        if len(parts) == 1:
            return parts[0]
        if len(parts) <= _GROUP:
            return "(?:" + "|".join(parts) + ")"
        # The engine tries a group's branches one after the other: with ~1,400 first
        # code points that is slow at every emoji. Split them into groups behind a
        # one-range look-ahead, so that a match tries ~40 ranges and ~32 branches.
        groups = []
        for i in range(0, len(parts), _GROUP):
            lo, hi = re.escape(chars[i]), re.escape(chars[min(i + _GROUP, len(parts)) - 1])
            groups.append(f"(?=[{lo}-{hi}])(?:" + "|".join(parts[i : i + _GROUP]) + ")")
        return "(?:" + "|".join(groups) + ")"

    core = render_node(trie)
    # A one-class look-ahead on the first code point lets the engine skip ordinary
    # characters without trying the root's ~1,400 branches one by one.
    first = _ranges_class({w[0] for w in words})
    # U+FE0E after a single symbol asks for its text glyph: not an emoji then.
    return "(?=" + first + ")(?:" + core + ")(?!" + _VS15 + ")"


def _ranges_class(chars: set[str]) -> str:
    """A character class covering ``chars`` as few ranges (gaps under 64 are bridged).

    Listing ~1,400 code points one by one makes the engine scan them linearly for
    each character outside the Basic Multilingual Plane; a handful of ranges is
    checked at once. The class is a superset used only as a look-ahead filter.
    """
    points = sorted(ord(c) for c in chars)
    ranges: list[list[int]] = []
    for cp in points:
        if ranges and cp - ranges[-1][1] <= 64 and cp > 0x7F:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    body = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return "[" + body + "]"


def strip_variation_selectors(text: str) -> str:
    """Remove the variation selectors U+FE0E and U+FE0F from ``text``.

    Args:
        text: An emoji or any string.

    Returns:
        The string without variation selectors (❤️ → ❤).
    """
    if _VS16 in text or _VS15 in text:
        return text.replace(_VS16, "").replace(_VS15, "")
    return text


def emoji_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield the ``(start, end)`` offsets of every emoji in ``text``, in order.

    Args:
        text: A post.

    Yields:
        Half-open code-point offsets of each emoji sequence.
    """
    if not text or text.isascii():
        return
    pattern = _tables()[0]
    for match in pattern.finditer(text):
        yield match.span()


def extract_emojis(text: str, *, fold_skin_tones: bool = False) -> list[str]:
    """Return every emoji of ``text``, in order, with repeats, each a full sequence.

    Args:
        text: A post.
        fold_skin_tones: Replace each skin-toned emoji by its base emoji in its
            fully-qualified form (👋🏽 → 👋, 👩🏽‍⚕️ → 👩‍⚕️, 🫱🏻‍🫲🏿 → 🤝). A lone
            modifier (🏽) stays as it is.

    Returns:
        The emoji sequences exactly as written (unless folded). Concatenating them
        with the text outside their spans gives back ``text``.

    Examples:
        >>> extract_emojis("Pray for Paris🇫🇷❤️ #paris 👋🏽")
        ['🇫🇷', '❤️', '👋🏽']
    """
    if not text or text.isascii():
        return []
    found = _tables()[0].findall(text)
    if fold_skin_tones:
        return [_fold(e) for e in found]
    return found


def is_emoji(text: str) -> bool:
    """Tell whether ``text`` is exactly one emoji sequence.

    Args:
        text: A candidate string.

    Returns:
        True when the whole string is a single emoji as :func:`extract_emojis`
        would return it.
    """
    if not text or text.isascii():
        return False
    match = _tables()[0].match(text)
    return match is not None and match.end() == len(text)


def normalize_emoji(e: str) -> str:
    """Return the fully-qualified form of an emoji (❤ and ❤︎-less forms → ❤️).

    Args:
        e: One emoji sequence.

    Returns:
        The fully-qualified sequence from Unicode's emoji list; a sequence the list
        lacks is returned without change.
    """
    return _tables()[1].get(strip_variation_selectors(e), e)


def _fold(e: str) -> str:
    if not any(ch in SKIN_TONES for ch in e):
        return e
    stripped = "".join(ch for ch in e if ch not in SKIN_TONES)
    if not stripped:
        return e
    _, qualified, by_name = _tables()
    key = strip_variation_selectors(stripped)
    if key in qualified:
        return qualified[key]
    # Sequences whose toneless form is a different emoji (🫱🏻‍🫲🏿 is 🤝 with tones).
    from emoji import EMOJI_DATA

    data = EMOJI_DATA.get(normalize_emoji(e))
    if data is not None:
        base = by_name.get(_TONE_NAME.sub("", data["en"]))
        if base is not None:
            return base
    return stripped


def fold_skin_tones(e: str) -> str:
    """Return the base emoji of a skin-toned emoji, in its fully-qualified form.

    Args:
        e: One emoji sequence.

    Returns:
        The emoji without skin tones (👋🏽 → 👋); ``e`` itself when it has none or
        is a lone modifier.
    """
    return _fold(e)


def emoji_name(e: str) -> str:
    """Return the CLDR short name of an emoji, e.g. ``"red heart"`` for ❤️.

    Args:
        e: One emoji sequence, in any qualification.

    Returns:
        The name from Unicode's emoji list (underscores as spaces); for a sequence
        the list lacks, the Unicode names of its code points joined by ``" + "``
        (variation selectors and joiners left out).

    Raises:
        ValueError: ``e`` is empty.
    """
    if not e:
        raise ValueError("emoji_name() needs a non-empty string")
    from emoji import EMOJI_DATA

    data = EMOJI_DATA.get(e) or EMOJI_DATA.get(normalize_emoji(e))
    if data is not None:
        return str(data["en"]).strip(":").replace("_", " ")
    parts = [
        unicodedata.name(ch, f"U+{ord(ch):04X}").lower()
        for ch in e
        if ch not in (_VS15, _VS16, "\u200d")
    ]
    return " + ".join(parts)
