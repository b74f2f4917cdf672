"""Seed 001's single-layer perceptron: Linear(in, 1), a logistic regression returning the logit.

The binary task applies the numerically stable BCE with logits; `loss=sigmoid_mse` trains on
the sigmoid's MSE instead, as the notebook's second and third runs do.
"""

from __future__ import annotations

import torch
from torch import nn

from minibatch.data_spec import DataSpec
from minibatch.errors import UserError


class Perceptron(nn.Module):
    """One linear unit: w x + b."""

    def __init__(self, spec: DataSpec) -> None:
        super().__init__()
        if spec.output_size != 1:
            raise UserError(
                f"model=perceptron has one output but this dataset needs {spec.output_size}: "
                "use model=mlp (or model=linear) for several classes."
            )
        self.lay1 = nn.Linear(spec.input_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lay1(x)
