"""A DataModule for data larger than memory: LitData shards streamed from disk or a bucket.

Only the `DataSpec` is loaded in `setup`; LitData's dataset and loader do what a sampler does
in memory: a new order every epoch, each rank and worker its own chunks, a resumable position.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import lightning as L
import numpy as np
import torch

from minibatch.checks.config_checks import check_value
from minibatch.data import loader_options
from minibatch.data.streaming.shards import read_spec, shards_written
from minibatch.data_spec import DataSpec
from minibatch.errors import UserError

# The pin of .ci/run and the README (a test holds every install hint to it).
INSTALL = 'pip install -e ".[scale]" && pip install --no-deps litdata==0.2.76'


class StreamingDataModule(L.LightningDataModule):
    """Train and valid splits streamed from LitData shards under `root`.

    Args:
        root: the folder holding `train/`, `valid/` and `spec.json`.
        batch_size: examples per training batch, a multiple of the shards' rows per item.
        eval_batch_size: examples per validation batch; defaults to `batch_size`.
        shuffle: a new order every epoch (validation is never shuffled).
        num_workers: DataLoader worker processes; each streams its own part of the chunks.
        seed: seeds the order; null draws one.
        writer: called with `root` in `prepare_data` when the shards are not there yet
            (rank 0 only, before the other ranks read them).
    """

    def __init__(
        self,
        root: str,
        batch_size: int = 64,
        eval_batch_size: int | None = None,
        shuffle: bool = True,
        num_workers: int = 0,
        seed: int | None = 0,
        writer: Callable[[Path], None] | None = None,
    ) -> None:
        super().__init__()
        try:
            import litdata  # noqa: F401
        except ImportError:
            raise UserError(f"streaming data needs LitData: {INSTALL}") from None
        check_value("data.batch_size", batch_size)
        self.root, self.writer = Path(root), writer
        self.batch_size = batch_size
        self.eval_batch_size = loader_options.eval_batch_size(batch_size, eval_batch_size)
        self.shuffle, self.num_workers = shuffle, loader_options.workers(num_workers)
        self.seed = loader_options.order_seed(seed)
        self.spec: DataSpec | None = None

    def prepare_data(self) -> None:
        if shards_written(self.root):
            return
        if self.writer is None:
            raise UserError(f"{self.root} holds no shards: write them first (docs/scale.md, "
                            "'Data larger than memory').")  # fmt: skip
        self.writer(self.root)

    def setup(self, stage: str | None = None) -> None:
        from litdata import StreamingDataset

        self.spec, self.rows_per_item = read_spec(self.root)
        for name, size in (
            ("batch_size", self.batch_size),
            ("eval_batch_size", self.eval_batch_size),
        ):
            if size % self.rows_per_item:
                raise UserError(f"{name}={size} must be a multiple of the {self.rows_per_item} "
                                f"rows each shard item of {self.root} holds.")  # fmt: skip
        self.train_set = StreamingDataset(
            str(self.root / "train"), shuffle=self.shuffle, seed=self.seed
        )
        self.valid_set = StreamingDataset(str(self.root / "valid"), shuffle=False)

    def train_dataloader(self):
        return self._loader(self.train_set, self.batch_size)

    def val_dataloader(self):
        return self._loader(self.valid_set, self.eval_batch_size)

    def _loader(self, dataset, batch_size: int):
        from litdata import StreamingDataLoader

        # Worker seeds come from the loader's own generator, not torch's: a resumed run then
        # draws the dropout masks the first run would have (random_state.py).
        return StreamingDataLoader(
            dataset, batch_size=batch_size // self.rows_per_item, num_workers=self.num_workers,
            collate_fn=BlockCollate(self.spec), generator=torch.Generator().manual_seed(self.seed),
        )  # fmt: skip


class BlockCollate:
    """Blocks of rows -> (inputs shaped as the spec says, targets as the task's loss wants).

    Its own small object, not a DataModule method: worker processes receive it pickled,
    and a DataModule holds its Trainer.
    """

    def __init__(self, spec: DataSpec) -> None:
        self.spec = spec

    def __call__(self, blocks: list) -> tuple[torch.Tensor, torch.Tensor]:
        rows = torch.from_numpy(np.concatenate([np.asarray(b) for b in blocks]))
        inputs = rows[:, : self.spec.input_size].reshape(len(rows), *self.spec.input_shape)
        targets = rows[:, self.spec.input_size :]
        if self.spec.task == "multiclass":
            return inputs, targets[:, 0].long()
        return inputs, targets
