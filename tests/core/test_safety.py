"""Checkpoints as data, divergence caught, interruption kept: end to end, as a user runs them."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from minibatch.errors import Diverged
from minibatch.sweeps import read_scalars
from minibatch.train import train
from tests.conftest import REPO_ROOT, SEARCH_PATH, tiny

TINY = ["data=tiny", "trainer.enable_progress_bar=false", "trainer.enable_model_summary=false"]


def train_py(tmp_path: Path, *args: str, **options) -> list[str]:
    return [sys.executable, str(REPO_ROOT / "train.py"), SEARCH_PATH, f"paths.log_dir={tmp_path}",
            *args]  # fmt: skip


def net_weights(checkpoint: Path) -> torch.Tensor:
    state = torch.load(checkpoint, weights_only=True)["state_dict"]
    return torch.cat([v.flatten() for k, v in sorted(state.items()) if k.startswith("net.")])


@pytest.mark.slow
def test_sigterm_saves_prints_the_resume_command_and_resumes_exactly(tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # tiny tensors: no thread pool on a busy machine
    args = [*TINY, "batch_size=10", "trainer.max_epochs=8"]
    proc = subprocess.Popen(train_py(tmp_path, *args, "task_name=cut"), cwd=tmp_path, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    runs = tmp_path / "cut" / "runs"
    deadline = time.monotonic() + 240
    while not list(runs.glob("*/checkpoints/last.ckpt")) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)  # into the next epoch
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143, stderr
    (run,) = runs.iterdir()
    assert (run / "checkpoints" / "interrupted.ckpt").is_file(), "saved at the signal"
    interrupted = torch.load(run / "checkpoints" / "interrupted.ckpt", weights_only=True)
    assert 0 < interrupted["global_step"] < 8 * 200
    # The newest checkpoint: the signal's, unless the signal came at the end of an epoch.
    boundary = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)
    newest = "interrupted" if interrupted["global_step"] > boundary["global_step"] else "last"
    line = next(x for x in stderr.splitlines() if "with: python" in x)
    command = shlex.split(line.split("with: ", 1)[1])
    assert command[-1] == f"ckpt_path={run / 'checkpoints' / f'{newest}.ckpt'}"
    resumed = subprocess.run([sys.executable, *command[1:]], cwd=tmp_path, capture_output=True,
                             text=True, timeout=300)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert "dirpath" not in resumed.stderr, "no 'checkpoint directory changed' warning"
    assert [p.name for p in runs.iterdir()] == [run.name], "one run, one folder"
    assert len(list((run / "tensorboard").glob("events.*"))) == 2, "one TensorBoard run, continued"
    straight = subprocess.run(train_py(tmp_path, *args, "task_name=straight"), cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
    assert straight.returncode == 0, straight.stderr
    (other,) = (tmp_path / "straight" / "runs").iterdir()
    last, reference = run / "checkpoints" / "last.ckpt", other / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=True)["global_step"] == 8 * 200
    assert torch.allclose(net_weights(last), net_weights(reference), rtol=0, atol=1e-6)
    curves, expected = read_scalars(run), read_scalars(other)
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


def test_divergence_stops_the_run_and_keeps_the_last_good_checkpoint(compose_config):
    cfg = compose_config(*tiny("optimizer=sgd", "optimizer.lr=1e12", "callbacks=default",
                               "trainer.max_epochs=5"))  # fmt: skip
    with pytest.raises(Diverged, match=r"epoch 0, between steps 0 and \d+.*learning rate"):
        train(cfg)
    last = Path(cfg.paths.output_dir) / "checkpoints" / "last.ckpt"
    assert not last.exists() or torch.isfinite(net_weights(last)).all()
