"""One index tensor per mini-batch: the notebooks' `x[perm[i:i + B]]`, as a sampler.

torch's samplers yield integers one by one for a `__getitem__` each and a collate; this yields
each batch's indices at once, and is a `DistributedSampler` so Lightning leaves it as it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Literal

import torch
from torch.utils.data import SequentialSampler
from torch.utils.data.distributed import DistributedSampler

Order = Literal["sequential", "random", "weighted"]
ORDERS: tuple[str, ...] = ("sequential", "random", "weighted")


class IndexBatchSampler(DistributedSampler):
    """Mini-batches of indices (a tensor, or a slice when the order is sequential on one rank).

    Args:
        size: number of examples in the dataset.
        batch_size: examples per batch; the last batch of an epoch may be smaller.
        order: "sequential" (0, 1, 2...), "random" (a new permutation every epoch) or
            "weighted" (drawn with replacement with probability proportional to `weights`,
            as `WeightedRandomSampler` does for imbalanced classes).
        drop_last: drop the last batch of each epoch when it is smaller than `batch_size`.
        seed: seeds the per-epoch order; the same seed gives the same batches.
        weights: one non-negative weight per example, for `order="weighted"`.
        num_replicas, rank: the DDP world size and this process's rank.
        device: where the index tensors live (the data's device, to avoid a copy per batch).
    """

    def __init__(
        self,
        size: int,
        batch_size: int,
        order: Order = "random",
        drop_last: bool = False,
        seed: int = 0,
        weights: torch.Tensor | None = None,
        num_replicas: int = 1,
        rank: int = 0,
        device: torch.device | str = "cpu",
    ) -> None:
        if order not in ORDERS:
            raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {order!r}.")
        if order == "weighted" and (weights is None or len(weights) != size):
            raise ValueError("order='weighted' needs one weight per example.")
        super().__init__(
            range(size),
            num_replicas=num_replicas,
            rank=rank,
            shuffle=order != "sequential",
            seed=seed,
            drop_last=False,
        )
        self.size = size
        self.batch_size = batch_size
        self.order = order
        self.drop_last_batch = drop_last
        self.weights = None if weights is None else torch.as_tensor(weights, dtype=torch.double)
        self.device = torch.device(device)
        self._first_batch = 0

    def start_at(self, batch: int) -> None:
        """Begin the next pass over the epoch at its mini-batch `batch` (a run resumed mid-epoch);
        the passes after it start at the first again."""
        self._first_batch = batch

    def __len__(self) -> int:
        """Mini-batches per epoch on this rank."""
        return self.num_batches()

    def num_batches(self) -> int:
        """Mini-batches (optimizer steps) per epoch on this rank."""
        if self.drop_last_batch:
            return self.num_samples // self.batch_size
        return math.ceil(self.num_samples / self.batch_size)

    def __iter__(self) -> Iterator[torch.Tensor | slice]:
        first, self._first_batch = self._first_batch, 0
        if self.order == "sequential" and self.num_replicas == 1:
            yield from self._slices(self.size, first)
            return
        indices = self._epoch_indices()
        for part in self._slices(len(indices), first):
            yield indices[part]

    def _slices(self, count: int, first: int = 0) -> Iterator[slice]:
        stop = count - count % self.batch_size if self.drop_last_batch else count
        for start in range(first * self.batch_size, stop, self.batch_size):
            yield slice(start, min(start + self.batch_size, stop))

    def _epoch_indices(self) -> torch.Tensor:
        """This rank's share of the epoch's order, padded like `DistributedSampler`."""
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        if self.order == "random":
            indices = torch.randperm(self.size, generator=generator)
        elif self.order == "weighted":
            indices = torch.multinomial(
                self.weights, self.total_size, replacement=True, generator=generator
            )
        else:
            indices = torch.arange(self.size)
        if len(indices) < self.total_size:
            repeats = math.ceil(self.total_size / len(indices))
            indices = indices.repeat(repeats)[: self.total_size]
        return indices[self.rank : self.total_size : self.num_replicas].to(self.device)


class SequentialIndexBatchSampler(IndexBatchSampler, SequentialSampler):
    """An `IndexBatchSampler` in sequential order that says so by its type.

    Lightning's `overfit_batches` replaces any sampler that is not a `SequentialSampler`
    with a per-item one (which would break whole-batch fetching); this one already gives
    the same batches every epoch, so it is left in place.
    """

    def __init__(self, size: int, batch_size: int, **options) -> None:
        super().__init__(size, batch_size, order="sequential", **options)


def index_batch_sampler(size: int, batch_size: int, order: Order, **options) -> IndexBatchSampler:
    """The sampler for `order`; sequential ones are also `SequentialSampler`s (see above)."""
    if order == "sequential":
        return SequentialIndexBatchSampler(size, batch_size, **options)
    return IndexBatchSampler(size, batch_size, order=order, **options)
