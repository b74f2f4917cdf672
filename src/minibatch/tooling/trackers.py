"""Experiment trackers beside TensorBoard: `logger=mlflow` and `logger=wandb` (optional extras).

Lightning's loggers for them receive only the metrics; the run's whole config is given here,
once, at the start, as hparams.py gives it to TensorBoard.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping

from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import Logger, MLFlowLogger, WandbLogger
from lightning.pytorch.utilities import rank_zero_only

from minibatch.errors import UserError

TRACKERS = (MLFlowLogger, WandbLogger)


def require(module: str, extra: str) -> None:
    """One sentence naming the extra to install when a tracker's library is missing."""
    if importlib.util.find_spec(module) is None:
        raise UserError(
            f'logger={extra} needs {module}, which is not installed: pip install -e ".[{extra}]".'
        )


def mlflow_logger(**kwargs) -> MLFlowLogger:
    """Lightning's MLFlowLogger (configs/logger/mlflow.yaml), once mlflow is found."""
    require("mlflow", "mlflow")
    return MLFlowLogger(**kwargs)


def wandb_logger(**kwargs) -> WandbLogger:
    """Lightning's WandbLogger (configs/logger/wandb.yaml), once wandb is found."""
    require("wandb", "wandb")
    return WandbLogger(**kwargs)


@rank_zero_only
def log_params(loggers: Iterable[Logger], config: Mapping) -> None:
    """Give the run config to every MLflow and W&B logger as the run's parameters."""
    for logger in loggers:
        if isinstance(logger, TRACKERS):
            logger.log_hyperparams(dict(config))


class TrackerParams(Callback):
    """Give the run's config to the MLflow and W&B loggers once the fit starts."""

    def __init__(self, config: Mapping) -> None:
        self.config = config

    def on_fit_start(self, trainer, pl_module) -> None:
        log_params(trainer.loggers, self.config)
