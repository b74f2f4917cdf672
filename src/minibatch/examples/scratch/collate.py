"""How a list of examples becomes one batch (seed 002's `collate`; seed 003's collate_fn note).

A dataset hands out one example at a time; the loader regroups the list field by field.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number

import torch


def _stack(values: Sequence[torch.Tensor | Number]) -> torch.Tensor:
    """One field of every example as one tensor with a new leading batch dimension.

    Python floats become float64 and ints int64, the dtypes `default_collate` gives them.
    """
    first = values[0]
    if isinstance(first, torch.Tensor):
        return torch.stack(list(values))
    if isinstance(first, bool):
        return torch.tensor(values, dtype=torch.bool)
    if isinstance(first, float):
        return torch.tensor(values, dtype=torch.float64)
    if isinstance(first, int):
        return torch.tensor(values, dtype=torch.int64)
    raise TypeError(f"collate stacks tensors and numbers, not {type(first).__name__}.")


def collate(batch: Sequence) -> torch.Tensor | tuple[torch.Tensor, ...]:
    """Stack a list of examples: `[(x0, y0), (x1, y1)]` -> `(stack([x0, x1]), stack([y0, y1]))`.

    `zip(*batch)` turns the list of examples into one tuple per field. Examples that are a
    single tensor or number (not a tuple) give a single tensor.
    """
    if isinstance(batch[0], tuple | list):
        return tuple(_stack(field) for field in zip(*batch, strict=True))
    return _stack(batch)


def pad_collate(
    batch: Sequence[tuple[torch.Tensor, torch.Tensor]], padding_value: float = 0
) -> tuple[tuple[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Batch `(sequence, target)` pairs whose sequences differ in length.

    Sequences cannot be stacked unless they have the same length, so each one is copied
    into the front of a (batch, longest, ...) tensor filled with `padding_value`. The true
    lengths come along, so a model can ignore the padding (e.g. `pack_padded_sequence`).
    Returns `((padded, lengths), targets)`.
    """
    sequences, targets = zip(*batch, strict=True)
    lengths = torch.tensor([len(sequence) for sequence in sequences])
    first = sequences[0]
    padded = first.new_full((len(sequences), int(lengths.max()), *first.shape[1:]), padding_value)
    for row, sequence in enumerate(sequences):
        padded[row, : len(sequence)] = sequence
    return (padded, lengths), _stack(targets)
