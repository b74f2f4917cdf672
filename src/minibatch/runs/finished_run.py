"""Whether early stopping finished a run: checkpoints record it as plain data (`stopped_early`),
which Lightning does not keep, so that resuming a finished run is refused (resume.py).
"""

from __future__ import annotations

import lightning as L
from hydra.utils import get_object
from lightning.pytorch.callbacks import EarlyStopping
from omegaconf import DictConfig

from minibatch.runs.fit_length import FitLength


def stops_after_this_epoch(trainer: L.Trainer) -> bool:
    """Whether something (early stopping) asked the fit to stop, and Lightning will: its
    `min_epochs` and `min_steps` are reached."""
    loop = trainer.fit_loop
    return (
        trainer.should_stop
        and loop.epoch_progress.current.processed >= (loop.min_epochs or 0)
        and trainer.global_step >= (loop.min_steps or 0)
    )


class RecordEarlyStop(L.Callback):
    """Record in every checkpoint whether early stopping ended the run at that point."""

    def on_save_checkpoint(self, trainer: L.Trainer, module, checkpoint: dict) -> None:
        checkpoint["stopped_early"] = bool(stops_after_this_epoch(trainer))


def has_early_stopping(callbacks: DictConfig | None) -> bool:
    """Whether the configured callbacks stop early (an `EarlyStopping`, or a subclass; the
    fit_length callback only when the run's epochs are left to it)."""
    for entry in (callbacks or {}).values():
        target = entry.get("_target_") if isinstance(entry, DictConfig) else None
        try:
            built = get_object(target) if isinstance(target, str) else None
        except Exception:  # a target that does not resolve is reported when it is built
            continue
        if isinstance(built, type) and issubclass(built, FitLength):
            if entry.get("given_epochs") is None:
                return True
        elif isinstance(built, type) and issubclass(built, EarlyStopping):
            return True
    return False
