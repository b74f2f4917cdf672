"""What a run computes, top to bottom: seed, build the data, the model and the trainer, fit, test.

Plain Lightning, for notebooks and tests too: the command line (cli/train.py) adds the checks
and the one clear sentence when it stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import lightning as L
from omegaconf import DictConfig

from minibatch.build import build_datamodule, build_module, build_trainer


@dataclass
class RunResult:
    """What a training run leaves behind, for code that trains in-process (tests, notebooks)."""

    metrics: dict[str, float]
    model: L.LightningModule
    datamodule: L.LightningDataModule
    trainer: L.Trainer


def train(cfg: DictConfig, callbacks: Sequence[L.Callback] = ()) -> RunResult:
    """Fit (and with `test=true`, test) the configured model; `callbacks` join the configured ones.

    `cfg.ckpt_path` is a checkpoint file to continue from (the command line turns
    `ckpt_path=last` into one before calling this).
    """
    if cfg.seed is not None:
        L.seed_everything(cfg.seed, workers=True)
    datamodule = build_datamodule(cfg)
    model = build_module(cfg)
    trainer = build_trainer(cfg, extra_callbacks=callbacks)
    trainer.fit(model, datamodule=datamodule, ckpt_path=cfg.get("ckpt_path"), weights_only=True)
    if cfg.get("test", False):
        best = trainer.checkpoint_callback and trainer.checkpoint_callback.best_model_path
        trainer.test(model, datamodule=datamodule, ckpt_path="best" if best else None)
    metrics = {name: float(value) for name, value in trainer.callback_metrics.items()}
    return RunResult(metrics, model, datamodule, trainer)
