"""For scripts/streaming_memory.py: the rows of a shard set, loaded whole into memory."""

from __future__ import annotations

import numpy as np
import torch

from minibatch.data.in_memory.datamodule import InMemoryDataModule
from minibatch.data.in_memory.tensor_dataset import TensorPairDataset


def load_rows(folder: str) -> torch.Tensor:
    from litdata import StreamingDataset

    blocks = StreamingDataset(folder, shuffle=False)
    return torch.from_numpy(np.concatenate([np.asarray(b) for b in blocks]))


class RowsInMemory(InMemoryDataModule):
    """The same rows as the streamed shards under `root`, held as tensors."""

    def __init__(self, root: str, **loader_options) -> None:
        super().__init__(**loader_options)
        self.root = root

    def build_splits(self) -> dict[str, TensorPairDataset]:
        splits = {}
        for name in ("train", "valid"):
            rows = load_rows(f"{self.root}/{name}")
            splits[name] = TensorPairDataset(rows[:, :1].contiguous(), rows[:, 1:].contiguous())
        return splits
