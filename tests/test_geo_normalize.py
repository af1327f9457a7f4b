from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdpulse.geo.normalize import fold, fold_token, parse_location, prepare


def words(text: str) -> list[list[list[str]]]:
    parsed = parse_location(text)
    return [[[t.text for t in seg.tokens] for seg in group] for group in parsed.groups]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("México", "mexico"),
        ("Ashton-under-Lyne", "ashton under lyne"),
        ("Côte d'Ivoire", "cote divoire"),
        ("U.S.A.", "usa"),
        ("St. Louis", "st louis"),
        ("Trinidad & Tobago", "trinidad and tobago"),
        ("Köln", "koln"),
        ("  Straße  ", "strasse"),
        ("ประเทศไทย", "ประเทศไทย"),  # Thai vowel signs are kept
        ("Łódź", "lodz"),
    ],
)
def test_fold(name: str, key: str) -> None:
    assert fold(name) == key


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("Miami FL • USA", [[["Miami", "FL"]], [["USA"]]]),
        ("Los Angeles, CA", [[["Los", "Angeles"], ["CA"]]]),
        ("Charleston✈️CLT✈️LA", [[["Charleston"]], [["CLT"]], [["LA"]]]),
        ("Washington, D.C.", [[["Washington"], ["DC"]]]),
        ("Washington.DC", [[["Washington"], ["DC"]]]),
        ("St. Louis, MO", [[["St", "Louis"], ["MO"]]]),
        ("Oslo, Norway (via Australia)", [[["Oslo"], ["Norway"], ["via", "Australia"]]]),
        ("UK - North West", [[["UK"]], [["North", "West"]]]),
        ("Caracas-Venezuela", [[["Caracas", "Venezuela"]]]),
        ("Salford / Murcia", [[["Salford"]], [["Murcia"]]]),
        ("Nor Cal. RT", [[["Nor", "Cal"], ["RT"]]]),
        ("กรุงเทพมหานคร, ประเทศไทย", [[["กรุงเทพมหานคร"], ["ประเทศไทย"]]]),
    ],
)
def test_groups_and_segments(text: str, groups: list[list[list[str]]]) -> None:
    assert words(text) == groups


def test_flags_are_taken_out() -> None:
    parsed = parse_location("Kuwait 🇰🇼 ❤️")
    assert parsed.flags == ("KW",)
    assert words("Kuwait 🇰🇼 ❤️") == [[["Kuwait"]]]
    assert {"flag", "emoji"} <= parsed.removed
    # England's flag is a tag sequence; it counts as GB.
    assert parse_location(
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    ).flags == ("GB",)


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("ÜT: 10.233481,-67.585136", (10.233481, -67.585136)),
        ("-7.311448,108.3359149,", (-7.311448, 108.3359149)),
        ("N 41°24' 0'' / E 2°11' 0''", (41.4, 2.1833)),
        ("S 33°52' / W 151°12'", (-33.8667, -151.2)),
    ],
)
def test_coordinates_in_text(text: str, point: tuple[float, float]) -> None:
    parsed = parse_location(text)
    assert parsed.coordinates is not None
    assert parsed.coordinates == pytest.approx(point, abs=1e-3)


@pytest.mark.parametrize("text", ["Route 66", "8-5, Mon-Fri", "+63 she/her", "1.5, 2"])
def test_numbers_are_not_coordinates(text: str) -> None:
    assert parse_location(text).coordinates is None


@pytest.mark.parametrize(
    ("text", "removed"),
    [
        ("t.me/Palinfo", "url"),
        ("https://example.org/me", "url"),
        ("Hell | Speakingsatan@gmail.com", "email"),
        ("she/her", "pronouns"),
        ("they / them / theirs", "pronouns"),
        ("@someone", "handle"),
    ],
)
def test_removed_parts(text: str, removed: str) -> None:
    parsed = parse_location(text)
    assert removed in parsed.removed


def test_mixed_case() -> None:
    assert parse_location("Reading, England").mixed_case
    assert not parse_location("reading").mixed_case
    assert not parse_location("KENTUCKY").mixed_case


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_parse_never_fails_and_fold_is_stable(text: str) -> None:
    parsed = parse_location(text)
    for group in parsed.groups:
        assert group, "no empty groups"
        for seg in group:
            assert seg.tokens, "no empty segments"
            for token in seg.tokens:
                assert token.key == fold_token(token.text)
                assert " " not in token.key
    key = fold(text)
    assert fold(key) == key
    assert prepare(text) == prepare(prepare(text))
