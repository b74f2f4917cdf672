"""Sweeps through Hydra launchers: SLURM configs compose; submitit's local executor and
joblib run a 2-job sweep as real subprocesses, each job in its folder of one sweep; a
submitit job signalled for preemption is requeued and resumes where it stopped."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from minibatch.runs.project_paths import CONFIG_DIR
from minibatch.tooling.sweep_summary import KILLED
from minibatch.tooling.sweeps import read_scalars
from tests import needs
from tests.conftest import QUIET, REPO_ROOT, SEARCH_PATH

needs.extra("hydra_plugins.hydra_submitit_launcher", 'pip install -e ".[scale]"')
needs.extra("hydra_plugins.hydra_joblib_launcher", 'pip install -e ".[scale]"')

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
        assert len(list(job.glob("*_result.pkl"))) == 1, "the job ran and returned"
        assert "run directory" in "".join(p.read_text() for p in job.glob("*.err"))


@pytest.mark.slow
def test_joblib_runs_the_jobs_of_a_sweep_in_parallel_processes(tmp_path):
    folder, result = sweep(tmp_path, "parallel")
    assert "Joblib.Parallel(n_jobs=2" in result.stdout


@pytest.mark.slow
def test_a_preempted_submitit_job_is_requeued_and_resumes_where_it_stopped(tmp_path):
    """Two identical jobs; job 0 sends itself submitit's preemption signal (USR2) after step
    300, mid-way through its second epoch (tests/core/signal_at.py); job 1 never does."""
    command = [sys.executable, str(REPO_ROOT / "train.py"), "-m", SEARCH_PATH,
               "hydra/launcher=local", f"paths.log_dir={tmp_path}", "seed=3", "data=tiny",
               "batch_size=10", "trainer.max_epochs=3", "trainer.enable_progress_bar=false",
               "trainer.enable_model_summary=false",
               "+callbacks.signal_at._target_=tests.core.signal_at.SignalAt",
               "+callbacks.signal_at.signal=SIGUSR2",
               "+callbacks.signal_at.at=300,null"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    sweep = subprocess.run(command, cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=600)  # fmt: skip
    output = sweep.stdout
    assert sweep.returncode == 0, output[-3000:]
    (folder,) = (tmp_path / "train" / "multiruns").iterdir()
    jobs = sorted(p for p in folder.iterdir() if p.name[0].isdigit())
    assert [p.name[0] for p in jobs] == ["0", "1"], "one folder per job, the requeued one too"
    job = jobs[0]
    log = "".join(p.read_text() for p in (job.parent / ".submitit").glob("*/*_0_log.err"))
    assert "interrupted (SIGUSR2)" in log and "requeued" in log
    # Requeued with the newest checkpoint: the signal's. Hydra's record of the requeued
    # attempt is its own; the job's first one stays as it was.
    (attempt,) = (job / ".hydra" / "resumed").iterdir()
    resumed_from = OmegaConf.load(attempt / "overrides.yaml")[-1]
    assert not any(
        o.startswith("ckpt_path=") for o in OmegaConf.load(job / ".hydra" / "overrides.yaml")
    )
    assert resumed_from == f"ckpt_path={job / 'checkpoints' / 'interrupted.ckpt'}"
    assert len(list((job / "tensorboard").glob("events.*"))) == 2, "one TensorBoard run, continued"
    finals = [torch.load(p / "checkpoints" / "last.ckpt", weights_only=True) for p in jobs]
    assert finals[0]["global_step"] == finals[1]["global_step"] == 3 * 200
    for name, value in finals[1]["state_dict"].items():
        assert torch.allclose(finals[0]["state_dict"][name], value, rtol=0, atol=1e-6), name
    curves, expected = read_scalars(jobs[0]), read_scalars(jobs[1])
    assert curves["train/loss"].values == pytest.approx(expected["train/loss"].values, abs=1e-6)


@pytest.mark.slow
def test_a_killed_joblib_job_is_marked_failed_in_the_sweep_summary(tmp_path):
    """Job 0's process is killed (SIGKILL, as the out-of-memory killer does) after step 5."""
    command = [sys.executable, str(REPO_ROOT / "train.py"), "-m", SEARCH_PATH,
               "hydra/launcher=parallel", f"paths.log_dir={tmp_path}", *TINY,
               "+callbacks.signal_at._target_=tests.core.signal_at.SignalAt",
               "+callbacks.signal_at.signal=SIGKILL", "+callbacks.signal_at.at=5,null",
               "steps_per_call=1"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=400, cwd=tmp_path,
                            env=env)  # fmt: skip
    assert result.returncode != 0, result.stderr[-3000:]
    (folder,) = (tmp_path / "train" / "multiruns").iterdir()
    summary = OmegaConf.load(folder / "sweep_summary.yaml")
    assert [job.job for job in summary.jobs] == [0, 1], "every job listed"
    killed = summary.jobs[0]
    assert (killed.status, killed.error) == ("failed", KILLED)
    assert (folder / killed.folder / "FAILED").read_text().strip() == KILLED
    assert re.search(r"sweep: [01] finished, [12] failed", result.stderr), result.stderr[-3000:]
