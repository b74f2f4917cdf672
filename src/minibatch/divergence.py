"""Stop a run whose training loss became NaN or infinite, before it overwrites a checkpoint.

A learning rate too large for the problem sends the weights to infinity and then NaN; the
run would otherwise train on (every step NaN), log `val/loss` nan and exit 0. The check
costs nothing per step: the module already sums the epoch's loss on the device, and a sum
stays non-finite once any term is. That sum is read on the host (one sync) every
`log_every_n_steps` steps and after the epoch's last batch, which is before validation
and before the checkpoints of the epoch are written: `last.ckpt` stays the last good one.
"""

from __future__ import annotations

import math

import lightning as L
import torch

from minibatch.errors import Diverged


class StopOnDivergence(L.Callback):
    """Raise `Diverged` naming the epoch and steps where the training loss stopped being finite."""

    def __init__(self) -> None:
        self.last_good_step = 0

    def on_train_batch_end(self, trainer: L.Trainer, module, outputs, batch, batch_idx) -> None:
        every = max(int(trainer.log_every_n_steps or 50), 1)
        last_batch = batch_idx + 1 >= trainer.num_training_batches
        if trainer.global_step % every and not last_batch:
            return
        loss_sum = getattr(module, "_loss_sum", None)
        if loss_sum is None or bool(torch.isfinite(loss_sum).all()):
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
