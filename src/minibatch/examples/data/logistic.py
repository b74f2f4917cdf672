"""Seed 001's perceptron data: 100 points, x ~ N(1, 1), label 1 when x > 1, with label noise.

The notebook's generators are reproduced exactly (`data_seed=1` gives its very points); the
validation split is a separate sample, so it measures how the boundary generalises.
"""

from __future__ import annotations

import random

import numpy as np
import torch

from minibatch.data.in_memory.tensor_dataset import TensorPairDataset
from minibatch.examples.data.synthetic import SyntheticDataModule


def flip_probability(x: float) -> float:
    """Chance that a point's label is flipped: more likely near the boundary x = 1."""
    return 0.1 if abs(x - 1) < 1.0 else 0.025


def notebook_logistic_data(size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """x of shape (size, 1) and 0/1 labels of shape (size, 1), both float32, as seed 001."""
    x = np.random.RandomState(seed).randn(size, 1) + 1
    flips = random.Random(seed)
    labels = [
        int(value < 1) if flips.random() < flip_probability(value) else int(value > 1)
        for value in x[:, 0]
    ]
    return (
        torch.tensor(x, dtype=torch.float32),
        torch.tensor(labels, dtype=torch.float32).reshape(size, 1),
    )


class LogisticDataModule(SyntheticDataModule):
    """The notebook's 100 labelled points for training, a fresh sample for validation."""

    task = "binary"

    def __init__(
        self, train_size: int = 100, valid_size: int = 1000, data_seed: int = 1, **loader_options
    ) -> None:
        super().__init__(train_size, valid_size, data_seed, **loader_options)

    def build_splits(self) -> dict[str, TensorPairDataset]:
        # The notebook's generator is numpy's and Python's, seeded by number, not a torch one.
        train = notebook_logistic_data(self.train_size, self.data_seed)
        valid = notebook_logistic_data(self.valid_size, self.data_seed + 1)
        return {"train": TensorPairDataset(*train), "valid": TensorPairDataset(*valid)}
