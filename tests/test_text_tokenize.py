"""The tokenizer: table-driven cases, options, and agreement of its three scanners."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdpulse.text import STOPWORDS, stopwords, token_kind, tokenize
from crowdpulse.text.tokenize import _scanners, prepare, raw_tokens

TOKEN_CASES = [
    (
        "RT @KLM: We stand with you ❤ #PrayForParis https://t.co/AbC1 :)",
        [
            "rt",
            "@klm",
            "we",
            "stand",
            "with",
            "you",
            "❤️",
            "#prayforparis",
            "https://t.co/AbC1",
            ":)",
        ],
    ),
    ("Don’t panic, it's well-being!", ["don't", "panic", "it's", "well-being"]),
    (
        "at 10:30 about 3.5 km, 1,000 people",
        ["at", "10:30", "about", "3.5", "km", "1,000", "people"],
    ),
    ("see www.example.org/a?b=1.", ["see", "www.example.org/a?b=1"]),
    ("(http://x.co/abc)", ["http://x.co/abc"]),
    ("mail me at a@b.com", ["mail", "me", "at", "a", "b", "com"]),
    ("hello#world and #1 but #a1", ["hello", "world", "and", "1", "but", "#a1"]),
    ("&lt;3 you &amp; me", ["<3", "you", "me"]),
    (
        ":D xD XD o_O ^_^ -_- :'( ;-) </3",
        [":D", "xD", "XD", "o_O", "^_^", "-_-", ":'(", ";-)", "</3"],
    ),
    ("D: and (: but not :Dude", ["D:", "and", "(:", "but", "not", "dude"]),
    ("Paris🇫🇷❤️#jesuischarlie", ["paris", "🇫🇷", "❤️", "#jesuischarlie"]),
    ("café naïve हिन्दी #हिन्दी", ["café", "naïve", "हिन्दी", "#हिन्दी"]),
    ("e\u0301te\u0301 (decomposed)", ["e\u0301te\u0301", "decomposed"]),
    ("abc1️⃣ @user1️⃣ #tag1️⃣", ["abc", "1️⃣", "@user", "1️⃣", "#tag", "1️⃣"]),
    ("'quoted' - dash -- ...", ["quoted", "dash"]),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), TOKEN_CASES)
def test_tokenize_cases(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("https://t.co/x", "url"),
        ("www.a.org", "url"),
        ("@klm", "mention"),
        ("#paris", "hashtag"),
        (":)", "emoticon"),
        (":D", "emoticon"),
        ("xD", "emoticon"),
        ("👩🏽‍⚕️", "emoji"),
        ("1️⃣", "emoji"),
        ("10:30", "number"),
        ("2015", "number"),
        ("don't", "word"),
        ("paris", "word"),
    ],
)
def test_token_kind(token: str, kind: str) -> None:
    assert token_kind(token) == kind


def test_lowercase_off_keeps_the_written_forms() -> None:
    assert tokenize("RT @KLM We ❤ #Paris :D", lowercase=False) == [
        "RT",
        "@KLM",
        "We",
        "❤️",
        "#Paris",
        ":D",
    ]


def test_urls_and_emoticons_keep_their_case() -> None:
    assert tokenize("https://t.co/AbC :P") == ["https://t.co/AbC", ":P"]


def test_remove_stopwords() -> None:
    text = "We are all with the people of Paris, aren't we? #prayforparis"
    assert tokenize(text, remove_stopwords=True) == ["people", "paris", "#prayforparis"]


def test_drop_hashtags_is_case_insensitive_and_takes_names_without_hash() -> None:
    text = "#PrayForParis stay safe #JeSuisParis #news"
    assert tokenize(text, drop_hashtags={"prayforparis", "JESUISPARIS"}) == [
        "stay",
        "safe",
        "#news",
    ]
    assert tokenize(text, drop_hashtags=["#news"]) == [
        "#prayforparis",
        "stay",
        "safe",
        "#jesuisparis",
    ]


def test_shipped_stopword_list() -> None:
    words = stopwords()
    assert len(words) > 318
    assert {"the", "and", "we", "don't", "i'm"} <= words
    assert "paris" not in words
    assert "the" in STOPWORDS and len(STOPWORDS) == len(words)


_PIECES = [
    "a", "Z", "x", "D", "o", "O", "T", "h", "w", "0", "1", "9", " ", "\n", ".", ",", ":", ";", "'",
    "’", "-", "_", "@", "#", "&", "(", ")", "<", "3", "/", "^", "=", "*", "é", "\u0301", "\u093f",
    "\ufe0f", "\ufe0e", "\u20e3", "\u200d", "🏽", "🇫", "🇷", "❤", "😀", "👩", "⚕", "ℹ", "©",
    "http://t.co/a", "www.", "&amp;", "&lt;", "ß", "İ",
]  # fmt: skip
texts = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(texts)
def test_the_fast_scanners_agree_with_the_full_one(text: str) -> None:
    plain, unmarked, full, marks = _scanners()
    expected = full.findall(text)
    if text.isascii():
        assert plain.findall(text) == expected
    if marks.search(text) is None:
        assert unmarked.findall(text) == expected
    assert raw_tokens(text) == full.findall(prepare(text))


@settings(max_examples=300, deadline=None)
@given(texts)
def test_tokens_are_substrings_in_order(text: str) -> None:
    text = text.replace("&", "+")
    position = 0
    for raw in raw_tokens(text):
        found = text.find(raw, position)
        assert found >= 0
        position = found + len(raw)
    for token in tokenize(text):
        assert token_kind(token) in {
            "url",
            "mention",
            "hashtag",
            "emoticon",
            "emoji",
            "number",
            "word",
        }
