"""Experiment trackers beside TensorBoard: `logger=mlflow` and `logger=wandb` (optional extras).

Lightning's loggers for them receive only the metrics; the run's whole config is given here,
once, at the start, and a resumed run continues the tracker runs its checkpoint names.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import Logger, MLFlowLogger, WandbLogger
from lightning.pytorch.utilities import rank_zero_only
from omegaconf import DictConfig, open_dict

from minibatch.errors import UserError

TRACKERS = (MLFlowLogger, WandbLogger)
# The checkpoint's key for the tracker runs' ids, and the shape of an id each tracker makes:
# an id of any other shape is not one of theirs, and is not used.
RUNS_KEY = "tracker_runs"
ID_SHAPES = {"mlflow": re.compile(r"[0-9a-f]{32}"), "wandb": re.compile(r"[A-Za-z0-9_-]{1,64}")}


def require(module: str, extra: str) -> None:
    """One sentence naming the extra to install when a tracker's library is missing."""
    if importlib.util.find_spec(module) is None:
        raise UserError(
            f'logger={extra} needs {module}, which is not installed: pip install -e ".[{extra}]".'
        )


def mlflow_logger(run_tags: Sequence[str] = (), **kwargs) -> MLFlowLogger:
    """Lightning's MLFlowLogger (configs/logger/mlflow.yaml), once mlflow is found; each of
    the run's `tags` becomes an MLflow tag of that name (value "true")."""
    require("mlflow", "mlflow")
    tags = {**(kwargs.pop("tags", None) or {}), **{str(tag): "true" for tag in run_tags or ()}}
    return MLFlowLogger(tags=tags or None, **kwargs)


def wandb_logger(**kwargs) -> WandbLogger:
    """Lightning's WandbLogger (configs/logger/wandb.yaml), once wandb is found."""
    require("wandb", "wandb")
    return WandbLogger(**kwargs)


def flat(config: Mapping, prefix: str = "") -> dict[str, object]:
    """Nested keys joined with "/", as Lightning gives parameters to MLflow."""
    items: dict[str, object] = {}
    for key, value in config.items():
        if isinstance(value, Mapping) and value:
            items.update(flat(value, f"{prefix}{key}/"))
        else:
            items[f"{prefix}{key}"] = value
    return items


def new_mlflow_params(logger: MLFlowLogger, config: Mapping) -> dict[str, object]:
    """The parameters the MLflow run does not hold yet: a resumed run keeps the values it
    started with (MLflow refuses to change one); its own command is in .hydra/resumed/."""
    held = logger.experiment.get_run(logger.run_id).data.params
    return {key: value for key, value in flat(config).items() if key not in held}


@rank_zero_only
def log_params(loggers: Iterable[Logger], config: Mapping) -> None:
    """Give the run config to every MLflow and W&B logger as the run's parameters."""
    for logger in loggers:
        if isinstance(logger, MLFlowLogger):
            logger.log_hyperparams(new_mlflow_params(logger, config))
        elif isinstance(logger, WandbLogger):
            logger.log_hyperparams(dict(config))


class TrackerParams(Callback):
    """Give the run's config to the MLflow and W&B loggers once the fit starts."""

    def __init__(self, config: Mapping) -> None:
        self.config = config

    def on_fit_start(self, trainer, pl_module) -> None:
        log_params(trainer.loggers, self.config)


def run_ids(loggers: Iterable[Logger]) -> dict[str, str]:
    """The ids of the MLflow and W&B runs this trainer logs to, by tracker."""
    ids = {}
    for logger in loggers:
        if isinstance(logger, MLFlowLogger) and logger.run_id:
            ids["mlflow"] = str(logger.run_id)
        elif isinstance(logger, WandbLogger):
            ids["wandb"] = str(logger.experiment.id)
    return ids


class TrackerRuns(Callback):
    """Record in every checkpoint the ids of the MLflow and W&B runs it belongs to (plain
    strings), so that a resume continues those runs."""

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict) -> None:
        ids = run_ids(trainer.loggers)
        if ids:
            checkpoint[RUNS_KEY] = ids


def recorded_run_ids(checkpoint: Path) -> dict[str, str]:
    """The tracker run ids a checkpoint recorded; any value not shaped as its tracker's ids
    is left out (a checkpoint is data: it names runs, nothing else)."""
    from minibatch.runs.checkpoint_file import load_checkpoint

    recorded = load_checkpoint(checkpoint).get(RUNS_KEY)
    if not isinstance(recorded, Mapping):
        return {}
    return {
        tracker: value for tracker, value in recorded.items()
        if tracker in ID_SHAPES and isinstance(value, str) and ID_SHAPES[tracker].fullmatch(value)
    }  # fmt: skip


def continue_tracker_runs(cfg: DictConfig, checkpoint: Path | None) -> None:
    """Resuming: point the configured MLflow and W&B loggers at the runs the checkpoint
    recorded (unless the command line names a run itself)."""
    loggers = cfg.get("logger") or {}
    if checkpoint is None or not any(is_tracker(entry) for entry in loggers.values()):
        return
    ids = recorded_run_ids(checkpoint)
    with open_dict(cfg):
        for entry in loggers.values():
            target = str(entry.get("_target_", "")) if isinstance(entry, Mapping) else ""
            if target.endswith("mlflow_logger") and "mlflow" in ids and not entry.get("run_id"):
                entry.run_id = ids["mlflow"]
            elif target.endswith("wandb_logger") and "wandb" in ids and not entry.get("id"):
                entry.id, entry.resume = ids["wandb"], "allow"


def is_tracker(entry: object) -> bool:
    target = str(entry.get("_target_", "")) if isinstance(entry, Mapping) else ""
    return target.endswith(("mlflow_logger", "wandb_logger"))
