"""How a list of examples becomes one batch on the per-item path (seed 003's collate_fn).

torch's `default_collate` stacks; `pad_collate` pads sequences of different lengths first.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import default_collate

from minibatch.data_spec import PAD


def pad_collate(items: list[tuple[torch.Tensor, torch.Tensor]]):
    """Pad sequences of different lengths to the longest one and keep their lengths.

    Returns `((padded, lengths), targets)`: padded is (batch, longest) filled with `PAD`.
    """
    sequences, targets = zip(*items, strict=True)
    lengths = torch.tensor([len(sequence) for sequence in sequences])
    padded = pad_sequence(list(sequences), batch_first=True, padding_value=PAD)
    return (padded, lengths), torch.stack(targets)


COLLATES: dict[str, Callable] = {"default": default_collate, "padding": pad_collate}
