"""Checkpoints as data, divergence caught, interruption kept: end to end, as a user runs them."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from minibatch.cli.train import run_training
from minibatch.runs.stops import Diverged
from minibatch.tooling.sweeps import read_scalars
from tests.conftest import REPO_ROOT, SEARCH_PATH, tiny

TINY = ["data=tiny", "trainer.enable_progress_bar=false", "trainer.enable_model_summary=false"]


def train_py(tmp_path: Path, *args: str, **options) -> list[str]:
    return [sys.executable, str(REPO_ROOT / "train.py"), SEARCH_PATH, f"paths.log_dir={tmp_path}",
            *args]  # fmt: skip


def net_weights(checkpoint: Path) -> torch.Tensor:
    state = torch.load(checkpoint, weights_only=True)["state_dict"]
    return torch.cat([v.flatten() for k, v in sorted(state.items()) if k.startswith("net.")])


# 3 epochs of 200 steps; the signal comes mid-way through the second, from inside the run.
RUN = [*TINY, "batch_size=10", "trainer.max_epochs=3"]
SIGNAL_AT = "+callbacks.signal_at._target_=tests.core.signal_at.SignalAt"


@pytest.fixture(scope="module")
def straight(tmp_path_factory) -> Path:
    """The run that no signal stopped: the folder of its one run."""
    root = tmp_path_factory.mktemp("straight")
    done = subprocess.run(train_py(root, *RUN), cwd=root, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    (run,) = (root / "train" / "runs").iterdir()
    return run


@pytest.mark.slow
@pytest.mark.parametrize(("name", "code"), [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_signal_saves_prints_the_resume_command_and_resumes_exactly(
    tmp_path, monkeypatch, straight, name, code
):
    """`kill` (SIGTERM), or a dropped ssh session (SIGHUP), after step 300."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # tiny tensors: no thread pool on a busy machine
    signal_at = [SIGNAL_AT, "+callbacks.signal_at.at=300", f"+callbacks.signal_at.signal={name}"]
    cut = subprocess.run(train_py(tmp_path, *RUN, *signal_at), cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)  # fmt: skip
    assert cut.returncode == code, cut.stderr
    assert f"interrupted ({name})" in cut.stderr
    runs = tmp_path / "train" / "runs"
    (run,) = runs.iterdir()
    interrupted = torch.load(run / "checkpoints" / "interrupted.ckpt", weights_only=True)
    assert 300 <= interrupted["global_step"] < 400, "stopped at the step boundary after 300"
    line = next(x for x in cut.stderr.splitlines() if "with: python" in x)
    command = shlex.split(line.split("with: ", 1)[1])
    assert command[-1] == f"ckpt_path={run / 'checkpoints' / 'interrupted.ckpt'}"
    resumed = subprocess.run([sys.executable, *command[1:]], cwd=tmp_path, capture_output=True,
                             text=True, timeout=300)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert "dirpath" not in resumed.stderr, "no 'checkpoint directory changed' warning"
    assert [p.name for p in runs.iterdir()] == [run.name], "one run, one folder"
    assert len(list((run / "tensorboard").glob("events.*"))) == 2, "one TensorBoard run, continued"
    last, reference = run / "checkpoints" / "last.ckpt", straight / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=True)["global_step"] == 3 * 200
    assert torch.allclose(net_weights(last), net_weights(reference), rtol=0, atol=1e-6)
    curves, expected = read_scalars(run), read_scalars(straight)
    for tag in ("train/loss", "train/loss_step"):  # the interrupted epoch's included
        assert curves[tag].steps == expected[tag].steps, tag
        assert curves[tag].values == pytest.approx(expected[tag].values, abs=1e-6), tag


@pytest.mark.slow
def test_ckpt_path_last_resumes_the_newest_run_of_the_task(tmp_path):
    first = subprocess.run(train_py(tmp_path, *TINY, "batch_size=500", "trainer.max_epochs=1"),
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert first.returncode == 0, first.stderr
    again = subprocess.run(train_py(tmp_path, *TINY, "batch_size=500", "trainer.max_epochs=3",
                                    "ckpt_path=last"), cwd=tmp_path, capture_output=True,
                           text=True, timeout=300)  # fmt: skip
    assert again.returncode == 0, again.stderr
    (run,) = (tmp_path / "train" / "runs").iterdir()
    assert torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)["global_step"] == 12


# Epochs of 20 steps (tiny: 2000 rows, batches of 100); from epoch 1 on, a learning rate of 1e12.
DIVERGE = ("optimizer=sgd", "optimizer.lr=0.05", "callbacks=[model_checkpoint,last_checkpoint]")
FROM_EPOCH_1 = ("+callbacks.diverge._target_=tests.core.diverge_at.LearningRateFrom",
                "+callbacks.diverge.epoch=1", "+callbacks.diverge.lr=1e12")  # fmt: skip


def test_divergence_stops_the_run_and_keeps_the_last_good_checkpoint(compose_config):
    """The run diverges in epoch 1, after epoch 0 finished: last.ckpt holds epoch 0's weights."""
    reference = compose_config(*tiny(*DIVERGE, "trainer.max_epochs=1"))
    run_training(reference)
    epoch_0 = net_weights(Path(reference.paths.output_dir) / "checkpoints" / "last.ckpt")
    cfg = compose_config(*tiny(*DIVERGE, *FROM_EPOCH_1, "trainer.max_epochs=5"))
    with pytest.raises(Diverged, match=r"in epoch 1, between steps 20 and \d+.*learning rate"):
        run_training(cfg)
    checkpoints = Path(cfg.paths.output_dir) / "checkpoints"
    assert sorted(p.name for p in checkpoints.glob("*")) == ["epoch_000.ckpt", "last.ckpt"]
    last = torch.load(checkpoints / "last.ckpt", weights_only=True)
    assert (last["epoch"], last["global_step"]) == (0, 20), "the last finished epoch"
    assert torch.equal(net_weights(checkpoints / "last.ckpt"), epoch_0), "its weights, exactly"
