"""Slurm's variables -> torch.distributed's, as ``--launcher slurm`` reads them without a GPU."""

from __future__ import annotations

import pytest

from dareg.engine.model_wrappers import first_slurm_host, slurm_environment


@pytest.mark.parametrize(
    ("node_list", "host"),
    [
        ("localhost", "localhost"),
        ("node7", "node7"),
        ("gpu[07-09,12],cpu3", "gpu07"),
        ("gpu[12,07-09]", "gpu12"),
        ("cpu3,gpu[07-09]", "cpu3"),
        ("rack1-n[001-004]-ib", "rack1-n001-ib"),
    ],
)
def test_first_slurm_host(node_list, host):
    assert first_slurm_host(node_list) == host


def test_slurm_environment_maps_the_variables(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no scontrol: the node list is parsed
    env = dict(SLURM_PROCID="5", SLURM_NTASKS="8", SLURM_LOCALID="1", SLURM_NODELIST="n[03-04]")
    assert slurm_environment(env) == dict(
        RANK="5", WORLD_SIZE="8", LOCAL_RANK="1", MASTER_ADDR="n03", MASTER_PORT="29500"
    )
    kept = slurm_environment(dict(env, MASTER_ADDR="10.0.0.1", MASTER_PORT="1234"))
    assert (kept["MASTER_ADDR"], kept["MASTER_PORT"]) == ("10.0.0.1", "1234")


def test_slurm_environment_outside_srun_says_how_to_start():
    with pytest.raises(RuntimeError, match=r"\['SLURM_NTASKS', 'SLURM_NODELIST'\], which srun sets"):
        slurm_environment(dict(SLURM_PROCID="0"))
