"""torch's `TensorDataset` of (features, targets), named, and moved to a device whole.

`TensorDataset` already indexes every tensor with a whole tensor of indices or a slice, so
a batch is one tensor operation (loader.py), not `batch_size` calls and a collate.
"""

from __future__ import annotations

import torch
from torch.utils.data import TensorDataset

Index = int | slice | torch.Tensor  # one example, or a whole batch at once


class TensorPairDataset(TensorDataset):
    """Features and targets held as two tensors with one row per example (the seed notebooks'
    `RegressionDataset`, which refuses tensors of different lengths)."""

    def __init__(self, features: torch.Tensor, targets: torch.Tensor) -> None:
        if len(features) != len(targets):
            raise ValueError(
                f"features and targets don't have the same length ({len(features)} != "
                f"{len(targets)}): give one target per example."
            )
        super().__init__(features, targets)

    @property
    def features(self) -> torch.Tensor:
        return self.tensors[0]

    @property
    def targets(self) -> torch.Tensor:
        return self.tensors[1]

    def to(self, device: torch.device | str) -> TensorPairDataset:
        """The same data on `device`, moved once so that no batch is copied again later."""
        return TensorPairDataset(self.features.to(device), self.targets.to(device))
