"""Every dataset, built from its config: batch shapes, partial batches, order, reproducibility."""

from __future__ import annotations

import math

import hydra
import pytest
import torch

from minibatch.runs.project_paths import CONFIG_DIR

# The in-memory datasets (the image folder reads files per item: tests/core; streamed
# shards: tests/core/test_streaming.py and test_cooking_stream.py).
DATASETS = sorted(
    path.stem
    for path in (CONFIG_DIR / "data").glob("*.yaml")
    if path.stem not in {"image_folder", "cooking_stream"}
)
BATCH = 16


def features_of(batch) -> torch.Tensor:
    x = batch[0]
    return x[0] if isinstance(x, tuple) else x  # sequences: (tokens, lengths)


def datamodule(compose_config, offline_data, name: str, *overrides: str):
    cfg = compose_config(f"data={name}", *offline_data(name), f"batch_size={BATCH}", *overrides)
    module = hydra.utils.instantiate(cfg.data)
    module.prepare_data()
    module.setup("fit")
    return module


def test_every_dataset_of_the_issue_is_configured():
    assert set(DATASETS) >= {"cooking", "linear", "sine", "logistic", "mnist", "boston", "weather",
                             "csv", "sequences"}  # fmt: skip


@pytest.mark.parametrize("name", DATASETS)
def test_batch_shapes_and_dtypes(compose_config, offline_data, name):
    module = datamodule(compose_config, offline_data, name)
    batch = next(iter(module.train_dataloader()))
    x, y = batch
    assert len(y) == BATCH
    if module.input_kind == "tokens":
        tokens, lengths = x
        assert (
            tokens.dtype == torch.int64 and tokens.shape[0] == BATCH and lengths.shape == (BATCH,)
        )
    else:
        assert x.dtype == torch.float32 and x.shape == (BATCH, module.spec.input_size)
    if module.task == "multiclass":
        assert y.dtype == torch.int64 and y.shape == (BATCH,)
        assert 0 <= y.min() and y.max() < module.num_classes
    else:
        assert y.dtype == torch.float32 and y.shape == (BATCH, 1)
    if module.task == "binary":
        assert set(y.unique().tolist()) <= {0.0, 1.0}


@pytest.mark.parametrize("name", DATASETS)
def test_last_partial_batch_and_drop_last(compose_config, offline_data, name):
    keep = datamodule(compose_config, offline_data, name)
    size = len(keep.splits["train"])
    sizes = [len(y) for _, y in keep.train_dataloader()]
    assert sum(sizes) == size and len(sizes) == math.ceil(size / BATCH)
    assert sizes[-1] == size - BATCH * (len(sizes) - 1)
    drop = datamodule(compose_config, offline_data, name, "data.drop_last=true")
    assert [len(y) for _, y in drop.train_dataloader()] == [BATCH] * (size // BATCH)
    valid_sizes = [len(y) for _, y in drop.val_dataloader()]
    assert sum(valid_sizes) == len(drop.splits["valid"]), "validation never drops a batch"


@pytest.mark.parametrize("name", DATASETS)
def test_train_order_changes_each_epoch_valid_never_and_seed_replays(
    compose_config, offline_data, name
):
    module = datamodule(compose_config, offline_data, name, "data.shuffle=true", "seed=3")
    train = module.train_dataloader()
    first = torch.cat([features_of(b).flatten(1).float().sum(1) for b in train])
    train.sampler.set_epoch(1)
    second = torch.cat([features_of(b).flatten(1).float().sum(1) for b in train])
    assert not torch.equal(first, second)
    valid = module.val_dataloader()
    v0 = [features_of(b) for b in valid]
    valid.sampler.set_epoch(1)
    assert all(torch.equal(a, b) for a, b in zip(v0, [features_of(b) for b in valid], strict=True))
    again = datamodule(compose_config, offline_data, name, "data.shuffle=true", "seed=3")
    replay = torch.cat([features_of(b).flatten(1).float().sum(1) for b in again.train_dataloader()])
    assert torch.equal(first, replay)
