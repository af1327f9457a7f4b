"""The short, seeded run of the reader fuzz harness (benchmarks/fuzz_readers.py).

120 mutated slices of the shared real files, every reader family in turn, through
ingest in a worker subprocess: no crash (signal, traceback, hang) and no accounting
violation. The long run (10,000 cases) and its result are in docs/reliability.md.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


# Crashes found by the harness that are open (for the io/ owners); listed in
# docs/reliability.md. A damaged byte inside a gzip or zstd stream raises zlib.error /
# ZstdError from io/source.py, which maps truncation to InputError but not corruption.
# Remove an entry once fixed: the test then fails if the crash comes back.
def _harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fuzz_readers", ROOT / "benchmarks" / "fuzz_readers.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_readers"] = module
    spec.loader.exec_module(module)
    return module


def test_mutations_are_seeded(shared_data: Path) -> None:
    import random

    fuzz = _harness()
    family, path = fuzz.seed_files(shared_data)[0]
    first = fuzz.make_case(family, path, random.Random("1:0"))
    again = fuzz.make_case(family, path, random.Random("1:0"))
    other = fuzz.make_case(family, path, random.Random("1:1"))
    assert first == again and first != other


def test_short_fuzz_run(shared_data: Path) -> None:
    fuzz = _harness()
    summary = fuzz.run(cases=120, seed=1, batch=120, quiet=True)
    families = {family for family, _ in fuzz.seed_files(shared_data)}
    assert set(summary["by_family"]) == families  # every reader was fuzzed
    assert summary["cases"] == 120
    assert summary["outcomes"].get("ok", 0) > 60  # most mutations still hold posts
    assert summary["failures"] == {}


def test_the_harness_catches_crashes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fuzz = _harness()
    monkeypatch.setenv("FUZZ_SELF_TEST", "1")
    good = tmp_path / "good.jsonl"
    good.write_text(
        '{"id_str": "1", "created_at": "Wed Aug 27 13:08:45 +0000 2014", "text": "a", '
        '"user": {"id_str": "2", "screen_name": "b"}}\n',
        encoding="utf-8",
    )
    cases = [
        {"id": 0, "path": str(good)},
        {"id": 1, "path": str(tmp_path / "x.segv")},
        {"id": 2, "path": str(good)},  # the batch goes on after the worker died
        {"id": 3, "path": str(tmp_path / "x.raise")},
        {"id": 4, "path": str(tmp_path / "missing.jsonl")},
    ]
    results: dict[int, dict[str, object]] = {}
    fuzz._run_batch(cases, results)
    outcomes = {i: (r["outcome"], r.get("signature")) for i, r in results.items()}
    assert outcomes[0] == ("ok", None) and outcomes[2] == ("ok", None)
    assert outcomes[1] == ("crash", "died: signal 11")
    assert outcomes[3][0] == "crash" and str(outcomes[3][1]).startswith("KeyError")
    assert outcomes[4][0] == "error"
