"""Seed 000's "more complex loss" model: y = sin(w x), with the single parameter w.

Its loss over w has several local minima (data/sine.py).
"""

from __future__ import annotations

import torch
from torch import nn

from minibatch.data_spec import DataSpec
from minibatch.errors import UserError


class SineModel(nn.Module):
    """y = sin(w x) for one input feature; w starts at `w_init` (1.0 in the notebook)."""

    def __init__(self, spec: DataSpec, w_init: float = 1.0) -> None:
        super().__init__()
        if spec.input_size != 1 or spec.output_size != 1:
            raise UserError(
                f"model=sine maps one input to one output, but this dataset has "
                f"{spec.input_size} inputs and {spec.output_size} outputs: use model=mlp."
            )
        self.w = nn.Parameter(torch.tensor(float(w_init)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.w * x)
