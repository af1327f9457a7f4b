"""Exit codes, JSON errors, closed pipes, and hostile inputs outside the readers.

Exit codes: 0 success, 1 data or input error, 2 usage error (click). With --json an
error is also one JSON object on stdout. A closed stdout (``| head``) ends with 0.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from crowdpulse.cli import main
from crowdpulse.exceptions import ConfigError, InputError

CROWDPULSE = [sys.executable, "-c", "from crowdpulse.cli import main; main()"]


def test_exit_codes_are_distinct(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["geocode", "Paris, France"])
    assert ok.exit_code == 0, ok.output
    data = runner.invoke(main, ["info", str(tmp_path / "missing.parquet")])
    assert data.exit_code == 1
    assert data.stderr.strip().count("\n") == 0 and "Traceback" not in data.output
    usage = runner.invoke(main, ["info", "--no-such-option"])
    assert usage.exit_code == 2


def test_json_error_object(tmp_path: Path) -> None:
    missing = tmp_path / "missing.parquet"
    result = CliRunner().invoke(main, ["info", str(missing), "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)
    assert error == {"error": "no such file", "file": str(missing), "line": None, "field": None}
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "hashtags,FREQUENCY,annotator-1,annotator-2,annotations\n"
        "paris,12,cannot determine,cannot determine,ignore\n"
        "prayforparis,1e400,expresses solidarity,expresses solidarity,solidarity\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["label", "--sheet", str(sheet), "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)
    assert error["file"] == str(sheet) and error["line"] == 3 and error["field"] == "FREQUENCY"
    assert "finite number" in error["error"]


def test_a_closed_pipe_ends_quietly_with_0(tmp_path: Path) -> None:
    producer = subprocess.Popen(
        [*CROWDPULSE, "synth", "--seed", "1", "--posts", "3000", "-o", "-", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert producer.stdout is not None and producer.stderr is not None
    assert len(producer.stdout.read(10)) == 10
    producer.stdout.close()  # the reader goes away, as `head` does
    assert producer.wait(timeout=300) == 0
    assert producer.stderr.read() == b""


def test_info_into_head_ends_with_0(tmp_path: Path) -> None:
    from crowdpulse.io.ingest import ingest

    line = (
        '{"id_str": "%d", "created_at": "Wed Aug 27 13:08:45 +0000 2014", "text": "a #t%d", '
        '"lang": "en", "user": {"id_str": "1%d", "screen_name": "u%d"}}\n'
    )
    source = tmp_path / "posts.jsonl"
    source.write_text("".join(line % (i, i, i, i) for i in range(200)), encoding="utf-8")
    ingest([source], tmp_path / "c.parquet")
    reader = subprocess.Popen(
        [*CROWDPULSE, "info", str(tmp_path / "c.parquet"), "--top", "100"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    assert reader.stdout.readline()
    reader.stdout.close()  # `| head -1`
    assert reader.wait(timeout=300) == 0
    assert reader.stderr.read() == b""


def test_sheet_frequency_out_of_range(tmp_path: Path) -> None:
    from crowdpulse.label.sheet import read_sheet

    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "hashtags,FREQUENCY,annotator-1,annotator-2,annotations\n"
        "paris,1e400,cannot determine,cannot determine,ignore\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="finite") as info:
        read_sheet(sheet)
    assert info.value.line == 2


def test_event_ranges(tmp_path: Path) -> None:
    from crowdpulse.event import event_from_dict

    for section, key in (("firestorm", "bucket_minutes"), ("firestorm", "window_buckets")):
        raw = {"name": "x", section: {"target": "@a", key: 99_999_999_999}}
        with pytest.raises(ConfigError, match="at most") as info:
            event_from_dict(raw)
        assert info.value.field == f"{section}.{key}"
    event = tmp_path / "event.toml"
    event.write_text(
        'name = "x"\n[firestorm]\ntarget = "@a"\nbucket_minutes = 99999999999\n', encoding="utf-8"
    )
    corpus = tmp_path / "c.parquet"
    pq.write_table(pa.table({"text": ["x"]}), corpus)
    result = CliRunner().invoke(main, ["firestorm", str(corpus), "--event", str(event), "-o",
                                       str(tmp_path / "o")])  # fmt: skip
    assert result.exit_code == 1 and "bucket_minutes" in result.stderr
    assert "Traceback" not in result.output


def test_privacy_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crowdpulse.event import event_from_dict, event_to_toml

    event = event_from_dict({"name": "x", "privacy": {"salt_env": "CP_TEST_SALT"}})
    monkeypatch.delenv("CP_TEST_SALT", raising=False)
    with pytest.raises(ConfigError, match="CP_TEST_SALT"):
        event.pseudonymize_salt()
    monkeypatch.setenv("CP_TEST_SALT", "s3cret")
    assert event.pseudonymize_salt() == "s3cret"
    assert "s3cret" not in event_to_toml(event) and "CP_TEST_SALT" in event_to_toml(event)
    with pytest.raises(ConfigError, match="redact"):
        event_from_dict({"name": "x", "privacy": {"salt_env": "A", "quarantine_excerpts": "x"}})


def _model(tmp_path: Path) -> Path:
    from crowdpulse.classify import make_model, save_model

    model = make_model("logreg")
    model.fit(
        ["pray for paris", "love", "police shots", "breaking news"] * 5, ["a", "a", "b", "b"] * 5
    )
    return save_model(model, tmp_path / "m.skops")


def test_predict_on_an_empty_corpus(tmp_path: Path) -> None:
    """No traceback: an empty corpus gives an empty predictions file (classify's choice)."""
    from crowdpulse.classify import load_model, predict_table

    model_path = _model(tmp_path)
    assert predict_table(load_model(model_path), [], []).num_rows == 0
    empty = tmp_path / "empty.parquet"
    table = pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())})
    pq.write_table(table, empty)
    out = tmp_path / "out.parquet"
    args = ["classify", "predict", str(model_path), str(empty), "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert pq.read_table(out).num_rows == 0


def test_model_schema_nested_too_deep(tmp_path: Path) -> None:
    from crowdpulse.classify import load_model

    good = _model(tmp_path)
    deep = tmp_path / "deep.skops"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(deep, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "schema.json":
                data = b"[" * 100_000 + b"]" * 100_000
            target.writestr(item, data)
    with pytest.raises(InputError, match="nests 100000 levels"):
        load_model(deep)
    assert load_model(good) is not None
    result = CliRunner().invoke(main, ["classify", "predict", str(deep), str(deep), "-o",
                                       str(tmp_path / "o.parquet")])  # fmt: skip
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_geocode_dash_reads_stdin() -> None:
    result = CliRunner().invoke(main, ["geocode", "-", "--json"], input="Miami FL\nLondon, UK\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["input"], r["country"]) for r in rows] == [("Miami FL", "US"), ("London, UK", "GB")]
