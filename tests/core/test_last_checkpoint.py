"""last.ckpt is the end of the last finished epoch, a finished run is not resumed into
nothing, and a checkpoint that cannot be written stops the run (in-process; the kills and
full disks of real processes are in test_checkpoint_faults.py, the writer itself in
test_atomic_checkpoints.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import lightning as L
import pytest
import torch
from omegaconf import open_dict

from minibatch.cli.train import run_training
from minibatch.errors import UserError
from minibatch.runs.resume import checkpoint_to_resume
from minibatch.runs.stops import Diverged, Interrupted
from tests.conftest import tiny

pytestmark = pytest.mark.usefixtures("one_thread")

# A linear model on the tiny regression with a step size so large that val/loss is at its
# best after epoch 0 and worse after epochs 1 and 2.
PLATEAU = ("callbacks=default", "model.hidden=[]", "optimizer=sgd", "optimizer.lr=0.8")
# lr 1e-5: val/loss still falls each epoch, by far less than min_delta: stopped after epoch 2.
EARLY = ("data.train_size=2000", "batch_size=500", "trainer.max_epochs=20", "optimizer.lr=1e-5",
         "callbacks=[default,early_stopping]", "callbacks.early_stopping.patience=2",
         "callbacks.early_stopping.min_delta=0.01")  # fmt: skip


def run_in(folder: Path, compose_config, *overrides: str):
    """Train with the run folder `folder`, under a `runs/` folder as train.py makes one."""
    cfg = compose_config(*tiny(*overrides))
    with open_dict(cfg):
        cfg.paths.output_dir = str(folder)
        cfg.paths.log_dir = str(folder.parents[2])
    return run_training(cfg)


def resume_config(compose_config, folder: Path, ckpt_path: str, *overrides: str):
    cfg = compose_config(*tiny(*overrides, f"ckpt_path={ckpt_path}"))
    with open_dict(cfg):
        cfg.paths.log_dir = str(folder.parents[2])
    return cfg


def epoch_of(checkpoint: Path) -> int:
    return torch.load(checkpoint, weights_only=True)["epoch"]


def test_last_ckpt_is_the_final_epoch_after_val_loss_stopped_improving(compose_config, tmp_path):
    folder = tmp_path / "train" / "runs" / "plateau"
    result = run_in(folder, compose_config, *PLATEAU)
    checkpoints = folder / "checkpoints"
    assert sorted(p.name for p in checkpoints.iterdir()) == ["epoch_000.ckpt", "last.ckpt"]
    assert epoch_of(checkpoints / "epoch_000.ckpt") == 0, "the best is epoch 0's"
    last = torch.load(checkpoints / "last.ckpt", weights_only=True)
    assert (last["epoch"], last["global_step"]) == (2, result.trainer.global_step)
    for name, value in result.model.state_dict().items():
        assert torch.equal(last["state_dict"][name], value), name
    assert last["stopped_early"] is False


class BlowUp(L.Callback):
    """Make the learning rate 1e12 times larger when epoch 2 starts: the loss diverges."""

    def on_train_epoch_start(self, trainer: L.Trainer, module) -> None:
        if trainer.current_epoch == 2:
            for group in trainer.optimizers[0].param_groups:
                group["lr"] *= 1e12


@pytest.mark.parametrize(
    ("fault", "stop"),
    [
        (f"+callbacks.fault._target_={__name__}.BlowUp", Diverged),
        ("+callbacks.fault._target_=tests.core.interrupted_runs.SignalAtStep", Interrupted),
    ],
    ids=["diverged", "sigterm"],
)
def test_a_run_stopped_in_epoch_2_keeps_last_ckpt_at_epoch_1(compose_config, tmp_path, fault, stop):
    folder = tmp_path / "train" / "runs" / "stopped"
    # SignalAtStep: SIGTERM after step 50, in epoch 2 (20 an epoch, each its own call).
    signal_at = ["+callbacks.fault.step=50", "steps_per_call=1"] if stop is Interrupted else []
    with pytest.raises(stop):
        run_in(folder, compose_config, *PLATEAU, "trainer.max_epochs=5", fault, *signal_at)
    assert epoch_of(folder / "checkpoints" / "epoch_000.ckpt") == 0, "the best is epoch 0's"
    last = torch.load(folder / "checkpoints" / "last.ckpt", weights_only=True)
    assert (last["epoch"], last["global_step"]) == (1, 40)
    assert all(torch.isfinite(value).all() for value in last["state_dict"].values())


def test_a_finished_run_is_refused_and_a_larger_max_epochs_continues_it(compose_config, tmp_path):
    folder = tmp_path / "train" / "runs" / "plateau"
    run_in(folder, compose_config, *PLATEAU)
    last = folder / "checkpoints" / "last.ckpt"
    for ckpt_path in (str(last), "last"):
        with pytest.raises(UserError, match=r"already trained 3 epoch\(s\).* run is finished"):
            checkpoint_to_resume(resume_config(compose_config, folder, ckpt_path, *PLATEAU))
    # Lightning stops at the first limit reached: steps to spare do not make epochs to train.
    more_steps = resume_config(compose_config, folder, "last", *PLATEAU, "trainer.max_steps=1000")
    with pytest.raises(UserError, match=r"already trained 3 epoch\(s\)"):
        checkpoint_to_resume(more_steps)
    cfg = resume_config(compose_config, folder, "last", *PLATEAU, "trainer.max_epochs=5")
    assert checkpoint_to_resume(cfg) == last
    with open_dict(cfg):
        cfg.paths.output_dir = str(folder)
    assert run_training(cfg).trainer.current_epoch == 5
    assert epoch_of(last) == 4


def test_an_early_stopped_run_is_finished_unless_resumed_without_early_stopping(
    compose_config, tmp_path
):
    folder = tmp_path / "train" / "runs" / "early"
    result = run_in(folder, compose_config, *EARLY)
    assert result.trainer.current_epoch == 3 < 20, "stopped after epoch 2"
    last = folder / "checkpoints" / "last.ckpt"
    saved = torch.load(last, weights_only=True)
    assert (saved["epoch"], saved["stopped_early"]) == (2, True)
    best = torch.load(folder / "checkpoints" / "epoch_002.ckpt", weights_only=True)
    assert best["stopped_early"] is True, "saved after early stopping decided, in the same hook"
    for ckpt_path in (str(last), "last"):
        with pytest.raises(UserError, match="early stopping finished after 3 epoch") as refused:
            checkpoint_to_resume(resume_config(compose_config, folder, ckpt_path, *EARLY))
        assert "~callbacks.early_stopping" in str(refused.value)
    cfg = resume_config(compose_config, folder, "last", *EARLY, "~callbacks.early_stopping",
                        "trainer.max_epochs=5")  # fmt: skip
    assert checkpoint_to_resume(cfg) == last
    with open_dict(cfg):
        cfg.paths.output_dir = str(folder)
    assert run_training(cfg).trainer.current_epoch == 5
    assert torch.load(last, weights_only=True)["stopped_early"] is False


class RemoveCheckpoints(L.Callback):
    """Remove the run's checkpoint folder when epoch 1 starts (as `rm -r` would)."""

    def on_train_epoch_start(self, trainer: L.Trainer, module) -> None:
        if trainer.current_epoch == 1:
            shutil.rmtree(Path(trainer.default_root_dir) / "checkpoints")


def test_a_checkpoint_folder_removed_during_the_run_stops_it_in_one_sentence(compose_config):
    remove = f"+callbacks.rm._target_={__name__}.RemoveCheckpoints"
    cfg = compose_config(*tiny("callbacks=default", remove))
    with pytest.raises(UserError) as stopped:  # WriteFailed: the run folder is kept, marked FAILED
        run_training(cfg)
    message = str(stopped.value)
    folder = Path(cfg.paths.output_dir) / "checkpoints"
    assert message.startswith(f"could not write the checkpoint {folder}/"), message
    assert "(No such file or directory): fix its folder, then " in message
    assert not folder.exists(), "not made again"
