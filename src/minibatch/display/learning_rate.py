"""The learning rate of each epoch in TensorBoard as `train/lr`, against the epoch as the losses.

Lightning's LearningRateMonitor, which it extends, logs against the step, not the epoch.
"""

from __future__ import annotations

from typing import Any

import lightning as L
from lightning.pytorch.callbacks import LearningRateMonitor

from minibatch.adapters.private_api import learning_rates


class EpochLearningRate(LearningRateMonitor):
    """The learning rate of each epoch as `train/lr` (`train/lr-<group>` for several)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(logging_interval="epoch", **kwargs)

    def on_train_epoch_start(self, trainer: L.Trainer, *args: Any, **kwargs: Any) -> None:
        stats = learning_rates(self, trainer)
        if not stats:
            return
        if len(stats) == 1:
            renamed = {"train/lr": next(iter(stats.values()))}
        else:
            renamed = {f"train/{name}": value for name, value in stats.items()}
        for logger in trainer.loggers:
            logger.log_metrics(renamed, step=trainer.current_epoch + 1)
