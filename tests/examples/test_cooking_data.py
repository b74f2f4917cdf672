"""Seed 000's cooking DataModule: the data, its loaders and their batches."""

from __future__ import annotations

import pytest
import torch

from minibatch.data.in_memory.tensor_dataset import TensorPairDataset
from minibatch.errors import UserError
from minibatch.examples.data.cooking import CookingDataModule, cake_rating
from minibatch.speed.grouped_steps import group_training_batches


def batches(loader) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [(x.clone(), y.clone()) for x, y in loader]


def test_default_sizes_shapes_and_dtypes():
    datamodule = CookingDataModule(batch_size=10_000)
    datamodule.setup("fit")
    train, valid = datamodule.splits["train"], datamodule.splits["valid"]
    assert len(train) == 500_000 and len(valid) == 18_000
    x, y = next(iter(datamodule.train_dataloader()))
    assert x.shape == (10_000, 1) and y.shape == (10_000, 1)
    assert x.dtype == torch.float32 and y.dtype == torch.float32
    assert train.features.min() >= 0 and train.features.max() <= 115


def test_noise_around_the_documented_curve_has_the_configured_scale():
    datamodule = CookingDataModule(train_size=200_000, valid_size=10, noise_scale=0.9)
    train = datamodule.build_splits()["train"]
    residual = train.targets - cake_rating(train.features)
    assert residual.mean().abs() < 0.01
    assert residual.std().item() == pytest.approx(0.9, abs=0.01)


def test_data_depends_on_data_seed_only():
    a = CookingDataModule(train_size=100, valid_size=10, seed=1).build_splits()
    b = CookingDataModule(train_size=100, valid_size=10, seed=2).build_splits()
    c = CookingDataModule(train_size=100, valid_size=10, data_seed=7).build_splits()
    assert torch.equal(a["train"].features, b["train"].features)
    assert not torch.equal(a["train"].features, c["train"].features)


def test_validation_batches_as_in_the_notebook_10000_then_8000():
    datamodule = CookingDataModule(train_size=100, batch_size=10_000)
    sizes = [len(y) for _, y in datamodule.val_dataloader()]
    assert sizes == [10_000, 8_000]
    assert [len(y) for _, y in datamodule.val_dataloader()] == sizes, "same batches again"


def test_drop_last_drops_the_partial_training_batch():
    keep = CookingDataModule(train_size=25_000, valid_size=10, batch_size=10_000)
    drop = CookingDataModule(train_size=25_000, valid_size=10, batch_size=10_000, drop_last=True)
    assert [len(y) for _, y in keep.train_dataloader()] == [10_000, 10_000, 5_000]
    assert [len(y) for _, y in drop.train_dataloader()] == [10_000, 10_000]


def test_train_reshuffles_each_epoch_valid_never_and_a_seed_replays():
    datamodule = CookingDataModule(train_size=1_000, valid_size=500, batch_size=100, seed=3)
    loader = datamodule.train_dataloader()
    first = batches(loader)
    loader.sampler.set_epoch(1)  # what Lightning does before every epoch
    second = batches(loader)
    assert not torch.equal(first[0][0], second[0][0])
    assert torch.equal(
        torch.cat([x for x, _ in first]).sort(0).values,
        torch.cat([x for x, _ in second]).sort(0).values,
    )
    replay = CookingDataModule(train_size=1_000, valid_size=500, batch_size=100, seed=3)
    replayed = batches(replay.train_dataloader())
    assert all(torch.equal(a[0], b[0]) for a, b in zip(first, replayed, strict=True))
    valid = datamodule.val_dataloader()
    v1 = batches(valid)
    valid.sampler.set_epoch(1)
    assert all(torch.equal(a[0], b[0]) for a, b in zip(v1, batches(valid), strict=True))
    assert torch.equal(v1[0][0], datamodule.splits["valid"].features[:100])


def test_unshuffled_training_is_sequential():
    datamodule = CookingDataModule(train_size=1_000, valid_size=10, batch_size=100, shuffle=False)
    x, _ = next(iter(datamodule.train_dataloader()))
    assert torch.equal(x, datamodule.splits["train"].features[:100])


def test_per_item_loader_yields_the_same_batches_as_the_batched_one():
    options = dict(train_size=1_000, valid_size=300, batch_size=64, seed=11)
    fast = CookingDataModule(**options)
    stock = CookingDataModule(**options, loader="per_item")
    for a, b in zip(
        batches(fast.train_dataloader()), batches(stock.train_dataloader()), strict=True
    ):
        assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    for a, b in zip(batches(fast.val_dataloader()), batches(stock.val_dataloader()), strict=True):
        assert torch.equal(a[0], b[0])


def test_workers_give_the_same_batches():
    options = dict(train_size=500, valid_size=10, batch_size=100, seed=4)
    single = batches(CookingDataModule(**options).train_dataloader())
    workers = batches(CookingDataModule(**options, num_workers=2).train_dataloader())
    assert all(torch.equal(a[0], b[0]) for a, b in zip(single, workers, strict=True))


def test_mismatched_lengths_raise_value_error_like_the_seed():
    with pytest.raises(ValueError, match="don't have the same length"):
        TensorPairDataset(torch.zeros(3, 1), torch.zeros(4, 1))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(train_size=-1), "train_size must be a positive integer"),
        (dict(noise_scale=-0.1), "noise_scale must be 0 or more"),
        (dict(sampler="shuffled"), "data.sampler='shuffled' is not one of"),
        (dict(num_workers=-1), "num_workers must be 0 or a positive integer"),
    ],
)
def test_bad_options_give_one_clear_sentence(options, message):
    with pytest.raises(UserError, match=message):
        CookingDataModule(**options)


def test_weighted_sampler_needs_classes():
    datamodule = CookingDataModule(train_size=100, valid_size=10, sampler="weighted")
    with pytest.raises(UserError, match="needs a classification dataset"):
        datamodule.train_dataloader()


@pytest.mark.parametrize("drop_last", [False, True])
def test_grouped_batches_are_the_same_on_both_loader_paths(drop_last):
    # 1,050 rows in batches of 100: 10 whole batches (+ 50 unless dropped), groups of 3.
    options = dict(train_size=1_050, valid_size=10, batch_size=100, seed=2, drop_last=drop_last)
    fast, stock = CookingDataModule(**options), CookingDataModule(**options, loader="per_item")
    for module in (fast, stock):
        group_training_batches(module, 3)
    fast, stock = list(fast.train_dataloader()), list(stock.train_dataloader())
    sizes = [[len(y) for _, y in group] for group in fast]
    assert sizes == [[100] * 3] * 3 + ([[100]] if drop_last else [[100, 50]])
    assert [[len(y) for _, y in group] for group in stock] == sizes
    for fast_group, stock_group in zip(fast, stock, strict=True):
        for (x1, y1), (x2, y2) in zip(fast_group, stock_group, strict=True):
            assert torch.equal(x1, x2) and torch.equal(y1, y2)
