"""A learning rate made far too large from a known epoch on: a run that diverges only after
finished epochs, so its last good checkpoint is a real one (test_safety.py)."""

from __future__ import annotations

import lightning as L


class LearningRateFrom(L.Callback):
    """From the start of epoch `epoch`, every optimizer's learning rate is `lr`."""

    def __init__(self, epoch: int, lr: float) -> None:
        self.epoch, self.lr = epoch, lr

    def on_train_epoch_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if trainer.current_epoch == self.epoch:
            for optimizer in trainer.optimizers:
                for group in optimizer.param_groups:
                    group["lr"] = self.lr
