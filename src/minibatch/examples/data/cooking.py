"""Seed 000's cake ratings: how good a cake is as a function of its cooking time.

The rating curve (documented here, since the notebook's `adl.cooking` is not public):

    rating(t) = 1 + 7 * sigmoid((t - 35) / 5) - 6 * sigmoid((t - 85) / 5)

for a cooking time t in minutes, drawn uniformly in [0, 115]. Raw batter rates about 1;
the rating climbs steeply around 35 minutes to about 8 for a well-baked cake, then falls
to about 2 once it burns after 85 minutes. Observed ratings add Gaussian noise of standard
deviation `noise_scale` (0.9, as in the seed), so no model can do better on average than a
mean squared error of `noise_scale ** 2` (0.81): that is the number a trained model
should approach.
"""

from __future__ import annotations

import torch

from minibatch.data.in_memory.tensor_dataset import TensorPairDataset
from minibatch.errors import UserError
from minibatch.examples.data.synthetic import SyntheticDataModule

MAX_COOKING_TIME = 115.0


def cake_rating(time: torch.Tensor) -> torch.Tensor:
    """The noise-free rating of a cake cooked for `time` minutes (see the module docstring)."""
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
