"""Samplers: which example indices a loader reads, and in which order (seed 002, seed 003).

The loader never decides the order itself: swapping the sampler shuffles, reads in order or
oversamples a rare class.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized

import torch


class SequentialSampler:
    """0, 1, ..., n-1: the order for validation and testing, where shuffling buys nothing."""

    def __init__(self, data_source: Sized) -> None:
        self.n = len(data_source)

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.n))

    def __len__(self) -> int:
        return self.n


class RandomSampler:
    """Every index once, in a new random order each epoch (seed 002's `Sampler(shuffle=True)`).

    The notebook used `random.shuffle`; this draws `torch.randperm(n, generator=...)` like
    torch's RandomSampler, so a seeded `torch.Generator` gives the same order as torch's.
    Without a generator, a fresh seed is drawn from torch's global generator, as torch does:
    `torch.manual_seed` then makes the order reproducible.

    One quirk is copied on purpose: torch's sampler, built to also draw more or fewer than
    n samples, ends each epoch with a permutation for the remainder, empty here, that it
    throws away. It still advances the generator, so it is drawn here too; without it the
    second epoch's order would differ from torch's.
    """

    def __init__(self, data_source: Sized, generator: torch.Generator | None = None) -> None:
        self.n = len(data_source)
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        generator = self.generator
        if generator is None:
            seed = int(torch.empty((), dtype=torch.int64).random_().item())
            generator = torch.Generator().manual_seed(seed)
        yield from torch.randperm(self.n, generator=generator).tolist()
        torch.randperm(self.n, generator=generator)  # torch's discarded remainder draw

    def __len__(self) -> int:
        return self.n


class BatchSampler:
    """Group a sampler's indices into lists of `batch_size` (seed 002's In [459]).

    The last list is shorter when `batch_size` does not divide the number of indices;
    `drop_last=True` drops it, for code that needs every batch to be full size.
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool = False) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def inverse_frequency_weights(labels: torch.Tensor) -> torch.Tensor:
    """One weight per example, 1 / (number of examples of its class).

    Every class then carries the same total weight, so weighted draws see the classes
    equally often however imbalanced the data set is (seed 003: "imbalanced dataset").
    """
    counts = torch.bincount(labels)
    return 1.0 / counts[labels].double()


class WeightedSampler:
    """`num_samples` indices drawn with replacement, index i with probability w_i / sum(w).

    Written as inverse transform sampling: lay the weights end to end (their running sum),
    throw a uniform number onto [0, sum(w)) and take the index of the segment it lands in
    (`searchsorted`). Same distribution as torch's WeightedRandomSampler, not the same draws.
    """

    def __init__(
        self,
        weights: torch.Tensor,
        num_samples: int,
        generator: torch.Generator | None = None,
    ) -> None:
        self.cumulative = torch.as_tensor(weights, dtype=torch.float64).cumsum(0)
        self.num_samples = num_samples
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        total = self.cumulative[-1]
        points = torch.rand(self.num_samples, generator=self.generator, dtype=torch.float64)
        indices = torch.searchsorted(self.cumulative, points * total, right=True)
        # A point equal to the total (rounding) would land one past the end.
        return iter(indices.clamp(max=len(self.cumulative) - 1).tolist())

    def __len__(self) -> int:
        return self.num_samples
