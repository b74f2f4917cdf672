"""Seed 002's MLP (784-50-10: Linear -> ReLU -> Linear), any depth, optional dropout.

The default net, for any input a `DataSpec` describes: images are flattened, token sequences
averaged by an `EmbeddingBag` (a bag of words).
"""

from __future__ import annotations

import torch
from torch import nn

from minibatch.data_spec import PAD, DataSpec


class MLP(nn.Module):
    """Linear -> ReLU (-> Dropout) for each hidden size, then a Linear to the outputs.

    Args:
        spec: the data's description (input size, outputs, token vocabulary).
        hidden: hidden layer sizes ([50] in the notebook; [] is a linear model).
        dropout: dropout probability after each hidden layer.
        embedding_dim: width of the embedding bag, for token data.
    """

    input_kinds = ("features", "images", "tokens")

    def __init__(
        self,
        spec: DataSpec,
        hidden: list[int] | tuple[int, ...] = (50,),
        dropout: float = 0.0,
        embedding_dim: int = 16,
    ) -> None:
        super().__init__()
        self.embedding = None
        width = spec.input_size
        if spec.input_kind == "tokens":
            self.embedding = nn.EmbeddingBag(
                spec.vocab_size, embedding_dim, mode="mean", padding_idx=PAD
            )
            width = embedding_dim
        layers: list[nn.Module] = []
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, spec.output_size))
        self.layers = nn.Sequential(*layers)

    def forward(self, x) -> torch.Tensor:
        if self.embedding is not None:
            tokens, _lengths = x  # padding_idx makes the mean ignore the padded positions
            x = self.embedding(tokens)
        elif x.ndim > 2:
            x = x.flatten(1)  # images: one row of pixels per example
        return self.layers(x)
