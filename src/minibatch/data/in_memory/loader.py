"""Serve mini-batches of in-memory tensors with nothing between the sampler and the tensors.

With no worker processes and no pinned memory a `DataLoader` adds nothing to a dataset
that returns whole batches, only its per-batch bookkeeping (about 8 µs a batch here,
as much as fetching a batch of one). `InMemoryLoader` is the loop the notebooks write by
hand, `for index in order: yield x[index], y[index]`, in a form Lightning accepts: sized,
re-iterable, with the `sampler` whose `set_epoch` Lightning calls every epoch, and its
position in the epoch saved in checkpoints (epoch_position.py). The DataModule uses a
`DataLoader` instead as soon as workers or pinned memory are asked for.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import Dataset

from minibatch.data.in_memory.batch_sampler import IndexBatchSampler
from minibatch.data.in_memory.epoch_position import ResumableEpoch


class InMemoryLoader(ResumableEpoch):
    """Iterate `dataset[index]` for every index the sampler yields (see the module docstring)."""

    # As a DataLoader with batch_size=None: the sampler yields whole batches, no batch sampler.
    batch_sampler = None

    def __init__(self, dataset: Dataset, sampler: IndexBatchSampler) -> None:
        self.dataset, self.sampler = dataset, sampler
        self.batch_size = sampler.batch_size

    def __len__(self) -> int:
        return len(self.sampler)

    def __iter__(self) -> Iterator:
        self._begin_pass()
        dataset = self.dataset
        for index in self.sampler:
            self._served += 1  # the position a checkpoint keeps (epoch_position.py)
            yield dataset[index]


def keep_batch(batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    """Collate for batches that are already tensors: nothing to stack, return them as they are."""
    return batch
