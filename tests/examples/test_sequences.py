"""Seed 003's collate_fn: variable-length sequences, padded per batch, with lengths."""

from __future__ import annotations

import torch

from minibatch.data.in_memory.collate import pad_collate
from minibatch.examples.data.sequences import SequenceDataModule


def test_pad_collate_pads_to_the_longest_and_keeps_lengths():
    items = [
        (torch.tensor([1, 2, 3]), torch.tensor([0.0])),
        (torch.tensor([4, 5]), torch.tensor([1.0])),
    ]
    (tokens, lengths), labels = pad_collate(items)
    assert tokens.tolist() == [[1, 2, 3], [4, 5, 0]]
    assert lengths.tolist() == [3, 2] and labels.tolist() == [[0.0], [1.0]]


def test_batches_are_padded_to_their_longest_sequence():
    module = SequenceDataModule(batch_size=16, train_size=200, valid_size=50)
    for (tokens, lengths), labels in module.train_dataloader():
        assert tokens.shape == (len(labels), int(lengths.max()))
        assert (tokens[torch.arange(tokens.shape[1])[None, :] >= lengths[:, None]] == 0).all()
        assert (tokens[torch.arange(tokens.shape[1])[None, :] < lengths[:, None]] > 0).all()
        assert 3 <= lengths.min() and lengths.max() <= 30


def test_per_item_padding_collate_gives_the_same_batches():
    options = dict(batch_size=16, train_size=200, valid_size=50, seed=2)
    fast, stock = SequenceDataModule(**options), SequenceDataModule(**options, loader="per_item")
    for a, b in zip(fast.train_dataloader(), stock.train_dataloader(), strict=True):
        assert torch.equal(a[0][0], b[0][0]) and torch.equal(a[0][1], b[0][1])
        assert torch.equal(a[1], b[1])


def test_labels_follow_the_documented_rule():
    module = SequenceDataModule(train_size=500, valid_size=10)
    module.setup()
    train = module.splits["train"]
    positive = ((train.tokens >= 1) & (train.tokens < 10)).sum(1)
    negative = (train.tokens >= 10).sum(1)
    assert torch.equal(train.targets[:, 0], (positive > negative).float())
    assert 0.3 < train.targets.mean() < 0.7
