"""The generator in memory: reproducibility, uniqueness, planted signals, learnability."""

from __future__ import annotations

import re
from collections import Counter

import emoji
import numpy as np
import pytest

from crowdpulse.exceptions import ConfigError
from crowdpulse.synth import (
    CLASSES,
    KIND_NAMES,
    SynthConfig,
    build_truth,
    filter_reasons,
    generate,
    read_sheet,
    truth_posts_table,
)
from crowdpulse.synth.language import EMOJI_SETS, all_emojis, base62
from crowdpulse.synth.population import LOCATIONS
from crowdpulse.synth.writers import WriteReport

N = 6000


@pytest.fixture(scope="module")
def result():
    return generate(SynthConfig(seed=11, posts=N))


@pytest.fixture(scope="module")
def truth(result):
    return build_truth(result, WriteReport(format="v1", path="x"))


def test_sizes_and_time_order(result):
    assert len(result) == N
    assert np.all(np.diff(result.ts_ms) >= 0)
    ids = [int(i) for i in result.ids]
    assert ids == sorted(ids) and len(set(ids)) == N
    assert result.ts_ms.min() >= result.start_ms and result.ts_ms.max() < result.end_ms


def test_same_seed_same_corpus_other_seed_differs():
    a = generate(SynthConfig(seed=5, posts=800))
    b = generate(SynthConfig(seed=5, posts=800))
    c = generate(SynthConfig(seed=6, posts=800))
    assert a.ids == b.ids
    assert [a.full_text(i) for i in range(len(a))] == [b.full_text(i) for i in range(len(b))]
    assert np.array_equal(a.author, b.author)
    assert [a.full_text(i) for i in range(len(a))] != [c.full_text(i) for i in range(len(c))]


def test_references_point_backwards(result):
    idx = np.arange(len(result))
    for ref in (result.retweet_of, result.quote_of, result.reply_to, result.duplicate_of):
        has = ref >= 0
        assert np.all(ref[has] < idx[has])
        assert np.all(result.ts_ms[ref[has]] <= result.ts_ms[has])
    # a retweet never retweets a retweet, and copies copy an original
    assert np.all(result.retweet_of[result.retweet_of[result.retweet_of >= 0]] < 0)
    src = result.duplicate_of[result.duplicate_of >= 0]
    assert np.all(result.retweet_of[src] < 0) and np.all(result.duplicate_of[src] < 0)


def test_texts_unique_except_planted_copies(result):
    own = [
        result.full_text(i).lower()
        for i in range(len(result))
        if result.retweet_of[i] < 0 and result.duplicate_of[i] < 0
    ]
    assert len(own) == len(set(own))
    for i in np.flatnonzero(result.duplicate_of >= 0).tolist():
        assert result.full_text(i) == result.full_text(int(result.duplicate_of[i]))
        assert result.lang[i] == "en"
    # texts use single spaces only (the uniqueness key relies on it)
    assert not any("  " in t for t in own)


def test_entities_match_text(result):
    handles = result.population.handles
    for i in range(0, len(result), 7):
        t = result.post_text(i)
        for s, e, tag in t.hashtags:
            assert t.text[s:e] == "#" + tag
        for s, e, u in t.mentions:
            assert t.text[s:e] == "@" + handles[u]
        for s, e, short, expanded in t.urls:
            assert t.text[s:e] == short and short.startswith("https://t.co/")
            assert expanded.startswith("https://")


def test_emoji_sequences_as_an_emoji_library_sees_them(result):
    for i in range(0, len(result), 3):
        t = result.post_text(i)
        found = [m["emoji"] for m in emoji.emoji_list(t.text)]
        assert found == list(t.emojis), t.text


def test_emoji_inventory_has_the_hard_cases():
    inventory = set(all_emojis())
    for seq in ("👨‍👩‍👧", "❤️‍🔥", "👩🏽‍⚕️", "🇫🇷", "🇺🇸", "🙏🏽", "1️⃣"):
        assert seq in inventory
    for seq in inventory:
        assert [m["emoji"] for m in emoji.emoji_list(seq)] == [seq]
    assert set(EMOJI_SETS["solidarity_inside"]) != set(EMOJI_SETS["solidarity_outside"])


def test_languages_and_kinds(result, truth):
    langs = Counter(result.lang)
    assert langs["en"] > 0.8 * N
    assert {"fr", "es", "und"} <= set(langs)
    kinds = Counter(KIND_NAMES[k] for k in result.kind.tolist())
    for kind in ("chatter", "solidarity", "news", "firestorm", "trickle", "target"):
        assert kinds[kind] > 0
    assert truth["totals"]["retweets"] == round(N * 0.25)
    assert truth["totals"]["quotes"] > 0 and truth["totals"]["replies"] > 0
    assert truth["totals"]["longer_than_280"] > 0
    assert truth["totals"]["longer_than_140"] > truth["totals"]["longer_than_280"]


def test_filter_counts_add_up(result, truth):
    ing = truth["ingest"]
    f = ing["filtered"]
    assert f["retweet"] == truth["totals"]["retweets"]
    assert f["duplicate_text"] == truth["totals"]["duplicates_planted"] == round(N * 0.02)
    assert f["lang"] == sum(
        1 for i in range(N) if result.retweet_of[i] < 0 and result.lang[i] != "en"
    )
    assert ing["kept"] + f["retweet"] + f["lang"] + f["duplicate_text"] + f["duplicate_id"] == N
    assert ing["any_lang"]["kept"] == ing["kept"] + f["lang"]
    assert filter_reasons(result).count(None) == ing["kept"]


def test_solidarity_classes_follow_the_sheet(result, truth):
    sheet = read_sheet(result.sheet.path)
    finals = {r.hashtag: r.final for r in sheet.rows}
    counts = Counter()
    for i in np.flatnonzero(np.array(filter_reasons(result)) == None).tolist():  # noqa: E711
        labels = {finals.get(h[2].lower()) for h in result.post_text(i).hashtags}
        sol, nos = "solidarity" in labels, "no solidarity" in labels
        counts[
            "conflicting"
            if sol and nos
            else "solidarity"
            if sol
            else "not solidarity"
            if nos
            else "unlabelled"
        ] += 1
        assert CLASSES[int(result.label_class[i])] == (
            "conflicting"
            if sol and nos
            else "solidarity"
            if sol
            else "not solidarity"
            if nos
            else "unlabelled"
        )
    assert dict(counts) == {k: v for k, v in truth["solidarity"]["counts"].items() if v}
    for cls in ("solidarity", "not solidarity", "conflicting", "unlabelled"):
        assert truth["solidarity"]["counts"][cls] > 0


def test_emoji_tables_differ_by_class_and_region(truth):
    emo = truth["solidarity"]["emojis"]
    assert emo["solidarity"]["total"] > emo["not solidarity"]["total"] > 0
    top_sol = [e for e, _ in emo["solidarity"]["top10"]]
    top_not = [e for e, _ in emo["not solidarity"]["top10"]]
    assert top_sol != top_not and len(top_sol) == 10
    regions = truth["geo"]["solidarity_emojis_by_region"]
    assert regions["inside"]["posts"] > 0 and regions["outside"]["posts"] > 0
    assert regions["inside"]["top10"][0] != regions["outside"]["top10"][0]
    total = sum(regions[g]["total"] for g in ("inside", "outside", "unknown"))
    assert total == emo["solidarity"]["total"]


def test_profile_locations_carry_their_truth(result):
    texts = {loc.text: loc.country for loc in LOCATIONS}
    for messy, country in (("NYC", "US"), ("Paris, France 🇫🇷", "FR"), ("Lagos", "NG"),
                           ("São Paulo", "BR"), ("🇫🇷", "FR"), ("she/her", None), ("", None),
                           ("Puerto Rico", "PR"), ("Texas", "US"),
                           ("London UK", "GB")):  # fmt: skip
        assert texts[messy] == country
    used = {result.population.location_text(int(a)) for a in result.author.tolist()}
    assert len(used) > 30
    # geotagged posts sit near their author's place
    has = ~np.isnan(result.lat)
    assert has.any()
    for i in np.flatnonzero(has).tolist():
        loc = LOCATIONS[int(result.population.location_index[int(result.author[i])])]
        assert abs(result.lat[i] - loc.lat) < 0.05 and abs(result.lon[i] - loc.lon) < 0.05


def test_diurnal_rhythm_visible(result):
    hours = (result.ts_ms // 3_600_000) % 24
    counts = np.bincount(hours, minlength=24)
    night = counts[[4, 5, 6, 7]].mean()
    day = counts[[16, 17, 18, 19, 20]].mean()
    assert night < 0.3 * day


def test_firestorm_surge(result, truth):
    fs = truth["firestorm"]
    per = np.array(fs["target_mentions_per_bucket"])
    start = fs["start_bucket"]
    assert fs["start"] == "2015-11-15T13:00:00Z" and start == 458
    assert per[start : start + 48].sum() > 10 * max(1, per[start - 48 : start].sum())
    assert 0 < per[:start].sum() == fs["target_mentions_before_start"]  # the trickle
    assert start <= fs["peak_bucket"] < start + 96
    assert fs["first_top_bucket"] is not None and start <= fs["first_top_bucket"] <= start + 2
    assert fs["newcomers"] > 0 and fs["users"] > fs["newcomers"]
    # firestorm retweets rise: more retweets of firestorm posts than before the start
    assert fs["retweets"] > 0.5 * fs["posts"]


def test_firestorm_language_differs_from_baseline(result):
    def rate(kind, words):
        texts = [result.full_text(i).lower() for i in range(len(result))
                 if result.kind[i] == kind and result.retweet_of[i] < 0]  # fmt: skip
        tokens = [w for t in texts for w in re.findall(r"[a-z']+", t)]
        return sum(w in words for w in tokens) / len(tokens)

    fs, chat = KIND_NAMES.index("firestorm"), KIND_NAMES.index("chatter")
    you_they = {"you", "your", "they", "them", "their"}
    i_words = {"i", "me", "my", "myself"}
    anger = {
        "hate",
        "angry",
        "awful",
        "disgusting",
        "shame",
        "terrible",
        "worst",
        "liars",
        "damn",
        "furious",
    }
    netspeak = {"lol", "omg", "haha", "lmao", "brb", "idk", "tbh"}
    assert rate(fs, you_they) > 3 * rate(chat, you_they)
    assert rate(chat, i_words) > 3 * rate(fs, i_words)
    assert rate(fs, anger) > 10 * max(rate(chat, anger), 1e-4)
    assert rate(chat, netspeak) > 5 * max(rate(fs, netspeak), 1e-4)


def test_classes_learnable_but_not_trivially(result):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import LinearSVC

    table = truth_posts_table(result).to_pylist()
    rows = [r for r in table if r["kept"] and r["class"] in ("solidarity", "not solidarity")]
    texts = []
    for r in rows:
        text = r["text"]
        for tag in r["label_hashtags"]:
            text = re.sub("#" + re.escape(tag) + r"\b", " ", text, flags=re.IGNORECASE)
        texts.append(text)
    y = np.array([r["class"] == "solidarity" for r in rows])

    def accuracy(docs):
        vec = TfidfVectorizer(
            token_pattern=r"(?u)\b\w+\b|[^\w\s]", ngram_range=(1, 2), sublinear_tf=True
        )
        return cross_val_score(LinearSVC(), vec.fit_transform(docs), y, cv=5).mean()

    with_emojis = accuracy(texts)
    without = accuracy([emoji.replace_emoji(t, "") for t in texts])
    assert 0.78 <= with_emojis <= 0.96
    assert with_emojis - without > 0.005


def test_truth_posts_table_matches_truth(result, truth):
    table = truth_posts_table(result)
    assert table.num_rows == N
    assert table.column("id").to_pylist() == result.ids
    kept = table.column("kept").to_pylist()
    assert sum(kept) == truth["ingest"]["kept"]
    classes = Counter(c for c, k in zip(table.column("class").to_pylist(), kept, strict=True) if k)
    assert {k: classes.get(k, 0) for k in CLASSES} == truth["solidarity"]["counts"]
    assert (
        sum(table.column("is_firestorm").to_pylist())
        == truth["firestorm"]["posts"] + truth["firestorm"]["retweets"]
    )


def test_real_sheet_drives_label_hashtags(shared_data):
    sheet_path = shared_data / "icwsm_emoji" / "annotations_paris.csv"
    res = generate(SynthConfig(seed=3, posts=1500, sheet=sheet_path))
    finals = {r.hashtag: r.final for r in read_sheet(sheet_path).rows}
    labels = Counter()
    for i in range(len(res)):
        for _, _, tag in res.post_text(i).hashtags:
            if tag.lower() in finals:
                labels[finals[tag.lower()]] += 1
    assert labels["solidarity"] > 0 and labels["no solidarity"] > 0
    # chatter hashtags never collide with the sheet
    chatter = KIND_NAMES.index("chatter")
    for i in np.flatnonzero(res.kind == chatter).tolist():
        for _, _, tag in res.post_text(i).hashtags:
            assert tag.lower() not in finals


def test_config_validation():
    with pytest.raises(ConfigError):
        SynthConfig(posts=10)
    with pytest.raises(ConfigError):
        SynthConfig(firestorm_target="klm")
    with pytest.raises(ConfigError):
        SynthConfig(retweet_rate=1.5)
    with pytest.raises(ConfigError):
        SynthConfig(firestorm_offset_hours=10.25)
    with pytest.raises(ConfigError):
        generate(SynthConfig(posts=200, retweet_rate=0.9))


def test_no_firestorm_when_share_is_zero():
    res = generate(SynthConfig(seed=2, posts=600, firestorm_share=0.0))
    assert res.firestorm_ms is None
    assert KIND_NAMES.index("firestorm") not in set(res.kind.tolist())
    assert build_truth(res, WriteReport(format="v1", path="x"))["firestorm"] is None


def test_base62_is_fixed_width():
    assert base62(0, 10) == "0" * 10
    assert len(base62(62**10 - 1, 10)) == 10 and base62(61, 3) == "00z"
    codes = {base62(v, 10) for v in range(0, 62**4, 997)}
    assert len(codes) == len(range(0, 62**4, 997))


def test_shipped_sheet_has_disagreements():
    from sklearn.metrics import cohen_kappa_score

    from crowdpulse.synth import default_sheet_path

    sheet = read_sheet(default_sheet_path())
    kappa = cohen_kappa_score(
        [r.annotator_1 for r in sheet.rows], [r.annotator_2 for r in sheet.rows]
    )
    assert 0.3 < kappa < 0.9
    finals = Counter(sheet.finals.values())
    assert finals["solidarity"] >= 10 and finals["no solidarity"] >= 10 and finals["ignore"] >= 10
    for row in sheet.rows:  # the papers' rule: agreement on a class, else ignore
        agreed = row.annotator_1 == row.annotator_2 and row.annotator_1 != "cannot determine"
        assert (row.final != "ignore") == agreed


def test_sheet_with_inconsistent_rows_labels_nothing_with_them(tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text(
        "hashtags,frequency,annotator-1,annotator-2,annotations\n"
        "prayforparis,10,expresses solidarity,expresses solidarity,solidarity\n"
        "live,9,expresses solidarity,expresses solidarity,solidarity\n"
        "live,3,does not express solidarity,does not express solidarity,no solidarity\n"
        "news,8,does not express solidarity,does not express solidarity,no solidarity\n",
        encoding="utf-8",
    )
    parsed = read_sheet(sheet)
    assert parsed.finals == {
        "prayforparis": "solidarity",
        "live": "ignore",
        "news": "no solidarity",
    }
    assert [r.hashtag for r in parsed.by_final("solidarity")] == ["prayforparis"]
    res = generate(SynthConfig(seed=1, posts=400, sheet=sheet))
    seen_live = 0
    for i in range(len(res)):
        tags = {h[2].lower() for h in res.post_text(i).hashtags}
        if tags & {"prayforparis", "news"}:
            continue
        if "live" in tags:  # drawn as a hashtag that labels nothing
            seen_live += 1
            assert CLASSES[int(res.label_class[i])] == "unlabelled"
    assert seen_live > 0
