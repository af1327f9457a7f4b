"""Hostile inputs to the Twitter and CSV readers: no signal, no traceback, honest accounting.

Mutations of the shared real files (skipped without ../shared/data) and hand-made
cases. Cases that used to crash the process run in a subprocess, so that a
segmentation fault fails the test instead of killing pytest.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from crowdpulse.exceptions import InputError
from crowdpulse.io import IngestOptions, arrowjson, ingest, read_posts
from crowdpulse.io.arrowjson import parse_block
from crowdpulse.io.source import Block
from crowdpulse.io.v1 import V1_SCHEMA

V1_SAMPLE = "twitter_v1_sample/napa_earthquake_2014_sample.jsonl"
KEEP_ALL = IngestOptions(keep_retweets=True, dedupe=False)


def _accounted(summary) -> bool:
    return summary.read == summary.kept + sum(summary.filtered.values()) + summary.quarantined


def _run_ingest(path: Path, out: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys, json\n"
        "from crowdpulse.io import IngestOptions, ingest\n"
        "s = ingest([sys.argv[1]], sys.argv[2], options=IngestOptions(dedupe=False))\n"
        "print(json.dumps(s.as_dict()))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(path), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.realdata
def test_newline_before_a_null_in_a_real_v1_file(shared_data: Path, tmp_path: Path) -> None:
    data = (shared_data / V1_SAMPLE).read_bytes()
    cut = data.index(b":null") + 1
    path = tmp_path / "mutated.jsonl"
    path.write_bytes(data[:cut] + b"\n" + data[cut:])
    result = _run_ingest(path, tmp_path / "c.parquet")
    assert result.returncode == 0, (result.returncode, result.stderr[-500:])
    summary = json.loads(result.stdout)
    # The record split in two: both halves quarantined, the 408 others read.
    assert summary["read"] == 410 and summary["quarantined"] == 2
    assert summary["read"] == summary["kept"] + sum(summary["filtered"].values()) + 2
    bad = [json.loads(x) for x in Path(summary["quarantine_file"]).read_text().splitlines()]
    line = data[:cut].count(b"\n") + 1
    assert [b["line"] for b in bad] == [line, line + 1]
    assert all("not valid JSON" in b["reason"] for b in bad)


def test_no_block_starting_with_a_scalar_reaches_pyarrow() -> None:
    code = (
        "from crowdpulse.io.arrowjson import parse_block\n"
        "from crowdpulse.io.source import Block\n"
        "from crowdpulse.io.v1 import V1_SCHEMA\n"
        "for first in (b'null', b'5', b'\"text\"', b'[1, 2]', b'true'):\n"
        "    data = first + b'\\n{\"id\": 1}\\n' + first + b'\\n{\"id\": 2}\\n'\n"
        "    parsed = parse_block(Block(data, 1, True), V1_SCHEMA, 'x')\n"
        "    print(parsed.table.num_rows, [r.line for r in parsed.rejected])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, (result.returncode, result.stderr[-500:])
    assert result.stdout.splitlines() == ["2 [1, 3]"] * 5


def test_deep_nesting_never_recurses(tmp_path: Path) -> None:
    deep = b"[" * 10_000 + b"]" * 10_000
    fields = b'"created_at": "Sun Aug 24 20:40:22 +0000 2014", "user": {"id_str": "7"}'
    good = b'{"id_str": "1", "text": "a", ' + fields + b"}"
    nested = b'{"id_str": "2", "text": "b", "x": ' + deep + b", " + fields + b"}"
    # v1.1 (Arrow): a field outside the schema is skipped at any depth, the same in a
    # clean block and in one with a bad line; deep in a known field it is a wrong type.
    wrong = b'{"id_str": "3", "text": "c", "user": ' + deep + b"}"
    v1 = tmp_path / "v1.jsonl"
    for lines, expected in (
        ([good, nested, good], (3, 3, 0)),
        ([good, nested, b"null", good], (4, 3, 1)),
        ([good, nested, wrong], (3, 2, 1)),
    ):
        v1.write_bytes(b"\n".join(lines) + b"\n")
        _, summary = read_posts([v1], KEEP_ALL)
        assert (summary.read, summary.kept, summary.quarantined) == expected
    # v2 (orjson): deeper than 1,024 levels is quarantined.
    v2 = tmp_path / "v2.jsonl"
    post = {"id": "1", "created_at": "2021-04-08T19:34:16.000Z", "author_id": "7", "text": "a"}
    v2.write_bytes(orjson.dumps(post) + b"\n" + b'{"id": "2", "text": "b", "x": ' + deep + b"}\n")
    summary = ingest(
        [v2],
        tmp_path / "c.parquet",
        options=IngestOptions(input_format="twarc2-flat", dedupe=False),
    )
    assert (summary.read, summary.kept, summary.quarantined) == (2, 1, 1)
    reason = json.loads(Path(summary.quarantine_file or "").read_text())["reason"]
    assert reason == "nested deeper than 1,024 levels"


def test_line_length_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [
        {"id_str": str(i), "created_at": "Sun Aug 24 20:40:22 +0000 2014",
         "text": "x" * (50 if i != 2 else 5000), "user": {"id_str": "7"}}
        for i in range(4)
    ]  # fmt: skip
    data = b"\n".join(orjson.dumps(r) for r in records) + b"\n"
    monkeypatch.setattr(arrowjson, "MAX_LINE_BYTES", 1000)
    parsed = parse_block(Block(data, 1, True), V1_SCHEMA, "x")
    assert parsed.table.num_rows == 3
    assert [r.line for r in parsed.rejected] == [3]
    assert "longer than the limit of 1,000 bytes" in parsed.rejected[0].reason


def _flat_lines(shared_data: Path) -> list[dict]:
    path = shared_data / "twitter_v2_twarc/flat.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.realdata
def test_v2_fields_of_the_wrong_type(shared_data: Path, tmp_path: Path) -> None:
    lines = _flat_lines(shared_data)[:12]
    lines[0]["lang"] = 7
    lines[1]["author"]["username"] = 12345
    lines[2]["geo"] = {"coordinates": {"coordinates": "12.5, 41.9"}}
    lines[3]["geo"] = {"coordinates": {"coordinates": ["12.5", "41.9"]}}
    lines[4]["author_id"] = ["1", "2"]
    lines[5]["geo"] = {"place_id": ["abc"]}
    lines[6]["id"] = 1380242611781386245
    lines[7]["created_at"] = {"when": "now"}
    lines[8]["entities"] = {"mentions": "everyone", "hashtags": [3, None]}
    lines[9]["referenced_tweets"] = [{"type": "retweeted", "id": ["x"]}]
    lines[10]["geo"] = "Rome"
    path = tmp_path / "typed.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(x) for x in lines) + b"\n")
    table, summary = read_posts([path], KEEP_ALL)
    assert _accounted(summary) and summary.read == 12
    assert summary.quarantined == 3  # a list as author id, a number as id, an object as time
    # lang, username, two coordinates, a list as place_id, a string as geo
    assert summary.files[0]["nulled_fields"] == 6
    rows = {r["source_line"]: r for r in table.to_pylist()}
    assert rows[1]["lang"] is None and rows[2]["author_handle"] is None
    assert rows[3]["longitude"] is None and rows[4]["latitude"] is None
    assert rows[6]["place_country_code"] is None


def _crisis_rows(shared_data: Path) -> list[list[str]]:
    folder = shared_data / "crisislex/CrisisLexT26/2013_Lac_Megantic_train_crash"
    path = next(folder.glob("*-tweets_labeled.csv"))
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.realdata
def test_an_unclosed_quote_does_not_swallow_the_file(shared_data: Path, tmp_path: Path) -> None:
    # An ad-hoc export of the real rows with no quoting at all (no field needs it) ...
    rows = [
        [c.replace(",", " ").replace('"', "'") for c in row] for row in _crisis_rows(shared_data)
    ]
    assert len(rows) == 1001
    lines = [",".join(row) + "\n" for row in rows]
    # ... whose line 11 has a text starting with a quote that never closes.
    head, _, rest = lines[10].partition(",")
    lines[10] = f'{head},"{rest}'
    assert sum(line.count('"') for line in lines) == 1
    path = tmp_path / "broken.csv"
    path.write_text("".join(lines), encoding="utf-8")
    summary = ingest([path], tmp_path / "c.parquet", options=KEEP_ALL)
    assert summary.read == 1000 and summary.quarantined == 1 and summary.kept == 999
    assert summary.files[0]["split_records"] == 1
    bad = json.loads(Path(summary.quarantine_file or "").read_text())
    assert bad["line"] == 11 and "lines 11-1001" in bad["reason"]


def test_csv_coordinates_that_are_not_numbers(tmp_path: Path) -> None:
    head = "id,text,author_id,geo.coordinates.coordinates\n"
    body = (
        '1,ok,7,"[2.35, 48.85]"\n'
        '2,words,7,"[""a"", ""b""]"\n'
        '3,inf,7,"[1e400, 2]"\n'
        '4,object,7,"{""x"": 1}"\n'
        "5,none,7,\n"
    )
    path = tmp_path / "geo.csv"
    path.write_text(head + body, encoding="utf-8")
    table, summary = read_posts([path], KEEP_ALL)
    assert (summary.read, summary.kept, summary.quarantined) == (5, 2, 3)
    assert table["longitude"].to_pylist() == [2.35, None]


def test_quoted_newlines_stay_one_record_and_runaway_records_are_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crowdpulse.io import csvfile

    body = 'id,text\n1,"two\nlines"\n2,"three\nlines\nhere"\n3,plain\n'
    path = tmp_path / "n.csv"
    path.write_text(body, encoding="utf-8")
    options = IngestOptions(csv_map={"id": "id", "text": "text"}, dedupe=False)
    table, summary = read_posts([path], options)
    assert table["text"].to_pylist() == ["two\nlines", "three\nlines\nhere", "plain"]
    assert table["source_line"].to_pylist() == [2, 4, 7]
    # A record over the line limit is split even when its column count is right.
    monkeypatch.setattr(csvfile, "MAX_RECORD_LINES", 2)
    table, summary = read_posts([path], options)
    # Its first line is quarantined, the two after it are read again (one column each).
    assert (summary.read, summary.kept, summary.quarantined) == (5, 2, 3)
    assert summary.files[0]["split_records"] == 1


def test_deep_elements_of_a_json_array(tmp_path: Path) -> None:
    good = {
        "id_str": "1",
        "created_at": "Sun Aug 24 20:40:22 +0000 2014",
        "text": "a",
        "user": {"id_str": "7"},
    }
    # 400 levels: deeper than orjson writes (255), read with the other elements.
    middle = '{"id_str": "2", "created_at": "Sun Aug 24 20:40:22 +0000 2014", "text": "b", '
    middle += '"user": {"id_str": "7"}, "x": ' + "[" * 400 + "]" * 400 + "}"
    path = tmp_path / "a.json"
    path.write_text(f"[{json.dumps(good)},\n{middle},\n{json.dumps(good)}]", encoding="utf-8")
    table, summary = read_posts([path], KEEP_ALL)
    assert (summary.read, summary.kept) == (3, 3)
    assert table["source_line"].to_pylist() == [1, 2, 3]
    # 10,000 levels: a one-line error naming the file and line, not a RecursionError.
    deep = '{"id_str": "2", "x": ' + "[" * 10_000 + "]" * 10_000 + "}"
    path.write_text(f"[{json.dumps(good)},\n{deep}]", encoding="utf-8")
    with pytest.raises(InputError, match="nested too deep") as caught:
        read_posts([path], KEEP_ALL)
    assert caught.value.line == 2


@pytest.mark.realdata
@pytest.mark.parametrize(
    "name", ["twitter_v1_sample/napa_earthquake_2014_sample.jsonl", "twitter_v2_twarc/flat.jsonl"]
)
def test_a_byte_order_mark_costs_no_record(shared_data: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (shared_data / name).read_bytes())
    plain, _ = read_posts([shared_data / name], KEEP_ALL)
    table, summary = read_posts([path], KEEP_ALL)
    assert summary.quarantined == 0
    assert table["id"].to_pylist() == plain["id"].to_pylist()
