"""``crowdpulse features``: help, JSON output, quiet mode, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from crowdpulse.cli import COMMANDS
from crowdpulse.cli.features import command
from crowdpulse.schema import POST_SCHEMA


def write_corpus(path: Path, texts: list[str]) -> Path:
    n = len(texts)
    columns = []
    for field in POST_SCHEMA:
        if field.name == "id":
            columns.append(pa.array([str(i) for i in range(n)], pa.string()))
        elif field.name == "text":
            columns.append(pa.array(texts, pa.string()))
        else:
            columns.append(pa.nulls(n, field.type))
    pq.write_table(pa.Table.from_arrays(columns, schema=POST_SCHEMA), path)
    return path


def test_registered_and_help_has_an_example() -> None:
    assert "features" in COMMANDS
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "--lexicon" in result.output and "--quiet" in result.output


def test_json_summary_and_output_file(tmp_path: Path) -> None:
    source = write_corpus(tmp_path / "corpus.parquet", ["I love Paris ❤️", "so sad 😢 #paris"])
    target = tmp_path / "features.parquet"
    result = CliRunner().invoke(command, [str(source), "-o", str(target), "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["posts"] == 2
    assert summary["lexicon"] == "open"
    assert "lex_emo" in summary["columns_added"]
    table = pq.read_table(target)
    assert table.column("emojis").to_pylist() == [["❤️"], ["😢"]]
    assert table.column("lex_posemo").to_pylist()[0] > 0


def test_quiet_prints_nothing_and_dic_lexicon(tmp_path: Path) -> None:
    source = write_corpus(tmp_path / "corpus.parquet", ["worried about the storm"])
    dic = tmp_path / "stress.dic"
    dic.write_text("%\n1\tstress\n%\nworr*\t1\nstorm\t1\n", encoding="utf-8")
    target = tmp_path / "out.parquet"
    result = CliRunner().invoke(
        command, [str(source), "-o", str(target), "--lexicon", str(dic), "-q", "-j", "1"]
    )
    assert result.exit_code == 0
    assert result.output == ""
    assert pq.read_table(target).column("lex_stress").to_pylist() == [50.0]


def test_summary_on_stderr_when_not_quiet(tmp_path: Path) -> None:
    source = write_corpus(tmp_path / "corpus.parquet", ["hello"])
    result = CliRunner().invoke(command, [str(source), "-o", str(tmp_path / "o.parquet")])
    assert result.exit_code == 0
    assert "features: 1 posts" in result.stderr
    assert result.stdout == ""


def test_errors_exit_1_without_traceback(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(command, [str(tmp_path / "missing.parquet"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "crowdpulse: error:" in result.stderr and "no such file" in result.stderr
    source = write_corpus(tmp_path / "corpus.parquet", ["hello"])
    result = runner.invoke(command, [str(source), "-o", str(tmp_path / "o"), "--lexicon", "nope"])
    assert result.exit_code == 1
    assert "unknown lexicon" in result.stderr
    assert "Traceback" not in result.output
