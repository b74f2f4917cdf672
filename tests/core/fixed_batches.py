"""A DataModule of a user's whose batch size is fixed in its code (no `batch_size` attribute):
Lightning's batch-size finder has nothing to change."""

from __future__ import annotations

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class FixedBatchesDataModule(L.LightningDataModule):
    def setup(self, stage: str | None = None) -> None:
        x = torch.randn(600, 2, generator=torch.Generator().manual_seed(5))
        y = x @ torch.tensor([[3.0], [-2.0]]) + 1
        self.train_set, self.valid_set = (
            TensorDataset(x[:500], y[:500]),
            TensorDataset(x[500:], y[500:]),
        )

    def train_dataloader(self) -> DataLoader:
        return DataLoader(self.train_set, batch_size=50, shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(self.valid_set, batch_size=50)
