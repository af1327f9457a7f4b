"""``crowdpulse detect`` and the CSV column reader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from crowdpulse.cli import main
from crowdpulse.detect import detect_changepoints
from crowdpulse.detect.csvseries import read_series_csv
from crowdpulse.exceptions import InputError


def write(tmp_path: Path, text: str, name: str = "s.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, ["detect", *args], input=stdin)


def test_json_output_and_first_numeric_column(tmp_path):
    rng = np.random.default_rng(0)
    values = np.r_[rng.normal(0, 1, 40), rng.normal(6, 1, 40)]
    text = "label,value\n" + "".join(f"r{i},{v}\n" for i, v in enumerate(values))
    result = run(str(write(tmp_path, text)), "--json", "-q")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["changepoints"] == [40]
    assert out["changepoints"] == detect_changepoints(values)
    assert out["cost"] == "normal-mean" and out["n"] == 80 and out["column"] == "value"
    assert out["penalty_rule"] == "auto" and out["penalty"] > 0
    assert [s["start"] for s in out["segments"]] == [0, 40]


def test_missing_cells_are_dropped_and_indices_map_to_rows(tmp_path):
    cells = ["1", "1.1", "", "0.9", "1", "NA", "", "8", "8.2", "7.9", "8.1"]
    text = "x\n" + "\n".join(cells) + "\n"
    result = run(str(write(tmp_path, text)), "--penalty", "1", "--json", "-q")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["changepoints"] == [7]  # row of "8", not its position among the values
    assert out["n"] == 11 and out["n_missing"] == 3
    assert out["segments"] == [
        {"start": 0, "end": 5, "mean": pytest.approx(1.0)},
        {"start": 7, "end": 11, "mean": pytest.approx(8.05)},
    ]


def test_short_rows_and_stdin():
    result = run(
        "-", "--column", "b", "--penalty", "1", "--json", "-q", stdin="a,b\n1,1\n2\n3,1\n4,9\n5,9\n"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["changepoints"] == [3]


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        ("x,y\n1,a\n2,b\n", ["--column", "y"], "line 2, field 'y': not a number: 'a'"),
        ("x\n1\n2\n", ["--column", "z"], "field 'z': no such column"),
        ("", [], "empty or has no header"),
        ("a,b\nx,y\nz,w\n", [], "no numeric column"),
        ("x\n\n\n", ["--column", "x"], "the column has no values"),
        ("x\n1\n", ["--min-size", "2"], "fewer than min_size"),
        ("x\n1\n-2\n", ["--cost", "poisson"], "non-negative"),
    ],
)
def test_bad_input_is_a_clean_error(tmp_path, text, args, message):
    path = write(tmp_path, text)
    result = run(str(path), *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_penalty_and_missing_file(tmp_path):
    result = run(str(write(tmp_path, "x\n1\n2\n3\n")), "--penalty", "lots")
    assert result.exit_code == 2 and "--penalty" in result.output
    result = run(str(tmp_path / "absent.csv"))
    assert result.exit_code == 1 and "absent.csv" in result.output


def test_table_output_elbow_and_poisson(tmp_path):
    rng = np.random.default_rng(4)
    counts = rng.poisson(np.r_[np.full(30, 3.0), np.full(30, 15.0)])
    path = write(tmp_path, "n\n" + "\n".join(map(str, counts)) + "\n")
    result = run(str(path), "--cost", "poisson", "-q")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split() == ["segment", "start", "end", "values", "mean"]
    assert lines[2].split()[1] == "30"
    elbow = run(str(path), "--penalty", "elbow", "--json", "-q")
    assert json.loads(elbow.output)["penalty_rule"] == "elbow"
    assert "Example:" in run("--help").output


def test_read_series_csv_direct(tmp_path):
    series = read_series_csv(write(tmp_path, "\ufeffa,b\nx,1\ny,\nz,3\n"))
    assert series.name == "b"
    assert series.values.tolist() == [1.0, 3.0] and series.rows.tolist() == [0, 2]
    with pytest.raises(InputError):
        read_series_csv(write(tmp_path, "a\n1\ninf\n"), "a")


@pytest.mark.parametrize("cell", ["inf", "-inf", "Infinity"])
def test_infinite_cell_is_an_error_naming_line_and_column(tmp_path, cell):
    path = write(tmp_path, f"label,value\na,1\nb,{cell}\nc,3\n")
    result = run(str(path))
    assert result.exit_code != 0
    assert "line 3" in result.output and "'value'" in result.output
    assert "infinite value" in result.output and "no numeric column" not in result.output
    assert "Traceback" not in result.output


def test_huge_values_and_units_do_not_change_the_result(tmp_path):
    rng = np.random.default_rng(4)
    base = np.r_[np.full(15, 1.0), np.full(15, 3.0)] + rng.normal(0, 0.3, 30)
    outs = []
    for factor in (1.0, 1e200, 1e-200):
        text = "v\n" + "".join(f"{float(v * factor)!r}\n" for v in base)
        result = run(str(write(tmp_path, text, f"s{factor}.csv")), "--json", "-q")
        assert result.exit_code == 0, result.output
        outs.append(json.loads(result.output))
    assert [o["changepoints"] for o in outs] == [[15]] * 3
    assert outs[1]["rescaled"] == "robust" and outs[1]["segments"][1]["mean"] > 2e200
