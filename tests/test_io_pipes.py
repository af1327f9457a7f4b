"""Pipes and streams: FIFOs, process substitution, standard input; truncated .zst."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import zstandard

from crowdpulse.exceptions import InputError
from crowdpulse.io import IngestOptions, read_posts

V1_SAMPLE = "twitter_v1_sample/napa_earthquake_2014_sample.jsonl"
REDDIT = "platforms/reddit/RC_2017-10_first100.ndjson"

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")


def _sample(shared_data: Path, name: str) -> bytes:
    path = shared_data / name
    if not path.is_file():
        pytest.skip(f"{name} absent")
    return path.read_bytes()


def _feed(fifo: Path, data: bytes) -> threading.Thread:
    def write() -> None:
        with open(fifo, "wb") as handle:
            handle.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@posix_only
@pytest.mark.parametrize("name", [V1_SAMPLE, REDDIT])
def test_fifo_is_sniffed_and_read_once(shared_data: Path, tmp_path: Path, name: str) -> None:
    data = _sample(shared_data, name)
    expected, _ = read_posts([shared_data / name], IngestOptions(keep_retweets=True))
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    writer = _feed(fifo, data)
    table, summary = read_posts([fifo], IngestOptions(keep_retweets=True))
    writer.join(5)
    assert summary.read == data.count(b"\n")
    assert table.column("id").to_pylist() == expected.column("id").to_pylist()
    assert set(table.column("source_file").to_pylist()) == {str(fifo)}


@posix_only
def test_compressed_fifo(shared_data: Path, tmp_path: Path) -> None:
    data = _sample(shared_data, REDDIT)
    fifo = tmp_path / "in.zst"
    os.mkfifo(fifo)
    writer = _feed(fifo, zstandard.ZstdCompressor().compress(data))
    table, summary = read_posts([fifo], IngestOptions(dedupe=False))
    writer.join(5)
    assert summary.read == 100 and table.num_rows == 100


@pytest.mark.skipif(not Path("/bin/bash").exists(), reason="needs bash")
def test_process_substitution_via_cli(shared_data: Path, tmp_path: Path) -> None:
    sample = shared_data / REDDIT
    if not sample.is_file():
        pytest.skip("reddit sample absent")
    out = tmp_path / "c.parquet"
    script = f'"{sys.executable}" -m crowdpulse ingest <(cat "{sample}") -o "{out}" --json --quiet'
    done = subprocess.run(
        ["/bin/bash", "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert '"read": 100' in done.stdout and '"format": "reddit"' in done.stdout


def test_truncated_zst_is_an_error(shared_data: Path, tmp_path: Path) -> None:
    data = _sample(shared_data, V1_SAMPLE)
    packed = zstandard.ZstdCompressor().compress(data)
    whole = tmp_path / "whole.jsonl.zst"
    whole.write_bytes(packed)
    cut = tmp_path / "cut.jsonl.zst"
    cut.write_bytes(packed[: len(packed) // 3])
    _, summary = read_posts([whole], IngestOptions(keep_retweets=True, dedupe=False))
    assert summary.read == 409
    with pytest.raises(InputError, match="truncated Zstandard"):
        read_posts([cut])


def test_several_zst_frames_read_whole(shared_data: Path, tmp_path: Path) -> None:
    data = _sample(shared_data, V1_SAMPLE)
    middle = data.index(b"\n", len(data) // 2) + 1
    frames = zstandard.ZstdCompressor().compress(data[:middle])
    frames += zstandard.ZstdCompressor().compress(data[middle:])
    path = tmp_path / "frames.jsonl.zst"
    path.write_bytes(frames)
    _, summary = read_posts([path], IngestOptions(keep_retweets=True, dedupe=False))
    assert summary.read == 409


def test_long_window_zst_like_the_reddit_dumps(shared_data: Path, tmp_path: Path) -> None:
    """Pushshift's monthly dumps use a window above zstd's default decoding limit."""
    import io

    data = _sample(shared_data, REDDIT)
    params = zstandard.ZstdCompressionParameters.from_level(
        3, window_log=30, enable_ldm=True, write_content_size=False
    )
    buffer = io.BytesIO()
    with zstandard.ZstdCompressor(compression_params=params).stream_writer(
        buffer, closefd=False
    ) as writer:
        writer.write(data)
    with pytest.raises(zstandard.ZstdError):  # what the default decoder says
        zstandard.ZstdDecompressor().decompressobj().decompress(buffer.getvalue())
    path = tmp_path / "RC_long.zst"
    path.write_bytes(buffer.getvalue())
    _, summary = read_posts([path], IngestOptions(dedupe=False))
    assert summary.read == summary.kept == 100
