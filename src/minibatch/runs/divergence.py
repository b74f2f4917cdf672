"""Stop a run whose training loss became NaN or infinite, before it overwrites a checkpoint.

Every later loss stays NaN, so one step's loss every `log_every_n_steps` steps and at the
epoch's end catches it, with one host sync per check.
"""

from __future__ import annotations

import math

import lightning as L
import torch

from minibatch.module import step_loss
from minibatch.runs.stops import Diverged


class StopOnDivergence(L.Callback):
    """Raise `Diverged` naming the epoch and steps where the training loss stopped being finite."""

    def __init__(self) -> None:
        self.last_good_step = 0
        self.last_checked = 0
        self.loss: torch.Tensor | None = None

    def on_train_minibatch_end(self, trainer: L.Trainer, module, loss, batch) -> None:
        """The template's module reports every mini-batch's loss, grouped steps included."""
        self.loss = loss

    def on_train_batch_end(self, trainer: L.Trainer, module, outputs, batch, batch_idx) -> None:
        loss = step_loss(outputs)
        loss = self.loss if loss is None else loss
        every = max(int(trainer.log_every_n_steps or 50), 1)
        last_batch = batch_idx + 1 >= trainer.num_training_batches
        if loss is None or (trainer.global_step - self.last_checked < every and not last_batch):
            return
        self.last_checked = trainer.global_step
        if bool(torch.isfinite(loss).all()):
            self.last_good_step = trainer.global_step
            return
        lr = trainer.optimizers[0].param_groups[0]["lr"] if trainer.optimizers else math.nan
        raise Diverged(
            f"the training loss became NaN or infinite in epoch {trainer.current_epoch}, between "
            f"steps {self.last_good_step} and {trainer.global_step}: the learning rate "
            f"({lr:g}) is most likely too large for this model and batch size; lower it "
            "(for example optimizer.lr=" + f"{lr / 10:g}" + ") and train again; the last "
            "good checkpoint is kept."
        )
