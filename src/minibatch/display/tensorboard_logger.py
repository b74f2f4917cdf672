"""Lightning's TensorBoardLogger, without an empty `hparams.yaml` in every run folder.

HPARAMS rows come from hparams.py, so Lightning's logger would save `{}`; this one writes the
file only when it holds something (a LightningModule of yours that saves hyperparameters).
"""

from __future__ import annotations

from lightning.pytorch.loggers import TensorBoardLogger as LightningTensorBoardLogger


class TensorBoardLogger(LightningTensorBoardLogger):
    """TensorBoard's event files in `<run>/tensorboard/`; `hparams.yaml` only when not empty."""

    def save(self) -> None:
        if self.hparams:
            super().save()
        else:
            self.experiment.flush()  # the rest of what Lightning's save does
