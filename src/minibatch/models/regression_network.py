"""Seed 000's `RegressionNetwork`: one hidden layer of sigmoids on a centred input."""

from __future__ import annotations

import torch
from torch import nn


class RegressionNetwork(nn.Module):
    """Linear(in, hidden) -> Sigmoid -> Linear(hidden, out), applied to `x - center`.

    With the defaults this is the notebook's net exactly: 10 hidden units and cooking times
    centred at 115 / 2, the middle of their range, so the sigmoids start near their
    steep part instead of saturated.
    """

    def __init__(
        self, in_features: int = 1, out_features: int = 1, hidden: int = 10, center: float = 115 / 2
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.center = center
        self.model = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.Sigmoid(),
            nn.Linear(hidden, out_features),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x - self.center)
