"""Seed 000's "more complex loss": one parameter w, a loss with several local minima.

Full-batch descent from w = 1.0 stays in the minimum near 0.81; the noisier gradients of
small batches can jump out of it, as the notebook shows.
"""

from __future__ import annotations

import torch

from minibatch.data.in_memory.tensor_dataset import TensorPairDataset
from minibatch.examples.data.synthetic import SyntheticDataModule


def generate_sine_data(
    size: int, frequency: float, x_max: float, noise_scale: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """x uniform in [0, x_max], y = sin(frequency * x) + N(0, noise_scale), each (size, 1)."""
    x = torch.rand(size, 1, generator=generator) * x_max
    return x, torch.sin(frequency * x) + torch.randn(size, 1, generator=generator) * noise_scale


class SineDataModule(SyntheticDataModule):
    """500 training points of y = sin(2.5 x) + noise, and a validation set like it."""

    task = "regression"

    def __init__(
        self,
        train_size: int = 500,
        valid_size: int = 500,
        frequency: float = 2.5,
        x_max: float = 4.0,
        noise_scale: float = 0.3,
        data_seed: int = 1337,
        **loader_options,
    ) -> None:
        super().__init__(train_size, valid_size, data_seed, **loader_options)
        self.frequency, self.x_max, self.noise_scale = frequency, x_max, noise_scale

    def generate(self, size: int, generator: torch.Generator) -> TensorPairDataset:
        return TensorPairDataset(
            *generate_sine_data(size, self.frequency, self.x_max, self.noise_scale, generator)
        )
