"""Staged, cached execution: run a chain of stages, recomputing only what changed.

A stage is a unit of work that writes files into its own folder. Its *key* is a
SHA-256 over everything its outputs depend on::

    key = sha256(stage name, crowdpulse version, manifest format,
                 parameters (JSON), checksums of its input files,
                 keys of the stages it reads from)

so a change of an input file, of a parameter or of an upstream stage changes the
key of that stage and of every stage after it, and of no other.

Each finished stage leaves ``<root>/<name>/manifest.json``: the key, the
parameters, the input checksums, the upstream keys, the size and SHA-256 of every
file it wrote, its summary (JSON) and its wall time. On the next run a stage is
*cached* when its manifest holds the same key and every file it lists is still
there with the same size and checksum; otherwise it runs again. A stage runs in a
fresh temporary folder that replaces the old one only once it succeeded, so an
interrupted run never leaves a half-written stage behind that looks complete.

A stage that is skipped or fails has its folder removed: files of an earlier run would
not match the inputs of this one. Only one run may use a folder at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from crowdpulse import __version__
from crowdpulse.conventions import json_default
from crowdpulse.exceptions import ConfigError, CrowdpulseError
from crowdpulse.io.atomic import clean_stale
from crowdpulse.progress import Progress, progress

__all__ = [
    "MANIFEST",
    "MANIFEST_FORMAT",
    "StageContext",
    "StageRecord",
    "StageSpec",
    "StageStatus",
    "file_sha256",
    "release_memory",
    "run_stages",
    "stage_key",
]

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
"""Version of the manifest layout; part of every key, so a new layout recomputes."""

StageStatus = Literal["run", "cached", "skipped", "failed"]


def file_sha256(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """Return the SHA-256 of a file's bytes, as 64 hex digits.

    Args:
        path: The file.
        chunk: Bytes read at a time.

    Returns:
        The hex digest.

    Raises:
        OSError: The file cannot be read.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def stage_key(
    name: str,
    params: Mapping[str, Any],
    inputs: Mapping[str, str],
    upstream: Mapping[str, str],
    *,
    version: str = __version__,
) -> str:
    """Compute the cache key of a stage.

    Args:
        name: The stage's name.
        params: Its parameters (JSON-ready values).
        inputs: Input file label -> SHA-256 of its bytes.
        upstream: Name -> key of every stage it reads from.
        version: The crowdpulse version.

    Returns:
        The key, 64 hex digits.

    Raises:
        ConfigError: A parameter cannot be written as JSON.
    """
    try:
        text = _canonical(
            {
                "stage": name,
                "crowdpulse": version,
                "format": MANIFEST_FORMAT,
                "params": params,
                "inputs": dict(inputs),
                "upstream": dict(upstream),
            }
        )
    except TypeError as exc:
        raise ConfigError(f"a parameter of stage {name!r} is not JSON: {exc}") from None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StageRecord:
    """What happened to one stage in a run.

    Attributes:
        name: The stage's name.
        title: Its human-readable title.
        status: ``"run"`` (computed now), ``"cached"`` (reused), ``"skipped"`` (does
            not apply, see ``reason``) or ``"failed"`` (the data did not allow it,
            see ``reason``).
        key: The cache key ("" when skipped).
        folder: The stage's folder.
        manifest: The manifest (empty when skipped or failed).
        seconds: Wall time of this run (the time spent checking, when cached).
        reason: Why the stage was skipped or failed.
    """

    name: str
    title: str
    status: StageStatus
    key: str
    folder: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when the stage's outputs exist (run now or cached)."""
        return self.status in ("run", "cached")

    @property
    def summary(self) -> dict[str, Any]:
        """The stage's summary (empty unless :attr:`ok`)."""
        value = self.manifest.get("summary", {})
        return value if isinstance(value, dict) else {}

    @property
    def outputs(self) -> list[str]:
        """The files the stage wrote, relative to its folder, in the order written."""
        return list(self.manifest.get("outputs", {}))

    def file(self, name: str) -> Path:
        """The path of one of the stage's files."""
        return self.folder / name

    def has(self, name: str) -> bool:
        """Whether the stage wrote the file ``name``."""
        return name in self.manifest.get("outputs", {})


@dataclass
class StageContext:
    """What a stage's function receives.

    Attributes:
        name: The stage's name.
        folder: The (temporary) folder to write the outputs into.
        params: The stage's parameters.
        upstream: The records of the stages it reads from.
        bar: The stage's progress bar (``advance()`` once per step).
        quiet: Whether progress is hidden.
        state: The object the pipeline was given (e.g. the event and the options).
    """

    name: str
    folder: Path
    params: dict[str, Any]
    upstream: dict[str, StageRecord]
    bar: Progress
    quiet: bool
    state: Any

    def path(self, name: str) -> Path:
        """The path of an output file (sub-folders are created)."""
        out = self.folder / name
        out.parent.mkdir(parents=True, exist_ok=True)
        return out


@dataclass(frozen=True)
class StageSpec:
    """A stage of a pipeline.

    Attributes:
        name: A short name (also its folder's name).
        title: A human-readable title.
        run: Writes the outputs into ``context.folder`` and returns a JSON-ready
            summary.
        requires: Names of the stages it reads from (they come earlier).
        steps: Units of its progress bar.
        fatal: A :class:`~crowdpulse.exceptions.CrowdpulseError` stops the whole run
            (else the stage is marked failed and the run goes on).
    """

    name: str
    title: str
    run: Callable[[StageContext], dict[str, Any]]
    requires: tuple[str, ...] = ()
    steps: int = 1
    fatal: bool = False


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _valid(folder: Path, manifest: dict[str, Any] | None, key: str) -> bool:
    if manifest is None or manifest.get("key") != key:
        return False
    if manifest.get("format") != MANIFEST_FORMAT:
        return False
    outputs = manifest.get("outputs")
    if not isinstance(outputs, dict):
        return False
    for rel, meta in outputs.items():
        path = folder / rel
        try:
            if path.stat().st_size != meta["bytes"] or file_sha256(path) != meta["sha256"]:
                return False
        except (OSError, KeyError, TypeError):
            return False
    return True


def _outputs(folder: Path) -> dict[str, dict[str, Any]]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)
    return {
        p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": file_sha256(p)}
        for p in files
    }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _replace_folder(temp: Path, final: Path) -> None:
    if final.exists():
        trash = final.with_name(f".{final.name}.old-{os.getpid()}")
        final.rename(trash)
        temp.rename(final)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        temp.rename(final)


def run_stages(
    specs: Sequence[StageSpec],
    root: str | Path,
    *,
    params: Mapping[str, Mapping[str, Any]],
    inputs: Mapping[str, Mapping[str, str]] | None = None,
    skip: Mapping[str, str] | None = None,
    state: Any = None,
    force: bool | Sequence[str] = False,
    quiet: bool = True,
    on_stage: Callable[[StageRecord], None] | None = None,
) -> dict[str, StageRecord]:
    """Run stages in order, reusing every stage whose key and files are unchanged.

    Args:
        specs: The stages, each after the stages it requires.
        root: The folder holding one sub-folder per stage.
        params: Stage name -> its parameters (JSON-ready).
        inputs: Stage name -> {input label: SHA-256} of the files it reads directly.
        skip: Stage name -> why it does not apply (it and the stages needing it are
            skipped).
        state: Passed to every stage as ``context.state``.
        force: True recomputes every stage; a list of names recomputes those (and,
            since their outputs may differ, nothing else unless their keys change).
        quiet: Show no progress bars.
        on_stage: Called with each stage's record as soon as it is known.

    Returns:
        Name -> :class:`StageRecord`, in the order of ``specs``.

    Raises:
        ConfigError: A stage requires an unknown or later stage.
        CrowdpulseError: A fatal stage failed.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    clean_stale(root)  # stage folders half-built or half-replaced by a killed run
    inputs = inputs or {}
    skip = skip or {}
    forced = {s.name for s in specs} if force is True else set(force or ())
    records: dict[str, StageRecord] = {}
    total = len(specs)
    for number, spec in enumerate(specs, start=1):
        for need in spec.requires:
            if need not in records:
                raise ConfigError(
                    f"stage {spec.name!r} requires {need!r}, which does not come before it",
                    field="requires",
                )
        folder = root / spec.name
        label = f"[{number}/{total}] {spec.title}"
        started = time.perf_counter()
        missing = [n for n in spec.requires if not records[n].ok]
        reason = skip.get(spec.name)
        if reason is None and missing:
            first = records[missing[0]]
            verb = "failed" if first.status == "failed" else "was skipped"
            reason = f"needs the {first.title.lower()} stage, which {verb}"
        if reason is not None:
            # outputs of an earlier run would not match this one: no stale files stay
            shutil.rmtree(folder, ignore_errors=True)
            record = StageRecord(spec.name, spec.title, "skipped", "", folder, reason=reason)
            with progress(f"{label}: skipped", total=1, quiet=quiet) as bar:
                bar.advance()
        else:
            upstream = {n: records[n] for n in spec.requires}
            stage_params = dict(params.get(spec.name, {}))
            stage_inputs = dict(inputs.get(spec.name, {}))
            key = stage_key(
                spec.name, stage_params, stage_inputs, {n: r.key for n, r in upstream.items()}
            )
            manifest = _read_manifest(folder)
            if spec.name not in forced and _valid(folder, manifest, key):
                assert manifest is not None
                with progress(f"{label}: cached", total=1, quiet=quiet) as bar:
                    bar.advance()
                record = StageRecord(
                    spec.name,
                    spec.title,
                    "cached",
                    key,
                    folder,
                    manifest,
                    time.perf_counter() - started,
                )
            else:
                record = _run_one(
                    spec, folder, label, key, stage_params, stage_inputs, upstream, state, quiet
                )
        records[spec.name] = record
        if on_stage is not None:
            on_stage(record)
    return records


def release_memory() -> None:
    """Give the memory a finished stage freed back to the system.

    The stages run one after the other in one process; without this, the freed
    blocks of Arrow's pool and of the C heap stay mapped, and the process's peak is
    the sum of the stages' peaks rather than the largest one. Collects Python's
    cycles, releases Arrow's unused memory and (glibc) trims the heap.
    """
    import ctypes
    import ctypes.util
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)


def _run_one(
    spec: StageSpec,
    folder: Path,
    label: str,
    key: str,
    params: dict[str, Any],
    inputs: dict[str, str],
    upstream: dict[str, StageRecord],
    state: Any,
    quiet: bool,
) -> StageRecord:
    temp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(parents=True)
    started = time.perf_counter()
    try:
        with progress(label, total=spec.steps, quiet=quiet) as bar:
            context = StageContext(spec.name, temp, params, upstream, bar, quiet, state)
            summary = spec.run(context)
    except CrowdpulseError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        if spec.fatal:
            raise
        shutil.rmtree(folder, ignore_errors=True)  # an earlier run's outputs are stale now
        return StageRecord(
            spec.name,
            spec.title,
            "failed",
            key,
            folder,
            seconds=time.perf_counter() - started,
            reason=str(exc),
        )
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    finally:
        release_memory()
    seconds = time.perf_counter() - started
    manifest = {
        "stage": spec.name,
        "title": spec.title,
        "key": key,
        "format": MANIFEST_FORMAT,
        "crowdpulse": __version__,
        "params": params,
        "inputs": inputs,
        "upstream": {n: r.key for n, r in upstream.items()},
        "outputs": _outputs(temp),
        "summary": summary,
        "seconds": round(seconds, 3),
        "finished": _now(),
    }
    (temp / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, default=json_default) + "\n",
        encoding="utf-8",
    )
    manifest = json.loads((temp / MANIFEST).read_text(encoding="utf-8"))
    _replace_folder(temp, folder)
    return StageRecord(spec.name, spec.title, "run", key, folder, manifest, seconds)
