"""The answer of every geocoder: :class:`GeoResult`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["GEO_SOURCES", "GeoResult", "GeoSource"]

GeoSource = Literal["coordinates", "place", "profile"]
GEO_SOURCES: tuple[str, ...] = ("coordinates", "place", "profile")


@dataclass(frozen=True, slots=True)
class GeoResult:
    """Where a post or a user is, as far as can be told.

    Attributes:
        country: ISO 3166-1 alpha-2 code (``"FR"``; territories have their own codes:
            ``"PR"``, ``"VI"``), or None when no country can be told.
        us_state: Two-letter US state code (``"FL"``, ``"DC"``) when the place is in a
            US state and the state can be told, else None.
        confidence: How sure the geocoder is, from 0 (no answer) to 1.
        reason: In words, what was matched or why nothing was (``"city Miami (US-FL) +
            state code FL"``, ``"not a place: world"``).
        source: What the answer was read from: ``"coordinates"`` (exact coordinates of
            the post), ``"place"`` (the platform's place tag) or ``"profile"`` (the
            free-text location of the author's profile).
    """

    country: str | None
    us_state: str | None
    confidence: float
    reason: str
    source: GeoSource = "profile"

    @property
    def found(self) -> bool:
        """True when a country was found."""
        return self.country is not None

    def as_dict(self) -> dict[str, object]:
        """The fields as a plain dict (for JSON)."""
        return {
            "country": self.country,
            "us_state": self.us_state,
            "confidence": round(self.confidence, 4),
            "reason": self.reason,
            "source": self.source,
        }
