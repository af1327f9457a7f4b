"""Messy CSV exports read without hand work: times, encodings, line ends, ids, constants.

The export files are built here from real CrisisLexT26 texts (skipped without
../shared/data) or by hand with exact expected values.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from crowdpulse.cli import main
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.io import IngestOptions, ingest, read_posts
from crowdpulse.io.timeparse import TimeParser

CRISISLEX = (
    "crisislex/CrisisLexT26/2012_Colorado_wildfires/2012_Colorado_wildfires-tweets_labeled.csv"
)


def _real_texts(shared_data: Path, n: int) -> list[str]:
    with open(shared_data / CRISISLEX, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return [row[1] for row in rows[:n]]


def _write(path: Path, rows: list[list[str]], *, end: str = "\n", encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator=end).writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def _export(shared_data: Path, path: Path, n: int = 300) -> tuple[Path, list[str]]:
    """A latin-1, classic-Mac export without an id column, times as 6/12/17 7:30."""
    texts = []
    rows = [["time", "user", "text"]]
    for i, text in enumerate(_real_texts(shared_data, n)):
        text = text.encode("latin-1", errors="replace").decode("latin-1")
        if i % 5 == 0:
            text += " café déjà vu"
        texts.append(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
        rows.append([f"6/{1 + i % 28}/17 {i % 24}:{i % 60:02d}", f"user{i % 11}", text])
    return _write(path, rows, end="\r", encoding="latin-1"), texts


@pytest.mark.realdata
def test_the_issue_command_on_a_latin1_cr_export(shared_data: Path, tmp_path: Path) -> None:
    path, texts = _export(shared_data, tmp_path / "export.csv")
    assert b"\r" in path.read_bytes() and b"\n" not in path.read_bytes()
    args = [
        "ingest", str(path), "-o", str(tmp_path / "c.parquet"),
        "--csv-map", "text=text,created_at=time,author_handle=user",
        "--time-format", "%m/%d/%y %H:%M", "--set", "mention_handles=@someone",
        "--keep-retweets", "--no-dedupe", "--json", "--quiet",
    ]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["read"] == summary["kept"] == len(texts) == 300
    assert summary["quarantined"] == 0
    assert summary["files"][0]["decoded_fallback"] == sum(not t.isascii() for t in texts) >= 60
    table = pq.read_table(tmp_path / "c.parquet")
    assert table["text"].to_pylist() == texts
    rows = table.to_pylist()
    assert all(r["mention_handles"][0] == "someone" for r in rows)
    assert rows[0]["created_at"] == datetime(2017, 6, 1, 0, 0, tzinfo=UTC)
    assert rows[37]["created_at"] == datetime(2017, 6, 10, 13, 37, tzinfo=UTC)
    assert [r["source_line"] for r in rows[:3]] == [2, 3, 4]
    ids = table["id"].to_pylist()
    assert len(set(ids)) == 300 and all(i.startswith("csv-") for i in ids)
    again, _ = read_posts([path], IngestOptions(
        csv_map={"text": "text", "created_at": "time"}, keep_retweets=True, dedupe=False
    ))  # fmt: skip
    assert again["id"].to_pylist() == ids  # stable: the same file gives the same ids


@pytest.mark.realdata
def test_retweets_replies_and_quotes_from_the_text(shared_data: Path, tmp_path: Path) -> None:
    texts = _real_texts(shared_data, 400)
    path = _write(tmp_path / "t.csv", [["text", "n"]] + [[t, str(i)] for i, t in enumerate(texts)])
    table, summary = read_posts([path], IngestOptions(csv_map={"text": "text"}, dedupe=False))
    starts_rt = sum(t.lstrip().startswith("RT @") for t in texts)
    assert summary.filtered["retweet"] == starts_rt > 50
    rows = table.to_pylist()
    replies = [r for r in rows if r["text"].lstrip().startswith("@")]
    assert replies and all(r["reply_to_author_handle"] for r in replies)
    hand = _write(
        tmp_path / "h.csv",
        [
            ["text", "n"],
            ["RT @Alice: look", "1"],
            ["@bob @carol thanks", "2"],
            ["so true https://twitter.com/dave/status/12345", "3"],
            ["plain", "4"],
        ],
    )
    posts, _ = read_posts([hand], IngestOptions(csv_map={"text": "text"}, keep_retweets=True))
    got = posts.to_pylist()
    assert got[0]["retweeted_author_handle"] == "Alice"
    assert got[1]["reply_to_author_handle"] == "bob" and got[1]["retweeted_author_handle"] is None
    assert (got[2]["quoted_author_handle"], got[2]["quoted_id"]) == ("dave", "12345")
    assert all(got[3][k] is None for k in ("reply_to_author_handle", "quoted_id"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-04-08T19:34:16.000Z", datetime(2021, 4, 8, 19, 34, 16, tzinfo=UTC)),
        ("2021-04-08 21:34:16+02:00", datetime(2021, 4, 8, 19, 34, 16, tzinfo=UTC)),
        ("2021-04-08", datetime(2021, 4, 8, tzinfo=UTC)),
        ("Sun Aug 24 20:40:22 +0000 2014", datetime(2014, 8, 24, 20, 40, 22, tzinfo=UTC)),
        ("1408912822", datetime(2014, 8, 24, 20, 40, 22, tzinfo=UTC)),
        ("1408912822000", datetime(2014, 8, 24, 20, 40, 22, tzinfo=UTC)),
        ("24.08.2014 20:40", datetime(2014, 8, 24, 20, 40, tzinfo=UTC)),
        ("8/24/14 8:40 PM", datetime(2014, 8, 24, 20, 40, tzinfo=UTC)),
        ("2014/08/24 20:40:22", datetime(2014, 8, 24, 20, 40, 22, tzinfo=UTC)),
    ],
)
def test_time_forms_are_recognised(value: str, expected: datetime) -> None:
    parser = TimeParser()
    parser.learn([value])
    assert parser.parse(value) == expected


def test_timezone_and_explicit_format() -> None:
    parser = TimeParser("%d/%m/%Y %H:%M", "Europe/Berlin")
    assert parser.parse("01/07/2017 12:00") == datetime(2017, 7, 1, 10, 0, tzinfo=UTC)
    assert parser.parse("not a time") is None
    with pytest.raises(ConfigError, match="time zone"):
        TimeParser(timezone="Mars/Olympus")


def test_ambiguous_day_month_is_refused_and_orders_are_learned(tmp_path: Path) -> None:
    rows = [["time", "text"], ["6/12/17 7:30", "a"], ["3/4/17 9:00", "b"]]
    path = _write(tmp_path / "a.csv", rows)
    options = IngestOptions(csv_map={"text": "text", "created_at": "time"})
    with pytest.raises(ConfigError, match=r"cannot tell day from month.*--time-format"):
        read_posts([path], options)
    day_first = _write(tmp_path / "d.csv", [*rows, ["25/12/17 10:00", "c"]])
    table, _ = read_posts([day_first], options)
    assert table["created_at"].to_pylist()[0] == datetime(2017, 12, 6, 7, 30, tzinfo=UTC)
    month_first = _write(tmp_path / "m.csv", [*rows, ["12/25/17 10:00", "c"]])
    table, _ = read_posts([month_first], options)
    assert table["created_at"].to_pylist()[0] == datetime(2017, 6, 12, 7, 30, tzinfo=UTC)
    mixed = _write(tmp_path / "x.csv", [*rows, ["12/25/17 10:00", "c"], ["25/12/17 1:00", "d"]])
    with pytest.raises(ConfigError, match="mixes"):
        read_posts([mixed], options)


def test_explicit_encoding_and_bad_bytes(tmp_path: Path) -> None:
    rows = [["text", "user"], ["Zürich brûle", "x"], ["naïve", "y"]]
    path = _write(tmp_path / "l.csv", rows, encoding="latin-1")
    options = IngestOptions(csv_map={"text": "text", "author_handle": "user"}, encoding="latin-1")
    table, summary = read_posts([path], options)
    assert table["text"].to_pylist() == ["Zürich brûle", "naïve"]
    assert summary.quarantined == 0 and "decoded_fallback" not in summary.files[0]
    # Without --encoding: latin-1 bytes in a file that shows no UTF-8 are decoded, the
    # rows kept and counted; in a file that is UTF-8 elsewhere they are damage.
    legacy = tmp_path / "g.csv"
    legacy.write_bytes("text,n\nplain,1\ndéjà,2\n".encode("latin-1"))
    table, summary = read_posts([legacy], IngestOptions(csv_map={"text": "text"}))
    assert table["text"].to_pylist() == ["plain", "déjà"]
    assert summary.files[0]["decoded_fallback"] == 1
    mixed = tmp_path / "m.csv"
    mixed.write_bytes("text,n\nvoilà ok,1\n".encode() + "déjà,2\n".encode("latin-1"))
    table, summary = read_posts([mixed], IngestOptions(csv_map={"text": "text"}))
    assert table["text"].to_pylist() == ["voilà ok"]
    assert summary.quarantined == 1


def test_an_ingest_that_keeps_nothing_fails_unless_allowed(tmp_path: Path) -> None:
    path = _write(tmp_path / "e.csv", [["text", "n"], ["RT @a: one", "1"], ["RT @b: two", "2"]])
    out = tmp_path / "c.parquet"
    args = ["ingest", str(path), "-o", str(out), "--csv-map", "text=text", "--json", "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert "no post kept" in result.output
    assert not out.exists()
    result = CliRunner().invoke(main, [*args, "--allow-empty"])
    assert result.exit_code == 0, result.output
    assert pq.read_metadata(out).num_rows == 0


def test_constants_from_the_event_toml(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "r.csv", [["when", "who", "body"], ["2017-06-12 07:30", "u1", "so bad"]]
    )
    event = tmp_path / "e.toml"
    event.write_text(
        'name = "replies"\ninputs = ["r.csv"]\n\n[ingest]\n'
        'csv_map = {text = "body", created_at = "when", author_handle = "who"}\n'
        'set = {mention_handles = "@KLM", reply_to_author_handle = "@KLM"}\n'
    )
    out = tmp_path / "c.parquet"
    result = CliRunner().invoke(main, ["ingest", "--event", str(event), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    row = pq.read_table(out).to_pylist()[0]
    assert row["mention_handles"] == ["klm"] and row["reply_to_author_handle"] == "KLM"
    assert row["author_handle"] == "u1"
    with pytest.raises(ConfigError, match="cannot set"):
        read_posts([path], IngestOptions(csv_map={"text": "body"}, constants={"id": "1"}))


def test_missing_time_column_values_are_rejected_with_the_field(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", [["time", "text"], ["2017-06-12", "a"], ["yesterday", "b"]])
    out = tmp_path / "c.parquet"
    summary = ingest(
        [path], out, options=IngestOptions(csv_map={"text": "text", "created_at": "time"})
    )
    assert (summary.read, summary.kept, summary.quarantined) == (2, 1, 1)
    rejected = json.loads(Path(summary.quarantine_file or "").read_text().splitlines()[0])
    assert rejected["field"] == "created_at" and rejected["line"] == 3


def test_unknown_encoding_is_a_config_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", [["text", "n"], ["a", "1"]])
    with pytest.raises((ConfigError, InputError), match="encoding"):
        read_posts([path], IngestOptions(csv_map={"text": "text"}, encoding="no-such"))


def test_list_columns_as_plain_words_or_json(tmp_path: Path) -> None:
    rows = [
        ["text", "tags", "who", "links"],
        ["one", "#Paris, Lyon", "@Alice @bob", "https://a.example https://b.example"],
        ["two", '["#Nice"]', '[{"screen_name": "Carol", "id_str": "42"}]', "[]"],
        ["three", "", "", ""],
        ["four", "[broken", "", ""],
    ]
    path = _write(tmp_path / "l.csv", rows)
    options = IngestOptions(
        csv_map={"text": "text", "hashtags": "tags", "mentions": "who", "urls": "links"},
        dedupe=False,
    )
    table, summary = read_posts([path], options)
    got = table.to_pylist()
    assert [r["hashtags"] for r in got] == [["paris", "lyon"], ["nice"], []]
    assert [r["mention_handles"] for r in got] == [["alice", "bob"], ["carol"], []]
    assert got[1]["mention_ids"] == ["42"]
    assert got[0]["urls"] == ["https://a.example", "https://b.example"]
    assert summary.quarantined == 1
