"""Seed 002's MNIST served by the from-scratch DataLoader (`examples/scratch/loader.py`).

The same splits as `data=mnist`, read one example at a time as the notebook's own loader does.
"""

from __future__ import annotations

import torch

from minibatch.examples.data.mnist import MnistDataModule
from minibatch.examples.scratch.loader import DataLoader


class ScratchLoaderMnist(MnistDataModule):
    """`MnistDataModule` whose training and validation batches come from the scratch loader."""

    def __init__(self, scratch_workers: int = 0, **options) -> None:
        super().__init__(**options)
        self.scratch_workers = scratch_workers

    def train_dataloader(self) -> DataLoader:
        generator = torch.Generator().manual_seed(self.seed + self._epoch_count())
        return DataLoader(self.splits["train"], batch_size=self.batch_size, shuffle=True,
                          generator=generator, num_workers=self.scratch_workers,
                          context="fork")  # fmt: skip

    def val_dataloader(self) -> DataLoader:
        return DataLoader(self.splits["valid"], batch_size=self.eval_batch_size,
                          num_workers=self.scratch_workers, context="fork")  # fmt: skip

    def _epoch_count(self) -> int:
        return self.trainer.current_epoch if self.trainer is not None else 0
