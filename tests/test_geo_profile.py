from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdpulse.geo import GeoResult, geocode
from crowdpulse.geo.gazetteer import load_gazetteer

# The examples of the task (issue 5 item 2) and the common shapes of profile locations.
PLACES = [
    ("NYC", "US", "NY"),
    ("Paris, France", "FR", None),
    ("Miami FL", "US", "FL"),
    ("Miami, FL", "US", "FL"),
    ("Lagos", "NG", None),
    ("🇫🇷", "FR", None),
    ("London, UK", "GB", None),
    ("Puerto Rico", "PR", None),
    ("Austin, Texas", "US", "TX"),
    ("NY", "US", "NY"),
    ("U.S.", "US", None),
    ("USA", "US", None),
    ("LA", "US", "CA"),
    ("SF", "US", "CA"),
    ("Washington, DC", "US", "DC"),
    ("KSA", "SA", None),
    ("UAE", "AE", None),
    ("Paris, TX", "US", "TX"),
    ("Paris", "FR", None),
    ("Lagos, Portugal", "PT", None),
    ("Berlin, DE", "DE", None),
    ("Perth, WA", "AU", None),
    ("Perth, Scotland", "GB", None),
    ("Birmingham, AL", "US", "AL"),
    ("Birmingham, England", "GB", None),
    ("Tbilisi, Georgia", "GE", None),
    ("Atlanta, Georgia", "US", "GA"),
    ("Kansas City, MO", "US", "MO"),
    ("Montréal, QC", "CA", None),
    ("São Paulo, SP", "BR", None),
    ("San Juan, PR", "PR", None),
    ("St. Thomas, USVI", "VI", None),
    ("Turks and Caicos", "TC", None),
    ("Trinidad & Tobago", "TT", None),
    ("Deutschland", "DE", None),
    ("Estados Unidos", "US", None),
    ("東京", "JP", None),
    ("Living in NYC", "US", "NY"),
    ("Texas born and raised", "US", "TX"),
    ("Los Angeles, Miami, NYC", "US", None),
    ("NJ/PA", "US", None),
    ("Orlando, FL • USA", "US", "FL"),
    ("UttarPradesh", "IN", None),
    ("Reading, PA", "US", "PA"),
    ("ÜT: 25.7743,-80.1937", "US", "FL"),
]


@pytest.mark.parametrize(("text", "country", "state"), PLACES)
def test_places(text: str, country: str, state: str | None) -> None:
    result = geocode(text)
    assert (result.country, result.us_state) == (country, state), result.reason
    assert 0.3 <= result.confidence <= 0.99
    assert result.source == "profile"
    assert result.reason


NON_PLACES = [
    ("somewhere over the rainbow", "not a place"),
    ("Earth", "not a place"),
    ("worldwide", "not a place"),
    ("in your heart", "not a place"),
    ("she/her", "pronouns"),
    ("follow me", "not a place"),
    ("https://example.com/me", "url"),
    ("😀🔥", "emoji"),
    ("", "empty"),
    ("   ", "empty"),
    ("Europe", "not a place"),
    ("Hogwarts", "not a place"),
    ("qwzxv flurbington", "no known place"),
    ("Cambridge", "ambiguous"),
    ("Georgia", "ambiguous"),
    ("Madrid / Paris", "several countries"),
    ("🇺🇸🇲🇽", "flags of several"),
    ("dm", "not a place"),
    ("Trapped in time.", "no known place"),
    ("Reading", "no known place"),  # also an everyday word: needs a second clue
    ("21 PERA FOR MX cutie", "no known place"),  # a code amid words does not count
]


@pytest.mark.parametrize(("text", "reason"), NON_PLACES)
def test_refusals(text: str, reason: str) -> None:
    result = geocode(text)
    assert result.country is None, result.reason
    assert result.us_state is None
    assert result.confidence == 0.0
    assert reason in result.reason


def test_context_beats_population() -> None:
    # A lone Paris is the French one; Texas makes it the Texan one.
    assert geocode("Paris").country == "FR"
    assert geocode("Paris, Texas").us_state == "TX"
    # An explicit country beats a city of another country of the same name.
    assert geocode("Jerusalem, Palestine").country == "PS"


def test_two_letter_codes() -> None:
    # Alone in their segment, or right after a place, in capitals or not a word.
    assert geocode("Jacksonville, Fl").us_state == "FL"
    assert geocode("Orlando Fl").us_state == "FL"
    assert geocode("Cornwall uk").country == "GB"
    # A lone title-case word is not a code, nor a lower-case English word.
    assert geocode("Bi").country is None
    assert geocode("in").country is None
    # A bare code that is both a state and a country goes to the state, less sure.
    ca = geocode("CA")
    assert (ca.country, ca.us_state) == ("US", "CA")
    assert ca.confidence < geocode("California").confidence


def test_confidence_orders_evidence() -> None:
    assert geocode("Miami, FL").confidence > geocode("Miami").confidence
    assert geocode("Paris, France").confidence > geocode("Paris").confidence
    assert geocode("undercover in Philly").confidence < geocode("Philly").confidence


def test_flags_only_decide_without_text() -> None:
    assert geocode("🇳🇬").country == "NG"
    london = geocode("London 🇳🇬")
    assert london.country == "GB"
    assert "flag disagrees" in london.reason
    assert geocode("Kuwait 🇰🇼").confidence > geocode("Kuwait").confidence


def test_nationality_is_a_last_resort() -> None:
    proud = geocode("Proud Nigerian")
    assert proud.country == "NG"
    assert proud.confidence == pytest.approx(0.5)
    assert geocode("Nigerian in London").country == "GB"


def test_result_is_frozen_and_serialisable() -> None:
    result = geocode("Miami FL")
    with pytest.raises(AttributeError):
        result.country = "FR"  # type: ignore[misc]
    assert result.as_dict()["country"] == "US"
    assert result.found


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_invariants(text: str) -> None:
    result = geocode(text)
    assert isinstance(result, GeoResult)
    assert 0.0 <= result.confidence <= 0.99
    if result.country is None:
        assert result.us_state is None and result.confidence == 0.0
    else:
        assert load_gazetteer().is_country(result.country)
        assert result.confidence > 0
    if result.us_state is not None:
        assert result.country == "US"
        assert result.us_state in load_gazetteer().us_states


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([p[0] for p in PLACES if "ÜT" not in p[0]]), st.sampled_from(["", " ", "  \t"])
)
def test_whitespace_does_not_matter(text: str, pad: str) -> None:
    assert geocode(pad + text + pad).country == geocode(text).country
