"""Seed 003's collate_fn example: sentences of different lengths, batched with padding.

A bag-of-words "sentiment" task: batches are `((tokens, lengths), labels)`, padded with 0 to
the longest row of the batch, on the batched path and through `pad_collate` alike.
"""

from __future__ import annotations

import torch

from minibatch.data.in_memory.collate import PAD
from minibatch.data.in_memory.tensor_dataset import Index
from minibatch.data_spec import DataSpec
from minibatch.errors import UserError
from minibatch.examples.data.synthetic import SyntheticDataModule


class SequenceDataset(torch.utils.data.Dataset):
    """Variable-length token sequences stored padded, with their lengths and labels."""

    def __init__(self, tokens: torch.Tensor, lengths: torch.Tensor, targets: torch.Tensor) -> None:
        if not len(tokens) == len(lengths) == len(targets):
            raise ValueError("tokens, lengths and targets must have one row per example.")
        self.tokens, self.lengths, self.targets = tokens, lengths, targets

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: Index):
        if isinstance(index, int):  # one example, unpadded: the per-item path collates it
            return self.tokens[index, : self.lengths[index]], self.targets[index]
        lengths = self.lengths[index]
        width = int(lengths.max()) if len(lengths) else 0
        return (self.tokens[index, :width], lengths), self.targets[index]

    def to(self, device: torch.device | str) -> SequenceDataset:
        return SequenceDataset(
            self.tokens.to(device), self.lengths.to(device), self.targets.to(device)
        )


def generate_sequences(
    size: int, vocab_size: int, min_length: int, max_length: int, generator: torch.Generator
) -> SequenceDataset:
    """`size` random sequences labelled 1 when positive tokens outnumber negative ones."""
    lengths = torch.randint(min_length, max_length + 1, (size,), generator=generator)
    tokens = torch.randint(1, vocab_size, (size, max_length), generator=generator)
    tokens[torch.arange(max_length)[None, :] >= lengths[:, None]] = PAD
    positive_cut = vocab_size // 2
    positive = ((tokens >= 1) & (tokens < positive_cut)).sum(1)
    negative = (tokens >= positive_cut).sum(1)
    labels = (positive > negative).float().reshape(size, 1)
    return SequenceDataset(tokens, lengths, labels)


class SequenceDataModule(SyntheticDataModule):
    """2,000 training and 500 validation sequences of the bag-of-words sentiment task."""

    task = "binary"
    input_kind = "tokens"

    def __init__(
        self,
        train_size: int = 2000,
        valid_size: int = 500,
        vocab_size: int = 20,
        min_length: int = 3,
        max_length: int = 30,
        data_seed: int = 1337,
        **loader_options,
    ) -> None:
        loader_options.setdefault("collate", "padding")
        super().__init__(train_size, valid_size, data_seed, **loader_options)
        if not 1 <= min_length <= max_length:
            raise UserError("data.min_length must be at least 1 and at most data.max_length.")
        if not vocab_size >= 2:  # token 0 is the padding
            raise UserError(f"data.vocab_size must be 2 or more, got {vocab_size!r}.")
        if self.loader == "per_item" and self.collate != "padding":
            raise UserError("sequences have different lengths: use data.collate=padding.")
        self.vocab_size, self.min_length, self.max_length = vocab_size, min_length, max_length

    def describe(self, train: SequenceDataset) -> DataSpec:
        return DataSpec(
            task=self.task, input_shape=(self.max_length,), input_kind="tokens",
            vocab_size=self.vocab_size,
        )  # fmt: skip

    def generate(self, size: int, generator: torch.Generator) -> SequenceDataset:
        return generate_sequences(
            size, self.vocab_size, self.min_length, self.max_length, generator
        )
