"""Seed 002's MLP (784-50-10: Linear -> ReLU -> Linear), any depth, optional dropout.

For token sequences (data=sequences) an `EmbeddingBag` goes in front: it averages the
embeddings of each sequence's tokens (padding ignored), a bag of words the layers classify.
"""

from __future__ import annotations

import torch
from torch import nn

from minibatch.data.collate import PAD


class MLP(nn.Module):
    """Linear -> ReLU (-> Dropout) for each hidden size, then a Linear to the outputs.

    Args:
        in_features, out_features: from the dataset.
        hidden: hidden layer sizes ([50] in the notebook; [] is a linear model).
        dropout: dropout probability after each hidden layer.
        vocab_size: given for token data; adds the embedding bag of `embedding_dim`.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        hidden: list[int] | tuple[int, ...] = (50,),
        dropout: float = 0.0,
        vocab_size: int | None = None,
        embedding_dim: int = 16,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.embedding = None
        width = in_features
        if vocab_size is not None:
            self.embedding = nn.EmbeddingBag(
                vocab_size, embedding_dim, mode="mean", padding_idx=PAD
            )
            width = embedding_dim
        layers: list[nn.Module] = []
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, out_features))
        self.layers = nn.Sequential(*layers)

    def forward(self, x) -> torch.Tensor:
        if self.embedding is not None:
            tokens, _lengths = x  # padding_idx makes the mean ignore the padded positions
            x = self.embedding(tokens)
        return self.layers(x)

    def example_input(self):
        """A batch of two examples, for the model summary's shapes."""
        if self.embedding is not None:
            return (torch.ones(2, 5, dtype=torch.long), torch.full((2,), 5))
        return torch.zeros(2, self.in_features)
