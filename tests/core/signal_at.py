"""A real signal at a known point of a run, added from the command line, so no test races a timer.

    python train.py ... +callbacks.signal_at._target_=tests.core.signal_at.SignalAt \
        +callbacks.signal_at.at=300 +callbacks.signal_at.signal=SIGHUP

The run sends the signal to its own process (`os.kill`), so it goes through the same
handlers as a `kill` from outside, at a point a test names: after an optimizer step, or
before training (when the callbacks are built, at Lightning's `setup`, at the sanity check),
or at the end of training. `HangUpAt` instead waits, at a step, for its terminal to close.
"""

from __future__ import annotations

import os
import signal
import time

import lightning as L

BEFORE_TRAINING = ("built", "setup", "sanity_check")
AFTER_TRAINING = "train_end"
HANG_UP_NOW = "hang up now"


class SignalAt(L.Callback):
    """Send `signal` to this process `at` a step (after that many optimizer steps), at one of
    BEFORE_TRAINING or at AFTER_TRAINING; `at=null` never sends it (a sweep's reference job)."""

    def __init__(self, at: int | str | None, signal: str = "SIGTERM") -> None:
        points = (*BEFORE_TRAINING, AFTER_TRAINING)
        if at is not None and not isinstance(at, int) and at not in points:
            raise ValueError(f"at={at!r}: give a step or one of {', '.join(points)}")
        self.at, self.signal_name, self.sent = at, signal, False
        self.send_if("built")

    def send_if(self, point: int | str) -> None:
        if point == self.at and not self.sent:
            self.sent = True
            os.kill(os.getpid(), getattr(signal, self.signal_name))

    def setup(self, trainer: L.Trainer, module: L.LightningModule, stage: str) -> None:
        self.send_if("setup")

    def on_sanity_check_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self.send_if("sanity_check")

    def on_train_minibatch_end(self, trainer: L.Trainer, module, loss, batch) -> None:
        """After every optimizer step, grouped or not (task_module.py)."""
        self.send_if(trainer.global_step)

    def on_train_batch_end(self, trainer: L.Trainer, module, outputs, batch, index) -> None:
        """After a step of a LightningModule of your own (the template's module: above)."""
        self.send_if(trainer.global_step)

    def on_train_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self.send_if(AFTER_TRAINING)


class HangUpAt(L.Callback):
    """After step `at`, print HANG_UP_NOW and wait until the run has heard its terminal hang
    up (SIGHUP: the test closes the terminal, and every later write to it fails)."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_train_minibatch_end(self, trainer: L.Trainer, module, loss, batch) -> None:
        if trainer.global_step != self.at:
            return
        print(HANG_UP_NOW, flush=True)
        deadline = time.monotonic() + 120
        while not trainer.received_sigterm:  # what the run's SIGHUP handler sets
            if time.monotonic() > deadline:
                raise TimeoutError("the terminal was not closed")
            time.sleep(0.01)
