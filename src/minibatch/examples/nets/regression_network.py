"""Seed 000's `RegressionNetwork`: one hidden layer of sigmoids on a centred input.

The notebook's net exactly: centring the input starts the sigmoids on their steep part.
"""

from __future__ import annotations

import torch
from torch import nn

from minibatch.data_spec import DataSpec


class RegressionNetwork(nn.Module):
    """Linear(in, hidden) -> Sigmoid -> Linear(hidden, out), applied to `x - center`.

    With the defaults this is the notebook's net exactly: 10 hidden units and cooking times
    centred at 115 / 2, the middle of their range, so the sigmoids start near their
    steep part instead of saturated.
    """

    def __init__(self, spec: DataSpec, hidden: int = 10, center: float = 115 / 2) -> None:
        super().__init__()
        self.center = center
        self.model = nn.Sequential(
            nn.Linear(spec.input_size, hidden),
            nn.Sigmoid(),
            nn.Linear(hidden, spec.output_size),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x - self.center)
