"""The staged cache: keys, manifests, reuse, recomputation of exactly what changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.report.cache import (
    MANIFEST,
    StageContext,
    StageSpec,
    file_sha256,
    run_stages,
    stage_key,
)

# A toy pipeline: a -> b -> c, and a -> d. Each stage writes one file derived from its
# parameters and from its upstream's file, and counts its runs in ``calls``.


def _stage(name: str, calls: list[str]) -> Any:
    def run(ctx: StageContext) -> dict[str, Any]:
        calls.append(name)
        text = f"{name}:{ctx.params.get('value')}"
        for up in ctx.upstream.values():
            text += "|" + up.file(f"{up.name}.txt").read_text()
        ctx.path(f"{name}.txt").write_text(text)
        ctx.bar.advance()
        return {"text": text}

    return run


def _specs(calls: list[str]) -> list[StageSpec]:
    return [
        StageSpec("a", "A", _stage("a", calls)),
        StageSpec("b", "B", _stage("b", calls), ("a",)),
        StageSpec("c", "C", _stage("c", calls), ("b",)),
        StageSpec("d", "D", _stage("d", calls), ("a",)),
    ]


PARAMS = {"a": {"value": 1}, "b": {"value": 2}, "c": {"value": 3}, "d": {"value": 4}}


def test_second_run_with_nothing_changed_recomputes_nothing(tmp_path: Path) -> None:
    calls: list[str] = []
    first = run_stages(_specs(calls), tmp_path, params=PARAMS)
    assert calls == ["a", "b", "c", "d"]
    assert [r.status for r in first.values()] == ["run"] * 4
    manifests = {n: (tmp_path / n / MANIFEST).read_text() for n in "abcd"}
    calls.clear()
    second = run_stages(_specs(calls), tmp_path, params=PARAMS)
    assert calls == []
    assert [r.status for r in second.values()] == ["cached"] * 4
    assert {n: r.key for n, r in second.items()} == {n: r.key for n, r in first.items()}
    assert {n: (tmp_path / n / MANIFEST).read_text() for n in "abcd"} == manifests
    assert second["c"].summary == {"text": "c:3|b:2|a:1"}


def test_a_parameter_recomputes_its_stage_and_those_after_it_only(tmp_path: Path) -> None:
    calls: list[str] = []
    first = run_stages(_specs(calls), tmp_path, params=PARAMS)
    calls.clear()
    changed = {**PARAMS, "b": {"value": 20}}
    second = run_stages(_specs(calls), tmp_path, params=changed)
    assert calls == ["b", "c"]
    assert {n: r.status for n, r in second.items()} == {
        "a": "cached",
        "b": "run",
        "c": "run",
        "d": "cached",
    }
    assert second["c"].key != first["c"].key and second["d"].key == first["d"].key
    assert (tmp_path / "c" / "c.txt").read_text() == "c:3|b:20|a:1"
    calls.clear()
    run_stages(_specs(calls), tmp_path, params={**changed, "c": {"value": 30}})
    assert calls == ["c"]


def test_an_input_checksum_recomputes_the_stage_that_reads_it(tmp_path: Path) -> None:
    calls: list[str] = []
    run_stages(_specs(calls), tmp_path, params=PARAMS, inputs={"d": {"x.csv": "0" * 64}})
    calls.clear()
    run_stages(_specs(calls), tmp_path, params=PARAMS, inputs={"d": {"x.csv": "1" * 64}})
    assert calls == ["d"]


def test_a_changed_or_missing_output_is_recomputed(tmp_path: Path) -> None:
    calls: list[str] = []
    run_stages(_specs(calls), tmp_path, params=PARAMS)
    (tmp_path / "b" / "b.txt").write_text("b:2|a:X")  # same size, other bytes
    (tmp_path / "d" / "d.txt").unlink()
    calls.clear()
    records = run_stages(_specs(calls), tmp_path, params=PARAMS)
    # b and d run again; c keeps its key (b's key did not change) and stays cached
    assert calls == ["b", "d"]
    assert records["c"].status == "cached"
    assert (tmp_path / "b" / "b.txt").read_text() == "b:2|a:1"


def test_manifest_records_key_params_checksums_and_summary(tmp_path: Path) -> None:
    records = run_stages(_specs([]), tmp_path, params=PARAMS, inputs={"a": {"in.txt": "ab" * 32}})
    manifest = json.loads((tmp_path / "b" / MANIFEST).read_text())
    assert manifest["key"] == records["b"].key
    assert manifest["params"] == {"value": 2}
    assert manifest["upstream"] == {"a": records["a"].key}
    assert manifest["outputs"]["b.txt"]["sha256"] == file_sha256(tmp_path / "b" / "b.txt")
    assert manifest["summary"] == {"text": "b:2|a:1"}
    assert json.loads((tmp_path / "a" / MANIFEST).read_text())["inputs"] == {"in.txt": "ab" * 32}
    assert records["b"].key == stage_key("b", {"value": 2}, {}, {"a": records["a"].key})


def test_stage_key_depends_on_every_part() -> None:
    base = stage_key("s", {"p": 1}, {"f": "0"}, {"u": "k"}, version="1")
    assert base == stage_key("s", {"p": 1}, {"f": "0"}, {"u": "k"}, version="1")
    others = [
        stage_key("t", {"p": 1}, {"f": "0"}, {"u": "k"}, version="1"),
        stage_key("s", {"p": 2}, {"f": "0"}, {"u": "k"}, version="1"),
        stage_key("s", {"p": 1}, {"f": "1"}, {"u": "k"}, version="1"),
        stage_key("s", {"p": 1}, {"f": "0"}, {"u": "l"}, version="1"),
        stage_key("s", {"p": 1}, {"f": "0"}, {"u": "k"}, version="2"),
    ]
    assert len({base, *others}) == 6
    with pytest.raises(ConfigError):
        stage_key("s", {"p": object()}, {}, {})


def test_a_failing_stage_is_reported_and_its_dependents_skipped(tmp_path: Path) -> None:
    calls: list[str] = []

    def broken(ctx: StageContext) -> dict[str, Any]:
        ctx.path("half.txt").write_text("x")
        raise InputError("no posts of both classes", field="labels")

    run_stages(_specs(calls), tmp_path, params={**PARAMS, "b": {"value": 9}})
    assert (tmp_path / "c" / "c.txt").exists()
    calls.clear()
    specs = _specs(calls)
    specs[1] = StageSpec("b", "B", broken, ("a",))
    records = run_stages(specs, tmp_path, params=PARAMS)
    assert records["b"].status == "failed"
    assert not (tmp_path / "c").exists()  # no stale outputs of the earlier run
    assert "no posts of both classes" in (records["b"].reason or "")
    assert records["c"].status == "skipped" and "failed" in (records["c"].reason or "")
    assert records["d"].status == "cached"
    assert not (tmp_path / "b").exists()
    assert not any(p.name.startswith(".b.tmp") for p in tmp_path.iterdir())
    # a failure is not cached: the next run tries again
    calls.clear()
    again = run_stages(_specs(calls), tmp_path, params=PARAMS)
    assert calls == ["b", "c"] and again["b"].status == "run"


def test_a_fatal_stage_stops_the_run(tmp_path: Path) -> None:
    def broken(ctx: StageContext) -> dict[str, Any]:
        raise InputError("missing input")

    specs = [StageSpec("a", "A", broken, fatal=True), *_specs([])[1:]]
    with pytest.raises(InputError, match="missing input"):
        run_stages(specs, tmp_path, params=PARAMS)


def test_an_interrupted_stage_keeps_the_previous_outputs(tmp_path: Path) -> None:
    calls: list[str] = []
    run_stages(_specs(calls), tmp_path, params=PARAMS)
    before = (tmp_path / "b" / MANIFEST).read_text()

    def interrupted(ctx: StageContext) -> dict[str, Any]:
        ctx.path("b.txt").write_text("partial")
        raise KeyboardInterrupt

    specs = _specs(calls)
    specs[1] = StageSpec("b", "B", interrupted, ("a",))
    with pytest.raises(KeyboardInterrupt):
        run_stages(specs, tmp_path, params={**PARAMS, "b": {"value": 5}})
    assert (tmp_path / "b" / MANIFEST).read_text() == before
    assert (tmp_path / "b" / "b.txt").read_text() == "b:2|a:1"
    assert not any(p.name.startswith(".b.tmp") for p in tmp_path.iterdir())


def test_skip_and_force(tmp_path: Path) -> None:
    calls: list[str] = []
    records = run_stages(_specs(calls), tmp_path, params=PARAMS, skip={"b": "no [labels]"})
    assert calls == ["a", "d"]
    assert records["b"].status == "skipped" and records["b"].reason == "no [labels]"
    assert records["c"].status == "skipped" and "was skipped" in (records["c"].reason or "")
    calls.clear()
    run_stages(_specs(calls), tmp_path, params=PARAMS, force=["d"])
    assert calls == ["b", "c", "d"]  # b, c were never computed; d forced
    calls.clear()
    run_stages(_specs(calls), tmp_path, params=PARAMS, force=True)
    assert calls == ["a", "b", "c", "d"]


def test_a_stage_must_come_after_what_it_requires(tmp_path: Path) -> None:
    specs = [StageSpec("b", "B", _stage("b", []), ("a",)), StageSpec("a", "A", _stage("a", []))]
    with pytest.raises(ConfigError, match="requires"):
        run_stages(specs, tmp_path, params=PARAMS)
