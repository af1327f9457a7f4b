"""The ground truth of a synthetic corpus: what a correct pipeline must find.

:func:`build_truth` counts, from the generated posts (never by re-reading the
written file), everything the tests and demos compare against: totals, the
outcome of crowdpulse's default ingest filters, solidarity classes and emoji
tables (papers' Tables 1, 4, 5, 6), and the firestorm's start and peaks.
:func:`truth_posts_table` gives the same truth one row per post.

Default ingest filters, applied in this order, each post counted under the first
that removes it: ``notice`` (stream delete/limit notices, not posts), ``retweet``,
``lang`` (keep ``en``), ``duplicate_text`` (exact text seen before, in file
order), ``duplicate_id``. Malformed lines and records are ``quarantined``.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from crowdpulse.synth.generator import CLASSES, FIRESTORM, KIND_NAMES, SynthResult
from crowdpulse.synth.population import LOCATIONS
from crowdpulse.synth.timeline import BUCKET_MS
from crowdpulse.synth.writers import WriteReport, reader_entities

__all__ = [
    "FILTER_ORDER",
    "TRUTH_VERSION",
    "TruthBuilder",
    "build_truth",
    "filter_reasons",
    "truth_posts_table",
]

TRUTH_VERSION = 1
FILTER_ORDER: tuple[str, ...] = ("notice", "retweet", "lang", "duplicate_text", "duplicate_id")


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def filter_reasons(result: SynthResult, *, lang: str | None = "en") -> list[str | None]:
    """Why the default ingest filters drop each post (None: kept).

    Args:
        result: The corpus.
        lang: The language kept (None: every language).

    Returns:
        One entry per post: ``retweet``, ``lang``, ``duplicate_text``,
        ``duplicate_id`` or None.
    """
    seen_text: set[str] = set()
    seen_id: set[str] = set()
    out: list[str | None] = []
    for i in range(len(result)):
        if int(result.retweet_of[i]) >= 0:
            out.append("retweet")
        elif lang is not None and result.lang[i] != lang:
            out.append("lang")
        else:
            text = result.full_text(i)
            if text in seen_text:
                out.append("duplicate_text")
            elif result.ids[i] in seen_id:
                out.append("duplicate_id")
            else:
                seen_text.add(text)
                seen_id.add(result.ids[i])
                out.append(None)
    return out


def _top(counter: Counter[str], k: int = 10) -> list[list[Any]]:
    return [[e, c] for e, c in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]


def _mention_sets(result: SynthResult) -> list[frozenset[int]]:
    """Distinct users each post mentions, as a reader sees the record's entities."""
    out: list[frozenset[int]] = []
    for i in range(len(result)):
        _, _, mentions, _ = reader_entities(result, i)
        out.append(frozenset(u for _, _, u in mentions))
    return out


def _merge_counts(
    keys: np.ndarray, counts: np.ndarray, new_keys: np.ndarray, new_counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Sum two sparse count vectors given as (sorted unique keys, counts)."""
    all_keys = np.concatenate([keys, new_keys])
    all_counts = np.concatenate([counts, new_counts])
    uniq, inverse = np.unique(all_keys, return_inverse=True)
    return uniq, np.bincount(inverse, weights=all_counts, minlength=uniq.size).astype(np.int64)


class TruthBuilder:
    """Count the ground truth chunk by chunk (:meth:`add`), then :meth:`finish`.

    Everything in the truth is a sum over posts, except distinct users (kept as
    one flag per user) and the firestorm's per-bucket "top mentioned account"
    test (kept as sparse ``(bucket, user)`` counts). The filter reasons of each
    chunk are exact for the whole corpus because texts are unique across chunks
    and planted copies copy a post of their own chunk (see
    :func:`~crowdpulse.synth.generator.generate_chunks`); ids are unique.
    """

    def __init__(self) -> None:
        """Start with nothing counted."""
        self.first: SynthResult | None = None
        self.n = 0
        self.kept = 0
        self.reasons: Counter[str] = Counter()
        self.any_lang: Counter[str] = Counter()
        self.lang_all: Counter[str] = Counter()
        self.by_kind: Counter[str] = Counter()
        self.class_counts = {c: 0 for c in CLASSES}
        self.emoji_by_class: dict[str, Counter[str]] = {
            "solidarity": Counter(),
            "not solidarity": Counter(),
        }
        self.groups = ("inside", "outside", "unknown")
        self.emoji_by_group: dict[str, Counter[str]] = {g: Counter() for g in self.groups}
        self.posts_by_group = {g: 0 for g in self.groups}
        self.tag_use: dict[str, Counter[str]] = {
            "solidarity": Counter(),
            "no solidarity": Counter(),
        }
        self.kept_country: Counter[str] = Counter()
        self.totals = Counter[str]()
        self.authors: np.ndarray | None = None
        # firestorm
        self.target_counts: np.ndarray | None = None
        self.other_keys = np.empty(0, dtype=np.int64)
        self.other_counts = np.empty(0, dtype=np.int64)
        self.mentioner_keys = np.empty(0, dtype=np.int64)
        self.fs_counts: np.ndarray | None = None
        self.fs_authors: np.ndarray | None = None
        self.fs_retweeters: np.ndarray | None = None
        self.fs_posts = 0
        self.fs_retweets = 0
        self.trigger: str | None = None

    def add(self, result: SynthResult) -> None:
        """Count one chunk (or a whole corpus).

        Args:
            result: The chunk, from the same config as the chunks before.
        """
        if self.first is None:
            self.first = result.skeleton()  # (so an added chunk can be freed)
        cfg = result.config
        pop = result.population
        n = len(result)
        reasons = filter_reasons(result)
        kept = np.array([r is None for r in reasons])
        is_rt = result.retweet_of >= 0
        self.n += n
        self.kept += int(kept.sum())
        self.lang_all.update(
            result.lang[int(result.retweet_of[i])] if is_rt[i] else result.lang[i] for i in range(n)
        )
        self.reasons.update(r for r in reasons if r is not None)
        affected = set(cfg.affected_countries)
        country = [LOCATIONS[int(li)].country for li in pop.location_index.tolist()]
        for i in np.flatnonzero(kept).tolist():
            cls = CLASSES[int(result.label_class[i])]
            self.class_counts[cls] += 1
            text = result.post_text(i)
            c = country[int(result.author[i])]
            self.kept_country[c or "unknown"] += 1
            for _, _, tag in text.hashtags:
                final = result.label_finals.get(tag.lower())
                if final in self.tag_use:
                    self.tag_use[final][tag.lower()] += 1
            if cls in self.emoji_by_class:
                self.emoji_by_class[cls].update(text.emojis)
            if cls == "solidarity":
                g = "unknown" if c is None else "inside" if c in affected else "outside"
                self.posts_by_group[g] += 1
                self.emoji_by_group[g].update(text.emojis)
        self.any_lang.update(r for r in filter_reasons(result, lang=None) if r is not None)
        t = self.totals
        t["retweets"] += int(is_rt.sum())
        t["quotes"] += int((result.quote_of >= 0).sum())
        t["replies"] += int((result.reply_to >= 0).sum())
        self.by_kind.update(KIND_NAMES[k] for k in result.kind.tolist())
        t["duplicates_planted"] += int((result.duplicate_of >= 0).sum())
        t["longer_than_140"] += sum(1 for x in result.texts if x is not None and len(x.text) > 140)
        t["longer_than_280"] += sum(1 for x in result.texts if x is not None and len(x.text) > 280)
        t["with_coordinates"] += int((~np.isnan(result.lon)).sum())
        t["with_place"] += int((result.place >= 0).sum())
        if self.authors is None:
            self.authors = np.zeros(len(pop), dtype=bool)
        self.authors[result.author] = True
        self._add_firestorm(result)

    def _add_firestorm(self, result: SynthResult) -> None:
        if result.firestorm_ms is None:
            return
        mentions = _mention_sets(result)
        pop = result.population
        target = pop.target
        n_users = len(pop)
        n_buckets = (result.end_ms - result.start_ms) // BUCKET_MS
        if self.target_counts is None:
            self.target_counts = np.zeros(n_buckets, dtype=np.int64)
            self.fs_counts = np.zeros(n_buckets, dtype=np.int64)
            self.fs_authors = np.zeros(n_users, dtype=bool)
            self.fs_retweeters = np.zeros(n_users, dtype=bool)
        assert self.fs_counts is not None
        assert self.fs_authors is not None and self.fs_retweeters is not None
        bucket = ((result.ts_ms - result.start_ms) // BUCKET_MS).astype(np.int64)
        others: list[int] = []
        mentioners: list[int] = []
        tc = self.target_counts
        for i, users in enumerate(mentions):
            if users:
                b = int(bucket[i])
                for u in users:
                    if u == target:
                        tc[b] += 1
                    else:
                        others.append(b * n_users + u)
                if target in users:
                    mentioners.append(b * n_users + int(result.author[i]))
        keys, counts = np.unique(np.array(others, dtype=np.int64), return_counts=True)
        self.other_keys, self.other_counts = _merge_counts(
            self.other_keys, self.other_counts, keys, counts
        )
        self.mentioner_keys = np.union1d(self.mentioner_keys, np.array(mentioners, np.int64))
        is_fs = result.kind == FIRESTORM
        originals = is_fs & (result.retweet_of < 0)
        retweets = is_fs & (result.retweet_of >= 0)
        self.fs_counts += np.bincount(bucket[originals | retweets], minlength=n_buckets)
        self.fs_posts += int(originals.sum())
        self.fs_retweets += int(retweets.sum())
        self.fs_authors[result.author[originals]] = True
        self.fs_retweeters[result.author[retweets]] = True
        if self.trigger is None:
            self.trigger = next(
                (
                    result.ids[i]
                    for i in np.flatnonzero(result.author == target).tolist()
                    if int(result.ts_ms[i]) == result.firestorm_ms - 20 * 60_000
                ),
                None,
            )

    def _firestorm(self) -> dict[str, Any] | None:
        result = self.first
        assert result is not None
        if result.firestorm_ms is None:
            return None
        assert self.target_counts is not None and self.fs_counts is not None
        assert self.fs_authors is not None and self.fs_retweeters is not None
        pop = result.population
        n_users = len(pop)
        n_buckets = self.target_counts.size
        target_counts = self.target_counts.tolist()
        other_max = np.zeros(n_buckets, dtype=np.int64)
        np.maximum.at(other_max, self.other_keys // n_users, self.other_counts)
        first_top = None
        for b, t in enumerate(target_counts):
            if t and other_max[b] < t:
                first_top = b
                break
        distinct = np.bincount(self.mentioner_keys // n_users, minlength=n_buckets)
        newcomers = np.zeros(n_users, dtype=bool)
        newcomers[pop.newcomers] = True
        start_bucket = (result.firestorm_ms - result.start_ms) // BUCKET_MS
        return {
            "target": "@" + pop.handles[pop.target].lower(),
            "target_id": pop.ids[pop.target],
            "start": _iso(result.firestorm_ms),
            "start_bucket": int(start_bucket),
            "bucket_minutes": BUCKET_MS // 60_000,
            "buckets": int(n_buckets),
            "first_top_bucket": first_top,
            "peak_bucket": int(np.argmax(self.fs_counts)),
            "peak_bucket_target_mentions": int(np.argmax(target_counts)),
            "peak_bucket_distinct_mentioners": int(np.argmax(distinct)),
            "posts": self.fs_posts,
            "retweets": self.fs_retweets,
            "users": int(self.fs_authors.sum()),
            "users_with_retweeters": int((self.fs_authors | self.fs_retweeters).sum()),
            "newcomers": int((self.fs_authors & newcomers).sum()),
            "target_mentions_before_start": int(sum(target_counts[:start_bucket])),
            "target_mentions": int(sum(target_counts)),
            "target_mentions_per_bucket": target_counts,
            "firestorm_posts_per_bucket": self.fs_counts.tolist(),
            "trigger_post_id": self.trigger,
        }

    def finish(self, report: WriteReport, *, sheet_file: str | None = None) -> dict[str, Any]:
        """The truth of everything added.

        Args:
            report: What the writer wrote (format, noise counts).
            sheet_file: Where the label sheet was copied for the event, if it was.

        Returns:
            A JSON-ready dict; see ``docs/synth.md`` for every key.
        """
        result = self.first
        assert result is not None and self.authors is not None, "add a chunk first"
        cfg = result.config
        n = self.n
        filtered: dict[str, int] = {k: 0 for k in FILTER_ORDER}
        filtered["notice"] = report.notices
        for r, k in self.reasons.items():
            filtered[r] += k
        any_lang: dict[str, int] = {k: 0 for k in FILTER_ORDER if k != "lang"}
        any_lang["notice"] = report.notices
        for r, k in self.any_lang.items():
            any_lang[r] += k
        affected = set(cfg.affected_countries)
        t = self.totals
        groups = self.groups
        return {
            "truth_version": TRUTH_VERSION,
            "generator": "crowdpulse.synth",
            "seed": cfg.seed,
            "config": cfg.to_dict(),
            "format": report.format,
            "output": report.path,
            "start": _iso(result.start_ms),
            "end": _iso(result.end_ms),
            "totals": {
                "posts": n,
                "lines": report.lines,
                "bytes": report.bytes,
                "pages": report.pages,
                "retweets": t["retweets"],
                "quotes": t["quotes"],
                "replies": t["replies"],
                "by_lang": dict(sorted(self.lang_all.items())),
                "by_kind": dict(self.by_kind),
                "duplicates_planted": t["duplicates_planted"],
                "longer_than_140": t["longer_than_140"],
                "longer_than_280": t["longer_than_280"],
                "with_coordinates": t["with_coordinates"],
                "with_place": t["with_place"],
                "users": int(self.authors.sum()),
            },
            "noise": dict(report.noise),
            "ingest": {
                "filter_order": list(FILTER_ORDER),
                "kept": self.kept,
                "filtered": filtered,
                "quarantined": report.quarantined,
                "missing_expansion_posts": report.missing_expansion_posts,
                "missing_expansion_ids": report.missing_expansion_ids,
                "any_lang": {
                    "kept": n - sum(any_lang.values()) + report.notices,
                    "filtered": any_lang,
                },
            },
            "solidarity": {
                "sheet": sheet_file or str(result.sheet.path),
                "label_hashtags": {
                    "solidarity": sorted(
                        r.hashtag for r in result.sheet.rows if r.final == "solidarity"
                    ),
                    "not solidarity": sorted(
                        r.hashtag for r in result.sheet.rows if r.final == "no solidarity"
                    ),
                },
                "label_hashtag_posts": {
                    "solidarity": dict(sorted(self.tag_use["solidarity"].items())),
                    "not solidarity": dict(sorted(self.tag_use["no solidarity"].items())),
                },
                "counts": self.class_counts,
                "emojis": {
                    cls: {
                        "total": sum(c.values()),
                        "top10": _top(c),
                        "counts": dict(sorted(c.items())),
                    }
                    for cls, c in self.emoji_by_class.items()
                },
            },
            "geo": {
                "affected_countries": sorted(affected),
                "kept_posts_by_true_country": dict(sorted(self.kept_country.items())),
                "solidarity_emojis_by_region": {
                    g: {
                        "posts": self.posts_by_group[g],
                        "total": sum(self.emoji_by_group[g].values()),
                        "top10": _top(self.emoji_by_group[g]),
                        "counts": dict(sorted(self.emoji_by_group[g].items())),
                    }
                    for g in groups
                },
            },
            "crisis": {
                "time": _iso(result.crisis_ms),
                "bucket": (result.crisis_ms - result.start_ms) // BUCKET_MS,
            },
            "firestorm": self._firestorm(),
        }


def build_truth(
    result: SynthResult, report: WriteReport, *, sheet_file: str | None = None
) -> dict[str, Any]:
    """Count the ground truth of a written corpus.

    Args:
        result: The generated corpus.
        report: What the writer wrote (format, noise counts).
        sheet_file: Where the label sheet was copied for the event, if it was.

    Returns:
        A JSON-ready dict; see ``docs/synth.md`` for every key.
    """
    builder = TruthBuilder()
    builder.add(result)
    return builder.finish(report, sheet_file=sheet_file)


def truth_posts_table(result: SynthResult) -> pa.Table:
    """The truth one row per post, in file order.

    Columns: ``id``, ``created_at``, ``author_id``, ``kind`` (the language the post
    is written in), ``class`` (from its label hashtags), ``is_retweet``,
    ``is_duplicate``, ``is_firestorm``, ``mentions_target``, ``lang``, ``kept``,
    ``filter_reason``, ``true_country``, ``author_location``, ``inside_affected``,
    ``text`` (as a reader must produce it), ``hashtags`` (lower-cased),
    ``label_hashtags``, ``emojis`` (full sequences in order).

    Args:
        result: The corpus.

    Returns:
        An Arrow table.
    """
    pop = result.population
    reasons = filter_reasons(result)
    affected = set(result.config.affected_countries)
    country = [LOCATIONS[int(li)].country for li in pop.location_index.tolist()]
    author = result.author.tolist()
    texts = [result.post_text(i) for i in range(len(result))]
    target = pop.target
    mentions = _mention_sets(result)
    finals = result.label_finals
    cols: dict[str, Any] = {
        "id": result.ids,
        "created_at": pa.array(result.ts_ms * 1000, type=pa.timestamp("us", tz="UTC")),
        "author_id": [pop.ids[a] for a in author],
        "kind": [KIND_NAMES[k] for k in result.kind.tolist()],
        "class": [CLASSES[c] for c in result.label_class.tolist()],
        "is_retweet": (result.retweet_of >= 0).tolist(),
        "is_duplicate": (result.duplicate_of >= 0).tolist(),
        "is_firestorm": (result.kind == FIRESTORM).tolist(),
        "mentions_target": [target in m for m in mentions],
        "lang": [
            result.lang[int(result.retweet_of[i])] if result.retweet_of[i] >= 0 else result.lang[i]
            for i in range(len(result))
        ],
        "kept": [r is None for r in reasons],
        "filter_reason": reasons,
        "true_country": [country[a] for a in author],
        "author_location": [pop.location_text(a) for a in author],
        "inside_affected": [country[a] in affected for a in author],
        "text": [result.full_text(i) for i in range(len(result))],
        "hashtags": [[h[2].lower() for h in t.hashtags] for t in texts],
        "label_hashtags": [
            [
                h[2].lower()
                for h in t.hashtags
                if finals.get(h[2].lower()) in ("solidarity", "no solidarity")
            ]
            for t in texts
        ],
        "emojis": [t.emojis for t in texts],
    }
    return pa.table(cols)
