"""TensorBoard's x-axis for epoch metrics is the epoch, so runs of any batch size line up.

Lightning writes each logged value at the optimizer step: a run with batches of 1,000 and
one with batches of 10,000 then put epoch 5 at steps 2,500 and 250, and no chart compares
them. Logging a value named `step` makes Lightning use it as the x-axis (and drops its
`epoch` pseudo-scalar); the TaskModule logs `epoch_step(module)` with its epoch metrics.
The learning rate is logged the same way, as `train/lr` beside the losses.
"""

from __future__ import annotations

from typing import Any

import lightning as L
from lightning.pytorch.callbacks import LearningRateMonitor


def epoch_step(module: L.LightningModule) -> float:
    """The x of the current epoch's metrics: epochs completed once this one ends (1, 2, ...)."""
    return float(module.current_epoch + 1)


class EpochLearningRate(LearningRateMonitor):
    """The learning rate of each epoch as `train/lr` (`train/lr-<group>` for several)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(logging_interval="epoch", **kwargs)

    def on_train_epoch_start(self, trainer: L.Trainer, *args: Any, **kwargs: Any) -> None:
        stats = self._extract_stats(trainer, "epoch")
        if not stats:
            return
        if len(stats) == 1:
            renamed = {"train/lr": next(iter(stats.values()))}
        else:
            renamed = {f"train/{name}": value for name, value in stats.items()}
        for logger in trainer.loggers:
            logger.log_metrics(renamed, step=trainer.current_epoch + 1)
