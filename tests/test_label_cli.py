"""``crowdpulse label`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from crowdpulse.cli.label import command
from crowdpulse.schema import POST_SCHEMA

SHEET = (
    "hashtags,FREQUENCY,annotator-1,annotator-2,annotations\n"
    "prayforparis,10,expresses solidarity,expresses solidarity,solidarity\n"
    "jesuisparis,9,expresses solidarity,cannot determine,ignore\n"
    "breaking,8,does not express solidarity,does not express solidarity,no solidarity\n"
    "france,7,does not express solidarity,does not express solidarity,no solidarity\n"
    "paris,6,cannot determine,cannot determine,ignore\n"
)


def full_corpus(rows: list[dict[str, object]]) -> pa.Table:
    columns = {f.name: [r.get(f.name) for r in rows] for f in POST_SCHEMA}
    return pa.table(columns, schema=POST_SCHEMA)


POSTS = [
    {"id": "1", "text": "Thoughts #PrayForParis", "hashtags": ["prayforparis"], "label": None},
    {"id": "2", "text": "#breaking news", "hashtags": ["breaking"], "label": None},
    {
        "id": "3",
        "text": "#prayforparis #france",
        "hashtags": ["prayforparis", "france"],
        "label": None,
    },
    {"id": "4", "text": "#paris tonight", "hashtags": ["paris"], "label": None},
    {"id": "5", "text": "#France mourns", "hashtags": ["france"], "label": None},
]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    corpus = tmp_path / "corpus.parquet"
    pq.write_table(full_corpus(POSTS), corpus)
    return sheet, corpus


def test_sheet_summary_json(files: tuple[Path, Path]) -> None:
    sheet, _ = files
    result = CliRunner().invoke(command, ["--sheet", str(sheet), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["hashtags"] == {"solidarity": 1, "no solidarity": 2, "ignore": 2}
    # annotator 1: S S N N C, annotator 2: S C N N C -> p_o 4/5,
    # p_e = (2*1 + 2*2 + 1*2) / 25 = 8/25, kappa = (20/25 - 8/25) / (17/25) = 12/17
    assert data["kappa"] == pytest.approx(12 / 17)


def test_sheet_summary_text(files: tuple[Path, Path]) -> None:
    sheet, _ = files
    result = CliRunner().invoke(command, ["--sheet", str(sheet)])
    assert result.exit_code == 0
    assert "kappa: 0.7059" in result.output
    assert "solidarity 1, no solidarity 2, ignore 2" in result.output


def test_label_corpus_by_sheet(files: tuple[Path, Path], tmp_path: Path) -> None:
    sheet, corpus = files
    out = tmp_path / "labelled.parquet"
    result = CliRunner().invoke(
        command, ["--sheet", str(sheet), str(corpus), "-o", str(out), "--json", "-q"]
    )
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert (
        counts["solidarity"],
        counts["not_solidarity"],
        counts["conflicting"],
        counts["unlabelled"],
    ) == (
        1,
        2,
        1,
        1,
    )
    table = pq.read_table(out)
    assert table.column("id").to_pylist() == ["1", "2", "4", "5"]
    assert table.column("solidarity").to_pylist() == [
        "solidarity",
        "not solidarity",
        None,
        "not solidarity",
    ]
    assert table.column("text_for_training").to_pylist() == [
        "Thoughts",
        "news",
        "#paris tonight",
        "mourns",
    ]
    text = CliRunner().invoke(command, ["--sheet", str(sheet), str(corpus), "-o", str(out), "-q"])
    assert "conflicting (dropped): 1, unlabelled: 1" in text.output


def test_label_corpus_by_column_and_event(tmp_path: Path) -> None:
    rows = [
        {"id": "1", "text": "we pray", "label": "Sympathy and support"},
        {"id": "2", "text": "road closed", "label": "Infrastructure and utilities"},
        {"id": "3", "text": "?", "label": None},
    ]
    corpus = tmp_path / "c.parquet"
    pq.write_table(full_corpus(rows), corpus)
    out = tmp_path / "o.parquet"
    args = [
        str(corpus),
        "--column",
        "label",
        "--positive",
        "Sympathy and support",
        "-o",
        str(out),
        "--json",
    ]
    result = CliRunner().invoke(command, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["solidarity"] == 1
    assert pq.read_table(out).column("solidarity").to_pylist() == [
        "solidarity",
        "not solidarity",
        None,
    ]
    event = tmp_path / "event.toml"
    event.write_text(
        'name = "t"\n[labels]\ncolumn = "label"\npositive = ["Sympathy and support"]\n'
    )
    result = CliRunner().invoke(
        command, [str(corpus), "--event", str(event), "-o", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["not_solidarity"] == 1


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--column", "label"],
        ["--sheet", "missing.csv"],
        ["--sheet", "s.csv", "--column", "label"],
    ],
)
def test_bad_usage_exits_1(args: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(command, args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_corpus_without_output_exits_1(files: tuple[Path, Path]) -> None:
    sheet, corpus = files
    result = CliRunner().invoke(command, ["--sheet", str(sheet), str(corpus)])
    assert result.exit_code == 1
    assert "-o" in result.output


def test_help_has_example() -> None:
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


@pytest.mark.realdata
def test_real_sheet_json(shared_data: Path) -> None:
    sheet = shared_data / "icwsm_emoji" / "annotations_paris.csv"
    result = CliRunner().invoke(command, ["--sheet", str(sheet), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["hashtags"] == {"solidarity": 145, "no solidarity": 1405, "ignore": 852}
    assert sum(data["hashtags"].values()) == 2402
