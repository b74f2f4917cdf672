"""Seed 000's "more complex loss" model: y = sin(w x), with the single parameter w."""

from __future__ import annotations

import torch
from torch import nn

from minibatch.errors import UserError


class SineModel(nn.Module):
    """y = sin(w x) for one input feature; w starts at `w_init` (1.0 in the notebook)."""

    def __init__(self, in_features: int = 1, out_features: int = 1, w_init: float = 1.0) -> None:
        super().__init__()
        if in_features != 1 or out_features != 1:
            raise UserError(
                f"model=sine maps one input to one output, but this dataset has {in_features} "
                f"inputs and {out_features} outputs: use model=mlp."
            )
        self.in_features = in_features
        self.w = nn.Parameter(torch.tensor(float(w_init)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.w * x)
