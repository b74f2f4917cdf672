"""The core tests' own data, so that deleting the notebook examples leaves them green.

- `TinyDataModule`: the in-memory base, a regression y = 3 x1 - 2 x2 + 1 + N(0, 0.1^2)
  (noise variance 0.01: the floor a trained model reaches) or three Gaussian blobs.
- `PlainDataModule`: a LightningDataModule written exactly as Lightning's documentation
  writes one (a plain `Dataset`, stock `DataLoader`s, no base class of ours) plus the one
  line this template asks for: `self.spec = DataSpec(...)`. Its `prepare_data` appends a
  line to `prepare_log` so tests can count how often Lightning called it.
"""

from __future__ import annotations

from pathlib import Path

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset

from minibatch.data.in_memory.datamodule import InMemoryDataModule
from minibatch.data.in_memory.tensor_dataset import TensorPairDataset
from minibatch.data_spec import DataSpec

NOISE = 0.1


def tiny_regression(size: int, generator: torch.Generator) -> TensorPairDataset:
    x = torch.randn(size, 2, generator=generator)
    y = 3 * x[:, :1] - 2 * x[:, 1:] + 1 + NOISE * torch.randn(size, 1, generator=generator)
    return TensorPairDataset(x, y)


def tiny_blobs(size: int, generator: torch.Generator) -> TensorPairDataset:
    labels = torch.randint(0, 3, (size,), generator=generator)
    centres = torch.tensor([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    return TensorPairDataset(centres[labels] + torch.randn(size, 2, generator=generator), labels)


class TinyDataModule(InMemoryDataModule):
    """2,000 / 500 generated examples; `task` "regression" or "multiclass" (3 blobs)."""

    def __init__(self, task: str = "regression", train_size: int = 2000, valid_size: int = 500,
                 data_seed: int = 7, **loader_options) -> None:  # fmt: skip
        super().__init__(**loader_options)
        self.task, self.num_classes = task, 3 if task == "multiclass" else None
        self.train_size, self.valid_size, self.data_seed = train_size, valid_size, data_seed

    def build_splits(self) -> dict[str, TensorPairDataset]:
        generator = torch.Generator().manual_seed(self.data_seed)
        make = tiny_blobs if self.task == "multiclass" else tiny_regression
        train, valid = make(self.train_size, generator), make(self.valid_size, generator)
        return {"train": train, "valid": valid}


class PairDataset(Dataset):
    """One (x, y) example per index: the plainest Dataset there is."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x[index], self.y[index]


class PlainDataModule(L.LightningDataModule):
    """Three blobs classified, in Lightning's documented shape."""

    def __init__(self, batch_size: int = 64, prepare_log: str | None = None) -> None:
        super().__init__()
        self.batch_size, self.prepare_log = batch_size, prepare_log

    def prepare_data(self) -> None:
        if self.prepare_log:  # stands for a download: once per machine, on rank 0
            with Path(self.prepare_log).open("a") as log:
                log.write("prepared\n")

    def setup(self, stage: str | None = None) -> None:
        generator = torch.Generator().manual_seed(3)
        train, valid = tiny_blobs(1200, generator), tiny_blobs(300, generator)
        self.train_set = PairDataset(train.features, train.targets)
        self.valid_set = PairDataset(valid.features, valid.targets)
        self.spec = DataSpec(task="multiclass", input_shape=(2,), num_classes=3)

    def train_dataloader(self) -> DataLoader:
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(self.valid_set, batch_size=self.batch_size)
