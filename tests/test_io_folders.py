"""Folders and mixed inputs: recursion, --glob, files without posts skipped and counted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from crowdpulse.cli import main
from crowdpulse.exceptions import InputError
from crowdpulse.io import IngestOptions, ingest, read_posts


def _status(i: int) -> dict[str, object]:
    return {
        "id": str(10**17 + i),
        "created_at": f"2023-10-19T18:{i:02d}:00.000Z",
        "content": f"<p>post {i}</p>",
        "account": {"id": str(i), "acct": f"user{i}", "url": f"https://m.example/@user{i}"},
        "uri": f"https://m.example/users/user{i}/statuses/{i}",
    }


def _reddit(i: int) -> dict[str, object]:
    return {
        "id": f"c{i}",
        "subreddit": "test",
        "author": f"r{i}",
        "created_utc": 1506816000 + i,
        "body": f"comment {i}",
        "parent_id": "t3_x",
        "link_id": "t3_x",
    }


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "masto.json").write_bytes(orjson.dumps([_status(i) for i in range(3)]))
    (root / "sub" / "reddit.ndjson").write_bytes(
        b"".join(orjson.dumps(_reddit(i)) + b"\n" for i in range(4))
    )
    (root / "sub" / "deeper" / "ids.txt").write_text("1234567890\n2345678901\n3456789012\n")
    (root / "sub" / "README.md").write_text("# notes, not posts\n")
    (root / "users.jsonl").write_text(
        json.dumps({"id": "1", "username": "a", "name": "A", "created_at": "2020"}) + "\n"
    )
    (root / ".hidden" / "masto.json").write_bytes(orjson.dumps([_status(9)]))
    return root


def test_folder_is_read_recursively_and_skips_are_counted(folder: Path, tmp_path: Path) -> None:
    summary = ingest([folder], tmp_path / "c.parquet", options=IngestOptions(), quiet=True)
    assert (summary.read, summary.kept, summary.quarantined, summary.skipped) == (7, 7, 0, 3)
    by_path = {Path(f["path"]).relative_to(folder).as_posix(): f for f in summary.files}
    assert sorted(by_path) == [
        "masto.json",
        "sub/README.md",
        "sub/deeper/ids.txt",
        "sub/reddit.ndjson",
        "users.jsonl",
    ]
    assert by_path["masto.json"]["format"] == "mastodon" and by_path["masto.json"]["read"] == 3
    assert by_path["sub/reddit.ndjson"]["format"] == "reddit"
    assert "list of ids" in by_path["sub/deeper/ids.txt"]["skipped"]
    assert "user object" in by_path["users.jsonl"]["skipped"]
    assert "documentation" in by_path["sub/README.md"]["skipped"]
    read = [f for f in summary.files if "skipped" not in f]
    assert sum(f["read"] for f in read) == summary.read
    assert sum(f["kept"] + f["filtered"] + f["quarantined"] for f in read) == summary.read


def test_glob_selects_files(folder: Path) -> None:
    table, summary = read_posts([folder], IngestOptions(glob="*.ndjson"))
    assert summary.read == 4 and summary.skipped == 0
    assert set(table.column("platform").to_pylist()) == {"reddit"}


def test_strict_makes_a_skip_an_error(folder: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--strict"):
        ingest([folder], tmp_path / "c.parquet", options=IngestOptions(strict=True))
    assert not (tmp_path / "c.parquet").exists()


def test_a_single_file_without_posts_is_still_an_error(folder: Path) -> None:
    with pytest.raises(InputError, match="users"):
        read_posts([folder / "users.jsonl"])


def test_mixed_list_of_files_skips_non_posts(folder: Path) -> None:
    _, summary = read_posts([folder / "masto.json", folder / "sub/deeper/ids.txt"])
    assert (summary.read, summary.skipped) == (3, 1)


def test_a_folder_without_posts_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "ids.txt").write_text("1\n2\n3\n")
    with pytest.raises(InputError, match="no input holds posts"):
        read_posts([tmp_path / "only"])
    with pytest.raises(InputError, match="no file matching"):
        read_posts([tmp_path / "only"], IngestOptions(glob="*.json"))


def test_cli_folder_json_and_strict(folder: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "c.parquet"
    result = runner.invoke(main, ["ingest", str(folder), "-o", str(out), "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["skipped"] == 3 and data["read"] == 7
    result = runner.invoke(main, ["ingest", str(folder), "-o", str(out), "--strict", "--quiet"])
    assert result.exit_code != 0


def test_real_platform_folder_adds_up(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "platforms"
    if not source.is_dir():
        pytest.skip("platform samples absent")
    copy = tmp_path / "platforms"
    shutil.copytree(source, copy)
    summary = ingest([copy], tmp_path / "all.parquet", options=IngestOptions(), quiet=True)
    assert summary.skipped == 5  # the README of the folder and of each platform
    assert summary.read == 152 + 10 + 100 + 25 + 4 + 20 + 20 + 40 + 20 + 1 + 100 + 25 + 19 + 87 + 45
    assert summary.read == summary.kept + sum(summary.filtered.values()) + summary.quarantined
    assert summary.quarantined == 0


def test_a_quarantine_file_beside_the_corpus_is_skipped_on_a_rerun(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "masto.json").write_bytes(orjson.dumps([_status(1), _status(2)]))
    (root / "old.quarantine.jsonl").write_text(
        json.dumps({"file": "x", "line": 1, "reason": "r", "field": None, "raw": ""}) + "\n"
    )
    (root / "old.parquet").write_bytes(b"PAR1\x00\x00\x15\x04PAR1")
    _, summary = read_posts([root])
    assert (summary.read, summary.skipped) == (2, 2)


def test_real_twarc_folder_skips_exactly_the_files_without_posts(shared_data: Path) -> None:
    folder = shared_data / "twitter_v2_twarc"
    if not folder.is_dir():
        pytest.skip("twarc samples absent")
    _, summary = read_posts([folder], IngestOptions(keep_retweets=True))
    skipped = {
        Path(f["path"]).relative_to(folder).as_posix() for f in summary.files if "skipped" in f
    }
    assert skipped == {
        "LICENSE",
        "counts.jsonl",
        "empty.json",
        "lists.jsonl",
        "twarc_csv/README.md",
        "tweets_compliance.jsonl",
        "users.jsonl",
        "users_compliance.jsonl",
    }
    read = [f for f in summary.files if "skipped" not in f]
    assert len(read) == 26 and summary.skipped == 8
    assert all(f["read"] == f["kept"] + f["filtered"] + f["quarantined"] for f in read)
    assert summary.read == sum(f["read"] for f in read)
    assert summary.read == summary.kept + sum(summary.filtered.values()) + summary.quarantined
