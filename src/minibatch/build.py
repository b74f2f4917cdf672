"""Turn config groups into objects: the model for a dataset, the loggers, the trainer.

Shared by training and evaluation so both build things the same way.
"""

from __future__ import annotations

import inspect

import hydra
import lightning as L
from lightning.pytorch.callbacks import LearningRateMonitor, ModelSummary, ProgressBar
from lightning.pytorch.loggers import Logger
from omegaconf import DictConfig
from torch import nn

from minibatch.data.in_memory_datamodule import InMemoryDataModule
from minibatch.errors import UserError
from minibatch.models.task_module import TaskModule


def instantiate_named(group: DictConfig | None) -> list:
    """Instantiate every entry of a {name: {_target_: ...}} group (callbacks, loggers)."""
    if not group:
        return []
    return [hydra.utils.instantiate(entry) for entry in group.values() if "_target_" in entry]


def build_net(net_cfg: DictConfig, datamodule: InMemoryDataModule) -> nn.Module:
    """The net, sized by the dataset: its input and output sizes are never typed twice."""
    net_factory = hydra.utils.instantiate(net_cfg)
    sizes = {"in_features": datamodule.input_size, "out_features": datamodule.output_size}
    if datamodule.input_kind == "tokens":
        if "vocab_size" not in inspect.signature(net_factory.func).parameters:
            raise UserError(
                f"{net_factory.func.__name__} reads feature vectors, not token sequences: "
                "use model=mlp, which puts an embedding bag in front of them."
            )
        sizes["vocab_size"] = datamodule.input_size
    return net_factory(**sizes)


def build_model(model_cfg: DictConfig, datamodule: InMemoryDataModule) -> TaskModule:
    """The configured LightningModule for the dataset's task."""
    scheduler_cfg = model_cfg.get("scheduler")
    return hydra.utils.instantiate(
        model_cfg,
        net=build_net(model_cfg.net, datamodule),
        task=datamodule.task,
        num_classes=datamodule.num_classes,
        steps_per_call=datamodule.steps_per_call,
        optimizer=hydra.utils.instantiate(model_cfg.optimizer),
        scheduler=hydra.utils.instantiate(scheduler_cfg) if scheduler_cfg else None,
        _recursive_=False,
    )


def build_loggers(logger_cfg: DictConfig | None) -> list[Logger]:
    """The configured loggers; an empty list means no logging."""
    return instantiate_named(logger_cfg)


def build_trainer(cfg: DictConfig, loggers: list[Logger]) -> L.Trainer:
    """The Trainer with the configured callbacks and the given loggers.

    `trainer.enable_progress_bar=false` (or `enable_model_summary=false`) drops the
    configured bar (summary), and `logger=none` the learning-rate monitor, instead of
    failing: Lightning refuses either pair.
    """
    callbacks = instantiate_named(cfg.get("callbacks"))
    if not loggers:
        callbacks = [c for c in callbacks if not isinstance(c, LearningRateMonitor)]
    if not cfg.trainer.get("enable_progress_bar", True):
        callbacks = [c for c in callbacks if not isinstance(c, ProgressBar)]
    if not cfg.trainer.get("enable_model_summary", True):
        callbacks = [c for c in callbacks if not isinstance(c, ModelSummary)]
    return hydra.utils.instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)
