"""K mini-batches per Lightning step, each still one optimizer step: the default speed path.

Lightning pays a fixed cost per `training_step` (hooks, closures, progress tracking). For
the notebooks' tiny models and small batches that cost is as large as the step itself.
`steps_per_call=K` hands the module K consecutive mini-batches per call; the module steps
the optimizer once per mini-batch itself (Lightning's manual optimization). The batches,
the losses, the weights, `global_step` (optimizer steps) and epoch-wise schedulers are the
same as with K=1 (tests/core/test_grouped_steps.py); the progress bar counts mini-batches
(`progress_bar.py`), and a callback that needs every mini-batch implements
`on_train_minibatch_end` (see `task_module.py`), called after every optimizer step. A run
stopped mid-epoch resumes where the inner loader stopped when that loader can
(`ResumableGroupedLoader`).

How many mini-batches a call takes is decided from the config alone (`group_size.py`:
`steps_per_call=auto`, the default, takes up to 64 unless a trainer setting acts per step).
It works on any DataModule: `group_training_batches` wraps whatever `train_dataloader()`
returns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import lightning as L
import torch
from lightning.pytorch.plugins.precision import Precision

from minibatch.task_module import TaskModule


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
    """A `GroupedLoader` over a loader that keeps its position in checkpoints (`state_dict`
    and `load_state_dict`, Lightning's `_Stateful`): the same position, in mini-batches.

    A group is drawn whole before training starts on it, so at a step boundary the inner
    loader has served exactly the mini-batches that were trained.
    """

    def state_dict(self) -> dict:
        return self.loader.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.loader.load_state_dict(state)


def group_training_batches(datamodule: L.LightningDataModule, group: int) -> None:
    """Make `datamodule.train_dataloader()` return its loader grouped `group` batches a call."""
    make_loader = datamodule.train_dataloader

    def grouped_train_dataloader() -> GroupedLoader:
        loader = make_loader()
        resumable = hasattr(loader, "state_dict") and hasattr(loader, "load_state_dict")
        return (ResumableGroupedLoader if resumable else GroupedLoader)(loader, group)

    datamodule.train_dataloader = grouped_train_dataloader


def plain_backward(loss: torch.Tensor) -> None:
    loss.backward()


class GroupedStepsModule(TaskModule):
    """A `TaskModule` whose `training_step` takes a list of batches, one optimizer step each."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.automatic_optimization = False
        self._backward = self.manual_backward

    def on_train_start(self) -> None:
        super().on_train_start()
        # Under plain 32-bit precision on one device `manual_backward` only adds callback
        # hooks, so autograd is called directly (on_before/after_backward do not fire).
        # Mixed precision needs Lightning's loss scaling: it keeps `manual_backward`.
        if type(self.trainer.precision_plugin) is Precision and self.trainer.world_size == 1:
            self._backward = plain_backward

    def training_step(self, batches: list, batch_idx: int) -> None:
        optimizer = self.optimizers()
        max_steps = self.trainer.max_steps
        for x, y in batches:
            if 0 <= max_steps <= self.trainer.global_step:
                break  # max_steps counts optimizer steps, not calls
            loss = self.training_loss(x, y)
            optimizer.zero_grad()
            self._backward(loss)
            optimizer.step()  # Lightning's optimizer: counts the global step, runs its hooks
            self.minibatch_end(loss, (x, y))

    def on_train_epoch_end(self) -> None:
        super().on_train_epoch_end()
        scheduler = self.lr_schedulers()  # manual optimization: schedulers are ours to step
        if scheduler is not None:
            scheduler.step()


def minibatches_per_epoch(trainer: L.Trainer) -> int:
    """Optimizer steps an epoch: `num_training_batches` counts calls, groups included."""
    loader = trainer.train_dataloader
    if isinstance(loader, GroupedLoader):
        return loader.num_batches
    return int(trainer.num_training_batches)
