"""In-memory data on the training device: the tensors moved once in `setup`, batches indexed there.

On a CPU the path is reached through the meta device (no memory, same code); the run on a GPU
(marked `cuda`) holds its losses to the per-batch copy's.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from minibatch.cli.train import run_training
from minibatch.data.in_memory.loader import InMemoryLoader
from tests.conftest import tiny
from tests.core.tiny_data import TinyDataModule


def trained_on(device: str) -> SimpleNamespace:
    """What a DataModule reads of its trainer in `setup` and its loaders, on `device`."""
    strategy = SimpleNamespace(root_device=torch.device(device))
    return SimpleNamespace(strategy=strategy, world_size=1, global_rank=0, overfit_batches=0)


@pytest.mark.parametrize("sampler", ["random", "sequential"])
def test_the_splits_move_once_and_batches_are_indexed_on_the_device(sampler):
    data = TinyDataModule(batch_size=100, sampler=sampler)
    data.trainer = trained_on("meta")
    data.setup("fit")
    features = data.splits["train"].features
    assert features.device.type == "meta" and data.splits["valid"].targets.device.type == "meta"
    data.setup("validate")  # Lightning calls setup again for each stage: nothing moves again
    assert data.splits["train"].features is features
    loader = data.train_dataloader()
    assert isinstance(loader, InMemoryLoader), "no DataLoader, no pinned copy per batch"
    x, y = next(iter(loader))
    assert x.device.type == "meta" and y.device.type == "meta" and len(x) == 100


def test_the_splits_stay_where_they_are_when_asked():
    data = TinyDataModule(batch_size=100, data_on_device=False)
    data.trainer = trained_on("meta")
    data.setup("fit")
    assert data.splits["train"].features.device.type == "cpu"


@pytest.mark.cuda
@pytest.mark.slow
def test_data_on_the_gpu_trains_to_the_losses_of_a_copy_per_batch(compose_config):
    runs = {
        resident: run_training(
            compose_config(*tiny("trainer=gpu", f"data.data_on_device={str(resident).lower()}"))
        )
        for resident in (True, False)
    }
    devices = {r: run.trainer.datamodule.splits["train"].features.device.type
               for r, run in runs.items()}  # fmt: skip
    assert devices == {True: "cuda", False: "cpu"}
    for metric in ("train/loss", "val/loss"):
        assert runs[True].metrics[metric] == pytest.approx(runs[False].metrics[metric], rel=1e-6)
