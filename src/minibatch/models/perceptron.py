"""Seed 001's single-layer perceptron: Linear(in, 1), a logistic regression.

It returns the logit (no sigmoid): the binary task applies `BCEWithLogitsLoss`, the
numerically stable form the notebook's first run uses, and the sigmoid for accuracy.
`loss=sigmoid_mse` in the model config trains on the MSE of the sigmoid output instead,
as the notebook's second and third runs do.
"""

from __future__ import annotations

import torch
from torch import nn

from minibatch.errors import UserError


class Perceptron(nn.Module):
    """One linear unit: w x + b."""

    def __init__(self, in_features: int = 1, out_features: int = 1) -> None:
        super().__init__()
        if out_features != 1:
            raise UserError(
                f"model=perceptron has one output but this dataset needs {out_features}: "
                "use model=mlp (or model=linear) for several classes."
            )
        self.in_features = in_features
        self.lay1 = nn.Linear(in_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lay1(x)
