"""The tooling's one hook into training, called by `train()` once everything is built.

Kept in one place so the training code stays as it reads (check, seed, build, fit):
- `compile=true`: the net is compiled with torch.compile (`compile_backend=`);
- `logger=mlflow|wandb`: the run's config becomes the tracker run's parameters.
"""

from __future__ import annotations

from collections.abc import Mapping

import lightning as L
from omegaconf import DictConfig

from minibatch.compile_net import compile_net
from minibatch.trackers import log_params


def before_fit(cfg: DictConfig, model: L.LightningModule, trainer: L.Trainer, config: Mapping):
    """Apply the tooling options of `cfg` to the built model and trainer."""
    if cfg.get("compile", False):
        on_gpu = trainer.strategy.root_device.type != "cpu"
        compile_net(model, cfg.get("compile_backend", "inductor"), on_gpu=on_gpu)
    log_params(trainer.loggers, config)
