"""A LightningModule of a user's whose learning rate is fixed in its code (no `lr` argument):
the learning-rate finder can search it, but cannot train it with the rate found."""

from __future__ import annotations

import lightning as L
import torch
from torch import nn


class FixedRateRegressor(L.LightningModule):
    def __init__(self, in_features: int = 2) -> None:
        super().__init__()
        self.net = nn.Linear(in_features, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self.net(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val/loss", nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)
