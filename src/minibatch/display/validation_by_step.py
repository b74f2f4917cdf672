"""Validation metrics also against the optimizer step (`val/<name>_by_step`): the template
logs them against the epoch, but "how many steps until val/acc reaches 97%?" is asked
in steps, also for validations inside an epoch (`trainer.val_check_interval`).
"""

from __future__ import annotations

import lightning as L
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import TensorBoardLogger

SUFFIX = "_by_step"


class ValidationByStep(Callback):
    """Write every validation's `val/...` metrics as `val/..._by_step` at the optimizer step."""

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking or not trainer.is_global_zero:
            return
        metrics = {
            f"{name}{SUFFIX}": float(value)
            for name, value in trainer.callback_metrics.items()
            if name.startswith("val/") and not name.endswith(SUFFIX) and value.numel() == 1
        }
        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger):
                for tag, value in metrics.items():
                    logger.experiment.add_scalar(tag, value, trainer.global_step)
