"""A finished run cannot be resumed into more training: resuming it would train nothing.

A run is finished at `trainer.max_epochs` (or `max_steps`), or when early stopping ended it:
its checkpoints record that as plain data (`stopped_early`), which Lightning does not keep.
"""

from __future__ import annotations

from pathlib import Path

import lightning as L
from hydra.utils import get_object
from lightning.pytorch.callbacks import EarlyStopping
from omegaconf import DictConfig

from minibatch.errors import UserError


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
    """Whether the configured callbacks stop early (an `EarlyStopping`, or a subclass)."""
    for entry in (callbacks or {}).values():
        target = entry.get("_target_") if isinstance(entry, DictConfig) else None
        try:
            built = get_object(target) if isinstance(target, str) else None
        except Exception:  # a target that does not resolve is reported when it is built
            continue
        if isinstance(built, type) and issubclass(built, EarlyStopping):
            return True
    return False


def refuse_finished(path: Path, contents: dict, cfg: DictConfig) -> None:
    """A checkpoint of a finished run (see the module docstring) would resume into no
    training at all and exit 0: say so instead, and how to train it further."""
    trainer = cfg.trainer
    max_steps, max_epochs = trainer.get("max_steps", -1), trainer.get("max_epochs")
    steps = contents.get("global_step", 0)
    if max_steps not in (-1, None) and steps >= max_steps:
        raise UserError(
            f"{path} has already taken {steps} steps, trainer.max_steps={max_steps}: give a "
            "larger trainer.max_steps to train on."
        )
    progress = contents.get("loops", {}).get("fit_loop", {}).get("epoch_progress", {})
    done = progress.get("current", {}).get("processed", contents.get("epoch", -1) + 1)
    if max_steps in (-1, None) and isinstance(max_epochs, int) and done >= max_epochs:
        raise UserError(
            f"{path} has already trained {done} epoch(s), trainer.max_epochs={max_epochs}, so its "
            "run is finished: give a larger trainer.max_epochs (for example "
            f"trainer.max_epochs={done + max_epochs}) to train on."
        )
    if contents.get("stopped_early") is True and has_early_stopping(cfg.get("callbacks")):
        raise UserError(
            f"{path} is the end of a run that early stopping finished after {done} epoch(s): "
            "to train it further anyway, resume without early stopping "
            "(~callbacks.early_stopping), up to trainer.max_epochs."
        )
