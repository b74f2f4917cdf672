"""Sweeps through Hydra launchers: SLURM configs compose; submitit's local executor and
joblib run a 2-job sweep as real subprocesses, each job in its folder of one sweep."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from minibatch.train import CONFIG_DIR
from tests.conftest import QUIET, REPO_ROOT, SEARCH_PATH

pytest.importorskip("hydra_plugins.hydra_submitit_launcher", reason='pip install -e ".[scale]"')
pytest.importorskip("hydra_plugins.hydra_joblib_launcher", reason='pip install -e ".[scale]"')

TINY = ["data=tiny", "data.train_size=2000", "trainer.max_epochs=1", *QUIET]


def test_slurm_launcher_takes_nodes_and_gpus_from_the_trainer():
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        overrides = [SEARCH_PATH, "data=tiny", "hydra/launcher=slurm", "trainer=ddp",
                     "hydra.launcher.partition=gpu", "trainer.devices=4",
                     "trainer.num_nodes=2"]  # fmt: skip
        cfg = compose("train", overrides=overrides, return_hydra_config=True)
    launcher = OmegaConf.to_container(cfg.hydra.launcher, resolve=True)
    assert launcher["_target_"].endswith("SlurmLauncher")
    assert (launcher["partition"], launcher["nodes"], launcher["gpus_per_node"]) == ("gpu", 2, 4)
    assert launcher["tasks_per_node"] == 4, "one task per GPU: SLURM starts the ranks"
    assert (launcher["timeout_min"], launcher["max_num_timeout"]) == (60, 3)
    assert cfg.trainer.num_nodes == 2


def sweep(tmp_path, launcher: str):
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "train.py"), "-m", SEARCH_PATH,
         f"hydra/launcher={launcher}", f"paths.log_dir={tmp_path}", "batch_size=500,1000",
         *TINY, "callbacks=default", "trainer.enable_model_summary=false"],
        capture_output=True, text=True, timeout=400, cwd=tmp_path,
        # Job processes start from submitit's or joblib's entry, not train.py: the test
        # data module (tests.core.tiny_data) must be importable from the repository root.
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (folder,) = (tmp_path / "train" / "multiruns").iterdir()
    jobs = {p.name.split("_", 1)[0]: p for p in folder.iterdir() if p.name[0].isdigit()}
    for job, batch_size in (("0", 500), ("1", 1000)):
        checkpoint = torch.load(jobs[job] / "checkpoints" / "last.ckpt", weights_only=True)
        assert checkpoint["global_step"] == 2000 // batch_size, "each job its own batch size"
    return folder, result


@pytest.mark.slow
def test_submitit_local_runs_each_job_in_its_own_process(tmp_path):
    folder, result = sweep(tmp_path, "local")
    jobs = [j for j in (folder / ".submitit").iterdir() if j.name.isdigit()]  # job = pid
    assert len(jobs) == 2, "submitit started two jobs"
    for job in jobs:
        assert list(job.glob("*_result.pkl")), "the job ran and returned"
        assert "run directory" in "".join(p.read_text() for p in job.glob("*.err"))


@pytest.mark.slow
def test_joblib_runs_the_jobs_of_a_sweep_in_parallel_processes(tmp_path):
    folder, result = sweep(tmp_path, "parallel")
    assert "Joblib.Parallel(n_jobs=2" in result.stdout
