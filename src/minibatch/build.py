"""Turn config groups into objects: the DataModule, the LightningModule, loggers, trainer.

Shared by training, evaluation and the benchmark, so all build things the same way.
"""

from __future__ import annotations

import functools

import hydra
import lightning as L
from lightning.pytorch.callbacks import LearningRateMonitor, ModelSummary, ProgressBar
from lightning.pytorch.loggers import Logger
from omegaconf import DictConfig
from torch import nn

from minibatch.data_spec import DataSpec
from minibatch.errors import UserError, building
from minibatch.group_size import group_size
from minibatch.grouped_steps import GroupedStepsModule, group_training_batches
from minibatch.option_types import check_options
from minibatch.task_module import TaskModule


def instantiate(entry: DictConfig, key: str, **kwargs):
    """Build config entry `key`: its options checked first, a wrong one refused in one sentence."""
    check_options(entry, key)
    with building(key):
        return hydra.utils.instantiate(entry, **kwargs)


def instantiate_named(group: DictConfig | None, key: str) -> list:
    """Instantiate every entry of a {name: {_target_: ...}} group (callbacks, loggers)."""
    if not group:
        return []
    return [
        instantiate(entry, f"{key}.{name}")
        for name, entry in group.items()
        if entry and "_target_" in entry  # null: off
    ]


def build_net(model_cfg: DictConfig, spec: DataSpec) -> nn.Module:
    """The configured net, sized by the data's spec: sizes are never typed twice."""
    make_net = instantiate(model_cfg, "model", _partial_=True)
    net_class = make_net.func
    kinds = getattr(net_class, "input_kinds", ("features",))
    if spec.input_kind not in kinds:
        raise UserError(
            f"{net_class.__name__} reads {' or '.join(kinds)}, not {spec.input_kind}: "
            "use model=mlp, which reads every kind of input."
        )
    with building("model"):
        return make_net(spec)


def build_datamodule(cfg: DictConfig) -> L.LightningDataModule:
    """The configured DataModule; its training batches come grouped when `group_size` > 1."""
    datamodule = instantiate(cfg.data, "data")
    if not isinstance(datamodule, L.LightningDataModule):
        raise UserError(
            f"data._target_ built a {type(datamodule).__name__}, not a LightningDataModule."
        )
    group = group_size(cfg)
    if group > 1:
        group_training_batches(datamodule, group)
    return datamodule


def build_module(cfg: DictConfig, spec: DataSpec | None = None) -> TaskModule:
    """The LightningModule; its net is built from `spec`, or from the DataModule's in fit."""
    module_class = GroupedStepsModule if group_size(cfg) > 1 else TaskModule
    scheduler, loss = cfg.get("scheduler"), cfg.get("loss")
    return module_class(
        net=functools.partial(build_net, cfg.model),
        optimizer=instantiate(cfg.optimizer, "optimizer"),
        scheduler=instantiate(scheduler, "scheduler") if scheduler else None,
        loss=instantiate(loss, "loss") if isinstance(loss, DictConfig) else loss,
        spec=spec,
    )


def build_loggers(logger_cfg: DictConfig | None) -> list[Logger]:
    """The configured loggers; an empty list means no logging."""
    return instantiate_named(logger_cfg, "logger")


def build_trainer(cfg: DictConfig, loggers: list[Logger]) -> L.Trainer:
    """The Trainer with the configured callbacks and the given loggers.

    `trainer.enable_progress_bar=false` (or `enable_model_summary=false`) drops the
    configured bar (summary), and `logger=none` the learning-rate monitor, instead of
    failing: Lightning refuses either pair.
    """
    callbacks = instantiate_named(cfg.get("callbacks"), "callbacks")
    if not loggers:
        callbacks = [c for c in callbacks if not isinstance(c, LearningRateMonitor)]
    if not cfg.trainer.get("enable_progress_bar", True):
        callbacks = [c for c in callbacks if not isinstance(c, ProgressBar)]
    if not cfg.trainer.get("enable_model_summary", True):
        callbacks = [c for c in callbacks if not isinstance(c, ModelSummary)]
    return instantiate(cfg.trainer, "trainer", callbacks=callbacks, logger=loggers or False)
