"""Normalise free-text profile locations into groups, segments and tokens.

A profile location such as ``"Miami FL • USA 🇺🇸"`` is read in layers:

* **flags** (regional-indicator pairs such as 🇫🇷, and the England/Scotland/Wales tag
  sequences) are taken out as country codes;
* **coordinates** typed into the field (``"ÜT: 10.23,-67.58"``, ``"N 41°24' / E 2°11'"``)
  are taken out as a latitude/longitude pair;
* URLs, e-mail addresses, @handles and pronoun sets (``she/her``) are removed;
* the rest is split into **groups** at list separators (``/``, ``|``, ``•``, `` - ``,
  emojis and other symbols): each group names one place;
* each group is split into **segments** at commas, parentheses, ``#`` and sentence
  periods: the segments of a group form a hierarchy (``city, state, country``);
* each segment is split into **tokens**; a token keeps its original spelling (for case
  tests such as ``"FL"`` versus ``"fl"``) and its *key*: case-folded, accents stripped,
  apostrophes dropped.

:func:`fold` applies the same key transformation to gazetteer names, so that a name and
a typed location meet on the same key. Changing it needs a rebuild of the gazetteer
(``scripts/build_gazetteer.py``); :data:`FOLD_VERSION` guards that.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "FOLD_VERSION",
    "ParsedLocation",
    "Segment",
    "Token",
    "fold",
    "fold_token",
    "parse_location",
    "prepare",
    "split_tokens",
]

FOLD_VERSION = 1
"""Version of the key transformation; stored in the gazetteer and checked on load."""

_LATIN_LIMIT = 0x0250  # combining marks are stripped after Latin letters only
_EXTRA_FOLDS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i", "þ": "th", "ð": "d"}
)
_APOSTROPHES = re.compile(r"[\u0027\u2018\u2019\u02bc\u0060\u00b4]")
_ACRONYM = re.compile(r"(?<![\w.])((?:[A-Za-z]\.){2,})(?=\W|$)")
_SPACED_LETTERS = re.compile(r"(?<![^\W_])[A-Za-z](?: [A-Za-z])+(?![^\W_])")
_SHORT_WORD_PERIOD = re.compile(r"\b(St|Ste|Mt|Ft|Pt|Dept|Ave|Rd|Nr|No)\.(?=\s*\w)", re.IGNORECASE)
_AMPERSAND = re.compile(r"\s*&\s*")


def _mark_class() -> str:
    """Character ranges of the combining marks of the Basic Multilingual Plane."""
    ranges: list[str] = []
    start = None
    for code in range(0x10000):
        is_mark = unicodedata.category(chr(code))[0] == "M"
        if is_mark and start is None:
            start = code
        elif not is_mark and start is not None:
            ranges.append(f"\\u{start:04x}-\\u{code - 1:04x}")
            start = None
    return "".join(ranges)


# A word is a run of letters, digits and combining marks (Thai and Indic vowel signs).
_WORD = re.compile(f"(?:[^\\W_]|[{_mark_class()}])+")


def fold_token(token: str) -> str:
    """Return the matching key of one token: case-folded, accents stripped.

    Combining marks are removed only after Latin letters, so Thai, Devanagari or
    Arabic words keep their vowel signs.

    Args:
        token: A run of letters and digits.

    Returns:
        The key, e.g. ``"mexico"`` for ``"México"``.
    """
    if token.isascii():
        return token.casefold()
    decomposed = unicodedata.normalize("NFKD", token)
    out: list[str] = []
    previous = ""
    for char in decomposed:
        if unicodedata.category(char) == "Mn" and previous and ord(previous) < _LATIN_LIMIT:
            continue
        out.append(char)
        previous = char
    return unicodedata.normalize("NFC", "".join(out)).casefold().translate(_EXTRA_FOLDS)


def prepare(text: str) -> str:
    """Apply the spelling rules shared by names and typed locations.

    NFKC normalisation, acronym periods joined (``U.S.A.`` -> ``USA``), periods after
    short words dropped (``St. Louis`` -> ``St Louis``), apostrophes removed
    (``Côte d'Ivoire`` -> ``Côte dIvoire``) and ``&`` written as ``and``.

    Args:
        text: A name or a typed location.

    Returns:
        The prepared text (case and accents unchanged).
    """
    text = unicodedata.normalize("NFKC", text)
    if "." in text:
        text = _ACRONYM.sub(lambda m: m.group(1).replace(".", ""), text)
        text = _SHORT_WORD_PERIOD.sub(r"\1", text)
    if not text.isascii() or "'" in text or "`" in text:
        text = _APOSTROPHES.sub("", text)
    return _AMPERSAND.sub(" and ", text) if "&" in text else text


def split_tokens(text: str) -> list[str]:
    """Split prepared text into runs of letters and digits (everything else separates)."""
    return _WORD.findall(text)


def fold(text: str) -> str:
    """Return the matching key of a whole name: tokens folded and joined by one space.

    Args:
        text: A place name such as ``"Ashton-under-Lyne"`` or ``"Saint Barthélemy"``.

    Returns:
        ``"ashton under lyne"``, ``"saint barthelemy"``.
    """
    return " ".join(fold_token(t) for t in split_tokens(prepare(text)))


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a typed location.

    Attributes:
        text: As typed (after NFKC), e.g. ``"FL"``.
        key: Its matching key, e.g. ``"fl"``.
    """

    text: str
    key: str

    @property
    def is_upper(self) -> bool:
        """True when every cased letter is upper case (``"FL"``, ``"USA"``)."""
        return self.text.isupper()

    @property
    def is_capitalised(self) -> bool:
        """True when the first letter is upper case (``"Reading"``, ``"NYC"``)."""
        return self.text[:1].isupper()


@dataclass(frozen=True, slots=True)
class Segment:
    """A comma-level part of a group: ``"Miami FL"`` in ``"Miami FL, USA"``."""

    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class ParsedLocation:
    """A typed location taken apart.

    Attributes:
        groups: The places listed, each a tuple of segments (hierarchy within a place).
        flags: ISO alpha-2 codes of flag emojis, in order.
        coordinates: ``(latitude, longitude)`` typed into the field, if any.
        removed: What was taken out, e.g. ``{"url", "pronouns", "emoji"}``.
        mixed_case: True when the text has both upper- and lower-case letters, so that
            capitalisation tells proper names from words.
    """

    groups: tuple[tuple[Segment, ...], ...]
    flags: tuple[str, ...] = ()
    coordinates: tuple[float, float] | None = None
    removed: frozenset[str] = field(default_factory=frozenset)
    mixed_case: bool = False


_REGIONAL = "\U0001f1e6-\U0001f1ff"
_FLAG = re.compile(f"([{_REGIONAL}])([{_REGIONAL}])")
_TAG_FLAG = re.compile("\U0001f3f4([\U000e0061-\U000e007a]{2,6})\U000e007f")
_URL = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|co|me|ly|tv|gg|info|biz|app|dev|xyz|link|page"
    r"|site|online|store|shop|blog|jp|uk|de|fr|it|es|br|in)\b(?:/\S*)?"
    r"|\b[\w-]+\.[a-z]{2,}/\S*",
    re.IGNORECASE | re.ASCII,
)
_DIGIT = re.compile(r"\d")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_PRONOUNS = re.compile(
    r"\b(?:she|he|they|it|xe|ze|fae|ey|any|all)\s*/\s*(?:her|hers|him|his|they|them|theirs|it|its"
    r"|xem|xir|zir|hir|faer|em|all|any|she|he)\b(?:\s*/\s*(?:her|hers|him|his|they|them|it|its|any|all))*",
    re.IGNORECASE,
)
_DECIMAL_PAIR = re.compile(
    r"(?<![\w.])([-+]?\d{1,2}\.\d{3,})\s*[,;/ ]\s*([-+]?\d{1,3}\.\d{3,})(?![\w.])"
)
_DMS = re.compile(
    r"([NS])\s*(\d{1,2})\s*°\s*(?:(\d{1,2})\s*['′])?\s*(?:(\d{1,2}(?:\.\d+)?)\s*(?:''|\"|″))?"
    r"[\s,/]*([EW])\s*(\d{1,3})\s*°\s*(?:(\d{1,2})\s*['′])?\s*(?:(\d{1,2}(?:\.\d+)?)\s*(?:''|\"|″))?",
    re.IGNORECASE,
)
# Hard list separators: each side names another place.
_GROUP_SPLIT = re.compile(r"\s+[-\u2013\u2014]+\s+|[/|\\•·;\n\t\u2013\u2014]|\s-{2,}\s*")
# Hierarchy separators inside a group.
_SEGMENT_SPLIT = re.compile(r"[,()\[\]{}#:]|\.(?=\s|$)|\.(?=[A-Za-z]{2})")


def _symbol_class() -> str:
    """Character ranges of symbols (emojis, dingbats, arrows, maths, currency)."""
    ranges: list[str] = []
    start = None
    for code in range(0x10000):
        char = chr(code)
        is_symbol = unicodedata.category(char) in ("So", "Sk", "Sm", "Sc", "Co", "Cs") or code in (
            0x200D,
            0xFE0E,
            0xFE0F,
            0x20E3,
        )
        if is_symbol and start is None:
            start = code
        elif not is_symbol and start is not None:
            ranges.append(f"\\u{start:04x}-\\u{code - 1:04x}")
            start = None
    # Emoji and symbol planes, tags (flag sequences).
    ranges.append("\\U0001f000-\\U0001faff\\U000e0020-\\U000e007f\\U0001d400-\\U0001d7ff")
    return "".join(ranges)


_SYMBOLS = re.compile(f"[{_symbol_class()}]+")


def _dms_to_decimal(hemisphere: str, deg: str, minutes: str | None, seconds: str | None) -> float:
    value = float(deg) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
    return -value if hemisphere.upper() in ("S", "W") else value


def _find_coordinates(text: str) -> tuple[tuple[float, float] | None, str]:
    match = _DMS.search(text)
    if match:
        lat = _dms_to_decimal(match.group(1), match.group(2), match.group(3), match.group(4))
        lon = _dms_to_decimal(match.group(5), match.group(6), match.group(7), match.group(8))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return (lat, lon), text[: match.start()] + " " + text[match.end() :]
    match = _DECIMAL_PAIR.search(text)
    if match:
        lat, lon = float(match.group(1)), float(match.group(2))
        if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0):
            return (lat, lon), text[: match.start()] + " " + text[match.end() :]
    return None, text


def _flags(text: str) -> tuple[list[str], str]:
    codes: list[str] = []

    def regional(match: re.Match[str]) -> str:
        codes.append(
            chr(ord(match.group(1)) - 0x1F1E6 + 65) + chr(ord(match.group(2)) - 0x1F1E6 + 65)
        )
        return " / "

    def tagged(match: re.Match[str]) -> str:
        letters = "".join(chr(ord(c) - 0xE0000) for c in match.group(1))
        codes.append(letters[:2].upper())
        return " / "

    text = _TAG_FLAG.sub(tagged, text)
    text = _FLAG.sub(regional, text)
    return codes, text


def _join_letters(match: re.Match[str]) -> str:
    run = match.group(0)
    return run.replace(" ", "") if run.isupper() or run.islower() else run


def parse_location(text: str) -> ParsedLocation:
    """Take a typed location apart into flags, coordinates, groups, segments and tokens.

    Args:
        text: The free-text location as the user typed it.

    Returns:
        The parsed location; ``groups`` is empty when nothing word-like is left.
    """
    removed: set[str] = set()
    text = unicodedata.normalize("NFKC", text)
    coordinates: tuple[float, float] | None = None
    if _DIGIT.search(text):
        coordinates, text = _find_coordinates(text)
        if coordinates is not None:
            removed.add("coordinates")
    flags: list[str] = []
    if not text.isascii():
        flags, text = _flags(text)
        if flags:
            removed.add("flag")
    # Each pattern runs only when the character it needs is there (most texts are plain).
    at, dot, slash = "@" in text, "." in text, "/" in text
    for name, pattern, needed in (
        ("email", _EMAIL, at),
        ("url", _URL, dot or slash),
        ("handle", _HANDLE, at),
        ("pronouns", _PRONOUNS, slash),
    ):
        if needed:
            text, count = pattern.subn(" / ", text)
            if count:
                removed.add(name)
    text, count = _SYMBOLS.subn(" / ", text)
    if count:
        removed.add("emoji")
    text = prepare(text)
    if " " in text:  # letters spelled out one by one: "U S A" -> "USA", "u a e" -> "uae"
        text = _SPACED_LETTERS.sub(_join_letters, text)
    # Both cases present: the text has capitals and small letters (caseless scripts: no).
    mixed_case = text != text.lower() and text != text.upper()
    groups: list[tuple[Segment, ...]] = []
    for group_text in _GROUP_SPLIT.split(text):
        segments: list[Segment] = []
        for segment_text in _SEGMENT_SPLIT.split(group_text):
            words = split_tokens(segment_text)
            if words:
                segments.append(Segment(tuple(Token(w, fold_token(w)) for w in words)))
        if segments:
            groups.append(tuple(segments))
    return ParsedLocation(
        groups=tuple(groups),
        flags=tuple(flags),
        coordinates=coordinates,
        removed=frozenset(removed),
        mixed_case=mixed_case,
    )
