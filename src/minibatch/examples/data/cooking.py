"""Seed 000's cake ratings: how good a cake is as a function of its cooking time.

The notebook's `adl.cooking` is not public, so its curve is written out (`cake_rating`); the
noise's variance (`noise_scale ** 2`) is the mean squared error no model can beat.
"""

from __future__ import annotations

import torch

from minibatch.data.in_memory.tensor_dataset import TensorPairDataset
from minibatch.errors import UserError
from minibatch.examples.data.synthetic import SyntheticDataModule

MAX_COOKING_TIME = 115.0


def cake_rating(time: torch.Tensor) -> torch.Tensor:
    """The noise-free rating of a cake cooked for `time` minutes: raw batter rates about 1,
    a well-baked cake (from about 35 minutes) about 8, a burnt one (after 85) about 2."""
    return 1.0 + 7.0 * torch.sigmoid((time - 35.0) / 5.0) - 6.0 * torch.sigmoid((time - 85.0) / 5.0)


def generate_cooking_data(
    size: int, noise_scale: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """`size` cooking times (minutes) and noisy ratings, each of shape (size, 1), float32."""
    time = torch.rand(size, 1, generator=generator) * MAX_COOKING_TIME
    noise = torch.randn(size, 1, generator=generator) * noise_scale
    return time, cake_rating(time) + noise


class CookingDataModule(SyntheticDataModule):
    """500,000 training and 18,000 validation cakes, generated from `data_seed`.

    `data_seed` defaults to 1337, as the notebook's `np.random.seed(1337)`.
    """

    task = "regression"

    def __init__(
        self,
        train_size: int = 500_000,
        valid_size: int = 18_000,
        noise_scale: float = 0.9,
        data_seed: int = 1337,
        **loader_options,
    ) -> None:
        super().__init__(train_size, valid_size, data_seed, **loader_options)
        if not noise_scale >= 0:
            raise UserError(f"data.noise_scale must be 0 or more, got {noise_scale!r}.")
        self.noise_scale = float(noise_scale)

    def generate(self, size: int, generator: torch.Generator) -> TensorPairDataset:
        return TensorPairDataset(*generate_cooking_data(size, self.noise_scale, generator))
