"""Draw a whole synthetic corpus in memory: :func:`generate` returns a :class:`SynthResult`.

The steps, each vectorised with numpy where it can be:

1. the population (users, handles, messy profile locations with their truth);
2. how many posts of each kind (chatter, solidarity, news, firestorm, trickle
   mentions of the target, the target's own posts, French/Spanish/undetermined
   posts, planted duplicates, retweets);
3. when each post happens (diurnal rhythm, crisis burst, firestorm surge) and who
   writes it;
4. the time order, then who replies to, quotes and retweets whom (always an
   earlier post);
5. the texts with their entities, regenerated until every text is unique
   (lower-cased, whitespace collapsed), then the planted copies;
6. coordinates and places, and snowflake ids that follow the time order.

Writers (:mod:`crowdpulse.synth.writers`) turn the result into API v1.1 lines,
API v2 pages or a twarc-csv table; :mod:`crowdpulse.synth.truth` counts what a
correct pipeline must find.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from functools import cached_property

import numpy as np

from crowdpulse.exceptions import ConfigError
from crowdpulse.progress import progress
from crowdpulse.synth import language as L
from crowdpulse.synth.config import DEFAULT_CHUNK_POSTS, SynthConfig
from crowdpulse.synth.language import PostText, TextBuilder, base62
from crowdpulse.synth.population import LOCATIONS, Population, make_population
from crowdpulse.synth.sheet import LabelSheet, SheetRow, default_sheet_path, read_sheet
from crowdpulse.synth.timeline import DAY_MS, HOUR_MS, burst_times, diurnal_times

__all__ = [
    "CLASSES",
    "DEFAULT_CHUNK_POSTS",
    "KIND_NAMES",
    "SynthResult",
    "chunk_count",
    "generate",
    "generate_chunks",
]

# post kinds (the language a post is written in, not its hashtag label)
CHATTER, SOLIDARITY, NEWS, FIRESTORM, TRICKLE, TARGET, FRENCH, SPANISH, UND = range(9)
KIND_NAMES: tuple[str, ...] = (
    "chatter", "solidarity", "news", "firestorm", "trickle", "target", "fr", "es", "und",
)  # fmt: skip
_KIND_LANG = ("en", "en", "en", "en", "en", "en", "fr", "es", "und")

#: Classes a post gets from its label hashtags.
CLASSES: tuple[str, ...] = ("solidarity", "not solidarity", "conflicting", "unlabelled")

TWEPOCH_MS = 1_288_834_974_657
_URL_MOD = 62**10
_URL_MIX = 518_101_066_916_713_297  # odd and not a multiple of 31: a bijection modulo 62**10
_URL_OFFSET = 62**9 * 17


@dataclass(frozen=True, slots=True)
class _Columns:
    """Per-post columns as lists, for writers that visit one post at a time."""

    rt: list[int]
    quote: list[int]
    reply: list[int]
    author: list[int]
    place: list[int]
    conversation: list[int]
    ts: list[int]
    lon: list[float]
    lat: list[float]


@dataclass
class SynthResult:
    """A generated corpus, one entry per post in file (time) order.

    Attributes:
        config: The config it was drawn from.
        sheet: The label-hashtag sheet the label hashtags came from.
        population: The users.
        ids: Post ids (snowflakes, increasing with time).
        ts_ms: Post times, ms since the epoch.
        author: User index of each post's author.
        kind: Kind index (see :data:`KIND_NAMES`); a retweet or copy has its source's kind.
        lang: Language code per post.
        texts: The post's own text with entities; None for retweets.
        retweet_of: Index of the retweeted post, or -1.
        quote_of: Index of the quoted post, or -1.
        reply_to: Index of the post replied to, or -1.
        duplicate_of: For a planted copy, the index of the post whose text it copies; -1.
        conversation: Index of the conversation's first post.
        label_class: Index into :data:`CLASSES` from the post's label hashtags.
        lon: Exact longitude, NaN if none.
        lat: Exact latitude, NaN if none.
        place: Index into :data:`~crowdpulse.synth.population.LOCATIONS` of the
            tagged place, or -1.
        start_ms: Corpus start.
        end_ms: Corpus end (exclusive).
        crisis_ms: When the crisis happens.
        firestorm_ms: When the firestorm starts (None without a firestorm).
        label_finals: Final label of every sheet hashtag (lower-cased).
    """

    config: SynthConfig
    sheet: LabelSheet
    population: Population
    ids: list[str]
    ts_ms: np.ndarray
    author: np.ndarray
    kind: np.ndarray
    lang: list[str]
    texts: list[PostText | None]
    retweet_of: np.ndarray
    quote_of: np.ndarray
    reply_to: np.ndarray
    duplicate_of: np.ndarray
    conversation: np.ndarray
    label_class: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    place: np.ndarray
    start_ms: int
    end_ms: int
    crisis_ms: int
    firestorm_ms: int | None
    label_finals: dict[str, str]

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def cols(self) -> _Columns:
        """The per-post arrays as Python lists (fast to index one post at a time)."""
        return _Columns(
            rt=self.retweet_of.tolist(),
            quote=self.quote_of.tolist(),
            reply=self.reply_to.tolist(),
            author=self.author.tolist(),
            place=self.place.tolist(),
            conversation=self.conversation.tolist(),
            ts=self.ts_ms.tolist(),
            lon=self.lon.tolist(),
            lat=self.lat.tolist(),
        )

    def skeleton(self) -> SynthResult:
        """This corpus without its posts: config, sheet, population and event times."""
        none = np.empty(0, dtype=np.int64)
        return dataclasses.replace(
            self, ids=[], ts_ms=none, author=none, kind=np.empty(0, dtype=np.int8), lang=[],
            texts=[], retweet_of=none, quote_of=none, reply_to=none, duplicate_of=none,
            conversation=none, label_class=np.empty(0, dtype=np.int8), lon=np.empty(0),
            lat=np.empty(0), place=none,
        )  # fmt: skip

    def full_text(self, i: int) -> str:
        """The text a reader must produce for post ``i`` (``RT @x: `` + source for retweets)."""
        src = int(self.retweet_of[i])
        if src >= 0:
            own = self.texts[src]
            assert own is not None
            return f"RT @{self.population.handles[int(self.author[src])]}: {own.text}"
        own = self.texts[i]
        assert own is not None
        return own.text

    def post_text(self, i: int) -> PostText:
        """The text and entities of post ``i``; for a retweet, those of its source."""
        src = int(self.retweet_of[i])
        own = self.texts[src if src >= 0 else i]
        assert own is not None
        return own


# ------------------------------------------------------------------ drawing helpers


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the duration of a ``with`` block.

    The generator allocates millions of small acyclic objects; collecting them as it
    goes costs about a third of the run time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _zipf_p(n: int, s: float = 0.9) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def _weighted(
    rng: np.random.Generator, pool: np.ndarray, weights: np.ndarray, n: int
) -> np.ndarray:
    if n == 0:
        return np.empty(0, dtype=np.int64)
    p = weights / weights.sum()
    return pool[rng.choice(pool.size, size=n, p=p)]


def _earlier(
    rng: np.random.Generator,
    cand_ts: np.ndarray,
    cand_idx: np.ndarray,
    t: np.ndarray,
    mean_back: float,
) -> np.ndarray:
    """For each time in ``t``, pick a candidate strictly earlier, biased to recent ones.

    ``cand_ts`` is sorted; returns -1 where no candidate is earlier.
    """
    out = np.full(t.size, -1, dtype=np.int64)
    if cand_idx.size == 0 or t.size == 0:
        return out
    k = np.searchsorted(cand_ts, t, side="left")
    back = rng.geometric(1.0 / max(1.0, mean_back), size=t.size) - 1
    pos = k - 1 - np.minimum(back, np.maximum(k - 1, 0))
    ok = k > 0
    out[ok] = cand_idx[pos[ok]]
    return out


class _Urls:
    """Unique short links: a counter pushed through a bijection, written in base 62."""

    def __init__(self) -> None:
        self.counter = 0

    def short(self) -> tuple[str, int]:
        self.counter += 1
        code = (self.counter * _URL_MIX + _URL_OFFSET) % _URL_MOD
        return "https://t.co/" + base62(code, 10), self.counter


@dataclass
class _Ctx:
    """What the text builders need to know about every post."""

    rng: np.random.Generator
    cfg: SynthConfig
    pop: Population
    author: np.ndarray
    kind: np.ndarray
    reply_author: np.ndarray  # author of the parent post, or -1
    inside: np.ndarray  # author lives in an affected country
    popular: np.ndarray  # users that get mentioned, by popularity
    popular_p: np.ndarray
    sol_tags: list[str]
    sol_p: np.ndarray
    nos_tags: list[str]
    nos_p: np.ndarray
    ign_tags: list[str]
    ign_p: np.ndarray
    chatter_tags: list[str]
    firestorm_tags: list[str]
    urls: _Urls
    ts_ms: np.ndarray
    trigger_ms: int | None


def _case(tag: str, style: int) -> str:
    if style == 1:
        return tag[:1].upper() + tag[1:]
    if style == 2:
        return tag.upper()
    return tag


_NO_EMOJIS: tuple[str, ...] = ()


def _emoji_draws(
    rng: np.random.Generator,
    n: int,
    pools: tuple[tuple[str, ...], ...],
    p_any: float,
    max_k: int,
    which: np.ndarray | None = None,
) -> list[Sequence[str]]:
    """Per post, the emoji sequences it carries (empty for posts without emojis).

    ``which`` picks, per post, the pool to draw from (default: the first).
    """
    has = rng.random(n) < p_any
    k = np.minimum(rng.geometric(0.55, n), max_k)
    out: list[Sequence[str]] = [_NO_EMOJIS] * n
    for g, pool in enumerate(pools):
        sel = has if which is None else has & (which == g)
        idx = np.flatnonzero(sel).tolist()
        if not idx:
            continue
        ks = k[sel].tolist()
        picks = rng.choice(len(pool), size=int(sum(ks)), p=_zipf_p(len(pool))).tolist()
        seqs = [pool[j] for j in picks]
        pos = 0
        for j, kk in zip(idx, ks, strict=True):
            out[j] = seqs[pos : pos + kk]
            pos += kk
    return out


def _mentions(
    ctx: _Ctx,
    posts: np.ndarray,
    p_one: float,
    p_two: float,
    pool: np.ndarray | None = None,
) -> list[list[int]]:
    """Users mentioned by each post (popular accounts more often, never the author)."""
    rng, n = ctx.rng, posts.size
    u = rng.random(n)
    count = np.where(u < p_two, 2, np.where(u < p_one + p_two, 1, 0))
    total = int(count.sum())
    if pool is None:
        picks = _weighted(rng, ctx.popular, ctx.popular_p, total).tolist()
    else:
        picks = rng.choice(pool, total).tolist() if pool.size else [-1] * total
    authors = ctx.author[posts].tolist()
    out: list[list[int]] = []
    pos = 0
    for c, a in zip(count.tolist(), authors, strict=True):
        out.append([m for m in picks[pos : pos + c] if m != a and m >= 0])
        pos += c
    return out


def _label_tags(ctx: _Ctx, n: int, solidarity_language: bool) -> list[list[str]]:
    """Label (and ignore) hashtags of crisis posts, with unlabelled, conflicting and noisy ones."""
    rng, cfg = ctx.rng, ctx.cfg
    u = rng.random(n)
    a = cfg.unlabelled_rate
    b = a + cfg.conflict_rate
    c = b + cfg.label_noise
    own_tags, own_p = (
        (ctx.sol_tags, ctx.sol_p) if solidarity_language else (ctx.nos_tags, ctx.nos_p)
    )
    other_tags, other_p = (
        (ctx.nos_tags, ctx.nos_p) if solidarity_language else (ctx.sol_tags, ctx.sol_p)
    )
    own1 = rng.choice(len(own_tags), n, p=own_p).tolist()
    own2 = rng.choice(len(own_tags), n, p=own_p).tolist()
    oth = rng.choice(len(other_tags), n, p=other_p).tolist()
    two = (rng.random(n) < 0.3).tolist()
    ign = (rng.random(n) < 0.4).tolist()
    ign_i = rng.choice(len(ctx.ign_tags), n, p=ctx.ign_p).tolist() if ctx.ign_tags else [0] * n
    styles = rng.choice(3, size=(n, 3), p=[0.6, 0.25, 0.15]).tolist()
    order = (rng.random(n) < 0.5).tolist()
    out: list[list[str]] = []
    for j in range(n):
        tags: list[str] = []
        if u[j] < a:
            pass
        elif u[j] < b:
            tags = [own_tags[own1[j]], other_tags[oth[j]]]
        elif u[j] < c:
            tags = [other_tags[oth[j]]]
        else:
            tags = [own_tags[own1[j]]]
            if two[j] and own2[j] != own1[j]:
                tags.append(own_tags[own2[j]])
        if ign[j] and ctx.ign_tags:
            tags.append(ctx.ign_tags[ign_i[j]])
        if order[j]:
            tags.reverse()
        out.append([_case(t, s) for t, s in zip(tags, styles[j], strict=False)])
    return out


def _add_url(b: TextBuilder, ctx: _Ctx, domains: tuple[str, ...], d: int, slug: str) -> None:
    short, n = ctx.urls.short()
    b.url(short, f"{domains[d % len(domains)]}{slug}-{n}")


# ------------------------------------------------------------------ text builders

_PUNCT = (".", "!", "", " ...")
_TIMES = (
    "", "", "", "this morning", "tonight", "today", "right now", "at 3am", "on a monday",
    "before work", "after class", "this weekend", "again", "for once", "finally",
    "on my lunch break", "in the rain", "at midnight", "for the first time", "yesterday",
)  # fmt: skip
_HABITS = (
    "running",
    "reading",
    "no sugar",
    "yoga",
    "drawing",
    "coding",
    "journaling",
    "cold shower",
)
#: Sign-offs of solidarity posts; ``{c}`` is the author's own city (authors with a place).
_SOL_SIGN = (
    "", "", "", "", "", "", "Love from {c}.", "From all of us in {c}.", "{c} stands with you.",
    "Greetings from {c}.", "With love from {c}.", "Hugs from {c}.", "From our family to yours.",
    "All our love from {c}.", "Sending love from {c}.",
)  # fmt: skip
_CITY = tuple(loc.place.split(",")[0] if loc.place else "" for loc in LOCATIONS)


def _build_chatter(ctx: _Ctx, posts: np.ndarray) -> list[PostText]:
    rng, n = ctx.rng, posts.size
    s = rng.integers(0, len(L.CHATTER_STARTS), n).tolist()
    m = rng.integers(0, len(L.CHATTER_MIDDLES), n).tolist()
    e = rng.integers(0, len(L.CHATTER_ENDS), n).tolist()
    tm = rng.integers(0, len(_TIMES), n).tolist()
    day = np.where(rng.random(n) < 0.3, rng.integers(2, 366, n), 0).tolist()
    habit = rng.integers(0, len(_HABITS), n).tolist()
    ment = _mentions(ctx, posts, 0.22, 0.05)
    tag = np.where(rng.random(n) < 0.15, rng.integers(0, len(ctx.chatter_tags), n), -1).tolist()
    style = rng.integers(0, 2, n).tolist()
    emo = _emoji_draws(rng, n, (L.EMOJI_SETS["chatter"],), 0.45, 3)
    url = (rng.random(n) < 0.08).tolist()
    dom = rng.integers(0, 10, n).tolist()
    long_ = (rng.random(n) < ctx.cfg.long_rate).tolist()
    long_i = rng.integers(0, len(L.CHATTER_LONG), n).tolist()
    b = TextBuilder(ctx.pop.handles)
    out: list[PostText] = []
    for j, p in enumerate(posts.tolist()):
        b.reset()
        ra = int(ctx.reply_author[p])
        if ra >= 0:
            b.mention(ra)
        b.word(L.CHATTER_STARTS[s[j]])
        b.word(L.CHATTER_MIDDLES[m[j]])
        if ment[j]:
            b.word("with")
            b.mention(ment[j][0])
        b.word(_TIMES[tm[j]])
        if day[j]:
            b.word(f"(day {day[j]} of my {_HABITS[habit[j]]} challenge)")
        b.word(L.CHATTER_ENDS[e[j]])
        if long_[j]:
            b.word(L.CHATTER_LONG[long_i[j]])
        if len(ment[j]) > 1:
            b.word("cc")
            b.mention(ment[j][1])
        if tag[j] >= 0:
            b.hashtag(_case(ctx.chatter_tags[tag[j]], style[j]))
        b.emojis(emo[j], joined=bool(style[j]))
        if url[j]:
            _add_url(b, ctx, L.CHATTER_DOMAINS, dom[j], "p")
        out.append(b.build())
    return out


def _build_crisis(ctx: _Ctx, posts: np.ndarray, solidarity: bool) -> list[PostText]:
    rng, n = ctx.rng, posts.size
    tags = _label_tags(ctx, n, solidarity)
    front = (rng.random(n) < 0.15).tolist()
    long_ = (rng.random(n) < ctx.cfg.long_rate).tolist()
    terse = rng.random(n) < 0.1
    if solidarity:
        pools = (L.EMOJI_SETS["solidarity_outside"], L.EMOJI_SETS["solidarity_inside"])
        which = ctx.inside[posts].astype(np.int64)
        emo = _emoji_draws(rng, n, pools, 0.75, 4, which)
        emo_terse = _emoji_draws(rng, n, pools, 0.95, 3, which)
    else:
        emo = _emoji_draws(rng, n, (L.EMOJI_SETS["news"],), 0.22, 2)
        emo_terse = _emoji_draws(rng, n, (L.EMOJI_SETS["news"],), 0.95, 3)
    terse_l = terse.tolist()
    joined = (rng.random(n) < 0.6).tolist()
    ment = (
        _mentions(ctx, posts, 0.06, 0.0)
        if solidarity
        else _mentions(ctx, posts, 0.1, 0.0, ctx.pop.news)
    )
    url = (rng.random(n) < (0.05 if solidarity else 0.6)).tolist()
    dom = rng.integers(0, 10, n).tolist()
    a = rng.integers(0, 1000, (n, 6)).tolist()
    num = rng.integers(2, 200, n).tolist()
    b = TextBuilder(ctx.pop.handles)
    out: list[PostText] = []
    loc_of = ctx.pop.location_index[ctx.author[posts]].tolist()
    inside = ctx.inside[posts].tolist()
    for j, p in enumerate(posts.tolist()):
        b.reset()
        ra = int(ctx.reply_author[p])
        if ra >= 0:
            b.mention(ra)
        t = tags[j]
        if front[j] and t:
            b.hashtag(t[0])
            t = t[1:]
        aj = a[j]
        if terse_l[j]:
            b.word(L.AMBIGUOUS_BODIES[aj[0] % len(L.AMBIGUOUS_BODIES)])
            b.word(L.AMBIGUOUS_TAILS[aj[1] % len(L.AMBIGUOUS_TAILS)])
        elif solidarity:
            b.word(L.SOLIDARITY_OPENERS[aj[0] % len(L.SOLIDARITY_OPENERS)])
            b.word(L.SOLIDARITY_OBJECTS[aj[1] % len(L.SOLIDARITY_OBJECTS)])
            punct = _PUNCT[aj[2] % len(_PUNCT)]
            b.raw(punct)
            tail = L.SOLIDARITY_TAILS[aj[3] % len(L.SOLIDARITY_TAILS)]
            b.word(tail[:1].upper() + tail[1:] if punct in (".", "!") else tail)
            sign = _SOL_SIGN[aj[4] % len(_SOL_SIGN)]
            city = _CITY[loc_of[j]]
            if "{c}" not in sign:
                b.word(sign)
            elif city and not inside[j]:
                b.word(sign.replace("{c}", city))
            if long_[j]:
                b.word(L.SOLIDARITY_LONG[aj[5] % len(L.SOLIDARITY_LONG)])
        else:
            lead = L.NEWS_LEADS[aj[0] % len(L.NEWS_LEADS)]
            lead = lead.replace("{n}", str(num[j])).replace("{k}", str(aj[3] % 14 + 1))
            b.word(lead.replace("{p}", L.NEWS_PLACES[aj[1] % len(L.NEWS_PLACES)]))
            punct = _PUNCT[aj[2] % 2]
            b.raw(punct)
            tail = L.NEWS_TAILS[aj[4] % len(L.NEWS_TAILS)]
            b.word(tail[:1].upper() + tail[1:] if punct in (".", "!") else tail)
            if long_[j]:
                b.word(L.NEWS_LONG[aj[5] % len(L.NEWS_LONG)])
        if ment[j]:
            b.word("via" if not solidarity else "with")
            b.mention(ment[j][0])
        for tag in t:
            b.hashtag(tag)
        b.emojis(emo_terse[j] if terse_l[j] else emo[j], joined=joined[j])
        if url[j]:
            if solidarity:
                _add_url(b, ctx, L.CHATTER_DOMAINS[:1], 0, "photo")
            else:
                _add_url(b, ctx, L.NEWS_DOMAINS, dom[j], "2015/11/live-attacks-update")
        out.append(b.build())
    return out


_FS_REASONS = (
    "", "", "after {n} hours at the gate", "for the {n}th time", "with {n} kids waiting",
    "{n} hours on hold", "after {n} emails", "and {n} people stranded", "day {n} without my bag",
)  # fmt: skip


def _build_firestorm(ctx: _Ctx, posts: np.ndarray) -> list[PostText]:
    rng, n = ctx.rng, posts.size
    target = ctx.pop.target
    o = rng.integers(0, len(L.FIRESTORM_OPENERS), n).tolist()
    m = rng.integers(0, len(L.FIRESTORM_MIDDLES), n).tolist()
    t = rng.integers(0, len(L.FIRESTORM_TAILS), n).tolist()
    r = rng.integers(0, len(_FS_REASONS), n).tolist()
    num = rng.integers(2, 60, n).tolist()
    punct = rng.integers(0, 2, n).tolist()
    order = (rng.random(n) < 0.5).tolist()
    ment = _mentions(ctx, posts, 0.15, 0.0)
    tag = np.where(rng.random(n) < 0.12, rng.integers(0, len(ctx.firestorm_tags), n), -1).tolist()
    emo = _emoji_draws(rng, n, (L.EMOJI_SETS["firestorm"],), 0.5, 3)
    b = TextBuilder(ctx.pop.handles)
    out: list[PostText] = []
    for j in range(n):
        b.reset()
        b.mention(target)
        first, second = L.FIRESTORM_OPENERS[o[j]], L.FIRESTORM_MIDDLES[m[j]]
        if order[j]:
            first, second = second, first
        b.word(first)
        b.raw(_PUNCT[punct[j]])
        b.word(second)
        b.word(_FS_REASONS[r[j]].replace("{n}", str(num[j])))
        b.word(L.FIRESTORM_TAILS[t[j]])
        if ment[j]:
            b.word("cc")
            b.mention(ment[j][0])
        if tag[j] >= 0:
            b.hashtag(ctx.firestorm_tags[tag[j]])
        b.emojis(emo[j], joined=True)
        out.append(b.build())
    return out


def _build_trickle(ctx: _Ctx, posts: np.ndarray) -> list[PostText]:
    rng, n = ctx.rng, posts.size
    body = rng.integers(0, len(L.TRICKLE_BODIES), n).tolist()
    end = rng.integers(0, len(L.TRICKLE_ENDS), n).tolist()
    flight = rng.integers(100, 9999, n).tolist()
    emo = _emoji_draws(rng, n, (L.EMOJI_SETS["trickle"],), 0.4, 1)
    b = TextBuilder(ctx.pop.handles)
    out: list[PostText] = []
    for j in range(n):
        b.reset()
        b.mention(ctx.pop.target)
        b.mention(ctx.pop.helpdesk)
        b.word(L.TRICKLE_BODIES[body[j]])
        b.word(f"on flight ZF{flight[j]}")
        b.word(L.TRICKLE_ENDS[end[j]])
        b.emojis(emo[j])
        out.append(b.build())
    return out


def _build_target(ctx: _Ctx, posts: np.ndarray) -> list[PostText]:
    from datetime import datetime

    b = TextBuilder(ctx.pop.handles)
    out: list[PostText] = []
    for j, p in enumerate(posts.tolist()):
        b.reset()
        ms = int(ctx.ts_ms[p])
        when = datetime.fromtimestamp(ms / 1000, tz=UTC)
        if ctx.trigger_ms is not None and ms == ctx.trigger_ms:
            b.word(L.TARGET_TRIGGER)
        else:
            b.word(L.TARGET_BODIES[(j * 7 + p) % len(L.TARGET_BODIES)] + ".")
        b.word(f"Update of {when:%d %B}, {when:%H:%M} UTC.")
        out.append(b.build())
    return out


def _build_foreign(ctx: _Ctx, posts: np.ndarray, which: int) -> list[PostText]:
    rng, n = ctx.rng, posts.size
    bodies, ends = (L.FR_BODIES, L.FR_ENDS) if which == FRENCH else (L.ES_BODIES, L.ES_ENDS)
    bo = rng.integers(0, len(bodies), n).tolist()
    en = rng.integers(0, len(ends), n).tolist()
    hh = rng.integers(0, 24, n).tolist()
    mm = rng.integers(0, 60, n).tolist()
    with_time = (rng.random(n) < 0.7).tolist()
    tags = _label_tags(ctx, n, True)
    has_tag = (rng.random(n) < 0.5).tolist()
    emo = _emoji_draws(rng, n, (L.EMOJI_SETS["solidarity_outside"],), 0.3, 2)
    b = TextBuilder(ctx.pop.handles)
    out: list[PostText] = []
    for j in range(n):
        b.reset()
        b.word(bodies[bo[j]])
        if with_time[j]:
            b.word(f"à {hh[j]}h{mm[j]:02d}" if which == FRENCH else f"a las {hh[j]}:{mm[j]:02d}")
        b.word(ends[en[j]])
        if has_tag[j]:
            for t in tags[j]:
                b.hashtag(t)
        b.emojis(emo[j])
        out.append(b.build())
    return out


def _build_und(ctx: _Ctx, posts: np.ndarray) -> list[PostText]:
    rng, n = ctx.rng, posts.size
    emo = _emoji_draws(rng, n, (L.EMOJI_SETS["und"],), 1.0, 5)
    tags = _label_tags(ctx, n, True)
    url = (rng.random(n) < 0.4).tolist()
    b = TextBuilder(ctx.pop.handles)
    out: list[PostText] = []
    for j in range(n):
        b.reset()
        b.emojis(emo[j])
        for t in tags[j]:
            b.hashtag(t)
        if url[j]:
            _add_url(b, ctx, L.CHATTER_DOMAINS[:1], 0, "photo")
        out.append(b.build())
    return out


def _unique_fallback(ctx: _Ctx, text: PostText) -> PostText:
    """Make a text unique by appending a fresh short link."""
    b = TextBuilder(ctx.pop.handles)
    b.raw(text.text)
    short, n = ctx.urls.short()
    b.url(short, f"https://www.instagram.com/p/x{n}")
    out = b.build()
    return PostText(out.text, text.hashtags, text.mentions, text.urls + out.urls, text.emojis)


def _norm(text: str) -> str:
    # texts are assembled with single spaces, so lower-casing is the whole normalisation
    return text.lower()


# ------------------------------------------------------------------ the generator


def _counts(cfg: SynthConfig) -> dict[str, int]:
    n = cfg.posts
    n_rt = round(n * cfg.retweet_rate)
    n_orig = n - n_rt
    fs = cfg.firestorm_share > 0
    n_fs = round(n * cfg.firestorm_share) if fs else 0
    n_target = cfg.days + 1 if fs else 0
    n_trickle = max(cfg.days, round(n * cfg.trickle_share)) if fs else 0
    n_dup = round(n * cfg.duplicate_rate)
    rest = n_orig - n_fs - n_target - n_trickle - n_dup
    if rest < 50:
        raise ConfigError(
            "too few posts left for everyday posts: raise posts or lower the shares", field="posts"
        )
    n_fr = round(rest * cfg.fr_share)
    n_es = round(rest * cfg.es_share)
    n_und = round(rest * cfg.und_share)
    n_en = rest - n_fr - n_es - n_und
    n_crisis = round(n_en * cfg.crisis_share)
    n_sol = round(n_crisis * cfg.solidarity_share)
    n_fs_rt = min(round(n_fs * cfg.firestorm_retweets), n_rt // 2)
    return {
        "retweet": n_rt - n_fs_rt,
        "firestorm_retweet": n_fs_rt,
        "firestorm": n_fs,
        "target": n_target,
        "trickle": n_trickle,
        "duplicate": n_dup,
        "fr": n_fr,
        "es": n_es,
        "und": n_und,
        "chatter": n_en - n_crisis,
        "solidarity": n_sol,
        "news": n_crisis - n_sol,
    }


_MAX_CHUNKS = 4096  # chunk index bits live in the 12 sequence bits of the snowflake ids


class _Digests:
    """A set of 8-byte text digests in a sorted numpy array (8 bytes per distinct text).

    Keeps texts unique across the chunks of a streamed corpus without holding them.
    A false match (two texts with one digest, about 1 in 10**6 for 10**7 texts) only
    makes the generator redraw a text that was unique already.
    """

    def __init__(self) -> None:
        self.sorted = np.empty(0, dtype=np.uint64)

    @staticmethod
    def of(keys: Sequence[str]) -> np.ndarray:
        """The digests of normalised texts."""
        blake = hashlib.blake2b
        raw = b"".join(blake(k.encode("utf-8"), digest_size=8).digest() for k in keys)
        return np.frombuffer(raw, dtype=np.uint64)

    def contains(self, keys: Sequence[str]) -> np.ndarray:
        """Per key, whether its digest was added before."""
        d = self.of(keys)
        if not self.sorted.size or not d.size:
            return np.zeros(d.size, dtype=bool)
        pos = np.searchsorted(self.sorted, d)
        pos = np.minimum(pos, self.sorted.size - 1)
        return np.asarray(self.sorted[pos] == d)

    def add(self, keys: Sequence[str]) -> None:
        """Add the digests of ``keys``."""
        d = np.unique(self.of(keys))
        merged = np.concatenate([self.sorted, d])
        merged.sort(kind="stable")  # two sorted runs: a linear merge
        keep = np.ones(merged.size, dtype=bool)
        keep[1:] = merged[1:] != merged[:-1]
        self.sorted = merged[keep]


@dataclass(frozen=True, slots=True)
class _Chunk:
    """Which chunk of a streamed corpus is being drawn."""

    index: int
    count: int
    rngs: tuple[np.random.Generator, ...]  # time, struct, text, geo, id


@dataclass
class _Shared:
    """What every chunk of a corpus shares: the config, the sheet, the population."""

    cfg: SynthConfig
    sheet: LabelSheet
    finals: dict[str, str]
    counts: dict[str, int]
    start_ms: int
    end_ms: int
    crisis_ms: int
    fs_ms: int | None
    pop: Population
    regular: np.ndarray
    country: list[str | None]
    inside_user: np.ndarray
    n_participants: int
    n_newcomers: int
    rngs: tuple[np.random.Generator, ...]  # pop, time, struct, text, geo, id
    urls: _Urls
    digests: _Digests | None = None
    fs_parts: np.ndarray | None = None
    fs_weights: np.ndarray | None = None
    boost: dict[int, np.ndarray] = dataclasses.field(default_factory=dict)


def chunk_count(config: SynthConfig) -> int:
    """How many chunks :func:`generate_chunks` draws a corpus in.

    Args:
        config: The knobs (``posts`` and ``chunk_posts``).

    Returns:
        1 when ``chunk_posts`` is None or at least ``posts``, else
        ``ceil(posts / chunk_posts)``.
    """
    if config.chunk_posts is None or config.posts <= config.chunk_posts:
        return 1
    return -(-config.posts // config.chunk_posts)


def _prepare(config: SynthConfig) -> _Shared:
    cfg = config
    seeds = np.random.SeedSequence(cfg.seed).spawn(6)
    rngs = tuple(np.random.default_rng(s) for s in seeds)
    sheet = read_sheet(cfg.sheet) if cfg.sheet is not None else read_sheet(default_sheet_path())
    counts = _counts(cfg)
    start_ms = int(cfg.start.timestamp() * 1000)
    has_fs = cfg.firestorm_share > 0
    n_users = cfg.users if cfg.users is not None else max(100, cfg.posts // 5)
    n_participants = max(10, round(counts["firestorm"] / 1.6)) if has_fs else 0
    n_newcomers = round(n_participants * cfg.firestorm_newcomer_share)
    pop = make_population(rngs[0], n_users, n_newcomers, cfg.target_handle, start_ms)
    country = [LOCATIONS[i].country for i in pop.location_index.tolist()]
    affected = set(cfg.affected_countries)
    return _Shared(
        cfg=cfg,
        sheet=sheet,
        finals=sheet.finals,
        counts=counts,
        start_ms=start_ms,
        end_ms=start_ms + cfg.days * DAY_MS,
        crisis_ms=start_ms + int(cfg.crisis_hours * HOUR_MS),
        fs_ms=start_ms + int(cfg.firestorm_hours * HOUR_MS) if has_fs else None,
        pop=pop,
        regular=np.arange(len(pop.news), n_users),
        country=country,
        inside_user=np.array([c in affected for c in country], dtype=bool),
        n_participants=n_participants,
        n_newcomers=n_newcomers,
        rngs=rngs,
        urls=_Urls(),
    )


def generate(config: SynthConfig, *, quiet: bool = True) -> SynthResult:
    """Generate a whole corpus in memory (``chunk_posts`` is not used).

    For corpora too large for memory use :func:`generate_chunks`, which
    :func:`crowdpulse.synth.synthesize` and ``crowdpulse synth`` use; both draw
    the same posts when ``posts <= chunk_posts``.

    Args:
        config: The knobs; the same config always gives the same corpus.
        quiet: Show no progress bar.

    Returns:
        The posts in time order with everything the writers and the truth need.

    Raises:
        ConfigError: The config cannot give a corpus (too few posts, a sheet
            without solidarity or no-solidarity hashtags).
        InputError: The sheet cannot be read.
    """
    shared = _prepare(config)
    return _draw(shared, shared.counts, None, quiet, "synth")


def _split(total: int, index: int, count: int) -> int:
    return total * (index + 1) // count - total * index // count


def generate_chunks(config: SynthConfig, *, quiet: bool = True) -> Iterator[SynthResult]:
    """Generate a corpus chunk by chunk, each freed by the caller before the next.

    With ``posts <= chunk_posts`` (or ``chunk_posts`` None) this yields one
    chunk, exactly :func:`generate`'s corpus. Otherwise the corpus is drawn in
    :func:`chunk_count` chunks of at most ``chunk_posts`` posts. Every chunk
    spans the whole event: it holds its share (``1/K``) of every kind of post,
    drawn over the whole timeline from a stream seeded by ``(seed, chunk)``,
    so the union of the chunks has the shape of one event (one crisis burst,
    one firestorm starting where the truth says). Shared across chunks: the
    population, the firestorm crowd, the target's own posts (all in the first
    chunk), a counter for unique short links, and the 8-byte digests of every
    text so far (texts stay unique across the corpus). Replies, quotes,
    retweets and planted copies refer to posts of their own chunk; firestorm
    replies in chunks after the first mention the target but reply to no post.
    Each chunk is in time order with increasing ids; the chunks follow each
    other, so a streamed file is in time order only within each chunk. Ids are
    unique across chunks (the chunk index sits in the low sequence bits).

    Args:
        config: The knobs; the same config always gives the same chunks.
        quiet: Show no progress bars (one per chunk).

    Yields:
        One :class:`SynthResult` per chunk, with indices local to the chunk.

    Raises:
        ConfigError: The config cannot give a corpus.
        InputError: The sheet cannot be read.
    """
    k = chunk_count(config)
    if k == 1:
        yield generate(config, quiet=quiet)
        return
    shared = _prepare(config)
    shared.digests = _Digests()
    pop = shared.pop
    if shared.fs_ms is not None:
        r_share = np.random.default_rng([config.seed, 0x5EED, 1 << 20])
        n_old = min(shared.regular.size, shared.n_participants - shared.n_newcomers)
        old = r_share.choice(shared.regular, n_old, replace=False)
        shared.fs_parts = np.concatenate([pop.newcomers, old])
        shared.fs_weights = r_share.pareto(1.5, shared.fs_parts.size) + 1.0
    for c in range(k):
        counts = {key: _split(v, c, k) for key, v in shared.counts.items()}
        counts["target"] = shared.counts["target"] if c == 0 else 0
        seeds = np.random.SeedSequence([config.seed, 0x5EED, c]).spawn(5)
        chunk = _Chunk(c, k, tuple(np.random.default_rng(s) for s in seeds))
        yield _draw(shared, counts, chunk, quiet, f"synth chunk {c + 1}/{k}")


def _draw(
    shared: _Shared,
    counts: dict[str, int],
    chunk: _Chunk | None,
    quiet: bool,
    label: str,
) -> SynthResult:
    """Draw one chunk (``chunk`` None: the whole corpus, as before chunking existed)."""
    cfg, sheet, finals = shared.cfg, shared.sheet, shared.finals
    start_ms, end_ms, crisis_ms, fs_ms = (
        shared.start_ms, shared.end_ms, shared.crisis_ms, shared.fs_ms,
    )  # fmt: skip
    has_fs = fs_ms is not None
    amp, peak = cfg.diurnal_amplitude, cfg.peak_hour
    pop, regular, country, inside_user = (
        shared.pop, shared.regular, shared.country, shared.inside_user,
    )  # fmt: skip
    n_participants, n_newcomers = shared.n_participants, shared.n_newcomers
    if chunk is None:
        r_time, r_struct, r_text, r_geo, r_id = shared.rngs[1:]
    else:
        r_time, r_struct, r_text, r_geo, r_id = chunk.rngs

    with paused_gc(), progress(label, total=5, quiet=quiet) as bar:
        bar.advance()  # the population is drawn once, before the chunks

        # 2-3. kinds, times and authors of original posts ------------------------
        parts_kind: list[np.ndarray] = []
        parts_ts: list[np.ndarray] = []
        parts_author: list[np.ndarray] = []

        def add(kind: int, ts: np.ndarray, author: np.ndarray) -> None:
            parts_kind.append(np.full(ts.size, kind, dtype=np.int8))
            parts_ts.append(ts.astype(np.int64))
            parts_author.append(author.astype(np.int64))

        act = pop.activity[regular]
        n_ch = counts["chatter"]
        add(CHATTER, diurnal_times(r_time, n_ch, start_ms, end_ms, amplitude=amp, peak_hour=peak),
            _weighted(r_time, regular, act, n_ch))  # fmt: skip
        sol_w = act * np.where(inside_user[regular], 3.0, 1.0)
        for kd, w in ((SOLIDARITY, sol_w), (NEWS, act)):
            k = counts[KIND_NAMES[kd]]
            ts = burst_times(r_time, k, crisis_ms, end_ms, shape=1.3, scale_hours=20.0,
                             amplitude=amp, peak_hour=peak, min_offset_ms=60_000)  # fmt: skip
            authors = _weighted(r_time, regular, w, k)
            if kd == NEWS and pop.news.size:
                from_news = r_time.random(k) < 0.4
                authors[from_news] = r_time.choice(pop.news, int(from_news.sum()))
            add(kd, ts, authors)
        for kd, boost in ((FRENCH, {"FR", "BE", "CA"}), (SPANISH, {"ES", "MX"}), (UND, set())):
            k = counts[KIND_NAMES[kd]]
            half = k // 2
            ts = np.concatenate([
                diurnal_times(r_time, half, start_ms, end_ms, amplitude=amp, peak_hour=peak),
                burst_times(r_time, k - half, crisis_ms, end_ms, shape=1.3, scale_hours=20.0,
                            amplitude=amp, peak_hour=peak, min_offset_ms=60_000),
            ])  # fmt: skip
            factor = shared.boost.get(kd)
            if factor is None:  # (once per corpus: a chunk of a large event reuses it)
                factor = np.array([5.0 if country[u] in boost else 1.0 for u in regular.tolist()])
                shared.boost[kd] = factor
            w = act * factor
            add(kd, ts, _weighted(r_time, regular, w, k))
        if has_fs:
            assert fs_ms is not None
            n_fs = counts["firestorm"]
            ts = burst_times(r_time, n_fs, fs_ms, end_ms, shape=1.8, scale_hours=7.0,
                             amplitude=amp * 0.6, peak_hour=peak)  # fmt: skip
            if chunk is None:
                n_old = min(regular.size, n_participants - n_newcomers)
                old = r_time.choice(regular, n_old, replace=False)
                parts = np.concatenate([pop.newcomers, old])
                authors = _weighted(r_time, parts, r_time.pareto(1.5, parts.size) + 1.0, n_fs)
                mine = pop.newcomers
            else:  # one crowd for the whole event; each chunk seats its share of newcomers
                assert shared.fs_parts is not None and shared.fs_weights is not None
                authors = _weighted(r_time, shared.fs_parts, shared.fs_weights, n_fs)
                size = pop.newcomers.size
                lo = size * chunk.index // chunk.count
                mine = pop.newcomers[lo : size * (chunk.index + 1) // chunk.count]
            k0 = min(mine.size, n_fs)
            # every newcomer takes part: each gets one post drawn at random
            authors[r_time.choice(n_fs, k0, replace=False)] = mine[:k0]
            add(FIRESTORM, ts, authors)
            n_tr = counts["trickle"]
            tr_ts = diurnal_times(r_time, n_tr, start_ms, fs_ms, amplitude=amp, peak_hour=peak)
            add(TRICKLE, tr_ts, _weighted(r_time, regular, act, n_tr))
            if counts["target"]:  # (a streamed corpus has them all in its first chunk)
                days = np.arange(counts["target"] - 1)
                t_ts = (
                    start_ms
                    + days * DAY_MS
                    + 9 * HOUR_MS
                    + r_time.integers(0, 50, days.size) * 60_000
                )
                t_ts = t_ts[t_ts < end_ms]
                t_ts = np.concatenate([t_ts, [fs_ms - 20 * 60_000]])
                add(TARGET, t_ts, np.full(t_ts.size, pop.target))
        kind_o = np.concatenate(parts_kind)
        ts_o = np.concatenate(parts_ts)
        author_o = np.concatenate(parts_author)
        n_o = kind_o.size

        # reply / quote flags of originals
        en_everyday = np.isin(kind_o, (CHATTER, SOLIDARITY, NEWS))
        u = r_struct.random(n_o)
        is_reply = en_everyday & (u < cfg.reply_rate)
        is_quote = en_everyday & ~is_reply & (u < cfg.reply_rate + cfg.quote_rate)
        is_reply |= (kind_o == FIRESTORM) & (u < 0.4)
        is_reply |= (kind_o == TRICKLE) & (u < 0.2)

        # planted duplicates: copies of earlier English everyday posts
        src_ok = en_everyday & ~is_reply & ~is_quote & (ts_o < end_ms - 10 * 60_000)
        src_pool = np.flatnonzero(src_ok)
        n_dup = counts["duplicate"]
        dup_src = r_struct.choice(src_pool, n_dup) if n_dup else np.empty(0, dtype=np.int64)
        gap = (r_struct.exponential(2.0 * HOUR_MS, n_dup)).astype(np.int64) + 1000
        dup_ts = np.minimum(ts_o[dup_src] + gap, end_ms - 1)
        dup_ts = np.maximum(dup_ts, ts_o[dup_src] + 1)
        dup_author = _weighted(r_struct, regular, np.ones(regular.size), n_dup)

        # retweets: regular ones of earlier English posts, and of firestorm posts
        rt_ok = np.flatnonzero(np.isin(kind_o, (CHATTER, SOLIDARITY, NEWS)))
        rt_ok = rt_ok[np.argsort(ts_o[rt_ok], kind="stable")]
        n_rt = counts["retweet"]
        rt_ts = diurnal_times(r_struct, n_rt, start_ms, end_ms, amplitude=amp, peak_hour=peak)
        rt_src = _earlier(r_struct, ts_o[rt_ok], rt_ok, rt_ts, 400.0)
        if has_fs and counts["firestorm_retweet"]:
            assert fs_ms is not None
            n_frt = counts["firestorm_retweet"]
            fs_ok = np.flatnonzero(kind_o == FIRESTORM)
            fs_ok = fs_ok[np.argsort(ts_o[fs_ok], kind="stable")]
            frt_ts = burst_times(
                r_struct, n_frt, fs_ms, end_ms, shape=1.8, scale_hours=7.5,
                amplitude=amp * 0.6, peak_hour=peak, min_offset_ms=5 * 60_000,
            )  # fmt: skip
            frt_src = _earlier(r_struct, ts_o[fs_ok], fs_ok, frt_ts, 30.0)
            early = frt_src < 0
            frt_src[early] = fs_ok[0]
            frt_ts[early] = (
                ts_o[fs_ok[0]] + 60_000 + r_struct.integers(0, HOUR_MS, int(early.sum()))
            )
            rt_ts = np.concatenate([rt_ts, frt_ts])
            rt_src = np.concatenate([rt_src, frt_src])
        # a retweet drawn before any candidate post retweets the first one, later
        first = rt_ok[0]
        late = rt_src < 0
        rt_src[late] = first
        rt_ts[late] = np.maximum(
            rt_ts[late], ts_o[first] + 1000 + r_struct.integers(0, HOUR_MS, int(late.sum()))
        )
        rt_ts = np.minimum(rt_ts, end_ms - 1)
        rt_author = _weighted(r_struct, regular, pop.activity[regular], rt_ts.size)
        fs_rt = kind_o[rt_src] == FIRESTORM
        if fs_rt.any():
            crowd = np.concatenate([pop.newcomers, regular])
            rt_author[fs_rt] = r_struct.choice(crowd, int(fs_rt.sum()))
        bar.advance()

        # 4. one time order ---------------------------------------------------------
        n_total = n_o + n_dup + rt_ts.size
        all_ts = np.concatenate([ts_o, dup_ts, rt_ts])
        all_kind = np.concatenate([kind_o, kind_o[dup_src], kind_o[rt_src]]).astype(np.int8)
        all_author = np.concatenate([author_o, dup_author, rt_author]).astype(np.int64)
        slot_src_dup = np.concatenate([np.full(n_o, -1), dup_src, np.full(rt_ts.size, -1)])
        slot_src_rt = np.concatenate([np.full(n_o + n_dup, -1), rt_src])
        order = np.lexsort((np.arange(n_total), all_ts))
        rank = np.empty(n_total, dtype=np.int64)
        rank[order] = np.arange(n_total)
        ts = all_ts[order]
        kind = all_kind[order]
        author = all_author[order]
        dup_of = slot_src_dup[order]
        dup_of = np.where(dup_of >= 0, rank[np.maximum(dup_of, 0)], -1)
        retweet_of = slot_src_rt[order]
        retweet_of = np.where(retweet_of >= 0, rank[np.maximum(retweet_of, 0)], -1)
        reply_flag = np.concatenate([is_reply, np.zeros(n_dup + rt_ts.size, bool)])[order]
        quote_flag = np.concatenate([is_quote, np.zeros(n_dup + rt_ts.size, bool)])[order]
        original = (retweet_of < 0) & (dup_of < 0)

        # parents of replies and quotes: earlier English originals
        reply_to = np.full(n_total, -1, dtype=np.int64)
        quote_of = np.full(n_total, -1, dtype=np.int64)
        cand = np.flatnonzero(original & np.isin(kind, (CHATTER, SOLIDARITY, NEWS)))
        for flag, dest in (
            (reply_flag & ~np.isin(kind, (FIRESTORM, TRICKLE)), reply_to),
            (quote_flag, quote_of),
        ):
            posts = np.flatnonzero(flag)
            dest[posts] = _earlier(r_struct, ts[cand], cand, ts[posts], 200.0)
        tgt_posts = np.flatnonzero(kind == TARGET)
        tgt_posts = tgt_posts[original[tgt_posts]]
        fs_replies = np.flatnonzero(reply_flag & np.isin(kind, (FIRESTORM, TRICKLE)))
        if tgt_posts.size and fs_replies.size:
            reply_to[fs_replies] = _earlier(r_struct, ts[tgt_posts], tgt_posts, ts[fs_replies], 1.0)
        # a reply or quote of a post by the same instant is not possible: drop those
        for dest in (reply_to, quote_of):
            bad = (dest >= 0) & (ts[np.maximum(dest, 0)] >= ts)
            dest[bad] = -1
        conversation = np.arange(n_total, dtype=np.int64)
        for p in np.flatnonzero(reply_to >= 0).tolist():
            conversation[p] = conversation[reply_to[p]]
        bar.advance()

        # 5. texts ------------------------------------------------------------------
        sol_rows = sheet.by_final("solidarity")
        nos_rows = sheet.by_final("no solidarity")
        ign_rows = sheet.by_final("ignore")
        if not sol_rows or not nos_rows:
            raise ConfigError(
                "the label sheet needs hashtags labelled 'solidarity' and 'no solidarity'",
                field="sheet",
            )

        def pool(rows: tuple[SheetRow, ...]) -> tuple[list[str], np.ndarray]:
            freq = np.array([max(1, r.frequency) for r in rows], dtype=float) ** 0.5
            return [r.hashtag for r in rows], freq / freq.sum()

        sol_tags, sol_p = pool(sol_rows)
        nos_tags, nos_p = pool(nos_rows)
        ign_tags, ign_p = pool(ign_rows) if ign_rows else ([], np.empty(0))
        taken = sheet.hashtags
        chatter_tags = [t for t in L.CHATTER_HASHTAGS if t.lower() not in taken]
        fs_tags = [
            t.replace("{T}", cfg.target_handle.lower())
            for t in L.FIRESTORM_HASHTAGS
            if t.replace("{T}", cfg.target_handle.lower()) not in taken
        ]
        if not chatter_tags:
            chatter_tags = ["crowdpulsesynthchatter"]
        if not fs_tags:
            fs_tags = ["crowdpulsesynthfirestorm"]
        popular = regular[np.argsort(-pop.followers[regular], kind="stable")][
            : max(20, regular.size // 10)
        ]
        popular_p = pop.followers[popular].astype(float) ** 0.8 + 1.0
        popular_p /= popular_p.sum()
        reply_author = np.where(reply_to >= 0, author[np.maximum(reply_to, 0)], -1)
        ctx = _Ctx(
            rng=r_text, cfg=cfg, pop=pop, author=author, kind=kind, reply_author=reply_author,
            inside=inside_user[author], popular=popular, popular_p=popular_p,
            sol_tags=sol_tags, sol_p=sol_p, nos_tags=nos_tags, nos_p=nos_p,
            ign_tags=ign_tags, ign_p=ign_p, chatter_tags=chatter_tags, firestorm_tags=fs_tags,
            urls=shared.urls, ts_ms=ts, trigger_ms=None if fs_ms is None else fs_ms - 20 * 60_000,
        )  # fmt: skip
        builders: dict[int, Callable[[_Ctx, np.ndarray], list[PostText]]] = {
            CHATTER: _build_chatter,
            SOLIDARITY: lambda c, p: _build_crisis(c, p, True),
            NEWS: lambda c, p: _build_crisis(c, p, False),
            FIRESTORM: _build_firestorm,
            TRICKLE: _build_trickle,
            TARGET: _build_target,
            FRENCH: lambda c, p: _build_foreign(c, p, FRENCH),
            SPANISH: lambda c, p: _build_foreign(c, p, SPANISH),
            UND: _build_und,
        }
        texts: list[PostText | None] = [None] * n_total
        for k in range(len(KIND_NAMES)):
            posts = np.flatnonzero(original & (kind == k))
            if posts.size:
                for p, t in zip(posts.tolist(), builders[k](ctx, posts), strict=True):
                    texts[p] = t
        # uniqueness: the first post (in time order) keeps its text, later ones redraw
        # (a streamed corpus also redraws texts an earlier chunk used)
        seen: set[str] = set()
        originals = np.flatnonzero(original).tolist()
        digests = shared.digests
        for attempt in range(8):
            clash: list[int] = []
            keys = [_norm(t.text) for t in (texts[p] for p in originals) if t is not None]
            used = digests.contains(keys).tolist() if digests is not None else None
            for j, p in enumerate(originals):
                key = keys[j]
                if key in seen or (used is not None and used[j]):
                    clash.append(p)
                else:
                    seen.add(key)
            if not clash:
                break
            arr = np.array(clash, dtype=np.int64)
            if attempt >= 5:
                for p in clash:
                    cur = texts[p]
                    assert cur is not None
                    texts[p] = _unique_fallback(ctx, cur)
            else:
                for k in range(len(KIND_NAMES)):
                    posts = arr[kind[arr] == k]
                    if posts.size:
                        for p, t in zip(posts.tolist(), builders[k](ctx, posts), strict=True):
                            texts[p] = t
            originals = clash
        if digests is not None:
            digests.add(list(seen))
        del seen
        for p in np.flatnonzero(dup_of >= 0).tolist():
            texts[p] = texts[int(dup_of[p])]
        bar.advance()

        # label class from the hashtags --------------------------------------------
        label_class = np.full(n_total, 3, dtype=np.int8)
        for p in range(n_total):
            src = int(retweet_of[p])
            cur = texts[src if src >= 0 else p]
            assert cur is not None
            if not cur.hashtags:
                continue
            sol = nos = False
            for _, _, tag in cur.hashtags:
                f = finals.get(tag.lower())
                if f == "solidarity":
                    sol = True
                elif f == "no solidarity":
                    nos = True
            label_class[p] = 2 if sol and nos else 0 if sol else 1 if nos else 3

        # 6. geo and ids ---------------------------------------------------------------
        lang = [_KIND_LANG[k] for k in kind.tolist()]
        lon = np.full(n_total, np.nan)
        lat = np.full(n_total, np.nan)
        place = np.full(n_total, -1, dtype=np.int64)
        loc_of = pop.location_index[author]
        has_city = np.array([LOCATIONS[i].lat is not None for i in range(len(LOCATIONS))])[loc_of]
        g = r_geo.random(n_total)
        own = (retweet_of < 0) & (kind != TARGET) & has_city
        coords = own & (g < cfg.coordinates_rate)
        placed = own & (g < cfg.coordinates_rate + cfg.place_rate)
        place[placed] = loc_of[placed]
        lat_c = np.array([loc.lat or 0.0 for loc in LOCATIONS])
        lon_c = np.array([loc.lon or 0.0 for loc in LOCATIONS])
        idx = np.flatnonzero(coords)
        lat[idx] = np.round(lat_c[loc_of[idx]] + r_geo.uniform(-0.04, 0.04, idx.size), 8)
        lon[idx] = np.round(lon_c[loc_of[idx]] + r_geo.uniform(-0.04, 0.04, idx.size), 8)

        worker = r_id.integers(0, 1024, n_total)
        # a chunk's index sits in the low sequence bits: ids are unique across chunks
        bits = 0 if chunk is None else max(1, (chunk.count - 1).bit_length())
        seq = np.arange(n_total) & (0xFFF >> bits)
        raw = ((ts - TWEPOCH_MS) << 22) | (worker << 12) | (seq << bits)
        step = np.arange(n_total, dtype=np.int64) << bits
        raw = np.maximum.accumulate(raw - step) + step  # strictly increasing in file order
        if chunk is not None:
            raw |= chunk.index
        ids = [str(v) for v in raw.tolist()]
        bar.advance()

    return SynthResult(
        config=cfg,
        sheet=sheet,
        population=pop,
        ids=ids,
        ts_ms=ts,
        author=author,
        kind=kind,
        lang=lang,
        texts=texts,
        retweet_of=retweet_of,
        quote_of=quote_of,
        reply_to=reply_to,
        duplicate_of=dup_of,
        conversation=conversation,
        label_class=label_class,
        lon=lon,
        lat=lat,
        place=place,
        start_ms=start_ms,
        end_ms=end_ms,
        crisis_ms=crisis_ms,
        firestorm_ms=fs_ms,
        label_finals=finals,
    )
