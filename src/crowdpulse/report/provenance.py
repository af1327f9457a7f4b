"""Provenance of a report: software versions, input files and their checksums.

A report must let a reader tell exactly what produced it: the versions of
crowdpulse, Python and the libraries that computed the numbers, and the SHA-256 of
every file read (the event description, the raw inputs, files read beside them such
as CrisisLexT26's tweet-id lists, the label sheet, a user lexicon, a generator's
truth file).
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from crowdpulse import __version__
from crowdpulse.io.inputs import expand_inputs
from crowdpulse.report.cache import file_sha256

__all__ = [
    "KEY_LIBRARIES",
    "InputFile",
    "checksum_inputs",
    "environment",
    "event_input_files",
    "library_versions",
    "sibling_files",
]

KEY_LIBRARIES: tuple[str, ...] = (
    "pyarrow",
    "numpy",
    "scipy",
    "scikit-learn",
    "networkx",
    "numba",
    "emoji",
    "matplotlib",
    "pillow",
    "orjson",
    "pycountry",
    "reverse_geocode",
    "click",
    "rich",
    "jinja2",
    "bokeh",
    "torch",
)
"""Distributions whose versions the report records (missing ones show as None)."""

_SIBLING_PATTERNS: tuple[str, ...] = ("*tweetids_entire_period.csv",)


@dataclass(frozen=True)
class InputFile:
    """A file a report read.

    Attributes:
        role: What it is (``event``, ``input``, ``input-sibling``, ``label-sheet``,
            ``lexicon``, ``truth``).
        path: Where it is.
        stage: The stage that reads it (None: only the page).
    """

    role: str
    path: Path
    stage: str | None = None


def library_versions(names: Iterable[str] = KEY_LIBRARIES) -> dict[str, str | None]:
    """Return the installed version of each distribution (None when not installed).

    Args:
        names: Distribution names as pip knows them.

    Returns:
        Name -> version.
    """
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def environment() -> dict[str, Any]:
    """Return the versions of crowdpulse and Python, the platform and the libraries.

    Returns:
        ``{"crowdpulse", "python", "implementation", "platform", "machine",
        "libraries"}``.
    """
    return {
        "crowdpulse": __version__,
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
        "libraries": library_versions(),
    }


def sibling_files(paths: Sequence[Path]) -> list[Path]:
    """Files a reader takes from beside its inputs (CrisisLexT26's tweet-id lists).

    The CSV reader joins post times from a ``*-tweetids_entire_period.csv`` in the
    folder of a CrisisLex file, so that file is an input too.

    Args:
        paths: The raw input files.

    Returns:
        The sibling files found, sorted, without repeats or the inputs themselves.
    """
    given = {p.resolve() for p in paths}
    found: set[Path] = set()
    for folder in {p.resolve().parent for p in paths}:
        for pattern in _SIBLING_PATTERNS:
            found.update(p.resolve() for p in folder.glob(pattern) if p.is_file())
    return sorted(found - given)


def event_input_files(
    event: Any, *, lexicon: str | Path | None = None, truth: str | Path | None = None
) -> list[InputFile]:
    """List every file a report of this event reads.

    Args:
        event: A :class:`crowdpulse.event.Event`.
        lexicon: The lexicon option (a file when it names one).
        truth: A generator's truth file, if given.

    Returns:
        The files, by role.
    """
    files: list[InputFile] = []
    if event.path is not None:
        files.append(InputFile("event", Path(event.path)))
    # A folder stands for the files ingest reads from it, so each is checksummed.
    inputs = [Path(p) for p, _ in expand_inputs([str(p) for p in event.inputs])]
    files.extend(InputFile("input", p, "ingest") for p in inputs)
    files.extend(InputFile("input-sibling", p, "ingest") for p in sibling_files(inputs))
    if event.labels is not None and event.labels.sheet is not None:
        files.append(InputFile("label-sheet", Path(event.labels.sheet), "labels"))
    if lexicon is not None and Path(lexicon).suffix.lower() == ".dic":
        files.append(InputFile("lexicon", Path(lexicon), "features"))
    if truth is not None:
        files.append(InputFile("truth", Path(truth)))
    return files


def checksum_inputs(files: Sequence[InputFile]) -> list[dict[str, Any]]:
    """Measure every input file: size and SHA-256.

    Args:
        files: From :func:`event_input_files`.

    Returns:
        One dict per file: ``role``, ``path``, ``stage``, ``bytes``, ``sha256``.

    Raises:
        InputError: A file is missing or unreadable.
    """
    from crowdpulse.exceptions import InputError

    out = []
    for item in files:
        try:
            size = item.path.stat().st_size
            digest = file_sha256(item.path)
        except OSError as exc:
            raise InputError(
                f"cannot read the {item.role} file: {exc.strerror or exc}", path=str(item.path)
            ) from None
        out.append(
            {
                "role": item.role,
                "path": str(item.path),
                "stage": item.stage,
                "bytes": size,
                "sha256": digest,
            }
        )
    return out
