"""K mini-batches per Lightning training step, each still one optimizer step: the default path.

Lightning pays a fixed cost per `training_step`, as large as a notebook's whole step; K batches
per call keep K=1's batches, losses and weights (tests/core/test_grouped_steps.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import lightning as L
import torch
from lightning.pytorch.core.optimizer import LightningOptimizer
from lightning.pytorch.plugins.precision import Precision
from lightning.pytorch.strategies import SingleDeviceStrategy
from lightning.pytorch.utilities.model_helpers import is_overridden

from minibatch.adapters.private_api import count_optimizer_step
from minibatch.module import TaskModule


class GroupedLoader:
    """Yield lists of `group` consecutive batches of `loader` (the last list may be shorter).

    `sampler` and `batch_sampler` are the inner loader's, so Lightning still calls their
    `set_epoch` before every epoch (shuffling and resume stay as without grouping).
    """

    def __init__(self, loader: Iterable, group: int) -> None:
        self.loader, self.group = loader, group
        self.num_batches = len(loader)
        self.sampler = getattr(loader, "sampler", None)
        self.batch_sampler = getattr(loader, "batch_sampler", None)

    def __len__(self) -> int:
        return math.ceil(len(self.loader) / self.group)

    def __iter__(self) -> Iterator[list]:
        batches: list = []
        for batch in self.loader:
            batches.append(batch)
            if len(batches) == self.group:
                yield batches
                batches = []
        if batches:
            yield batches


class ResumableGroupedLoader(GroupedLoader):
    """A `GroupedLoader` over a loader that keeps its position in checkpoints: the same position.

    A group is drawn whole before training starts on it, so at a step boundary the inner
    loader has served exactly the mini-batches that were trained.
    """

    def state_dict(self) -> dict:
        return self.loader.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.loader.load_state_dict(state)


def group_training_batches(datamodule: L.LightningDataModule, group: int) -> None:
    """Make `datamodule.train_dataloader()` return its loader grouped `group` batches a call."""
    make_loader = getattr(datamodule, "ungrouped_train_dataloader", datamodule.train_dataloader)

    def grouped_train_dataloader() -> GroupedLoader:
        loader = make_loader()
        resumable = hasattr(loader, "state_dict") and hasattr(loader, "load_state_dict")
        return (ResumableGroupedLoader if resumable else GroupedLoader)(loader, group)

    datamodule.ungrouped_train_dataloader = make_loader
    datamodule.train_dataloader = grouped_train_dataloader


# The hooks Lightning's `manual_backward` and optimizer step exist to run. While neither the
# module nor any callback implements them, a grouped step calls autograd and the torch
# optimizer directly: the same arithmetic, without the per-step cost of hooks nobody hears.
BACKWARD_HOOKS = ("on_before_backward", "on_after_backward")
STEP_HOOKS = ("on_before_optimizer_step",)


def hooks_in_use(trainer: L.Trainer, module: L.LightningModule, names: tuple[str, ...]) -> bool:
    """Whether the module or one of the trainer's callbacks implements one of `names`."""
    listeners = [(module, L.LightningModule), *((c, L.Callback) for c in trainer.callbacks)]
    return any(is_overridden(name, obj, parent) for name in names for obj, parent in listeners)


def plain_backward(loss: torch.Tensor) -> None:
    loss.backward()


def plain_step(optimizer: LightningOptimizer) -> None:
    """The torch optimizer's own step, counted as Lightning's step counts it (`global_step`)."""
    count_optimizer_step(optimizer, optimizer.optimizer.step)


def lightning_step(optimizer: LightningOptimizer) -> None:
    optimizer.step()  # runs on_before_optimizer_step, precision and strategy hooks, counts


class GroupedStepsModule(TaskModule):
    """A `TaskModule` that trains `group` mini-batches per Lightning call (manual optimization).

    configs/train.yaml gives it `${group_size:}` (group_size.py); 1 is the plain `TaskModule`
    with Lightning's automatic optimization.
    """

    def __init__(self, *args, group: int = 1, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        self.automatic_optimization = group == 1
        self._backward, self._step = self.manual_backward, lightning_step

    def setup(self, stage: str) -> None:
        """Group the DataModule's training batches for this fit."""
        datamodule = self.trainer.datamodule
        if stage != "fit" or datamodule is None:
            return
        if self.group > 1:
            group_training_batches(datamodule, self.group)
        elif hasattr(datamodule, "ungrouped_train_dataloader"):  # grouped by an earlier fit
            datamodule.train_dataloader = datamodule.ungrouped_train_dataloader

    def on_train_start(self) -> None:
        super().on_train_start()
        if self.automatic_optimization:
            return
        # Under plain 32-bit precision on one device Lightning's backward and step add only
        # hooks (mixed precision needs its loss scaling, several devices their strategy).
        trainer = self.trainer
        plain = (type(trainer.precision_plugin) is Precision
                 and type(trainer.strategy) is SingleDeviceStrategy)  # fmt: skip
        if plain and not hooks_in_use(trainer, self, BACKWARD_HOOKS):
            self._backward = plain_backward
        if plain and not hooks_in_use(trainer, self, STEP_HOOKS):
            self._step = plain_step

    def training_step(self, batches, batch_idx: int) -> torch.Tensor | None:
        if self.automatic_optimization:
            return super().training_step(batches, batch_idx)
        optimizer = self.optimizers()
        max_steps = self.trainer.max_steps
        for x, y in batches:
            if 0 <= max_steps <= self.trainer.global_step:
                break  # max_steps counts optimizer steps, not calls
            loss = self.training_loss(x, y)
            optimizer.zero_grad()
            self._backward(loss)
            self._step(optimizer)
            self.minibatch_end(loss, (x, y))
        return None

    def on_train_epoch_end(self) -> None:
        super().on_train_epoch_end()
        scheduler = None if self.automatic_optimization else self.lr_schedulers()
        if scheduler is not None:  # manual optimization: schedulers are ours to step
            scheduler.step()


def minibatches_per_epoch(trainer: L.Trainer) -> int:
    """Optimizer steps an epoch: `num_training_batches` counts calls, groups included."""
    loader = trainer.train_dataloader
    if isinstance(loader, GroupedLoader):
        return loader.num_batches
    return int(trainer.num_training_batches)
