"""Serve mini-batches of in-memory tensors with nothing between the sampler and the tensors.

With no worker processes and no pinned memory a `DataLoader` adds nothing to a dataset
that returns whole batches, only its per-batch bookkeeping (about 8 µs a batch here,
as much as fetching a batch of one). `InMemoryLoader` is the loop the notebooks write by
hand, `for index in order: yield x[index], y[index]`, in a form Lightning accepts: sized,
re-iterable, with the `sampler` whose `set_epoch` Lightning calls every epoch. The
DataModule uses a `DataLoader` instead as soon as workers or pinned memory are asked for.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import Dataset

from minibatch.data.batch_sampler import IndexBatchSampler


def split_batch(batch, size: int) -> list:
    """A group of consecutive mini-batches, fetched at once, cut back into batches of `size`.

    The last piece is smaller when the group ends with the epoch's partial batch.
    """
    x, y = batch
    targets = y.split(size)
    if isinstance(x, tuple | list):  # token sequences: (tokens, lengths)
        inputs = list(zip(*(part.split(size) for part in x), strict=True))
    else:
        inputs = x.split(size)
    return list(zip(inputs, targets, strict=True))


class GroupSplitter:
    """A collate step (picklable, for worker processes) applying `split_batch`."""

    def __init__(self, size: int, collate=None) -> None:
        self.size, self.collate = size, collate

    def __call__(self, batch):
        return split_batch(self.collate(batch) if self.collate else batch, self.size)


class InMemoryLoader:
    """Iterate `dataset[index]` for every index the sampler yields (see the module docstring)."""

    # As a DataLoader with batch_size=None: the sampler yields whole batches, no batch sampler.
    batch_sampler = None

    def __init__(self, dataset: Dataset, sampler: IndexBatchSampler) -> None:
        self.dataset, self.sampler = dataset, sampler
        self.batch_size = sampler.batch_size

    def __len__(self) -> int:
        return len(self.sampler)

    def __iter__(self) -> Iterator:
        dataset, size = self.dataset, self.sampler.batch_size
        if self.sampler.group == 1:
            for index in self.sampler:
                yield dataset[index]
        else:
            for index in self.sampler:
                yield split_batch(dataset[index], size)


def keep_batch(batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    """Collate for batches that are already tensors: nothing to stack, return them as they are."""
    return batch
