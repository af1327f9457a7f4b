"""Atomic outputs: write beside the target, fsync, rename; never a half file.

Every file a crowdpulse command writes goes through :func:`atomic_path` (or
:func:`atomic_open`): the data is written to a hidden temporary beside the target
(``.<name>.crowdpulse-tmp-<pid>-<token>``), flushed to disk, and renamed over the
target only when complete. On any failure, including ``kill -9``, the previous
output is left as it was; the temporary is removed on failure, and the temporaries
of killed runs (whose process is gone) are removed by the next write into the same
folder (:func:`clean_stale`).

:func:`refuse_overwrite` stops a command before it opens anything when an output
path is one of its inputs (or its quarantine), also through a symbolic or hard link.
:func:`die_with_parent` makes a worker process end when its parent dies.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from crowdpulse.exceptions import InputError

__all__ = [
    "TEMP_MARK",
    "atomic_open",
    "atomic_path",
    "clean_stale",
    "die_with_parent",
    "fsync_path",
    "pid_alive",
    "refuse_overwrite",
    "temp_path",
    "write_text_atomic",
]

#: The infix every temporary of crowdpulse carries, so stale ones can be found.
TEMP_MARK = ".crowdpulse-tmp-"

# ``.<name>.crowdpulse-tmp-<pid>-<token>`` (files and folders), the report's stage folders
# ``.<stage>.tmp-<pid>`` / ``.<stage>.old-<pid>``, and the older ``.<name>.<pid>.tmp``.
_STALE = re.compile(
    r"^\..+?(?:\.crowdpulse-tmp-(?P<a>\d+)-[0-9a-f]+|\.(?:tmp|old)-(?P<b>\d+)|\.(?P<c>\d+)\.tmp)$"
)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (ours or another user's).

    Args:
        pid: The process id.

    Returns:
        True if the process exists.
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def clean_stale(folder: str | Path) -> list[Path]:
    """Remove the temporaries that killed crowdpulse runs left in ``folder``.

    Only hidden names of crowdpulse's temporary patterns are touched, and only when
    the process that made them no longer exists.

    Args:
        folder: The folder to clean (missing folders are fine).

    Returns:
        The paths removed.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _STALE.match(entry.name)
        if match is None:
            continue
        pid = int(match.group("a") or match.group("b") or match.group("c"))
        if pid == os.getpid() or pid_alive(pid):
            continue
        path = Path(entry.path)
        if match.group("b") and entry.name.endswith(f".old-{pid}"):
            # killed between moving the old folder aside and moving the new one in
            final = path.with_name(entry.name[1 : -len(f".old-{pid}")])
            if not final.exists():
                with contextlib.suppress(OSError):
                    path.rename(final)
                    removed.append(path)
                    continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def temp_path(destination: str | Path) -> Path:
    """A fresh hidden temporary name beside ``destination``.

    Args:
        destination: The final path.

    Returns:
        ``.<name>.crowdpulse-tmp-<pid>-<token>`` in the same folder.
    """
    destination = Path(destination)
    token = secrets.token_hex(4)
    return destination.with_name(f".{destination.name}{TEMP_MARK}{os.getpid()}-{token}")


def fsync_path(path: str | Path) -> None:
    """Flush a file (or a folder's entries) to disk; folders that refuse are skipped.

    Args:
        path: The file or folder.
    """
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if Path(path).is_dir() else os.O_RDONLY
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


@contextmanager
def atomic_path(
    destination: str | Path, *, folder: bool = False, durable: bool = True
) -> Iterator[Path]:
    """Yield a temporary path to write; moved over ``destination`` only on success.

    The temporary is fsynced, renamed over the target, and the folder fsynced (if
    the caller deleted the temporary, the target is left as it was). On
    any exception the temporary is removed and ``destination`` is untouched. Stale
    temporaries of killed runs in the same folder are removed first.

    Args:
        destination: The file (or, with ``folder``, the folder) to (re)place.
        folder: Write a folder: the temporary is created as an empty folder; an
            existing ``destination`` folder is replaced as a whole.
        durable: Fsync the file and the folder. Without, the rename is still atomic
            and survives a killed process (the kernel keeps what was written), but not
            a power cut: for frequent small checkpoints whose loss costs only a repeat.

    Yields:
        The temporary path, in the same folder as ``destination``.
    """
    destination = Path(destination)
    parent = destination.parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_stale(parent)
    temp = temp_path(destination)
    if folder:
        temp.mkdir()
    try:
        yield temp
        if folder:
            for file in temp.rglob("*"):
                if file.is_file():
                    fsync_path(file)
            if destination.exists():
                # named so that clean_stale moves it back if a kill comes between the renames
                old = destination.with_name(f".{destination.name}.old-{os.getpid()}")
                _remove(old)
                destination.rename(old)
                temp.rename(destination)
                _remove(old)
            else:
                temp.rename(destination)
        elif temp.exists() or temp.is_symlink():
            if durable:
                fsync_path(temp)
            os.replace(temp, destination)
        # else: the writer removed its temporary on purpose: nothing replaces the target
        if durable:
            fsync_path(parent)
    finally:
        _remove(temp)


@contextmanager
def atomic_open(
    destination: str | Path, mode: str = "w", *, durable: bool = True, **kwargs: Any
) -> Iterator[IO[Any]]:
    """Open a temporary beside ``destination`` for writing; renamed over it on success.

    Args:
        destination: The file to (re)place.
        mode: A write mode: ``"w"`` or ``"wb"``.
        durable: See :func:`atomic_path`.
        **kwargs: Passed to :func:`open` (``encoding``, ``newline``).

    Yields:
        The open file object.
    """
    with atomic_path(destination, durable=durable) as temp, open(temp, mode, **kwargs) as handle:
        yield handle
        handle.flush()


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write a text file (UTF-8) atomically.

    Args:
        path: The file.
        text: Its content.

    Returns:
        The path written.
    """
    with atomic_open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(path)


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def refuse_overwrite(
    outputs: Iterable[tuple[str, str | Path | None]],
    inputs: Iterable[str | Path],
) -> None:
    """Refuse an output that is an input or another output, also through links.

    Called before anything is opened, so a wrong path destroys nothing.

    Args:
        outputs: ``(what, path)`` pairs, e.g. ``("output", "corpus.parquet")``;
            None paths are skipped.
        inputs: The input paths (``-`` for standard input is skipped).

    Raises:
        InputError: An output is an input, or two outputs are the same file.
    """
    named = [(what, Path(p)) for what, p in outputs if p is not None]
    sources = [Path(p) for p in inputs if str(p) != "-"]
    for what, out in named:
        for source in sources:
            if _same(out, source):
                raise InputError(
                    f"the {what} is the input file {source}; refusing to overwrite it",
                    path=str(out),
                )
    for i, (what, out) in enumerate(named):
        for other_what, other in named[i + 1 :]:
            if _same(out, other):
                raise InputError(
                    f"the {what} and the {other_what} are the same file", path=str(out)
                )


def die_with_parent(parent: int | None = None) -> None:
    """Make this (worker) process be killed when its parent dies (Linux).

    Uses ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; elsewhere it does nothing (the pool's
    own shutdown then ends the workers).

    Args:
        parent: The parent's process id as the parent saw it; if the worker's parent
            is already another process, the worker ends at once.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != (parent if parent is not None else os.getppid()) or os.getppid() == 1:
        os._exit(1)  # the parent died before prctl took effect
