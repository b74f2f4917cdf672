"""The base for data held in memory as tensors: subclass it and write `build_splits`.

It describes the splits with a `DataSpec` and serves them with every knob the notebooks turn,
each batch fetched with one tensor index (loader.py): the hand loop's speed.
"""

from __future__ import annotations

from collections.abc import Iterator

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler

from minibatch.data import loader_options
from minibatch.data.in_memory.batch_sampler import IndexBatchSampler, index_batch_sampler
from minibatch.data.in_memory.collate import COLLATES
from minibatch.data.in_memory.epoch_position import ResumableDataLoader
from minibatch.data.in_memory.loader import InMemoryLoader, keep_batch
from minibatch.data.in_memory.tensor_dataset import TensorPairDataset
from minibatch.data.tables.table_file import Table, read_table
from minibatch.data_spec import DataSpec
from minibatch.errors import UserError


class InMemoryDataModule(L.LightningDataModule):
    """Train/valid(/test) tensors in memory, served as mini-batches.

    Args:
        batch_size: examples per training batch (also the default for evaluation).
        eval_batch_size: examples per validation/test batch; defaults to `batch_size`.
        shuffle: reshuffle the training set every epoch (validation is never shuffled).
        sampler: "auto" (random when `shuffle`, else sequential), "random", "sequential",
            or "weighted" (classes drawn in equal proportions, for imbalanced data).
        drop_last: drop the last, smaller training batch of each epoch.
        num_workers, persistent_workers, pin_memory: as in `DataLoader`; `pin_memory=None`
            turns it on when training on a GPU with the data kept on the host.
        seed: seeds the batch order; the same seed replays the same batches every epoch.
        loader: "batched" fetches each batch with one tensor index (fast, the default);
            "per_item" is the notebooks' stock path (`__getitem__` per example + collate).
        collate: how the per-item path stacks examples: "default" (torch's default_collate)
            or "padding" (pads variable-length sequences, seed 003).
        data_on_device: on a GPU, keep the tensors on the GPU so no batch is copied.
    """

    task: str = "regression"  # a name of minibatch.tasks.TASKS
    num_classes: int | None = None
    # "features": x is a float tensor (batch, input_size); "tokens": x is (padded ids, lengths).
    input_kind: str = "features"

    def __init__(
        self,
        batch_size: int = 64,
        eval_batch_size: int | None = None,
        shuffle: bool = True,
        sampler: str = "auto",
        drop_last: bool = False,
        num_workers: int = 0,
        persistent_workers: bool = False,
        pin_memory: bool | None = None,
        seed: int | None = 0,
        loader: str = "batched",
        collate: str = "default",
        data_on_device: bool = True,
    ) -> None:
        super().__init__()
        loader_options.check_choices(sampler, loader, collate)
        self.batch_size = batch_size
        self.eval_batch_size = loader_options.eval_batch_size(batch_size, eval_batch_size)
        self.shuffle = shuffle
        self.sampler = sampler
        self.drop_last = drop_last
        self.num_workers = loader_options.workers(num_workers)
        self.persistent_workers = persistent_workers and num_workers > 0
        self.pin_memory = pin_memory
        self.seed = loader_options.order_seed(seed)
        self.loader = loader
        self.collate = collate
        self.data_on_device = data_on_device
        self.splits: dict[str, TensorPairDataset] = {}
        self.spec: DataSpec | None = None

    # What a subclass provides ---------------------------------------------------------------
    def build_splits(self) -> dict[str, TensorPairDataset]:
        """Return the datasets by split name: "train", "valid" and, if the data has one, "test"."""
        raise NotImplementedError

    def describe(self, train: TensorPairDataset) -> DataSpec:
        """The `DataSpec` of these splits: the task, input shape and outputs."""
        targets = train.targets
        return DataSpec(
            task=self.task, input_shape=tuple(train.features.shape[1:]),
            num_classes=self.num_classes, input_kind=self.input_kind,
            num_targets=1 if targets.ndim == 1 else targets.shape[-1],
        )  # fmt: skip

    # Lightning hooks ------------------------------------------------------------------------
    def setup(self, stage: str | None = None) -> None:
        if not self.splits:
            self.splits = self.build_splits()
            self.spec = self.describe(self.splits["train"])
            loader_options.check_no_padding(self.collate, self.spec.input_kind)
        device = self._training_device()
        if device.type != "cpu" and self.data_on_device and self.num_workers == 0:
            self.splits = {name: split.to(device) for name, split in self.splits.items()}

    def state_dict(self) -> dict[str, int]:
        """Kept in checkpoints: the seed of the batch order (drawn when `seed=None`), so that a
        resumed run serves the rest of its epochs in the order they would have had."""
        return {"seed": self.seed}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.seed = state.get("seed", self.seed)

    def train_dataloader(self) -> DataLoader | InMemoryLoader:
        return self._loader("train", self.batch_size, self._train_order(), self.drop_last)

    def val_dataloader(self) -> DataLoader | InMemoryLoader:
        return self._loader("valid", self.eval_batch_size, "sequential", False)

    def test_dataloader(self) -> DataLoader | InMemoryLoader:
        if "test" not in self._built_splits():
            raise UserError(f"{type(self).__name__} has no test split; evaluate on 'valid'.")
        return self._loader("test", self.eval_batch_size, "sequential", False)

    def loader_for(self, split: str) -> DataLoader | InMemoryLoader:
        """The evaluation loader of any split by name (sequential, never dropping a batch)."""
        if split == "train":
            return self._loader("train", self.eval_batch_size, "sequential", False)
        return {"valid": self.val_dataloader, "test": self.test_dataloader}[split]()

    def loader_for_table(self, path: str) -> InMemoryLoader:
        """Inputs read from a table file (one row per example), for predictions."""
        if self.input_kind != "features":
            raise UserError(f"{type(self).__name__} inputs cannot be read from a table file.")
        features = self.features_from_table(read_table(path))
        rows = TensorPairDataset(features, torch.zeros(len(features), 1))
        return InMemoryLoader(
            rows, index_batch_sampler(len(rows), self.eval_batch_size, "sequential")
        )

    def features_from_table(self, table: Table) -> torch.Tensor:
        """Every column of `table` as an input feature, as many as the net takes."""
        input_size = self._built_spec().input_size
        if len(table.columns) != input_size:
            raise UserError(
                f"{table.path} has {len(table.columns)} columns but the model takes "
                f"{input_size} input features: give one column per feature."
            )
        columns = [table.numbers(name) for name in table.columns]
        return torch.tensor(np.stack(columns, axis=1), dtype=torch.float32)

    # Internals ------------------------------------------------------------------------------
    def _train_order(self) -> str:
        if self.trainer is not None and self.trainer.overfit_batches > 0:
            return "sequential"  # overfitting means the same batches every epoch
        return loader_options.batch_order(self.sampler, self.shuffle)

    def sample_weights(self, split: TensorPairDataset) -> torch.Tensor:
        """Per-example weights that make every class equally likely (inverse class frequency)."""
        if self.task == "regression":
            raise UserError(
                "data.sampler=weighted balances classes; it needs a classification dataset."
            )
        labels = split.targets.reshape(len(split), -1)[:, 0].long().cpu()
        counts = torch.bincount(labels).double()
        return (1.0 / counts)[labels]

    def _loader(
        self, split_name: str, batch_size: int, order: str, drop_last: bool
    ) -> DataLoader | InMemoryLoader:
        """Batches of one split, fetched one tensor index per batch unless `per_item`."""
        split = self._built_splits()[split_name]
        world_size, rank = self._world()
        per_item = self.loader == "per_item"
        batches = index_batch_sampler(
            len(split), batch_size, order, drop_last=drop_last, seed=self.seed,
            weights=self.sample_weights(split) if order == "weighted" else None,
            num_replicas=world_size, rank=rank, device=split.targets.device,
        )  # fmt: skip
        pin_memory = self._pin_memory(split)
        common = dict(
            num_workers=self.num_workers, persistent_workers=self.persistent_workers,
            pin_memory=pin_memory, generator=torch.Generator().manual_seed(self.seed),
        )  # fmt: skip
        if per_item:
            # ItemSampler already leaves out a dropped last batch.
            return ResumableDataLoader(
                split, batch_size=batch_size, sampler=ItemSampler(batches), drop_last=False,
                collate_fn=COLLATES[self.collate], **common,
            )  # fmt: skip
        if self.num_workers == 0 and not pin_memory:
            return InMemoryLoader(split, batches)
        return ResumableDataLoader(
            split, sampler=batches, batch_size=None, collate_fn=keep_batch, **common
        )

    def _pin_memory(self, split: TensorPairDataset) -> bool:
        if self.pin_memory is not None:
            return self.pin_memory
        return split.targets.device.type == "cpu" and self._training_device().type == "cuda"

    def _training_device(self) -> torch.device:
        trainer = self.trainer
        return trainer.strategy.root_device if trainer is not None else torch.device("cpu")

    def _world(self) -> tuple[int, int]:
        trainer = self.trainer
        return (trainer.world_size, trainer.global_rank) if trainer is not None else (1, 0)

    def _built_splits(self) -> dict[str, TensorPairDataset]:
        """The splits, loading them (download included) on first use outside the Trainer."""
        if not self.splits:
            self.prepare_data()
            self.setup()
        return self.splits

    def _built_spec(self) -> DataSpec:
        self._built_splits()
        return self.spec


class ItemSampler(Sampler[int]):
    """The same order as an `IndexBatchSampler`, one integer at a time, for the per-item path."""

    def __init__(self, batches: IndexBatchSampler) -> None:
        self.batches = batches

    def __len__(self) -> int:
        if self.batches.drop_last_batch:
            return self.batches.num_batches() * self.batches.batch_size
        return self.batches.num_samples

    def __iter__(self) -> Iterator[int]:
        for batch in self.batches:
            if isinstance(batch, slice):
                yield from range(batch.start, batch.stop)
            else:
                yield from batch.tolist()

    @property
    def epoch(self) -> int:
        return self.batches.epoch

    def set_epoch(self, epoch: int) -> None:
        self.batches.set_epoch(epoch)

    def start_at(self, batch: int) -> None:
        self.batches.start_at(batch)
