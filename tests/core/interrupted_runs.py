"""Runs interrupted at a known step, for the resume tests (test_resume.py, test_streaming.py).

`SignalAtStep` sends its own process a real signal after a given optimizer step, so a test
stops a run at a known point (mid-epoch, inside a group of steps) through the same signal
handlers a `kill` goes through, instead of racing a timer. The runs are composed and
trained in-process, on dropout (the random state must resume too).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import lightning as L
import pytest
import torch
from omegaconf import open_dict

from minibatch.cli.train import run_training as cli_run
from minibatch.runs.stops import Interrupted
from minibatch.speed.grouped_steps import GroupedStepsModule
from minibatch.train import RunResult
from tests.conftest import compose_train

RUN = ("batch_size=10", "trainer.max_epochs=2", "model.dropout=0.3", "callbacks=default",
       "trainer.enable_progress_bar=false", "trainer.enable_model_summary=false")  # fmt: skip
# 1,000 examples: 100 mini-batches an epoch (grouped, the default: calls of 64 and 36).
TINY = ("data=tiny", "data.train_size=1000")


class SignalAtStep(L.Callback):
    """Send `signal_name` (SIGTERM, SIGINT, SIGUSR2...) to this process after `step` steps."""

    def __init__(self, step: int, signal_name: str = "SIGTERM") -> None:
        self.step, self.signum = step, getattr(signal, signal_name)
        self.sent = False

    def on_train_minibatch_end(self, trainer: L.Trainer, module, loss, batch) -> None:
        if trainer.global_step == self.step and not self.sent:
            self.sent = True
            os.kill(os.getpid(), self.signum)


class SignalInValidation(L.Callback):
    """Send SIGTERM to this process at validation batch `batch` of the first validation
    after `step` steps (the sanity check's excepted)."""

    def __init__(self, step: int, batch: int) -> None:
        self.step, self.batch, self.sent = step, batch, False

    def on_validation_batch_end(self, trainer: L.Trainer, module, outputs, batch, index) -> None:
        if trainer.sanity_checking or self.sent or trainer.global_step < self.step:
            return
        if index == self.batch:
            self.sent = True
            os.kill(os.getpid(), signal.SIGTERM)


def run(folder: Path, *overrides: str) -> RunResult:
    """Train in `folder` (on TINY unless `data=` is given)."""
    data = () if any(o.startswith("data=") for o in overrides) else TINY
    cfg = compose_train(*RUN, *data, *overrides)
    with open_dict(cfg):
        cfg.paths.output_dir = str(folder)
    return cli_run(cfg)


def interrupted(
    folder: Path, step: int, *overrides: str, validation_batch: int | None = None
) -> Interrupted:
    """Train in `folder` until a SIGTERM after `step` steps stops the run (sent at that
    validation batch of the next validation, if `validation_batch` is given)."""
    signal_at = (f"+callbacks.signal._target_={__name__}.SignalAtStep",
                 f"+callbacks.signal.step={step}")  # fmt: skip
    if validation_batch is not None:
        signal_at = (f"+callbacks.signal._target_={__name__}.SignalInValidation",
                     f"+callbacks.signal.step={step}",
                     f"+callbacks.signal.batch={validation_batch}")  # fmt: skip
    with pytest.raises(Interrupted) as stop:
        run(folder, *signal_at, *overrides)
    return stop.value


def weights(result: RunResult) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in result.model.net.parameters()])


class SignalsInItsValidation(GroupedStepsModule):
    """The template's module, sending SIGTERM from its own `on_validation_batch_end` at batch
    `signal_batch` of the first validation after `signal_step` steps: after every callback's
    hook, the last moment before Lightning checks for a signal."""

    def __init__(self, *args, signal_step: int, signal_batch: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.signal_step, self.signal_batch, self.sent = signal_step, signal_batch, False

    def on_validation_batch_end(self, outputs, batch, batch_idx: int, dataloader_idx=0) -> None:
        trainer = self.trainer
        if trainer.sanity_checking or self.sent or trainer.global_step < self.signal_step:
            return
        if batch_idx == self.signal_batch:
            self.sent = True
            os.kill(os.getpid(), signal.SIGTERM)
