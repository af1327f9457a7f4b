"""Benchmark the synthetic corpus generator against a naive per-post generator.

Run from the project root:

    .venv/bin/python benchmarks/bench_synth.py                 # 200,000 posts
    .venv/bin/python benchmarks/bench_synth.py --posts 1000000 --naive-posts 200000

It times, in one run, ``crowdpulse.synth`` generating the corpus and writing it as
API v1.1 lines, API v2 pages and a twarc-csv table (uncompressed, to a temporary
folder), and a naive generator that does the same work the way one writes it
first: one post at a time with the ``random`` module, building each v1.1 object
(user, entities, embedded retweeted post) as dicts and writing it with
``json.dumps``, checking text uniqueness as it goes. It prints posts/s, MB/s and
the speed-up of crowdpulse's v1 path over the naive one (per post, so the two may
run at different sizes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crowdpulse.synth import SynthConfig, generate, write_corpus
from crowdpulse.synth import language as L


def naive_v1(n: int, path: Path, seed: int) -> int:
    """The straightforward generator: per post ``random`` choices and ``json.dumps``."""
    rnd = random.Random(seed)
    start = datetime(2015, 11, 6, tzinfo=UTC)
    users = [
        {
            "id": rnd.randrange(10**7, 4 * 10**9),
            "screen_name": f"user{i}",
            "name": f"User {i}",
            "location": rnd.choice(["NYC", "Paris, France", "Lagos", "", "London UK", "Texas"]),
        }
        for i in range(max(100, n // 5))
    ]
    seen: set[str] = set()
    earlier: list[dict] = []
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            # a time with a day/night rhythm, by rejection
            while True:
                t = start + timedelta(seconds=rnd.random() * 15 * 86400)
                if rnd.random() < 0.5 + 0.45 * (1 if 8 <= t.hour <= 22 else -1):
                    break
            base = rnd.choice(users)
            followers = rnd.randrange(10, 5000)
            user = {
                "id": base["id"], "id_str": str(base["id"]), "name": base["name"],
                "screen_name": base["screen_name"], "location": base["location"], "url": None,
                "description": "", "protected": False, "verified": False,
                "followers_count": followers, "friends_count": followers % 997 + 12,
                "listed_count": followers // 400, "favourites_count": followers * 7 % 15013,
                "statuses_count": followers * 13 % 48611 + 40,
                "created_at": "Mon May 04 19:50:13 +0000 2009", "utc_offset": None,
                "time_zone": None, "geo_enabled": True, "lang": None,
                "profile_image_url_https": f"https://pbs.twimg.com/profile_images/{base['id']}/a.jpg",
                "default_profile": True, "default_profile_image": False, "following": None,
                "follow_request_sent": None, "notifications": None,
            }  # fmt: skip
            if earlier and rnd.random() < 0.25:
                src = rnd.choice(earlier[-400:])
                text = f"RT @{src['user']['screen_name']}: {src['text']}"[:140]
                obj = {"retweeted_status": src}
            else:
                while True:
                    kind = rnd.choices(["chatter", "solidarity", "news"], [0.55, 0.2, 0.25])[0]
                    if kind == "chatter":
                        parts = [rnd.choice(L.CHATTER_STARTS), rnd.choice(L.CHATTER_MIDDLES),
                                 rnd.choice(L.CHATTER_ENDS)]  # fmt: skip
                    elif kind == "solidarity":
                        parts = [rnd.choice(L.SOLIDARITY_OPENERS), rnd.choice(L.SOLIDARITY_OBJECTS),
                                 rnd.choice(L.SOLIDARITY_TAILS)]  # fmt: skip
                    else:
                        lead = rnd.choice(L.NEWS_LEADS).replace("{n}", str(rnd.randrange(2, 200)))
                        parts = [lead.replace("{p}", rnd.choice(L.NEWS_PLACES)),
                                 rnd.choice(L.NEWS_TAILS)]  # fmt: skip
                    tags = [rnd.choice(["prayforparis", "breaking", "paris", "news"])] * (
                        rnd.random() < 0.6
                    )
                    emojis = rnd.sample(L.EMOJI_SETS["solidarity_outside"], rnd.randrange(0, 3))
                    text = " ".join(p for p in parts if p)
                    text += "".join(f" #{h}" for h in tags) + (
                        " " + "".join(emojis) if emojis else ""
                    )
                    if text.lower() not in seen:
                        seen.add(text.lower())
                        break
                obj = {}
            hashtags = []
            pos = 0
            for word in text.split(" "):
                at = text.find(word, pos)
                if word.startswith("#"):
                    hashtags.append({"text": word[1:], "indices": [at, at + len(word)]})
                pos = at + len(word)
            tid = 662_000_000_000_000_000 + i * 4096
            obj.update({
                "created_at": t.strftime("%a %b %d %H:%M:%S +0000 %Y"),
                "id": tid, "id_str": str(tid),
                "text": text, "truncated": False, "user": user, "lang": "en",
                "entities": {"hashtags": hashtags, "user_mentions": [], "urls": [], "symbols": []},
                "source": '<a href="http://twitter.com/download/iphone" rel="nofollow">'
                          'Twitter for iPhone</a>',
                "in_reply_to_status_id": None, "in_reply_to_status_id_str": None,
                "in_reply_to_user_id": None, "in_reply_to_user_id_str": None,
                "in_reply_to_screen_name": None, "geo": None, "coordinates": None, "place": None,
                "contributors": None, "is_quote_status": False, "quote_count": 0, "reply_count": 0,
                "retweet_count": 0, "favorite_count": 0, "favorited": False, "retweeted": False,
                "filter_level": "low", "timestamp_ms": str(int(t.timestamp() * 1000)),
            })  # fmt: skip
            if "retweeted_status" not in obj:
                earlier.append(obj)
            line = json.dumps(obj, ensure_ascii=False) + "\n"
            written += len(line.encode("utf-8"))
            out.write(line)
    return written


def main() -> None:
    """Run the benchmark and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--naive-posts", type=int, default=None, help="default: --posts")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    naive_n = args.naive_posts or args.posts
    cores = os.cpu_count()
    print(f"crowdpulse synth benchmark: {args.posts:,} posts (naive: {naive_n:,}), {cores} cores")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0, c0 = time.perf_counter(), time.process_time()
        result = generate(SynthConfig(seed=args.seed, posts=args.posts))
        gen, gen_cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"  generate           {gen:7.2f} s  {args.posts / gen:12,.0f} posts/s"
              f"  (CPU {gen_cpu:.2f} s)")  # fmt: skip
        per_format = {}
        per_format_bytes = {}
        per_format_cpu = {}
        for fmt in ("v1", "v2", "csv"):
            t0, c0 = time.perf_counter(), time.process_time()
            report = write_corpus(result, folder / f"out.{fmt}", fmt=fmt)  # type: ignore[arg-type]
            took, cpu = time.perf_counter() - t0, time.process_time() - c0
            per_format[fmt] = gen + took
            per_format_cpu[fmt] = gen_cpu + cpu
            per_format_bytes[fmt] = report.bytes
            mb = report.bytes / 1e6
            print(f"  write {fmt:<4}         {took:7.2f} s  {args.posts / took:12,.0f} posts/s"
                  f"  {mb / took:7.1f} MB/s  ({mb:,.0f} MB, CPU {cpu:.2f} s)")  # fmt: skip
            (folder / f"out.{fmt}").unlink()
        for fmt, total in per_format.items():
            print(f"  generate + {fmt:<4}    {total:7.2f} s  {args.posts / total:12,.0f} posts/s")
        del result
        t0, c0 = time.perf_counter(), time.process_time()
        size = naive_v1(naive_n, folder / "naive.jsonl", args.seed)
        naive, naive_cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"  naive v1           {naive:7.2f} s  {naive_n / naive:12,.0f} posts/s"
              f"  {size / 1e6 / naive:7.1f} MB/s"
              f"  ({size / 1e6:,.0f} MB, CPU {naive_cpu:.2f} s)")  # fmt: skip
        ratio = (naive / naive_n) / (per_format["v1"] / args.posts)
        print(f"  speed-up of crowdpulse v1 over naive (per post): {ratio:.1f}x")
        naive_mbs = size / 1e6 / naive
        ours_mbs = per_format_bytes["v1"] / 1e6 / per_format["v1"]
        print(f"  speed-up of crowdpulse v1 over naive (per MB, generate + write): "
              f"{ours_mbs / naive_mbs:.1f}x")  # fmt: skip
        cpu_ratio = (naive_cpu / naive_n) / (per_format_cpu["v1"] / args.posts)
        print(f"  speed-up of crowdpulse v1 over naive (per post, CPU time): {cpu_ratio:.1f}x")
        million = per_format["v1"] / args.posts * 1_000_000
        million_cpu = per_format_cpu["v1"] / args.posts * 1_000_000
        print(f"  1,000,000 posts (generate + v1) at this rate: {million:.0f} s"
              f" (CPU {million_cpu:.0f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
