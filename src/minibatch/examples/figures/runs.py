"""Real training runs for the figures: the project's configs, `train()`, a trajectory.

Every figure that shows training trains through the Trainer `python train.py` uses, never a
separate hand loop.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, open_dict

from minibatch.build import build_datamodule, build_module
from minibatch.cli.entry import register_configs
from minibatch.data.in_memory.datamodule import InMemoryDataModule
from minibatch.examples.figures.trajectory import ParameterTrajectory, Trajectory
from minibatch.module import TaskModule
from minibatch.runs.project_paths import CONFIG_DIR
from minibatch.train import RunResult, train

register_configs()  # the resolvers the configs use

QUIET = ("logger=none", "callbacks=none", "trainer.enable_progress_bar=false",
         "trainer.enable_model_summary=false", "trainer.enable_checkpointing=false")  # fmt: skip


def compose_config(*overrides: str) -> DictConfig:
    """The config `python train.py <overrides>` runs, minus logs, checkpoints and callbacks."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=[*QUIET, *overrides])
    with open_dict(cfg):
        # callbacks=none keeps only what a recipe adds (the TensorBoard image, off here).
        cfg.callbacks = {}
        cfg.paths.output_dir = str(Path(tempfile.gettempdir()) / "minibatch-figures")
    return cfg


@dataclass
class RecordedRun:
    """A finished run and the parameters after each of its optimizer steps."""

    result: RunResult
    trajectory: Trajectory

    @property
    def module(self) -> TaskModule:
        return self.result.model

    @property
    def datamodule(self) -> InMemoryDataModule:
        return self.result.datamodule


def train_recorded(*overrides: str) -> RecordedRun:
    """Train as `python train.py <overrides>` would, recording the parameters every step."""
    cfg = compose_config(*overrides)
    with open_dict(cfg):
        cfg.callbacks.trajectory = {
            "_target_": "minibatch.examples.figures.trajectory.ParameterTrajectory"
        }
    result = train(cfg)
    (recorder,) = [c for c in result.trainer.callbacks if isinstance(c, ParameterTrajectory)]
    return RecordedRun(result, recorder.trajectory)


def untrained(*overrides: str) -> tuple[TaskModule, InMemoryDataModule]:
    """The set-up data and the untrained module of a config: for loss landscapes.

    One mini-batch per loader item (`steps_per_call=1`), as the figures draw batches.
    """
    cfg = compose_config("steps_per_call=1", *overrides)
    datamodule = build_datamodule(cfg)
    datamodule.setup("fit")
    return build_module(cfg, spec=datamodule.spec), datamodule


def training_batches(
    datamodule: InMemoryDataModule, batch_size: int, count: int
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The first `count` training batches of `batch_size` the Trainer would see, epoch after
    epoch (the DataModule's own shuffled sampler, seeded by the config's `seed`)."""
    datamodule.batch_size = batch_size
    loader = datamodule.train_dataloader()
    batches: list = []
    for epoch in itertools.count():
        loader.sampler.set_epoch(epoch)
        batches += itertools.islice(iter(loader), count - len(batches))
        if len(batches) == count:
            return batches
    raise AssertionError("unreachable")
