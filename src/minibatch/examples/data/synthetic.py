"""The DataModule of the generated datasets: train and valid drawn from one seeded stream.

The data depends on `data_seed` alone, so runs with other seeds or batch sizes compare.
"""

from __future__ import annotations

import torch

from minibatch.checks.config_checks import POSITIVE_INT, check_value
from minibatch.data.in_memory.datamodule import InMemoryDataModule
from minibatch.data.in_memory.tensor_dataset import TensorPairDataset


class SyntheticDataModule(InMemoryDataModule):
    """Generated train/valid sets that depend on `data_seed` alone.

    The data does not depend on the training `seed`, so runs with different seeds (or batch
    sizes) train on the same examples and their results can be compared. Subclasses only
    write `generate`.
    """

    def __init__(
        self, train_size: int, valid_size: int, data_seed: int = 1337, **loader_options
    ) -> None:
        super().__init__(**loader_options)
        check_value("data.train_size", train_size, POSITIVE_INT)
        check_value("data.valid_size", valid_size, POSITIVE_INT)
        self.train_size, self.valid_size, self.data_seed = train_size, valid_size, data_seed

    def generate(self, size: int, generator: torch.Generator) -> TensorPairDataset:
        """A dataset of `size` examples drawn with `generator`."""
        raise NotImplementedError

    def build_splits(self) -> dict[str, TensorPairDataset]:
        generator = torch.Generator().manual_seed(self.data_seed)
        train = self.generate(self.train_size, generator)
        return {"train": train, "valid": self.generate(self.valid_size, generator)}
