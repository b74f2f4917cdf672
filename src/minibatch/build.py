"""Turn config groups into objects: the DataModule, the LightningModule, the loggers, the Trainer.

`model=` names either a net, which the template's module (`module:` in train.yaml) trains
for the data's task, or a LightningModule of your own, which is built and trained as it is.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import hydra
import lightning as L
from hydra.utils import get_object
from lightning.pytorch.callbacks import LearningRateMonitor, ModelSummary, ProgressBar
from lightning.pytorch.loggers import Logger
from omegaconf import DictConfig
from torch import nn

from minibatch.data_spec import DataSpec
from minibatch.errors import UserError, building


def instantiate(entry: DictConfig, key: str, **kwargs):
    """Build config entry `key`; whatever its constructor refuses is one sentence naming it."""
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


def is_lightning_module(model_cfg: DictConfig) -> bool:
    """Whether `model=` names a LightningModule of its own rather than a net."""
    with building("model"):
        target = get_object(model_cfg["_target_"])
    return isinstance(target, type) and issubclass(target, L.LightningModule)


def build_net(model_cfg: DictConfig, spec: DataSpec) -> nn.Module:
    """The configured net, sized by the data's spec: sizes are never typed twice."""
    make_net = instantiate(model_cfg, "model", _partial_=True)
    net_class = make_net.func
    kinds = getattr(net_class, "input_kinds", ("features",))
    if spec.input_kind not in kinds:
        shape = "(channels, height, width)" if "images" in kinds else "its shape"
        raise UserError(
            f"{net_class.__name__} reads {' or '.join(kinds)}, but the data's DataSpec says its "
            f"inputs are {spec.input_kind}: if they are {kinds[0]}, set input_kind="
            f'"{kinds[0]}" in the DataSpec (input_shape={shape}), else use model=mlp, which '
            "reads every kind of input."
        )
    with building("model"):
        return make_net(spec)


def build_datamodule(cfg: DictConfig) -> L.LightningDataModule:
    """The configured DataModule."""
    datamodule = instantiate(cfg.data, "data")
    if not isinstance(datamodule, L.LightningDataModule):
        raise UserError(
            f"data._target_ built a {type(datamodule).__name__}, not a LightningDataModule."
        )
    return datamodule


def build_module(cfg: DictConfig, spec: DataSpec | None = None) -> L.LightningModule:
    """Your own LightningModule as configured, or the template's module training the net;
    the net is built from `spec`, or from the DataModule's once Lightning has set it up."""
    if is_lightning_module(cfg.model):
        return instantiate(cfg.model, "model")
    scheduler, loss = cfg.get("scheduler"), cfg.get("loss")
    make_module = instantiate(cfg.module, "module", _partial_=True)  # objects go in as they are
    with building("module"):
        return make_module(
            net=functools.partial(build_net, cfg.model),
            optimizer=instantiate(cfg.optimizer, "optimizer"),
            scheduler=instantiate(scheduler, "scheduler") if scheduler else None,
            loss=instantiate(loss, "loss") if isinstance(loss, DictConfig) else loss,
            spec=spec,
        )


def build_loggers(logger_cfg: DictConfig | None) -> list[Logger]:
    """The configured loggers; an empty list means no logging."""
    return instantiate_named(logger_cfg, "logger")


def build_trainer(cfg: DictConfig, extra_callbacks: Sequence[L.Callback] = ()) -> L.Trainer:
    """The Trainer with the configured callbacks and loggers (and `extra_callbacks`).

    `trainer.enable_progress_bar=false` (or `enable_model_summary=false`) drops the
    configured bar (summary), and `logger=none` the learning-rate monitor, instead of
    failing: Lightning refuses either pair.
    """
    loggers = build_loggers(cfg.get("logger"))
    callbacks = [*instantiate_named(cfg.get("callbacks"), "callbacks"), *extra_callbacks]
    if not loggers:
        callbacks = [c for c in callbacks if not isinstance(c, LearningRateMonitor)]
    if not cfg.trainer.get("enable_progress_bar", True):
        callbacks = [c for c in callbacks if not isinstance(c, ProgressBar)]
    if not cfg.trainer.get("enable_model_summary", True):
        callbacks = [c for c in callbacks if not isinstance(c, ModelSummary)]
    return instantiate(cfg.trainer, "trainer", callbacks=callbacks, logger=loggers or False)
