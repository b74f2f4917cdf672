"""The training loss of single mini-batches, for the batch-noise lesson of seed 000.

The epoch mean hides how much one mini-batch's loss jumps; kept on the device and written
once an epoch, so the step has no host sync.
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import TensorBoardLogger

from minibatch.module import TaskModule, step_loss


class StepLoss(Callback):
    """Log one mini-batch loss every `every` optimizer steps as `train/loss_step`."""

    def __init__(self, every: int = 10) -> None:
        self.every = every
        self._steps: list[int] = []
        self._losses: list[torch.Tensor] = []

    def on_train_minibatch_end(self, trainer: L.Trainer, pl_module: L.LightningModule,
                               loss: torch.Tensor, batch: Any) -> None:  # fmt: skip
        """After every optimizer step, grouped or not (see TaskModule.minibatch_end)."""
        step = trainer.global_step
        if step % self.every == 0:
            self._steps.append(step)
            self._losses.append(loss.detach())

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs,
                           batch: Any, batch_idx: int) -> None:  # fmt: skip
        """A module of your own: the loss its `training_step` returned, one per step."""
        loss = step_loss(outputs)
        if not isinstance(pl_module, TaskModule) and loss is not None:
            self.on_train_minibatch_end(trainer, pl_module, loss, batch)

    def state_dict(self) -> dict[str, Any]:
        losses = torch.stack(self._losses).float().cpu() if self._losses else torch.zeros(0)
        return {"steps": list(self._steps), "losses": losses}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._steps, self._losses = list(state_dict["steps"]), list(state_dict["losses"])

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._losses = [loss.to(pl_module.device) for loss in self._losses]  # restored ones

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not self._losses:
            return
        values = torch.stack(self._losses).float().cpu().tolist()  # one host sync an epoch
        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger) and trainer.is_global_zero:
                for step, value in zip(self._steps, values, strict=True):
                    logger.experiment.add_scalar("train/loss_step", value, step)
        self._steps, self._losses = [], []
