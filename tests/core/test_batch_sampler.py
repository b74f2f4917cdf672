"""The index batch sampler: the order of batches, their sizes, DDP shards, weighted draws."""

from __future__ import annotations

import pytest
import torch

from minibatch.data.in_memory.batch_sampler import IndexBatchSampler


def as_lists(sampler: IndexBatchSampler) -> list[list[int]]:
    out = []
    for batch in sampler:
        out.append(
            list(range(batch.start, batch.stop)) if isinstance(batch, slice) else batch.tolist()
        )
    return out


def test_sequential_batches_with_a_partial_last_one():
    batches = as_lists(IndexBatchSampler(18_000, 10_000, order="sequential"))
    assert [len(b) for b in batches] == [10_000, 8_000]
    assert batches[0][:3] == [0, 1, 2] and batches[1][-1] == 17_999


def test_drop_last_drops_only_the_partial_batch():
    sampler = IndexBatchSampler(18_000, 10_000, order="random", drop_last=True)
    assert len(sampler) == 1 and [len(b) for b in as_lists(sampler)] == [10_000]


def test_random_order_is_a_permutation_that_changes_every_epoch_and_replays_by_seed():
    sampler = IndexBatchSampler(100, 30, order="random", seed=5)
    epoch0 = sum(as_lists(sampler), [])
    sampler.set_epoch(1)
    epoch1 = sum(as_lists(sampler), [])
    assert sorted(epoch0) == list(range(100)) and sorted(epoch1) == list(range(100))
    assert epoch0 != epoch1
    again = IndexBatchSampler(100, 30, order="random", seed=5)
    assert sum(as_lists(again), []) == epoch0
    assert sum(as_lists(IndexBatchSampler(100, 30, order="random", seed=6)), []) != epoch0


@pytest.mark.parametrize("order", ["random", "sequential"])
def test_ddp_shards_are_disjoint_and_cover_the_epoch(order):
    shards = [
        as_lists(IndexBatchSampler(103, 10, order=order, num_replicas=4, rank=r)) for r in range(4)
    ]
    flat = [sum(shard, []) for shard in shards]
    assert all(len(f) == 26 for f in flat), "every rank gets ceil(103 / 4) examples"
    assert set().union(*map(set, flat)) == set(range(103))
    assert all(len(s) == 3 for s in shards)


def test_weighted_order_balances_an_imbalanced_dataset():
    labels = torch.tensor([0] * 950 + [1] * 50)
    weights = (1.0 / torch.bincount(labels).double())[labels]
    sampler = IndexBatchSampler(1000, 100, order="weighted", weights=weights, seed=0)
    drawn = torch.cat([labels[b] for b in sampler])
    assert len(drawn) == 1000
    assert abs(drawn.float().mean().item() - 0.5) < 0.05


@pytest.mark.parametrize("order", ["sequential", "random"])
def test_start_at_serves_the_rest_of_the_epoch_once(order):
    sampler = IndexBatchSampler(95, 10, order=order, drop_last=True, seed=2)
    sampler.set_epoch(3)
    whole = as_lists(sampler)
    sampler.start_at(4)
    assert as_lists(sampler) == whole[4:], "the same batches as the epoch's tail"
    assert as_lists(sampler) == whole, "the next pass starts at the first batch again"
