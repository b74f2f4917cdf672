"""Seed 000's "effect of batch size" data: y = 2x + noise, for a one-parameter model y = w x.

The loss over w is a parabola, and each mini-batch sees its own, noisier one.
"""

from __future__ import annotations

import torch

from minibatch.data.in_memory.tensor_dataset import TensorPairDataset
from minibatch.examples.data.synthetic import SyntheticDataModule


def generate_linear_data(
    size: int, slope: float, noise_scale: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """x uniform in [0, 10] and y = slope * x + N(0, noise_scale), each (size, 1) float32."""
    x = torch.rand(size, 1, generator=generator) * 10.0
    return x, slope * x + torch.randn(size, 1, generator=generator) * noise_scale


class LinearDataModule(SyntheticDataModule):
    """`train_size` training points (500 as in the notebook) and a validation set like it."""

    task = "regression"

    def __init__(
        self,
        train_size: int = 500,
        valid_size: int = 500,
        slope: float = 2.0,
        noise_scale: float = 3.0,
        data_seed: int = 1337,
        **loader_options,
    ) -> None:
        super().__init__(train_size, valid_size, data_seed, **loader_options)
        self.slope, self.noise_scale = slope, noise_scale

    def generate(self, size: int, generator: torch.Generator) -> TensorPairDataset:
        return TensorPairDataset(
            *generate_linear_data(size, self.slope, self.noise_scale, generator)
        )
