"""The scratch samplers draw what torch's do: same orders, same batches, same shares."""

from __future__ import annotations

import pytest
import torch
from torch.utils import data as torch_data

from minibatch.examples.scratch.sampling import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    WeightedSampler,
    inverse_frequency_weights,
)

DATA = range(23)


def test_sequential_sampler_matches_torch() -> None:
    ours = SequentialSampler(DATA)
    assert list(ours) == list(torch_data.SequentialSampler(DATA)) == list(range(23))
    assert len(ours) == 23


def test_random_sampler_matches_torch_for_a_seeded_generator_epoch_after_epoch() -> None:
    ours = RandomSampler(DATA, generator=torch.Generator().manual_seed(7))
    theirs = torch_data.RandomSampler(DATA, generator=torch.Generator().manual_seed(7))
    epochs = [list(ours) for _ in range(3)]
    assert epochs == [list(theirs) for _ in range(3)]
    assert all(sorted(epoch) == list(DATA) for epoch in epochs)  # each index exactly once
    assert epochs[0] != epochs[1]  # a new order each epoch
    assert len(ours) == 23


def test_random_sampler_without_generator_follows_torch_manual_seed() -> None:
    torch.manual_seed(3)
    ours = [list(RandomSampler(DATA)) for _ in range(2)]
    torch.manual_seed(3)
    theirs = [list(torch_data.RandomSampler(DATA)) for _ in range(2)]
    assert ours == theirs
    assert ours[0] != list(DATA)


@pytest.mark.parametrize("batch_size", [1, 4, 5, 23, 30])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(batch_size: int, drop_last: bool) -> None:
    ours = BatchSampler(SequentialSampler(DATA), batch_size, drop_last)
    theirs = torch_data.BatchSampler(torch_data.SequentialSampler(DATA), batch_size, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs) == len(list(ours))


def test_batch_sampler_keeps_or_drops_the_short_last_batch() -> None:
    assert list(BatchSampler(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]


def test_batch_sampler_over_random_sampler_matches_torch() -> None:
    ours = BatchSampler(RandomSampler(DATA, torch.Generator().manual_seed(5)), 4)
    theirs = torch_data.BatchSampler(
        torch_data.RandomSampler(DATA, generator=torch.Generator().manual_seed(5)), 4, False
    )
    assert list(ours) == list(theirs)


def _imbalanced_labels() -> torch.Tensor:
    """950 examples of class 0 and 50 of class 1, in a shuffled order."""
    labels = torch.cat([torch.zeros(950, dtype=torch.long), torch.ones(50, dtype=torch.long)])
    return labels[torch.randperm(1000, generator=torch.Generator().manual_seed(0))]


def test_inverse_frequency_weights() -> None:
    labels = _imbalanced_labels()
    weights = inverse_frequency_weights(labels)
    assert torch.allclose(weights[labels == 0], torch.tensor(1 / 950, dtype=torch.float64))
    assert torch.allclose(weights[labels == 1], torch.tensor(1 / 50, dtype=torch.float64))
    assert weights[labels == 0].sum().item() == pytest.approx(weights[labels == 1].sum().item())


def test_weighted_sampler_balances_classes_like_torch() -> None:
    labels = _imbalanced_labels()
    weights = inverse_frequency_weights(labels)
    draws = 20_000
    ours = torch.tensor(list(WeightedSampler(weights, draws, torch.Generator().manual_seed(1))))
    theirs = torch.tensor(
        list(
            torch_data.WeightedRandomSampler(
                weights, draws, replacement=True, generator=torch.Generator().manual_seed(1)
            )
        )
    )
    assert len(ours) == draws
    our_share, their_share = labels[ours].float().mean(), labels[theirs].float().mean()
    assert our_share.item() == pytest.approx(0.5, abs=0.02)  # from 5% of the data to ~half
    assert our_share.item() == pytest.approx(their_share.item(), abs=0.03)
    # With replacement: the 50 rare examples are each drawn many times, and all of them.
    rare = ours[labels[ours] == 1]
    assert rare.unique().numel() == 50
    assert torch.bincount(rare, minlength=1000)[labels == 1].min() > 100


def test_weighted_sampler_draws_in_proportion_to_weights_and_never_a_zero_weight() -> None:
    weights = torch.tensor([1.0, 0.0, 2.0, 7.0])
    draws = torch.tensor(list(WeightedSampler(weights, 50_000, torch.Generator().manual_seed(2))))
    shares = torch.bincount(draws, minlength=4).double() / 50_000
    expected = torch.tensor([0.1, 0.0, 0.2, 0.7], dtype=torch.float64)
    torch.testing.assert_close(shares, expected, atol=0.01, rtol=0)
    assert shares[1] == 0
