from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from crowdpulse.cli import COMMANDS
from crowdpulse.cli.geocode import command as geocode_command
from crowdpulse.cli.geotag import command as geotag_command


def test_registered() -> None:
    assert "geocode" in COMMANDS and "geotag" in COMMANDS


def test_help_has_an_example() -> None:
    for cmd in (geocode_command, geotag_command):
        result = CliRunner().invoke(cmd, ["--help"])
        assert result.exit_code == 0
        assert "Example:" in result.output


def test_geocode_arguments() -> None:
    result = CliRunner().invoke(geocode_command, ["Miami FL", "worldwide"])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.output.splitlines()]
    assert lines[0][:3] == ["Miami FL", "US", "FL"]
    assert lines[1][:3] == ["worldwide", "", ""]


def test_geocode_stdin_json() -> None:
    result = CliRunner().invoke(geocode_command, ["--json"], input="London, UK\nshe/her\n\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [set(r) for r in rows] == [{"input", "country", "us_state", "confidence", "reason"}] * 3
    assert [r["country"] for r in rows] == ["GB", None, None]
    assert rows[0]["input"] == "London, UK"


def test_geocode_unknown_geocoder() -> None:
    result = CliRunner().invoke(geocode_command, ["--geocoder", "nope", "Paris"])
    assert result.exit_code == 1
    assert "unknown geocoder" in result.output


def write_corpus(path: Path) -> None:
    pq.write_table(
        pa.table(
            {
                "id": ["1", "2", "3", "4"],
                "author_location": ["Miami FL", "Paris", "worldwide", None],
                "latitude": [None, None, None, 18.4655],
                "longitude": [None, None, None, -66.1057],
                "place_country_code": pa.array([None, None, None, None], type=pa.string()),
            }
        ),
        path,
    )


def test_geotag_summary(tmp_path: Path) -> None:
    corpus = tmp_path / "c.parquet"
    write_corpus(corpus)
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(geotag_command, [str(corpus), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 of 4 posts got a country" in result.output
    assert "1 from coordinates" in result.output and "2 from profile" in result.output
    assert pq.read_table(out).column("country").to_pylist() == ["US", "FR", None, "PR"]


def test_geotag_json_and_quiet(tmp_path: Path) -> None:
    corpus = tmp_path / "c.parquet"
    write_corpus(corpus)
    result = CliRunner().invoke(
        geotag_command, [str(corpus), "-o", str(corpus), "--json", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["tagged"] == 3 and summary["by_source"]["profile"] == 2
    quiet = CliRunner().invoke(
        geotag_command, [str(corpus), "-o", str(tmp_path / "q.parquet"), "-q"]
    )
    assert quiet.exit_code == 0 and quiet.output == ""


def test_geotag_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        geotag_command, [str(tmp_path / "none.parquet"), "-o", str(tmp_path / "o.parquet")]
    )
    assert result.exit_code == 1
    assert "no such file" in result.output
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"text": ["x"]}), other)
    result = CliRunner().invoke(geotag_command, [str(other), "-o", str(tmp_path / "o.parquet")])
    assert result.exit_code == 1
    assert "nothing to geotag" in result.output
