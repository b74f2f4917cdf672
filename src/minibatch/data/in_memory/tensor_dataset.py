"""An in-memory dataset of (features, target) tensors, indexable by one item or a whole batch."""

from __future__ import annotations

import torch
from torch.utils.data import Dataset

Index = int | slice | torch.Tensor


class TensorPairDataset(Dataset):
    """Features and targets held as two tensors with one row per example.

    This is the seed notebooks' `RegressionDataset` (it refuses tensors of different lengths)
    with one addition that makes mini-batching fast: an index may be a whole tensor of
    indices or a slice, so a batch is fetched with one tensor operation instead of
    `batch_size` calls to `__getitem__` followed by a collate that stacks them again.
    """

    def __init__(self, features: torch.Tensor, targets: torch.Tensor) -> None:
        if len(features) != len(targets):
            raise ValueError(
                f"features and targets don't have the same length ({len(features)} != "
                f"{len(targets)}): give one target per example."
            )
        self.features = features
        self.targets = targets

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: Index) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[index], self.targets[index]

    def to(self, device: torch.device | str) -> TensorPairDataset:
        """The same data on `device`, moved once so that no batch is copied again later."""
        return TensorPairDataset(self.features.to(device), self.targets.to(device))
