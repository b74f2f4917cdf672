"""The scratch collate functions build the batches default_collate and pad_sequence build."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import default_collate

from minibatch.examples.scratch.collate import collate, pad_collate


def _assert_same_batch(ours, theirs) -> None:
    if isinstance(theirs, torch.Tensor):
        assert ours.dtype == theirs.dtype
        torch.testing.assert_close(ours, theirs, rtol=0, atol=0)
        return
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        _assert_same_batch(a, b)


EXAMPLES = {
    "tensor and int label": [(torch.randn(3, 2), i) for i in range(4)],
    "tensor and tensor label": [(torch.randn(5), torch.tensor(i % 2)) for i in range(3)],
    "three fields with a float": [
        (torch.arange(3) + i, 0.5 * i, torch.tensor([1.0, -1.0])) for i in range(5)
    ],
    "bare tensors": [torch.randn(2) for _ in range(4)],
    "bare ints": [3, 1, 4],
    "bare floats": [0.25, 1.5],
    "bools": [(torch.zeros(1), True), (torch.ones(1), False)],
}


@pytest.mark.parametrize("batch", EXAMPLES.values(), ids=EXAMPLES.keys())
def test_collate_matches_default_collate(batch: list) -> None:
    _assert_same_batch(collate(batch), default_collate(batch))


def test_collate_stacks_fields_in_order() -> None:
    xs, ys = collate([(torch.tensor([1.0, 2.0]), 7), (torch.tensor([3.0, 4.0]), 8)])
    assert xs.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert ys.tolist() == [7, 8] and ys.dtype == torch.int64


def test_collate_refuses_what_it_cannot_stack() -> None:
    with pytest.raises(TypeError, match="not str"):
        collate([("a", 1), ("b", 2)])


SEQUENCES = [torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6, 7]), torch.tensor([8, 9])]


@pytest.mark.parametrize("padding_value", [0, -1])
def test_pad_collate_matches_pad_sequence(padding_value: int) -> None:
    batch = [(sequence, torch.tensor(i % 2)) for i, sequence in enumerate(SEQUENCES)]
    (padded, lengths), targets = pad_collate(batch, padding_value)
    expected = pad_sequence(SEQUENCES, batch_first=True, padding_value=padding_value)
    torch.testing.assert_close(padded, expected, rtol=0, atol=0)
    assert lengths.tolist() == [3, 4, 2]
    assert targets.tolist() == [0, 1, 0]
    assert padded[2].tolist() == [8, 9, padding_value, padding_value]


def test_pad_collate_pads_sequences_of_feature_vectors() -> None:
    sequences = [torch.randn(n, 3) for n in (2, 5, 1)]
    batch = [(sequence, torch.tensor(0.5 * i)) for i, sequence in enumerate(sequences)]
    (padded, lengths), targets = pad_collate(batch)
    assert padded.shape == (3, 5, 3)
    torch.testing.assert_close(padded, pad_sequence(sequences, batch_first=True), rtol=0, atol=0)
    assert lengths.tolist() == [2, 5, 1]
    torch.testing.assert_close(targets, torch.tensor([0.0, 0.5, 1.0]))


def test_pad_collate_lengths_let_a_packed_rnn_ignore_the_padding() -> None:
    """Packing with the lengths gives each sequence's own last state, padding or not."""
    torch.manual_seed(0)
    rnn = torch.nn.RNN(1, 4, batch_first=True)
    sequences = [torch.randn(n, 1) for n in (3, 6, 2)]
    (padded, lengths), _ = pad_collate([(s, torch.tensor(0)) for s in sequences], 99.0)
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        padded, lengths, batch_first=True, enforce_sorted=False
    )
    _, last = rnn(packed)
    for row, sequence in enumerate(sequences):
        _, alone = rnn(sequence[None])
        torch.testing.assert_close(last[0, row], alone[0, 0])
