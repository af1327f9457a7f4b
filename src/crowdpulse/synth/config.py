"""The knobs of the synthetic corpus: :class:`SynthConfig`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crowdpulse.exceptions import ConfigError

__all__ = ["DEFAULT_CHUNK_POSTS", "DEFAULT_START", "DEFAULT_TARGET", "SynthConfig"]

#: Default largest number of posts drawn at once (``SynthConfig.chunk_posts``).
DEFAULT_CHUNK_POSTS = 250_000

DEFAULT_START = datetime(2015, 11, 6, tzinfo=UTC)
DEFAULT_TARGET = "@flyzephyr"

_RATES = (
    "retweet_rate", "reply_rate", "quote_rate", "duplicate_rate", "fr_share", "es_share",
    "und_share", "crisis_share", "solidarity_share", "firestorm_share",
    "firestorm_newcomer_share", "trickle_share", "unlabelled_rate", "conflict_rate",
    "label_noise", "coordinates_rate", "place_rate", "long_rate", "noise_rate",
)  # fmt: skip


@dataclass(frozen=True)
class SynthConfig:
    """Everything that shapes a synthetic corpus; the same config gives the same bytes.

    Attributes:
        seed: Seed of every random choice.
        posts: Number of post records written (retweets included, noise excluded).
        days: Length of the corpus in days, from ``start``.
        start: First instant of the corpus (UTC).
        users: Regular users; None means ``max(100, posts // 5)``.
        firestorm_target: The account the firestorm crowd turns on (``@name``).
        affected_countries: ISO alpha-2 codes of the countries hit by the crisis.
        event_name: Name written in the event description.
        crisis_offset_hours: Hours from ``start`` to the crisis; None means
            ``days // 2`` days and 21 hours (2015-11-13 21:00 UTC by default).
        firestorm_offset_hours: Hours from ``start`` to the firestorm start, a whole
            number of half hours; None means ``int(days * 0.6)`` days and 13 hours
            (after a quiet week with the defaults).
        retweet_rate: Share of posts that are retweets.
        firestorm_retweets: Retweets of firestorm posts per firestorm post (taken
            from the retweet budget, at most half of it).
        reply_rate: Share of English chatter and crisis posts that reply to an
            earlier post.
        quote_rate: Share of English chatter and crisis posts that quote one.
        duplicate_rate: Share of posts that are exact copies of an earlier English
            post's text (copy-paste spam); every other text is unique.
        fr_share: Share of the remaining original posts in French.
        es_share: Share in Spanish.
        und_share: Share with undetermined language (emoji/hashtag only).
        crisis_share: Share of English everyday posts that are about the crisis.
        solidarity_share: Share of crisis posts written in solidarity language.
        firestorm_share: Firestorm posts as a share of all posts (0: no firestorm).
        firestorm_newcomer_share: Share of firestorm participants who post only
            during the firestorm.
        trickle_share: Mentions of the target before the firestorm, as a share of posts.
        unlabelled_rate: Share of crisis posts without a label hashtag.
        conflict_rate: Share of crisis posts with conflicting label hashtags.
        label_noise: Share of crisis posts whose label hashtag contradicts the language.
        coordinates_rate: Share of original posts with exact coordinates.
        place_rate: Share of original posts tagged with a place only.
        long_rate: Share of English original posts longer than 280 characters.
        diurnal_amplitude: Strength of the day/night cycle (0 to below 1).
        peak_hour: UTC hour of the daily activity peak.
        noise: Plant malformed input (counted in the truth).
        noise_rate: Noise records of each kind, as a share of posts (at least 1 each).
        page_size: Tweets per API v2 response page.
        sheet: A label-hashtag sheet to draw label hashtags from; None means the
            sheet shipped with crowdpulse.
        keywords: Keywords written into the event description (none by default:
            the baseline and firestorm posts do not mention the crisis).
        chunk_posts: Largest number of posts drawn and written at once by
            :func:`~crowdpulse.synth.synthesize`; a larger corpus streams in
            chunks (see :func:`~crowdpulse.synth.generate_chunks`), so memory
            does not grow with ``posts``. None draws everything at once. A
            corpus of at most ``chunk_posts`` posts is the same with any value.
    """

    seed: int = 0
    posts: int = 20_000
    days: int = 15
    start: datetime = DEFAULT_START
    users: int | None = None
    firestorm_target: str = DEFAULT_TARGET
    affected_countries: tuple[str, ...] = ("FR",)
    event_name: str = "Synthetic crisis and firestorm (crowdpulse synth)"
    crisis_offset_hours: float | None = None
    firestorm_offset_hours: float | None = None
    retweet_rate: float = 0.25
    firestorm_retweets: float = 0.8
    reply_rate: float = 0.08
    quote_rate: float = 0.04
    duplicate_rate: float = 0.02
    fr_share: float = 0.05
    es_share: float = 0.04
    und_share: float = 0.03
    crisis_share: float = 0.45
    solidarity_share: float = 0.45
    firestorm_share: float = 0.04
    firestorm_newcomer_share: float = 0.5
    trickle_share: float = 0.002
    unlabelled_rate: float = 0.25
    conflict_rate: float = 0.04
    label_noise: float = 0.08
    coordinates_rate: float = 0.01
    place_rate: float = 0.02
    long_rate: float = 0.03
    diurnal_amplitude: float = 0.85
    peak_hour: float = 18.0
    noise: bool = False
    noise_rate: float = 0.001
    page_size: int = 100
    sheet: Path | None = None
    keywords: tuple[str, ...] = field(default_factory=tuple)
    chunk_posts: int | None = DEFAULT_CHUNK_POSTS

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError("the seed is a whole number of at least 0", field="seed")
        if self.posts < 200:
            raise ConfigError("generate at least 200 posts", field="posts")
        if self.days < 1:
            raise ConfigError("the corpus spans at least one day", field="days")
        if self.start.tzinfo is None:
            raise ConfigError("the start needs a time zone (UTC)", field="start")
        for name in _RATES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError("expected a share between 0 and 1", field=name)
        if not 0.0 <= self.diurnal_amplitude < 1.0:
            raise ConfigError("expected a value in [0, 1)", field="diurnal_amplitude")
        if self.firestorm_retweets < 0:
            raise ConfigError("expected a value of at least 0", field="firestorm_retweets")
        if self.unlabelled_rate + self.conflict_rate + self.label_noise > 1.0:
            raise ConfigError(
                "unlabelled_rate + conflict_rate + label_noise exceeds 1", field="label_noise"
            )
        if self.fr_share + self.es_share + self.und_share >= 1.0:
            raise ConfigError("the language shares leave no English posts", field="fr_share")
        if self.page_size < 1:
            raise ConfigError("a page holds at least one tweet", field="page_size")
        target = self.firestorm_target.strip()
        if not target.startswith("@") or not target[1:].replace("_", "").isalnum():
            raise ConfigError(
                "the target is an @account of letters, digits and _", field="firestorm_target"
            )
        if len(target) > 16:
            raise ConfigError("a handle has at most 15 characters", field="firestorm_target")
        if self.chunk_posts is not None:
            if self.chunk_posts < 1000:
                raise ConfigError("a chunk holds at least 1000 posts", field="chunk_posts")
            if self.posts > self.chunk_posts * 4096:
                raise ConfigError("at most 4096 chunks: raise chunk_posts", field="chunk_posts")
        if self.users is not None and self.users < 20:
            raise ConfigError("at least 20 users", field="users")
        hours = self.days * 24
        if self.crisis_offset_hours is not None and not 0 <= self.crisis_offset_hours < hours:
            raise ConfigError("the crisis must fall inside the corpus", field="crisis_offset_hours")
        if self.firestorm_offset_hours is not None:
            if not 0 <= self.firestorm_offset_hours < hours:
                raise ConfigError(
                    "the firestorm must fall inside the corpus", field="firestorm_offset_hours"
                )
            if (self.firestorm_offset_hours * 2) % 1:
                raise ConfigError(
                    "the firestorm starts on a half hour", field="firestorm_offset_hours"
                )

    @property
    def target_handle(self) -> str:
        """The target's screen name, without ``@``."""
        return self.firestorm_target.strip()[1:]

    @property
    def crisis_hours(self) -> float:
        """Hours from the start to the crisis."""
        if self.crisis_offset_hours is not None:
            return float(self.crisis_offset_hours)
        return min((self.days // 2) * 24 + 21.0, self.days * 24 - 3.0)

    @property
    def firestorm_hours(self) -> float:
        """Hours from the start to the firestorm start (a half-hour boundary)."""
        if self.firestorm_offset_hours is not None:
            return float(self.firestorm_offset_hours)
        return min(int(self.days * 0.6) * 24 + 13.0, float(max(0, self.days * 24 - 6)))

    def to_dict(self) -> dict[str, Any]:
        """The config as JSON-ready values (written into the truth file).

        ``chunk_posts`` is left out when it does not change the corpus (at most
        ``chunk_posts`` posts, or None).
        """
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "chunk_posts" and (value is None or self.posts <= value):
                continue
            if isinstance(value, datetime):
                value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out
