"""The ``[cluster]`` section of the event TOML and the SLURM job script it makes."""

from __future__ import annotations

import pytest

from crowdpulse.engine import ClusterConfig, LocalEngine, cluster_config, open_engine
from crowdpulse.event import load_event
from crowdpulse.exceptions import ConfigError, InputError

SLURM = """
name = "Irma"
affected_countries = ["US"]

[cluster]
kind = "slurm"
jobs = 4
queue = "normal"
account = "proj123"
cores = 8
processes = 2
memory = "32GB"
walltime = "02:00:00"
job_extra_directives = ["--exclusive"]
"""


def test_cluster_section_is_read_and_the_event_still_loads(tmp_path) -> None:
    path = tmp_path / "event.toml"
    path.write_text(SLURM, encoding="utf-8")
    assert load_event(path).name == "Irma"  # [cluster] is a known section
    config = cluster_config(path)
    assert config == ClusterConfig(
        kind="slurm",
        jobs=4,
        options={
            "queue": "normal",
            "account": "proj123",
            "cores": 8,
            "processes": 2,
            "memory": "32GB",
            "walltime": "02:00:00",
            "job_extra_directives": ["--exclusive"],
        },
    )


def test_slurm_job_script(tmp_path) -> None:
    pytest.importorskip("dask_jobqueue", reason="dask-jobqueue is not installed (extra 'dask')")
    path = tmp_path / "event.toml"
    path.write_text(SLURM, encoding="utf-8")
    config = cluster_config(path)
    assert config is not None
    script = config.job_script("tcp://10.0.0.5:8786")
    lines = script.splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    for directive in (
        "#SBATCH -p normal",
        "#SBATCH -A proj123",
        "#SBATCH --cpus-per-task=8",
        "#SBATCH -t 02:00:00",
        "#SBATCH --exclusive",
    ):
        assert directive in lines
    assert any(line.startswith("#SBATCH --mem=") for line in lines)
    worker = next(line for line in lines if "distributed.cli.dask_worker" in line)
    assert "tcp://10.0.0.5:8786" in worker
    assert "--nworkers 2" in worker and "--nthreads 4" in worker


def test_no_section_and_bad_sections(tmp_path) -> None:
    assert cluster_config(None) is None
    assert cluster_config({"name": "x"}) is None
    with pytest.raises(ConfigError, match="unknown field") as exc:
        cluster_config({"cluster": {"kind": "slurm", "cores": 1, "memory": "1GB", "nodes": 2}})
    assert exc.value.field == "cluster.nodes"
    with pytest.raises(ConfigError) as exc:
        cluster_config({"cluster": {"kind": "k8s"}})
    assert exc.value.field == "cluster.kind"
    with pytest.raises(ConfigError) as exc:
        cluster_config({"cluster": {"kind": "slurm", "cores": 8}})
    assert exc.value.field == "cluster.memory"
    with pytest.raises(ConfigError) as exc:
        cluster_config({"cluster": {"kind": "scheduler"}})
    assert exc.value.field == "cluster.address"
    with pytest.raises(ConfigError) as exc:
        cluster_config({"cluster": {"jobs": 0}})
    assert exc.value.field == "cluster.jobs"
    with pytest.raises(InputError):
        cluster_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError):
        ClusterConfig(kind="local").job_script()


def test_default_engine_needs_no_dask(monkeypatch) -> None:
    monkeypatch.delenv("CROWDPULSE_SCHEDULER", raising=False)
    with open_engine(0, None, None) as engine:
        assert isinstance(engine, LocalEngine)
        assert list(engine.map(lambda job, part: (job, tuple(part)), [(0,), (1,)], "j")) == [
            ("j", (0,)),
            ("j", (1,)),
        ]
    with pytest.raises(ConfigError), open_engine(-1):
        pass
