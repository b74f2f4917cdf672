"""SIGTERM, SIGHUP, Ctrl-C and a cluster's preemption stop at the next step boundary and save.

The checkpoint (`interrupted.ckpt`) holds the loaders' position, so the run resumes mid-epoch;
a signal during validation waits for its end, as Lightning cannot continue one stopped inside.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import lightning as L
from lightning.pytorch.utilities.combined_loader import CombinedLoader
from lightning.pytorch.utilities.exceptions import SIGTERMException

from minibatch.adapters.private_api import request_stop
from minibatch.runs.resume import limit_reached
from minibatch.runs.stop_signals import (
    NOTHING_TRAINED,
    TRAINING_DONE,
    is_free,
    let_go_of_a_closed_terminal,
    stop_at_once,
)
from minibatch.runs.stops import Interrupted


def preemption_signal() -> signal.Signals | None:
    """The signal submitit sends a job before preempting it or at its time limit."""
    return getattr(signal, "SIG" + os.environ.get("SUBMITIT_PREEMPT_SIGNAL", "USR2"), None)


def loaders_resume_mid_epoch(loaders: object) -> bool:
    """Whether every training loader keeps its position in checkpoints (Lightning's
    `_Stateful`: `state_dict` and `load_state_dict`), so that the epoch can continue."""
    flat = CombinedLoader(loaders).flattened
    return all(hasattr(x, "state_dict") and hasattr(x, "load_state_dict") for x in flat)


def epoch_has_batches_left(trainer: L.Trainer) -> bool:
    """Whether the current epoch still has training batches to run (not at its end)."""
    done = trainer.fit_loop.epoch_loop.batch_progress.current.completed
    return done < trainer.num_training_batches


def training_finished(trainer: L.Trainer) -> bool:
    """Whether fitting had nothing left to do: `max_steps` taken, or the last epoch ended
    (Lightning checks a signal once more after an epoch's end, the last one's too)."""
    loop = trainer.fit_loop
    epochs = loop.epoch_progress.current.completed
    return limit_reached(trainer.global_step, epochs, loop.max_steps, loop.max_epochs) is not None


class SaveOnInterrupt(L.Callback):
    """Save a checkpoint where a signal stopped training (see the module docstring)."""

    def __init__(self, dirpath: Path) -> None:
        self.dirpath = Path(dirpath)
        self.signum: int = signal.SIGTERM  # Lightning's own stop, unless ours says otherwise
        self.requeue = None  # submitit's handler of the preemption signal, deferred
        self.interrupted: Interrupted | None = None
        self._resumes_exactly = True
        self._stop_after_validation = False
        self._phase = "before"  # training, after: see _on_stop_signal
        self._preemption: int | None = None
        self._previous: dict = {}
        self.trainer: L.Trainer | None = None

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        """While fitting, SIGTERM, SIGHUP, Ctrl-C and submitit's preemption signal stop at the
        next step once training runs; before it starts or after it ends, at once."""
        self.trainer, self._previous = trainer, {}
        if stage != "fit":
            return
        self._phase, self._owner = "before", os.getpid()
        preemption = preemption_signal()
        try:
            for signum in (signal.SIGTERM, signal.SIGHUP):
                if is_free(signum):  # else nohup's or submitit's handler, kept
                    self._previous[signum] = signal.signal(signum, self._on_stop_signal)
            self._previous[signal.SIGINT] = signal.signal(signal.SIGINT, self._on_stop_signal)
            submitit_handler = signal.getsignal(preemption) if preemption else None
            if callable(submitit_handler):  # a submitit job; else the signal keeps its default
                self._submitit_handler = submitit_handler
                self._preemption = preemption
                self._previous[preemption] = signal.signal(preemption, self._on_stop_signal)
        except ValueError:  # not the main thread: the signals keep their handlers
            pass

    def teardown(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        """After Lightning's own teardown, which put back the handlers it found (ours)."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def on_train_start(self, trainer: L.Trainer, module) -> None:
        self._phase = "training"  # from here a signal stops at the next step boundary

    def on_train_end(self, trainer: L.Trainer, module) -> None:
        self._phase = "after"
        if trainer.received_sigterm:  # came after Lightning's last check: nothing to stop
            stop_at_once(self.signum, TRAINING_DONE)

    def _on_stop_signal(self, signum: int, frame) -> None:
        """During training: stop at the next step boundary, as Lightning does for SIGTERM
        (it called its own handler first); a second Ctrl-C stops at once; submitit requeues
        the job once the checkpoint is saved. Before or after training: at once. A forked
        DataLoader worker leaves it to the training process."""
        if os.getpid() != self._owner:
            return
        preempted = signum == self._preemption
        if self._phase == "before" and preempted:
            self._submitit_handler(signum, frame)  # nothing to save: submitit requeues now
            return
        if signum == signal.SIGHUP:
            let_go_of_a_closed_terminal()
        if self._phase != "training":
            stop_at_once(signum, NOTHING_TRAINED if self._phase == "before" else TRAINING_DONE)
        self.signum = signum
        if self.trainer.validating:  # held until the validation ends (Lightning's flag too)
            request_stop(self.trainer, False)
            self._stop_after_validation = True
        else:
            request_stop(self.trainer, True)  # what SIGTERM sets
        if signum == signal.SIGINT:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        if preempted:
            handler = self._submitit_handler
            self.requeue = lambda: handler(signum, None)

    def on_validation_batch_end(self, trainer: L.Trainer, *args) -> None:
        """Hold a signal that came during validation until the validation ends."""
        if trainer.received_sigterm and not trainer.sanity_checking:
            request_stop(trainer, False)
            self._stop_after_validation = True

    def on_validation_end(self, trainer: L.Trainer, module) -> None:
        if self._stop_after_validation:
            self._stop_after_validation = False
            request_stop(trainer, True)  # Lightning stops at the next check

    def on_save_checkpoint(self, trainer: L.Trainer, module, checkpoint: dict) -> None:
        checkpoint["resumes_exactly"] = self._resumes_exactly

    def on_exception(self, trainer: L.Trainer, module, exception: BaseException) -> None:
        self._phase = "after"  # the fit is over: a later signal stops at once
        if isinstance(exception, KeyboardInterrupt):  # stopped at once, maybe mid-step
            self.interrupted = Interrupted(signal.SIGINT, None, trainer.current_epoch,
                                           trainer.global_step)  # fmt: skip
            return
        if not isinstance(exception, SIGTERMException):
            return
        checkpoint = None
        if trainer.global_step > 0:
            checkpoint = self.dirpath / "interrupted.ckpt"
            self._resumes_exactly = loaders_resume_mid_epoch(
                trainer.train_dataloader
            ) or not epoch_has_batches_left(trainer)
            trainer.save_checkpoint(checkpoint, weights_only=False)  # the full state
            self._resumes_exactly = True
        self.interrupted = Interrupted(self.signum, checkpoint, trainer.current_epoch,
                                       trainer.global_step, requeue=self.requeue,
                                       finished=training_finished(trainer))  # fmt: skip
