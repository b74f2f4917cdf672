"""A DDP sweep: one sweep folder, each job run once by its two ranks, all in its folder."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from minibatch.tooling.hydra_ddp import config_options, job_overrides
from tests.conftest import REPO_ROOT, SEARCH_PATH

DDP = ["trainer=ddp", "trainer.accelerator=cpu", "trainer.devices=2"]


def test_extra_ranks_keep_config_options_but_not_the_sweep():
    argv = ["-m", "--config-name", "train", "-cp=conf", "batch_size=1,2"]
    assert config_options(argv) == ["--config-name", "train", "-cp=conf"]
    kept = job_overrides(["hydra.mode=MULTIRUN", "hydra/launcher=joblib", SEARCH_PATH,
                          "hydra.sweep.dir=x"], ["batch_size=1"])  # fmt: skip
    assert kept == [SEARCH_PATH, "batch_size=1"]


@pytest.mark.slow
def test_ddp_sweep_runs_each_job_once_in_one_sweep_folder(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "train.py"), "-m", SEARCH_PATH,
         f"paths.log_dir={tmp_path}", "data=tiny", "data.train_size=2000",
         "batch_size=500,1000", "trainer.max_epochs=1", "logger=csv",
         "trainer.enable_progress_bar=false", "trainer.enable_model_summary=false", *DDP],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Launching 2 jobs") == 1, "rank 1 must not relaunch the sweep"
    (sweep,) = (tmp_path / "train" / "multiruns").iterdir()
    # A job's folder is <number>_<run name> (src/minibatch/display/run_name.py).
    jobs = {p.name.split("_", 1)[0]: p for p in sweep.iterdir() if p.is_dir()}
    assert sorted(jobs) == ["0", "1"]
    for job, batch_size in (("0", 500), ("1", 1000)):
        folder = jobs[job]
        assert (folder / "train.log").is_file() and (folder / "train_rank_1.log").is_file()
        checkpoint = torch.load(folder / "checkpoints" / "last.ckpt", weights_only=True)
        # Two ranks share each epoch: 2000 rows / 2 ranks / batch size steps.
        assert checkpoint["global_step"] == 2000 // 2 // batch_size
        assert result.stderr.count(f"run directory: {folder}") == 2, "rank 0 alone prints it"
    assert not (tmp_path / "train" / "runs").exists(), "no rank wrote a folder of its own"
