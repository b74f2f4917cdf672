"""Mini-batches of in-memory tensors with nothing between the sampler and the tensors.

Without workers or pinned memory a `DataLoader` adds only its per-batch bookkeeping, as much
as fetching a batch of one; the DataModule uses one as soon as either is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import Dataset

from minibatch.data.in_memory.batch_sampler import IndexBatchSampler
from minibatch.data.in_memory.epoch_position import ResumableEpoch


class InMemoryLoader(ResumableEpoch):
    """Iterate `dataset[index]` for every index the sampler yields, nothing in between."""

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
