"""How long a run trains when nothing says (`trainer.max_epochs=null`): long enough for its data.

Ten epochs of 64 are 30 steps on a 178-row table and 7,800 on MNIST: a budget of optimizer
steps turned into epochs, with early stopping, fits both; a recipe's own epochs win.
"""

from __future__ import annotations

import math

import lightning as L
from lightning.pytorch.callbacks import EarlyStopping

from minibatch.speed.grouped_steps import minibatches_per_epoch


def epochs_for(steps: int, steps_per_epoch: float, ceiling: int) -> int:
    """Whole epochs that take at least `steps` optimizer steps, from 1 to `ceiling`."""
    if not math.isfinite(steps_per_epoch) or steps_per_epoch < 1:
        return ceiling  # a loader without a length: early stopping decides
    return max(1, min(ceiling, math.ceil(steps / steps_per_epoch)))


class FitLength(EarlyStopping):
    """Epochs from a budget of optimizer steps, with early stopping, when `given_epochs` is None.

    Args:
        given_epochs: `trainer.max_epochs` as configured; any number turns this callback off.
        steps: the budget of optimizer steps the run's epochs are chosen to take.
        max_epochs: the ceiling, however small the data.
        monitor, mode, min_delta: the validation metric early stopping watches.
        patience: validations without improvement before stopping; None: a tenth of the
            epochs, at least `min_patience`.
        min_patience: the smallest patience chosen when `patience` is None.
    """

    def __init__(
        self,
        given_epochs: int | None = None,
        steps: int = 1000,
        max_epochs: int = 1000,
        monitor: str = "val/loss",
        mode: str = "min",
        patience: int | None = None,
        min_patience: int = 10,
        min_delta: float = 0.001,
    ) -> None:
        # strict=False: a LightningModule of yours that logs no `monitor` trains its budget.
        super().__init__(
            monitor=monitor, mode=mode, patience=patience or min_patience,
            min_delta=min_delta, strict=False, check_finite=False, check_on_train_epoch_end=False,
        )  # fmt: skip
        self.active = given_epochs is None
        self.steps, self.ceiling = steps, max_epochs
        self.chosen_patience, self.min_patience = patience, min_patience
        self.epochs: int | None = None
        self.fitting = False
        self.steps_per_epoch: float | None = None

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # Lightning's own limits win for this fit: max_steps (a finder's too), fast_dev_run.
        self.fitting = self.active and trainer.max_steps == -1 and not trainer.fast_dev_run
        if not self.fitting:
            return
        batches = minibatches_per_epoch(trainer)
        self.steps_per_epoch = batches / trainer.accumulate_grad_batches
        self.epochs = epochs_for(self.steps, self.steps_per_epoch, self.ceiling)
        trainer.fit_loop.max_epochs = self.epochs
        if self.chosen_patience is None:
            self.patience = max(self.min_patience, self.epochs // 10)

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.fitting:
            super().on_validation_end(trainer, pl_module)

    def on_save_checkpoint(self, trainer: L.Trainer, pl_module, checkpoint: dict) -> None:
        """The epochs this run was fitted to, as plain data: a resumed run that has trained
        them all is finished (resume.py refuses it)."""
        if self.fitting and self.epochs is not None:
            checkpoint["fitted_epochs"] = self.epochs

    def plan(self) -> str | None:
        """What was chosen, in words (None when the run was given its length)."""
        if not self.fitting or self.epochs is None:
            return None
        per_epoch = (
            f"{self.steps_per_epoch:g} steps an epoch"
            if self.steps_per_epoch is not None and math.isfinite(self.steps_per_epoch)
            else "epochs of unknown length"
        )
        return (
            f"{self.epochs} epochs at most ({per_epoch}, a budget of {self.steps} steps, at "
            f"most {self.ceiling} epochs), stopping once {self.monitor} has not improved for "
            f"{self.patience} epochs"
        )
