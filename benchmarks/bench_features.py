"""Benchmark: the features stage against the naive per-post path, in one run.

    .venv/bin/python benchmarks/bench_features.py [--posts 1000000] [--naive 20000] [--jobs 2]

Generates ``--posts`` realistic post texts with a seed (words of the open lexicon and
common English, hashtags, mentions, URLs, emoticons, emojis including ZWJ sequences,
flags, keycaps and skin tones), writes them as a corpus Parquet file and times:

* crowdpulse: ``features_file`` over the whole file with ``--jobs`` processes
  (tokens, emojis, emoji sentiment, lexicon categories, written back to Parquet);
* naive: per post, ``emoji.emoji_list`` for the emojis and ``liwc``'s token parser
  (``liwc.load_token_parser`` on a ``.dic`` written from the open lexicon) on the
  crowdpulse words, in one process, on the first ``--naive`` posts; its time for all
  posts is extrapolated linearly (posts are independent and identically generated).

It asserts that both give identical emoji lists and category counts on the subset,
then prints posts/s and the ratio.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from crowdpulse.schema import POST_SCHEMA
from crowdpulse.text import Lexicon, extract_emojis, features_file, normalize_emoji
from crowdpulse.text.emojis import TEXT_SYMBOLS
from crowdpulse.text.lexicon import post_words
from crowdpulse.text.tokenize import stopwords


def _split(text: str) -> list[str]:
    return text.split()


COMMON = _split(
    "the be to of and a in that have it for not on with as do at this but by from or an "
    "will my one all would there their what so up out if about who get which go me when "
    "make can like time no just him know take people into year your good some could them "
    "see other than then now look only come its over think also back after use two how our "
    "work first well way even new want because any these give day most us paris attack "
    "hurricane storm city news police rescue family today tonight help safe stay power "
    "flood wind water road home school friends everyone thoughts prayers victims support "
    "emergency update video photo live breaking report world france florida people's "
    "it's don't can't i'm we're they're you're that's"
)
HASHTAGS = _split(
    "#PrayForParis #JeSuisParis #ParisAttacks #Irma #HurricaneIrma #prayers #solidarity "
    "#porteouverte #fail #boycott #news #Florida #PuertoRico #love #peace"
)
EMOTICONS = _split(":) :( :D ;) :P <3 :/ :'( xD ^_^ -_-")
SPECIAL_EMOJIS = [
    "❤️", "❤", "🙏", "🙏🏽", "🙏🏿", "😢", "😭", "💔", "🇫🇷", "🇺🇸", "🇵🇷", "🏴\U000e0067\U000e0062"
    "\U000e0073\U000e0063\U000e0074\U000e007f", "👨\u200d👩\u200d👧\u200d👦", "👩🏽\u200d⚕️",
    "❤️\u200d🔥", "🏳️\u200d🌈", "1️⃣", "#️⃣", "👋🏽", "🫶", "🫨", "🩷", "🐦\u200d⬛", "😂", "😡",
    "🌀", "🌊", "⚠️", "👍", "👍🏻", "✌️", "☺️", "🇫🇷🇫🇷",
]  # fmt: skip


def make_texts(n: int, seed: int) -> list[str]:
    """Generate ``n`` post texts; the same seed gives the same texts.

    Words follow a Zipf-like law over the open lexicon's words (wildcards cut at the
    star), common English and the stopwords; a post has 4-27 words, and with fixed
    probabilities a hashtag (35%), a mention (30%, as a retweet 12%), a t.co URL (25%),
    an emoticon (15%) and a run of 1-4 emojis (45%; a third glued to the last word)
    drawn from the emoji list with crisis favourites, ZWJ sequences, flags, keycaps and
    skin tones over-represented.
    """
    import emoji

    rng = np.random.default_rng(seed)
    lexicon = Lexicon.load("open")
    lex_words = [p.rstrip("*") for p, _ in lexicon.entries() if " " not in p]
    lex_words = [w for w in lex_words if w and w[0].isalpha()]
    words = lex_words + COMMON * 8 + sorted(stopwords())
    word_p = 1.0 / np.arange(1, len(words) + 1) ** 0.8
    rng.shuffle(word_p)
    word_p /= word_p.sum()
    all_emojis = [e for e in emoji.EMOJI_DATA if e not in ("©", "®", "™")]
    emojis = SPECIAL_EMOJIS * 20 + all_emojis
    lengths = rng.integers(4, 28, size=n)
    picked = rng.choice(len(words), size=int(lengths.sum()), p=word_p)
    flat = [words[i] for i in picked.tolist()]
    extras = rng.random((n, 8)).tolist()
    hashtags = rng.integers(0, len(HASHTAGS), size=n).tolist()
    users = rng.integers(0, 50_000, size=n).tolist()
    emoticons = rng.integers(0, len(EMOTICONS), size=n).tolist()
    runs = rng.integers(0, len(emojis), size=(n, 4)).tolist()
    run_sizes = rng.integers(1, 5, size=n).tolist()
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    links = rng.integers(0, len(alphabet), size=(n, 10)).tolist()
    ends = ["", ".", "!", "!!", "?"]
    texts = []
    position = 0
    for i, length in enumerate(lengths.tolist()):
        picks = flat[position : position + length]
        position += length
        x = extras[i]
        if x[0] < 0.35:
            picks.insert(int(x[6] * (len(picks) + 1)), HASHTAGS[hashtags[i]])
        if x[1] < 0.3:
            picks.insert(0, f"@user{users[i]}")
            if x[5] < 0.4:
                picks.insert(0, "RT")
        if x[2] < 0.25:
            picks.append("https://t.co/" + "".join(alphabet[k] for k in links[i]))
        if x[3] < 0.15:
            picks.insert(int(x[7] * (len(picks) + 1)), EMOTICONS[emoticons[i]])
        if x[4] < 0.45:
            run = "".join(emojis[k] for k in runs[i][: run_sizes[i]])
            if x[5] < 0.3:
                picks[-1] = picks[-1] + run
            else:
                picks.append(run)
        text = " ".join(picks)
        if x[6] < 0.5:
            text = text[0].upper() + text[1:] + ends[int(x[7] * len(ends))]
        texts.append(text)
    return texts


def corpus_table(texts: list[str]) -> pa.Table:
    n = len(texts)
    columns = {}
    for field in POST_SCHEMA:
        if field.name == "id":
            columns["id"] = pa.array([str(i) for i in range(n)], pa.string())
        elif field.name == "text":
            columns["text"] = pa.array(texts, pa.string())
        else:
            columns[field.name] = pa.nulls(n, field.type)
    return pa.table(columns, schema=POST_SCHEMA)


def naive(texts: list[str], dic: Path) -> tuple[list[list[str]], list[Counter[str]]]:
    """The per-post path a user would write: emoji.emoji_list and liwc's token parser."""
    import emoji
    import liwc

    parse, _ = liwc.load_token_parser(str(dic))
    all_emojis, all_counts = [], []
    for text in texts:
        found = [m["emoji"] for m in emoji.emoji_list(text)]
        all_emojis.append([e for e in found if e not in TEXT_SYMBOLS])
        all_counts.append(Counter(c for word in post_words(text) for c in parse(word)))
    return all_emojis, all_counts


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def mismatches(
    subset: list[str], got: dict[str, list], naive_emojis: list, naive_counts: list, names: tuple
) -> int:
    """Count posts where the features differ from the naive path."""
    bad = 0
    for i, text in enumerate(subset):
        if extract_emojis(text) != naive_emojis[i]:
            bad += 1
            continue
        if got["emojis"][i] != [normalize_emoji(e) for e in naive_emojis[i]]:
            bad += 1
            continue
        wc = got["word_count"][i]
        for name in names:
            value = got[f"lex_{name}"][i] * wc / 100.0 if wc else 0.0
            if abs(value - naive_counts[i].get(name, 0)) > 1e-6:
                bad += 1
                break
    return bad


def main() -> int:
    """Run the comparison and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--naive", type=int, default=20_000, help="posts timed on the naive path")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    t0 = time.perf_counter()
    texts = make_texts(args.posts, args.seed)
    print(f"generated {len(texts):,} posts in {time.perf_counter() - t0:.1f} s (seed {args.seed})")
    lexicon = Lexicon.load("open")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.parquet"
        pq.write_table(corpus_table(texts), corpus, row_group_size=65_536)
        out = Path(tmp) / "features.parquet"
        wall, cpu = time.perf_counter(), cpu_seconds()
        features_file(corpus, out, lexicon=lexicon, n_jobs=args.jobs)
        fast_wall, fast_cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        fast_rate = len(texts) / fast_wall
        print(
            f"crowdpulse features_file, {args.jobs} jobs: {fast_wall:.1f} s wall, "
            f"{fast_rate:,.0f} posts/s; {fast_cpu:.1f} CPU-s, "
            f"{len(texts) / fast_cpu:,.0f} posts per CPU-s"
        )

        subset = texts[: args.naive]
        dic = lexicon.to_dic(Path(tmp) / "open.dic")
        wall, cpu = time.perf_counter(), time.process_time()
        naive_emojis, naive_counts = naive(subset, dic)
        naive_wall, naive_cpu = time.perf_counter() - wall, time.process_time() - cpu
        naive_rate = len(subset) / naive_wall
        print(
            f"naive emoji.emoji_list + liwc, 1 process, first {len(subset):,} posts: "
            f"{naive_wall:.1f} s wall, {naive_rate:,.0f} posts/s; {naive_cpu:.1f} CPU-s, "
            f"{len(subset) / naive_cpu:,.0f} posts per CPU-s; extrapolated to "
            f"{len(texts):,} posts: {len(texts) / naive_rate:,.0f} s wall"
        )

        got = pq.read_table(out).slice(0, len(subset)).to_pydict()
        bad = mismatches(subset, got, naive_emojis, naive_counts, lexicon.categories)
        print(f"identical emoji lists and category counts on the subset: {bad} mismatches")
        print(
            f"speed-up, wall: {fast_rate / naive_rate:.1f}x ({args.jobs} jobs vs 1 process); "
            f"per CPU-s: {(len(texts) / fast_cpu) / (len(subset) / naive_cpu):.1f}x; "
            f"cores: {os.cpu_count()}"
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
