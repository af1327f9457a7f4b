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

__all__ = ["FILTER_ORDER", "TRUTH_VERSION", "build_truth", "filter_reasons", "truth_posts_table"]

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


def _firestorm(result: SynthResult, mentions: list[frozenset[int]]) -> dict[str, Any] | None:
    if result.firestorm_ms is None:
        return None
    pop = result.population
    target = pop.target
    n_buckets = (result.end_ms - result.start_ms) // BUCKET_MS
    bucket = ((result.ts_ms - result.start_ms) // BUCKET_MS).astype(np.int64)
    per_bucket: list[Counter[int]] = [Counter() for _ in range(n_buckets)]
    mentioners: list[set[int]] = [set() for _ in range(n_buckets)]
    for i, users in enumerate(mentions):
        if users:
            b = int(bucket[i])
            per_bucket[b].update(users)
            if target in users:
                mentioners[b].add(int(result.author[i]))
    target_counts = [c.get(target, 0) for c in per_bucket]
    first_top = None
    for b, c in enumerate(per_bucket):
        t = c.get(target, 0)
        if t and all(v < t for u, v in c.items() if u != target):
            first_top = b
            break
    is_fs = result.kind == FIRESTORM
    originals = is_fs & (result.retweet_of < 0)
    retweets = is_fs & (result.retweet_of >= 0)
    fs_counts = np.bincount(bucket[originals | retweets], minlength=n_buckets)
    authors = set(result.author[originals].tolist())
    retweeters = set(result.author[retweets].tolist())
    newcomers = set(pop.newcomers.tolist())
    start_bucket = (result.firestorm_ms - result.start_ms) // BUCKET_MS
    before = int(sum(target_counts[:start_bucket]))
    return {
        "target": "@" + pop.handles[target].lower(),
        "target_id": pop.ids[target],
        "start": _iso(result.firestorm_ms),
        "start_bucket": int(start_bucket),
        "bucket_minutes": BUCKET_MS // 60_000,
        "buckets": int(n_buckets),
        "first_top_bucket": first_top,
        "peak_bucket": int(np.argmax(fs_counts)),
        "peak_bucket_target_mentions": int(np.argmax(target_counts)),
        "peak_bucket_distinct_mentioners": int(np.argmax([len(m) for m in mentioners])),
        "posts": int(originals.sum()),
        "retweets": int(retweets.sum()),
        "users": len(authors),
        "users_with_retweeters": len(authors | retweeters),
        "newcomers": len(authors & newcomers),
        "target_mentions_before_start": before,
        "target_mentions": int(sum(target_counts)),
        "target_mentions_per_bucket": target_counts,
        "firestorm_posts_per_bucket": fs_counts.tolist(),
        "trigger_post_id": next(
            (
                result.ids[i]
                for i in np.flatnonzero(result.author == target).tolist()
                if int(result.ts_ms[i]) == result.firestorm_ms - 20 * 60_000
            ),
            None,
        ),
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
    cfg = result.config
    pop = result.population
    n = len(result)
    reasons = filter_reasons(result)
    kept = np.array([r is None for r in reasons])
    is_rt = result.retweet_of >= 0
    lang_all = Counter(
        result.lang[int(result.retweet_of[i])] if is_rt[i] else result.lang[i] for i in range(n)
    )
    filtered: dict[str, int] = {k: 0 for k in FILTER_ORDER}
    filtered["notice"] = report.notices
    for r in reasons:
        if r is not None:
            filtered[r] += 1

    affected = set(cfg.affected_countries)
    country = [LOCATIONS[int(li)].country for li in pop.location_index.tolist()]
    class_counts = {c: 0 for c in CLASSES}
    emoji_by_class: dict[str, Counter[str]] = {"solidarity": Counter(), "not solidarity": Counter()}
    groups = ("inside", "outside", "unknown")
    emoji_by_group: dict[str, Counter[str]] = {g: Counter() for g in groups}
    posts_by_group = {g: 0 for g in groups}
    tag_use: dict[str, Counter[str]] = {"solidarity": Counter(), "no solidarity": Counter()}
    kept_country: Counter[str] = Counter()
    for i in np.flatnonzero(kept).tolist():
        cls = CLASSES[int(result.label_class[i])]
        class_counts[cls] += 1
        text = result.post_text(i)
        c = country[int(result.author[i])]
        kept_country[c or "unknown"] += 1
        for _, _, tag in text.hashtags:
            final = result.label_finals.get(tag.lower())
            if final in tag_use:
                tag_use[final][tag.lower()] += 1
        if cls in emoji_by_class:
            emoji_by_class[cls].update(text.emojis)
        if cls == "solidarity":
            g = "unknown" if c is None else "inside" if c in affected else "outside"
            posts_by_group[g] += 1
            emoji_by_group[g].update(text.emojis)

    any_lang: dict[str, int] = {k: 0 for k in FILTER_ORDER if k != "lang"}
    any_lang["notice"] = report.notices
    for r in filter_reasons(result, lang=None):
        if r is not None:
            any_lang[r] += 1
    mentions = _mention_sets(result)
    has_coords = ~np.isnan(result.lon)
    truth: dict[str, Any] = {
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
            "retweets": int(is_rt.sum()),
            "quotes": int((result.quote_of >= 0).sum()),
            "replies": int((result.reply_to >= 0).sum()),
            "by_lang": dict(sorted(lang_all.items())),
            "by_kind": dict(Counter(KIND_NAMES[k] for k in result.kind.tolist())),
            "duplicates_planted": int((result.duplicate_of >= 0).sum()),
            "longer_than_140": sum(1 for t in result.texts if t is not None and len(t.text) > 140),
            "longer_than_280": sum(1 for t in result.texts if t is not None and len(t.text) > 280),
            "with_coordinates": int(has_coords.sum()),
            "with_place": int((result.place >= 0).sum()),
            "users": len({int(a) for a in result.author.tolist()}),
        },
        "noise": dict(report.noise),
        "ingest": {
            "filter_order": list(FILTER_ORDER),
            "kept": int(kept.sum()),
            "filtered": filtered,
            "quarantined": report.quarantined,
            "missing_expansion_posts": report.missing_expansion_posts,
            "missing_expansion_ids": report.missing_expansion_ids,
            "any_lang": {"kept": n - sum(any_lang.values()) + report.notices, "filtered": any_lang},
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
                "solidarity": dict(sorted(tag_use["solidarity"].items())),
                "not solidarity": dict(sorted(tag_use["no solidarity"].items())),
            },
            "counts": class_counts,
            "emojis": {
                cls: {"total": sum(c.values()), "top10": _top(c), "counts": dict(sorted(c.items()))}
                for cls, c in emoji_by_class.items()
            },
        },
        "geo": {
            "affected_countries": sorted(affected),
            "kept_posts_by_true_country": dict(sorted(kept_country.items())),
            "solidarity_emojis_by_region": {
                g: {
                    "posts": posts_by_group[g],
                    "total": sum(emoji_by_group[g].values()),
                    "top10": _top(emoji_by_group[g]),
                    "counts": dict(sorted(emoji_by_group[g].items())),
                }
                for g in groups
            },
        },
        "crisis": {
            "time": _iso(result.crisis_ms),
            "bucket": (result.crisis_ms - result.start_ms) // BUCKET_MS,
        },
        "firestorm": _firestorm(result, mentions),
    }
    return truth


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
