"""The features stage: add_features / features_file against the per-post definitions."""

from __future__ import annotations

import csv
import math
import random
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crowdpulse.exceptions import InputError
from crowdpulse.schema import POST_SCHEMA
from crowdpulse.text import (
    Lexicon,
    LexiconWarning,
    add_features,
    emoji_sentiment,
    extract_emojis,
    features_file,
    normalize_emoji,
    tokenize,
)
from crowdpulse.text.features import feature_schema
from crowdpulse.text.lexicon import post_words

LIWC2007 = """%
1\tfunct
2\tpronoun
4\ti
125\taffect
126\tposemo
127\tnegemo
134\tdiscrep
464\tfiller
%
i\t1\t2\t4
it\t1\t2
you\t1\t2
would\t134
love*\t125\t126
sad\t125\t127
like\t(02 134)125/464
kind of\t464
"""

WORDS = ["I", "you", "we", "love", "like", "would", "it", "sad", "kind", "of", "know",
         "mean", "Paris", "storm", "worried", "lol", "idk", "don't", "the", "fucking",
         "because"]  # fmt: skip
EXTRAS = ["❤", "❤️", "🙏🏽", "🇫🇷", "👩🏽‍⚕️", "1️⃣", "😂", "😭", "#PrayForParis", "@KLM",
          "https://t.co/Ab1", ":)", ":D", "&amp;", "10:30", "café", "!", ",", "…"]  # fmt: skip


def random_texts(n: int, seed: int) -> list[str | None]:
    rng = random.Random(seed)
    out: list[str | None] = []
    for _ in range(n):
        if rng.random() < 0.05:
            out.append(None)
            continue
        parts = [
            rng.choice(WORDS if rng.random() < 0.75 else EXTRAS) for _ in range(rng.randint(0, 15))
        ]
        glue = "" if rng.random() < 0.1 else " "
        out.append(glue.join(parts))
    return out


def corpus(texts: list[str | None]) -> pa.Table:
    n = len(texts)
    columns = []
    for field in POST_SCHEMA:
        if field.name == "id":
            columns.append(pa.array([f"p{i}" for i in range(n)], pa.string()))
        elif field.name == "text":
            columns.append(pa.array(texts, pa.string()))
        elif field.name == "lang":
            columns.append(pa.array(["en"] * n, pa.string()))
        elif field.name == "source_line":
            columns.append(pa.array(range(1, n + 1), pa.int64()))
        else:
            columns.append(pa.nulls(n, field.type))
    return pa.Table.from_arrays(columns, schema=POST_SCHEMA)


def expected_row(text: str | None, lexicon: Lexicon) -> dict[str, object]:
    text = text or ""
    emojis = [normalize_emoji(e) for e in extract_emojis(text.replace("&amp;", "&"))]
    scores = [s for s in map(emoji_sentiment, emojis) if s is not None]
    row: dict[str, object] = {
        "tokens": tokenize(text),
        "emojis": emojis,
        "emoji_sentiment": sum(scores) / len(scores) if scores else None,
        "word_count": len(post_words(text)),
    }
    row.update({f"lex_{k}": v for k, v in lexicon.score(text).items()})
    return row


def assert_rows_match(table: pa.Table, texts: list[str | None], lexicon: Lexicon) -> None:
    rows = table.to_pylist()
    for text, row in zip(texts, rows, strict=True):
        want = expected_row(text, lexicon)
        for key, value in want.items():
            got = row[key]
            if isinstance(value, float):
                assert got is not None and math.isclose(got, value, abs_tol=1e-9), (text, key)
            else:
                assert got == value, (text, key)


def test_columns_types_and_unchanged_post_columns() -> None:
    texts = ["I love Paris ❤ 🇫🇷 :) you know", None, "RT @klm: we hate you 😡😡 #fail", "👍🏽👍"]
    table = corpus(texts)
    out = add_features(table)
    lexicon = Lexicon.load("open")
    assert out.schema.names[: len(POST_SCHEMA)] == POST_SCHEMA.names
    assert out.schema.names[len(POST_SCHEMA) :] == feature_schema(lexicon).names
    assert out.schema.field("tokens").type == pa.list_(pa.string())
    assert out.schema.field("emojis").type == pa.list_(pa.string())
    assert out.schema.field("emoji_sentiment").type == pa.float64()
    assert out.schema.field("word_count").type == pa.int64()
    assert out.schema.field("lex_emo").type == pa.float64()
    assert out.select(POST_SCHEMA.names).equals(table)
    assert out.schema.metadata == table.schema.metadata
    first, empty, third, fourth = out.to_pylist()
    assert first["tokens"] == ["i", "love", "paris", "❤️", "🇫🇷", ":)", "you", "know"]
    assert first["emojis"] == ["❤️", "🇫🇷"]
    assert first["emoji_sentiment"] == pytest.approx(emoji_sentiment("❤"))  # flag unscored
    assert first["word_count"] == 6
    assert first["lex_filler"] == pytest.approx(100 / 6)  # 'you know'
    assert empty["tokens"] == [] and empty["emojis"] == [] and empty["emoji_sentiment"] is None
    assert empty["word_count"] == 0 and empty["lex_posemo"] == 0.0
    assert third["lex_emo"] == pytest.approx(-25.0)
    assert fourth["emojis"] == ["👍🏽", "👍"] and fourth["emoji_sentiment"] == pytest.approx(
        emoji_sentiment("👍")
    )


@pytest.mark.parametrize("batch_size", [7, 1000])
def test_batches_equal_the_per_post_definitions_open_lexicon(batch_size: int) -> None:
    texts = random_texts(400, seed=1)
    lexicon = Lexicon.load("open")
    out = add_features(corpus(texts), lexicon=lexicon, batch_size=batch_size)
    assert_rows_match(out, texts, lexicon)


def test_batches_equal_the_per_post_definitions_liwc2007(tmp_path: Path) -> None:
    path = tmp_path / "liwc2007.dic"
    path.write_text(LIWC2007, encoding="utf-8")
    lexicon = Lexicon.from_dic(path)
    assert lexicon.has_context
    texts = random_texts(400, seed=2)
    out = add_features(corpus(texts), lexicon=lexicon, batch_size=64)
    assert out.schema.names[-1] == "lex_emo"
    assert_rows_match(out, texts, lexicon)
    row = add_features(corpus(["I like it kind of"]), lexicon=lexicon).to_pylist()[0]
    assert row["lex_affect"] == pytest.approx(20.0) and row["lex_filler"] == pytest.approx(20.0)


def test_two_processes_give_the_same_table() -> None:
    texts = random_texts(300, seed=3)
    table = corpus(texts)
    one = add_features(table, batch_size=50)
    two = add_features(table, batch_size=50, n_jobs=2)
    assert one.equals(two)


def test_empty_table_and_lexicon_by_path(tmp_path: Path) -> None:
    out = add_features(corpus([]))
    assert out.num_rows == 0
    assert "lex_emo" in out.schema.names
    path = tmp_path / "stress.dic"
    path.write_text("%\n1\tstress\n%\nworr*\t1\n", encoding="utf-8")
    out = add_features(corpus(["so worried", "fine"]), lexicon=str(path))
    assert out.column("lex_stress").to_pylist() == [50.0, 0.0]
    assert "lex_emo" not in out.schema.names


def test_rerun_replaces_feature_columns(tmp_path: Path) -> None:
    path = tmp_path / "stress.dic"
    path.write_text("%\n1\tstress\n%\nworr*\t1\n", encoding="utf-8")
    first = add_features(corpus(["so worried"]))
    again = add_features(first, lexicon=str(path))
    assert [n for n in again.schema.names if n.startswith("lex_")] == ["lex_stress"]
    assert again.schema.names.count("tokens") == 1


def test_missing_text_column() -> None:
    with pytest.raises(InputError, match="text"):
        add_features(pa.table({"id": ["1"]}))
    with pytest.raises(InputError, match="expected string"):
        add_features(pa.table({"text": [1, 2]}))


def test_features_file_streams_in_batches(tmp_path: Path) -> None:
    texts = random_texts(500, seed=4)
    table = corpus(texts)
    source = tmp_path / "corpus.parquet"
    pq.write_table(table, source, row_group_size=100)
    target = tmp_path / "features.parquet"
    summary = features_file(source, target, batch_size=120, n_jobs=2)
    assert summary["posts"] == 500 and summary["batches"] == 5 and summary["jobs"] == 2
    written = pq.ParquetFile(target)
    assert written.metadata.num_row_groups == 5
    out = written.read()
    assert out.equals(add_features(table))
    assert out.schema.metadata[b"crowdpulse.schema"] == b"post/1"
    # in place
    features_file(target, target, batch_size=1000, n_jobs=1)
    assert pq.read_table(target).equals(out)
    assert not list(tmp_path.glob(".*.tmp"))


def test_features_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        features_file(tmp_path / "nope.parquet", tmp_path / "out.parquet")
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet", encoding="utf-8")
    with pytest.raises(InputError, match="not a Parquet file"):
        features_file(bad, tmp_path / "out.parquet")
    no_text = tmp_path / "no_text.parquet"
    pq.write_table(pa.table({"id": ["1"]}), no_text)
    with pytest.raises(InputError, match="text"):
        features_file(no_text, tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()


@pytest.mark.realdata
def test_real_crisis_tweets(shared_data: Path) -> None:
    path = shared_data / "crisislex" / "CrisisLexT26" / "2013_Boston_bombings"
    with next(path.glob("*-tweets_labeled.csv")).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, skipinitialspace=True))
    texts = [r["Tweet Text"] for r in rows]
    lexicon = Lexicon.load("open")
    with warnings.catch_warnings():
        warnings.simplefilter("error", LexiconWarning)
        out = add_features(corpus(texts), lexicon=lexicon, batch_size=128)
    assert_rows_match(out, texts, lexicon)
    word_counts = out.column("word_count").to_pylist()
    assert sum(1 for w in word_counts if w > 0) > 0.95 * len(texts)
    support = [
        row for row, src in zip(out.to_pylist(), rows, strict=True)
        if src["Information Type"] == "Sympathy and support"
    ]  # fmt: skip
    others = [
        row for row, src in zip(out.to_pylist(), rows, strict=True)
        if src["Information Type"] != "Sympathy and support"
    ]  # fmt: skip
    assert support and others
    mean = lambda rs, k: sum(r[k] for r in rs) / len(rs)  # noqa: E731
    # Sympathy tweets ("praying for Boston", "so sad") use more positive-emotion, sadness
    # and first-person words than the event's other tweets.
    for category in ("lex_posemo", "lex_sad", "lex_i"):
        assert mean(support, category) > 1.5 * mean(others, category), category
