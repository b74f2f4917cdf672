"""Interruption keeps the work: SIGTERM (a cluster's preemption, `kill`) and Ctrl-C.

Lightning already turns SIGTERM into an exception at the next step boundary. Ctrl-C is
made to do the same (a second Ctrl-C still stops at once), so the weights are never caught
half-updated. At that boundary this callback saves `checkpoints/interrupted.ckpt`; `train.py`
then prints the command that resumes from it and exits 143 (SIGTERM) or 130 (Ctrl-C),
as a shell does for a process ended by the signal.
"""

from __future__ import annotations

import signal
from pathlib import Path

import lightning as L
from lightning.pytorch.utilities.exceptions import SIGTERMException

from minibatch.errors import Interrupted


class SaveOnInterrupt(L.Callback):
    """Save a checkpoint where a signal stopped training (see the module docstring)."""

    def __init__(self, dirpath: Path) -> None:
        self.dirpath = Path(dirpath)
        self.signum: int | None = None
        self.interrupted: Interrupted | None = None
        self._previous_sigint = None

    def on_fit_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self.signum = signal.SIGTERM
        try:
            self._previous_sigint = signal.signal(signal.SIGINT, self._on_sigint)
        except ValueError:  # not the main thread: Ctrl-C keeps Lightning's behaviour
            self._previous_sigint = None
        self._trainer = trainer

    def _on_sigint(self, signum: int, frame) -> None:
        """First Ctrl-C: stop at the next step boundary, as SIGTERM does; second: at once."""
        self.signum = signal.SIGINT
        self._trainer._signal_connector.received_sigterm = True  # what SIGTERM sets
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def on_fit_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self._restore_sigint()

    def _restore_sigint(self) -> None:
        if self._previous_sigint is not None:
            signal.signal(signal.SIGINT, self._previous_sigint)
            self._previous_sigint = None

    def on_exception(self, trainer: L.Trainer, module, exception: BaseException) -> None:
        self._restore_sigint()
        if isinstance(exception, KeyboardInterrupt):
            self.signum = signal.SIGINT
        elif not isinstance(exception, SIGTERMException):
            return
        checkpoint = None
        if trainer.global_step > 0 and getattr(module, "net", None) is not None:
            checkpoint = self.dirpath / "interrupted.ckpt"
            trainer.save_checkpoint(checkpoint, weights_only=False)  # the full state
        self.interrupted = Interrupted(self.signum, checkpoint, trainer.current_epoch,
                                       trainer.global_step)  # fmt: skip
