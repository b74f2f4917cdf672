"""Turn config groups into objects: the model for a dataset, the loggers, the trainer.

Shared by training and evaluation so both build things the same way.
"""

from __future__ import annotations

import hydra
import lightning as L
from lightning.pytorch.loggers import Logger
from omegaconf import DictConfig

from minibatch.data.in_memory_datamodule import InMemoryDataModule
from minibatch.models.task_module import TaskModule


def instantiate_named(group: DictConfig | None) -> list:
    """Instantiate every entry of a {name: {_target_: ...}} group (callbacks, loggers)."""
    if not group:
        return []
    return [hydra.utils.instantiate(entry) for entry in group.values() if "_target_" in entry]


def build_model(model_cfg: DictConfig, datamodule: InMemoryDataModule) -> TaskModule:
    """The configured LightningModule, its net sized by the dataset (never typed twice)."""
    net_factory = hydra.utils.instantiate(model_cfg.net)
    net = net_factory(in_features=datamodule.input_size, out_features=datamodule.output_size)
    return hydra.utils.instantiate(
        model_cfg,
        net=net,
        task=datamodule.task,
        num_classes=datamodule.num_classes,
        _recursive_=False,
        optimizer=hydra.utils.instantiate(model_cfg.optimizer),
        scheduler=hydra.utils.instantiate(model_cfg.scheduler) if model_cfg.scheduler else None,
    )


def build_loggers(logger_cfg: DictConfig | None) -> list[Logger]:
    """The configured loggers; an empty list means no logging."""
    return instantiate_named(logger_cfg)


def build_trainer(cfg: DictConfig, loggers: list[Logger]) -> L.Trainer:
    """The Trainer with the configured callbacks and the given loggers."""
    callbacks = instantiate_named(cfg.get("callbacks"))
    return hydra.utils.instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)
