"""Seed 000's one-parameter model y = w x, or the affine y = w x + b with `bias=true`.

One parameter, so its loss over w can be drawn (figures/batch_losses.py).
"""

from __future__ import annotations

import torch
from torch import nn

from minibatch.data_spec import DataSpec


class LinearModel(nn.Module):
    """A single linear layer; with one input and no bias it is the notebook's y = w x.

    `w_init` starts every weight at a given value (the notebooks start w at fixed points
    to show how training moves it); null keeps PyTorch's random initialisation.
    """

    def __init__(self, spec: DataSpec, bias: bool = False, w_init: float | None = None) -> None:
        super().__init__()
        self.linear = nn.Linear(spec.input_size, spec.output_size, bias=bias)
        if w_init is not None:
            nn.init.constant_(self.linear.weight, w_init)
            if bias:
                nn.init.zeros_(self.linear.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)
