"""Seed 000's "more complex loss": one parameter w, a loss with several local minima.

Data: x uniform in [0, 4], y = sin(2.5 x) + N(0, 0.3), fitted by the one-parameter model
y = sin(w x). The mean-squared loss as a function of w is not convex: with the default
data it has a global minimum at w ≈ 2.49 (loss ≈ 0.09, the noise) and local minima at
w ≈ 0.81 (loss ≈ 0.96) and w ≈ 0.06 (loss ≈ 0.53). Gradient descent on the full batch
from w = 1.0 slides into the minimum at 0.81 and stays there, whatever the number of
steps; the noisier gradients of small batches (8 examples) can jump out of it and reach
a lower loss, as the notebook shows.
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
