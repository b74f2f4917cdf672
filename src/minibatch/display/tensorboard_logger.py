"""Lightning's TensorBoardLogger, without an empty `hparams.yaml` in every run folder.

The template's module logs no hyperparameters through the logger (HPARAMS rows come from
hparams.py), so Lightning's logger would save `{}` as `tensorboard/hparams.yaml`. This one
writes that file only when there is something in it (a LightningModule of yours that calls
`save_hyperparameters`).
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
