"""Opening raw input files: decompression by content, streaming in line-aligned blocks.

Compression is recognised by the file's first bytes (gzip, bzip2, Zstandard), not by
its name; a name that promises a compression the content lacks is an error, since it
usually means a broken download.
"""

from __future__ import annotations

import bz2
import gzip
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO

from crowdpulse.exceptions import InputError

__all__ = [
    "Block",
    "as_text_stream",
    "compression_of",
    "iter_array_blocks",
    "iter_blocks",
    "open_binary",
    "read_head",
]

_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bz2",
    b"\x28\xb5\x2f\xfd": "zstd",
}
_SUFFIX = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bz2", ".zst": "zstd", ".zstd": "zstd"}
DEFAULT_BLOCK_SIZE = 8 << 20
_ZSTD_WINDOW = 1 << 31


def compression_of(path: str | Path) -> str | None:
    """Tell the compression of a file from its first bytes.

    Args:
        path: The file.

    Returns:
        ``"gzip"``, ``"bz2"``, ``"zstd"`` or None for an uncompressed file.

    Raises:
        InputError: The file's name ends in a compression suffix its content lacks.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(4)
    found = next((kind for magic, kind in _MAGIC.items() if head.startswith(magic)), None)
    expected = _SUFFIX.get(path.suffix.lower())
    if expected is not None and found != expected:
        what = f"{found}-compressed" if found else "not compressed"
        raise InputError(f"the name says {expected} but the content is {what}", path=str(path))
    return found


def open_binary(path: str | Path) -> BinaryIO:
    """Open a raw input for reading bytes, decompressing gzip, bzip2 and Zstandard.

    Args:
        path: The file, or ``-`` for standard input (not decompressed).

    Returns:
        A binary file object of the decompressed content.

    Raises:
        InputError: The file is missing, a directory, or its compression is wrong.
    """
    if str(path) == "-":
        return sys.stdin.buffer
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", path=str(path))
    if path.is_dir():
        raise InputError("is a folder, not a file", path=str(path))
    kind = compression_of(path)
    if kind is None:
        return open(path, "rb")
    # Each stream is closed with the reader that wraps it.
    inner: Any
    if kind == "gzip":
        inner = gzip.open(path, "rb")  # noqa: SIM115
    elif kind == "bz2":
        inner = bz2.open(path, "rb")  # noqa: SIM115
    else:
        inner = _ZstdReader(open(path, "rb"), str(path))  # noqa: SIM115
    return io.BufferedReader(_Decompressed(inner, str(path)), 1 << 20)


class _Decompressed(io.RawIOBase):
    """A decompressing stream whose damaged or truncated input is an :class:`InputError`.

    gzip, bzip2 and Zstandard each report a corrupt stream with an exception of their
    own (``zlib.error``, ``OSError``, ``EOFError``, ``zstandard.ZstdError``), and they
    are raised wherever the bytes are read: in sniffing, in a CSV or JSON reader. Turning
    them into one error here means every reader reports a broken archive the same way.
    """

    def __init__(self, inner: Any, path: str) -> None:
        import zlib

        import zstandard

        self._inner = inner
        self._path = path
        self._errors = (OSError, EOFError, ValueError, zlib.error, zstandard.ZstdError)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            return int(self._inner.readinto(buffer))
        except self._errors as exc:
            raise InputError(f"cannot decompress: {exc}", path=self._path) from None

    def close(self) -> None:
        self._inner.close()
        super().close()


class _ZstdReader(io.RawIOBase):
    """Zstandard decompression that fails on a truncated archive.

    ``zstandard``'s stream reader ends quietly when the input stops in the middle of
    a frame, silently losing the rest; this reader decompresses frame by frame
    (several frames in a row are allowed) and raises at the end of the input when
    the last frame is not complete, as gzip and bzip2 do.
    """

    def __init__(self, raw: BinaryIO, path: str) -> None:
        import zstandard

        self._zstd = zstandard
        self._raw = raw
        self._path = path
        self._decoder = self._new()
        self._pending = b""
        self._offset = 0
        self._started = False

    def _new(self) -> Any:
        # Reddit's monthly dumps are written with a 2 GiB window (zstd --long=31).
        decoder = self._zstd.ZstdDecompressor(max_window_size=_ZSTD_WINDOW)
        return decoder.decompressobj(write_size=1 << 20)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._offset >= len(self._pending):
            chunk = self._raw.read(1 << 20)
            if not chunk:
                if self._started and not self._decoder.eof:
                    raise EOFError("truncated Zstandard archive: the last frame is not complete")
                return 0
            out = []
            while chunk:
                if self._decoder.eof:
                    self._decoder = self._new()
                self._started = True
                out.append(self._decoder.decompress(chunk))
                chunk = self._decoder.unused_data if self._decoder.eof else b""
            self._pending, self._offset = b"".join(out), 0
        size = min(len(buffer), len(self._pending) - self._offset)
        buffer[:size] = memoryview(self._pending)[self._offset : self._offset + size]
        self._offset += size
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


def _read(handle: BinaryIO, size: int, path: str) -> bytes:
    try:
        return handle.read(size)
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", path=path) from None


def read_head(path: str | Path, size: int = 1 << 20) -> bytes:
    """Return up to ``size`` decompressed bytes from the start of a file.

    Args:
        path: The file.
        size: How many bytes at most.

    Returns:
        The bytes.
    """
    handle = open_binary(path)
    try:
        return _read(handle, size, str(path))
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


@dataclass(frozen=True)
class Block:
    """A run of whole lines from a file.

    Attributes:
        data: The bytes, ending at a newline (or at the end of the file).
        first_line: The 1-based number of the block's first line.
        last: Whether this is the file's final block.
        line_numbers: For records re-serialised one a line (JSON arrays): the file
            line of each line of ``data``; None when lines are the file's own.
    """

    data: bytes
    first_line: int
    last: bool
    line_numbers: tuple[int, ...] | None = None

    @property
    def lines(self) -> int:
        """How many lines ``data`` holds (a last line without newline counts)."""
        if self.line_numbers is not None:
            return len(self.line_numbers)
        return self.newlines + (0 if self.data.endswith(b"\n") or not self.data else 1)

    @cached_property
    def newlines(self) -> int:
        """How many newline characters ``data`` holds (counted once, then kept)."""
        return self.data.count(b"\n")

    def line_of(self, offset: int) -> int:
        """The file line of the ``offset``-th (0-based) line of ``data``."""
        if self.line_numbers is not None:
            return self.line_numbers[offset]
        return self.first_line + offset


def iter_blocks(
    handle: BinaryIO, *, path: str, block_size: int = DEFAULT_BLOCK_SIZE, prefix: bytes = b""
) -> Iterator[Block]:
    """Cut a byte stream into blocks of whole lines of about ``block_size`` bytes.

    Args:
        handle: The (decompressed) stream.
        path: The file name, for error messages.
        block_size: Target block size in bytes.
        prefix: Bytes already read from the stream that come first.

    Yields:
        Line-aligned :class:`Block` objects; memory stays bounded by the block size
        plus the longest line.
    """
    pending = prefix
    line = 1
    while True:
        chunk = _read(handle, block_size, path)
        if not chunk:
            if pending:
                yield Block(pending, line, True)
            return
        data = pending + chunk if pending else chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            pending = data
            continue
        block = Block(data[: cut + 1], line, False)
        pending = data[cut + 1 :]
        yield block
        line += block.newlines


def as_text_stream(handle: BinaryIO) -> io.TextIOWrapper:
    """Wrap a binary stream as UTF-8 text (BOM removed), keeping newlines inside fields."""
    return io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")


def iter_array_blocks(
    handle: BinaryIO, *, path: str, records_per_block: int = 20_000
) -> Iterator[Block]:
    """Stream the elements of a top-level JSON array as blocks of one element a line.

    The array is decoded element by element (``json.JSONDecoder.raw_decode`` on a
    sliding buffer), so memory stays bounded by the largest element, not the file.

    Args:
        handle: The (decompressed) stream, positioned at the start.
        path: The file name, for error messages.
        records_per_block: Elements per block.

    Yields:
        Blocks whose ``line_numbers`` give the file line where each element starts.

    Raises:
        InputError: The array itself is broken (an element that is not valid JSON
            cannot be skipped, since its end cannot be found).
    """
    import json

    import orjson

    decoder = json.JSONDecoder()
    buffer = ""
    line = 1
    pos = 0
    eof = False
    lines: list[bytes] = []
    numbers: list[int] = []
    reader = as_text_stream(handle)

    def fill() -> bool:
        nonlocal buffer, pos, eof
        chunk = reader.read(1 << 20)
        if not chunk:
            eof = True
            return False
        buffer = buffer[pos:] + chunk
        pos = 0
        return True

    def skip_space() -> None:
        nonlocal pos, line
        while True:
            while pos < len(buffer) and buffer[pos] in " \t\r\n":
                if buffer[pos] == "\n":
                    line += 1
                pos += 1
            if pos < len(buffer) or not fill():
                return

    try:
        skip_space()
        if pos >= len(buffer) or buffer[pos] != "[":
            raise InputError("not a JSON array", path=path, line=line)
        pos += 1
        skip_space()
        if pos < len(buffer) and buffer[pos] == "]":
            return
        while True:
            skip_space()
            while True:
                try:
                    value, end = decoder.raw_decode(buffer, pos)
                    break
                except json.JSONDecodeError as exc:
                    if eof or not fill():
                        raise InputError(
                            f"broken JSON array element: {exc.msg}", path=path, line=line
                        ) from None
                except RecursionError:
                    raise InputError(
                        "JSON array element nested too deep to read", path=path, line=line
                    ) from None
            try:
                lines.append(orjson.dumps(value))
            except orjson.JSONEncodeError:  # deeper than orjson writes (255 levels)
                lines.append(json.dumps(value, ensure_ascii=False).encode("utf-8"))
            numbers.append(line)
            line += buffer.count("\n", pos, end)
            pos = end
            if len(lines) >= records_per_block:
                yield Block(b"\n".join(lines) + b"\n", numbers[0], False, tuple(numbers))
                lines, numbers = [], []
            skip_space()
            if pos >= len(buffer):
                raise InputError("JSON array is not closed", path=path, line=line)
            if buffer[pos] == "]":
                break
            if buffer[pos] != ",":
                raise InputError(
                    f"expected ',' between array elements, found {buffer[pos]!r}",
                    path=path,
                    line=line,
                )
            pos += 1
    except UnicodeDecodeError as exc:
        raise InputError(
            f"invalid UTF-8 in JSON array ({exc.reason})", path=path, line=line
        ) from None
    if lines:
        yield Block(b"\n".join(lines) + b"\n", numbers[0], True, tuple(numbers))
