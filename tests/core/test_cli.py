"""`python train.py` as a user runs it: exit codes, run folders, TensorBoard events, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tests.conftest import REPO_ROOT, SEARCH_PATH

pytestmark = pytest.mark.slow

TINY = ["data=tiny", "batch_size=500", "trainer.max_epochs=1"]


def run_train(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "train.py"),
            SEARCH_PATH,
            f"paths.log_dir={tmp_path}",
            *args,
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )


def run_dirs(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "train" / "runs").iterdir())


def test_train_py_writes_a_run_folder_with_tensorboard_scalars_and_hparams(tmp_path):
    result = run_train(tmp_path, *TINY)
    assert result.returncode == 0, result.stderr
    (run,) = run_dirs(tmp_path)
    assert result.stderr.count(f"run directory: {run}") == 2, "printed at start and at end"
    assert (run / ".hydra" / "config.yaml").is_file()
    assert (run / "checkpoints" / "last.ckpt").is_file()
    assert len(list((run / "checkpoints").glob("epoch_*.ckpt"))) == 1, "the best checkpoint"
    events = EventAccumulator(str(run / "tensorboard"))
    events.Reload()
    scalars = events.Tags()["scalars"]
    assert {"train/loss", "val/loss", "val/mae", "val/loss_best"} <= set(scalars)
    assert events.Scalars("val/loss")[0].value > 0
    assert "_hparams_/session_start_info" in events.PluginTagToContent("hparams")


@pytest.mark.parametrize("bad", ["0", "-3", "abc", "2.5"])
def test_bad_batch_size_is_one_sentence_and_exit_2(tmp_path, bad):
    result = run_train(tmp_path, "data=tiny", f"batch_size={bad}")
    assert result.returncode == 2
    assert "batch_size must be a positive integer" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_option_lists_the_valid_ones(tmp_path):
    result = run_train(tmp_path, "data=nosuchdata")
    assert result.returncode == 1
    assert "Could not find 'data/nosuchdata'" in result.stderr
    assert "csv" in result.stderr, "Hydra lists the available options"
    assert "Traceback" not in result.stderr


def test_unknown_key_is_refused(tmp_path):
    result = run_train(tmp_path, "batch_sise=50")
    assert result.returncode == 1
    assert "batch_sise" in result.stderr and "Traceback" not in result.stderr


def test_ddp_with_hydra_one_run_folder_and_sharded_epochs(tmp_path):
    result = run_train(tmp_path, "trainer=ddp", "trainer.accelerator=cpu", "trainer.devices=2",
                       "data=tiny", "data.train_size=4000", "data.valid_size=1000",
                       "batch_size=500", "trainer.max_epochs=2")  # fmt: skip
    assert result.returncode == 0, result.stderr
    (run,) = run_dirs(tmp_path)  # the second process joined rank 0's folder
    checkpoint = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)
    assert checkpoint["global_step"] == 2 * 4, "each rank takes 4000 / 2 / 500 = 4 steps an epoch"
    events = EventAccumulator(str(run / "tensorboard"))
    events.Reload()
    assert len(events.Scalars("val/loss")) == 2
