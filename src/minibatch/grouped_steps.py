"""K mini-batches per Lightning step, each still one optimizer step: the default speed path.

Lightning pays a fixed cost per `training_step` (hooks, closures, progress tracking). For
the notebooks' tiny models and small batches that cost is as large as the step itself.
`steps_per_call=K` hands the module K consecutive mini-batches per call; the module steps
the optimizer once per mini-batch itself (Lightning's manual optimization). The batches,
the losses, the weights, `global_step` (optimizer steps) and epoch-wise schedulers are the
same as with K=1 (tests/core/test_grouped_steps.py); the progress bar counts mini-batches
(`progress_bar.py`), and a callback that needs every mini-batch implements
`on_train_minibatch_end` (see `task_module.py`), called after every optimizer step.
Lightning's backward and optimizer-step hooks (`on_after_backward`,
`on_before_optimizer_step`, ...) fire for every mini-batch as soon as the module or a
callback implements them; while none does, each step calls autograd and the torch optimizer
directly, which is most of what makes this path as fast as a hand-written loop. A run
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
from lightning.pytorch.core.optimizer import LightningOptimizer
from lightning.pytorch.plugins.precision import Precision
from lightning.pytorch.strategies import SingleDeviceStrategy
from lightning.pytorch.utilities.model_helpers import is_overridden

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
    optimizer._on_before_step()  # installed by Lightning's manual-optimization loop: counts
    optimizer.optimizer.step()
    optimizer._on_after_step()


def lightning_step(optimizer: LightningOptimizer) -> None:
    optimizer.step()  # runs on_before_optimizer_step, precision and strategy hooks, counts


class GroupedStepsModule(TaskModule):
    """A `TaskModule` whose `training_step` takes a list of batches, one optimizer step each."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.automatic_optimization = False
        self._backward, self._step = self.manual_backward, lightning_step

    def on_train_start(self) -> None:
        super().on_train_start()
        # Under plain 32-bit precision on one device Lightning's backward and step add only
        # hooks (mixed precision needs its loss scaling, several devices their strategy).
        trainer = self.trainer
        plain = (type(trainer.precision_plugin) is Precision
                 and type(trainer.strategy) is SingleDeviceStrategy)  # fmt: skip
        if plain and not hooks_in_use(trainer, self, BACKWARD_HOOKS):
            self._backward = plain_backward
        if plain and not hooks_in_use(trainer, self, STEP_HOOKS):
            self._step = plain_step

    def training_step(self, batches: list, batch_idx: int) -> None:
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
