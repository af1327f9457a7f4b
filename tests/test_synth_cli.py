"""``crowdpulse synth`` and the event description it writes."""

from __future__ import annotations

import json

import orjson
from click.testing import CliRunner

from crowdpulse.cli import main
from crowdpulse.event import load_event
from crowdpulse.synth import read_sheet


def test_synth_writes_corpus_truth_event_and_sheet(tmp_path):
    out = tmp_path / "posts.jsonl.gz"
    args = [
        "synth", "--seed", "3", "--posts", "1000", "--format", "v1", "-o", str(out),
        "--truth", str(tmp_path / "truth.json"), "--event", str(tmp_path / "event.toml"),
        "--truth-posts", str(tmp_path / "posts.parquet"), "--json", "--quiet",
    ]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert summary["posts"] == truth["totals"]["posts"] == 1000
    assert summary["kept"] == truth["ingest"]["kept"]
    assert truth["seed"] == 3 and truth["config"]["posts"] == 1000
    assert (tmp_path / "posts.parquet").stat().st_size > 0

    event = load_event(tmp_path / "event.toml")
    assert event.inputs == (out,)
    assert event.lang == "en"
    assert event.affected_countries == frozenset({"FR"})
    assert event.firestorm is not None and event.firestorm.target == "@flyzephyr"
    assert event.start is not None and event.start.isoformat() == "2015-11-06T00:00:00+00:00"
    assert event.end is not None and (event.end - event.start).days == 15
    assert event.labels is not None and event.labels.sheet == tmp_path / "event_hashtags.csv"
    sheet = read_sheet(event.labels.sheet)
    assert {"solidarity", "no solidarity", "ignore"} == {r.final for r in sheet.rows}
    assert truth["solidarity"]["sheet"] == str(tmp_path / "event_hashtags.csv")


def test_synth_to_stdout(tmp_path):
    result = CliRunner().invoke(
        main, ["synth", "--seed", "1", "--posts", "300", "-o", "-", "--format", "v1"]
    )
    assert result.exit_code == 0
    lines = result.stdout_bytes.splitlines()
    assert len(lines) == 300
    assert all("id_str" in orjson.loads(line) for line in lines)


def test_synth_with_a_real_sheet_and_options(tmp_path, shared_data):
    sheet = shared_data / "icwsm_emoji" / "annotations_irma.csv"
    args = [
        "synth", "--seed", "2", "--posts", "800", "--format", "v2", "--days", "5",
        "--firestorm-target", "@somebrand", "--sheet", str(sheet), "--noise",
        "-o", str(tmp_path / "p.jsonl"), "--truth", str(tmp_path / "t.json"),
        "--event", str(tmp_path / "e.toml"), "-q",
    ]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    truth = json.loads((tmp_path / "t.json").read_text())
    assert truth["firestorm"]["target"] == "@somebrand"
    assert truth["end"] == "2015-11-11T00:00:00Z"
    assert truth["ingest"]["quarantined"] > 0
    finals = {r.hashtag: r.final for r in read_sheet(sheet).rows}
    for tag in truth["solidarity"]["label_hashtag_posts"]["solidarity"]:
        assert finals[tag] == "solidarity"
    event = load_event(tmp_path / "e.toml")
    assert event.firestorm is not None and event.firestorm.target == "@somebrand"
    assert (tmp_path / "e_hashtags.csv").read_bytes() == sheet.read_bytes()


def test_synth_bad_option_is_a_clean_error(tmp_path):
    result = CliRunner().invoke(
        main, ["synth", "--firestorm-target", "no-at-sign", "-o", str(tmp_path / "x.jsonl")]
    )
    assert result.exit_code == 1
    assert "crowdpulse: error:" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(
        main, ["synth", "--sheet", __file__, "-o", str(tmp_path / "x.jsonl"), "--posts", "300"]
    )
    assert result.exit_code == 1 and "not a label sheet" in result.output


def test_synth_help_has_an_example():
    result = CliRunner().invoke(main, ["synth", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "crowdpulse synth --seed" in result.output
