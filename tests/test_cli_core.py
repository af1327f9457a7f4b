"""The ingest and info commands: JSON summaries, clean errors, help with examples."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from crowdpulse.cli import COMMANDS, main


def _tweets(path: Path, n: int) -> Path:
    lines = []
    for i in range(n):
        lines.append(
            orjson.dumps(
                {
                    "id_str": str(i),
                    "created_at": f"Mon Nov 16 1{i % 10}:00:00 +0000 2015",
                    "text": f"post {i} #Paris",
                    "lang": "en" if i % 4 else "fr",
                    "user": {"id_str": str(100 + i % 3), "screen_name": f"user{i % 3}"},
                    "entities": {"hashtags": [{"text": "Paris"}], "user_mentions": [], "urls": []},
                }
            )
        )
    lines.append(b'{"id_str": "x", "created_at": ')
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_ingest_json_summary_and_info(tmp_path: Path) -> None:
    runner = CliRunner()
    src = _tweets(tmp_path / "in.jsonl", 20)
    out = tmp_path / "corpus.parquet"
    result = runner.invoke(
        main, ["ingest", str(src), "-o", str(out), "--lang", "en", "--json", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert {"read", "kept", "filtered", "quarantined"} <= summary.keys()
    assert summary == summary | {"read": 21, "kept": 15, "filtered": {"lang": 5}, "quarantined": 1}
    assert Path(summary["quarantine_file"]).exists()
    info = runner.invoke(main, ["info", str(out), "--json"])
    assert info.exit_code == 0, info.output
    described = json.loads(info.output)
    assert described["posts"] == 15
    assert described["hashtags"] == [["paris", 15]]
    assert sum(c for _, c in described["posts_per_day"]) == 15


def test_unreadable_input_exits_1_without_traceback(tmp_path: Path) -> None:
    runner = CliRunner()
    (tmp_path / "x.jsonl.gz").write_text("plain")
    for args in (
        ["ingest", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "c.parquet")],
        ["ingest", str(tmp_path / "x.jsonl.gz"), "-o", str(tmp_path / "c.parquet")],
        ["info", str(tmp_path / "x.jsonl.gz")],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 1, result.output
        assert "crowdpulse: error:" in result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


def test_ingest_reads_standard_input(tmp_path: Path) -> None:
    src = _tweets(tmp_path / "in.jsonl", 8)
    out = tmp_path / "c.parquet"
    result = CliRunner().invoke(
        main, ["ingest", "-", "-o", str(out), "--json", "--quiet"], input=src.read_bytes()
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["files"][0]["path"] == "<stdin>"
    assert (summary["read"], summary["kept"], summary["quarantined"]) == (9, 8, 1)
