"""Your own tabular data: `python train.py data=csv data.path=my.csv data.target=price`.

Features (and a regression target) are standardised with the training rows' statistics only,
so nothing of the validation rows leaks into training; metrics stay in the target's units.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch

from minibatch.checks.config_checks import check_choice, check_value
from minibatch.data.in_memory.datamodule import InMemoryDataModule
from minibatch.data.in_memory.tensor_dataset import TensorPairDataset
from minibatch.data.streaming.datamodule import StreamingDataModule
from minibatch.data.tables.csv_shards import TablePlan, scan_target, write_table_shards
from minibatch.data.tables.table_file import (
    Layout,
    Table,
    all_numbers,
    is_number,
    read_layout,
    read_table,
)
from minibatch.data_spec import DataSpec
from minibatch.errors import UserError
from minibatch.tasks import TASKS


class CsvDataModule(InMemoryDataModule):
    """A table file turned into standardised feature/target tensors, split train/valid.

    Args:
        path: the table file (CSV with a header, or whitespace-separated with `names`).
        target: the column to predict.
        features: the input columns; default all others (less `drop_columns`).
        drop_columns: columns to leave out of the features.
        task: "regression", "binary" or "multiclass"; inferred from the target when null.
        valid_fraction: share of the rows held out for validation.
        split_seed: seeds the train/valid split (independent of the training seed).
        standardize, standardize_target: scale features (and a regression target) to zero
            mean and unit variance, with statistics from the training rows; metrics and
            predictions stay in the target's own units.
        names, sep: column names for a header-less file; the separator (default: "," if
            the first line has one, else whitespace).
        max_classes: whole-number targets with at most this many values count as classes.
        stream: for a table larger than memory: read it in blocks into LitData shards under
            `shards_root` once (again when the file or these settings change), and stream them.
        rows_per_item: rows per streamed shard item; batch sizes must be multiples of it.
            Items are shuffled whole, so keep 1 unless the file's rows are in random order.
    """

    def __init__(
        self,
        path: str | None = None,
        target: str | None = None,
        features: list[str] | None = None,
        drop_columns: list[str] | None = None,
        task: str | None = None,
        valid_fraction: float = 0.2,
        split_seed: int = 0,
        standardize: bool = True,
        standardize_target: bool = True,
        names: list[str] | None = None,
        sep: str | None = None,
        max_classes: int = 20,
        stream: bool = False,
        shards_root: str = "data/csv_shards",
        rows_per_item: int = 1,
        **loader_options,
    ) -> None:
        super().__init__(**loader_options)
        if path is None or target is None:
            raise UserError("data=csv needs a file and a column: data.path=my.csv data.target=y.")
        if task is not None:
            check_choice("data.task", task, tuple(TASKS))
        check_value("data.valid_fraction", valid_fraction)
        self.path, self.target = Path(path), target
        self.features, self.drop_columns = features, list(drop_columns or [])
        self.requested_task, self.valid_fraction, self.split_seed = task, valid_fraction, split_seed
        self.standardize, self.standardize_target = standardize, standardize_target
        self.names, self.sep, self.max_classes = names, sep, max_classes
        self.classes: list[str] = []
        self.feature_names: list[str] = []
        self.statistics: dict[str, torch.Tensor] = {}
        self._task: str | None = None
        self.stream, self.shards_root, self.rows_per_item = stream, Path(shards_root), rows_per_item
        self.streamed: StreamingDataModule | None = None

    @property
    def task(self) -> str | None:
        """Known once the table is read (in `setup`)."""
        return self._task

    @property
    def num_classes(self) -> int | None:
        return len(self.classes) if self._task == "multiclass" else None

    def describe(self, train: TensorPairDataset) -> DataSpec:
        """The base's description, with the target's statistics when it was standardised."""
        spec = super().describe(train)
        if "target_mean" not in self.statistics:
            return spec
        return replace(
            spec,
            target_mean=tuple(self.statistics["target_mean"].tolist()),
            target_std=tuple(self.statistics["target_std"].tolist()),
        )

    def feature_columns(self, layout: Layout) -> list[str]:
        """The input columns, checked to exist."""
        columns = self.features or [c for c in layout.columns if c != self.target]
        for name in [*columns, *self.drop_columns]:
            layout.require(name)  # raises with the list of columns when it is not there
        columns = [c for c in columns if c not in self.drop_columns]
        if self.target in columns:  # the model would be handed the answer
            raise UserError(
                f"the target {self.target!r} is also listed in data.features: leave it out."
            )
        if not columns:
            raise UserError(f"no feature columns are left in {layout.path}: check data.features.")
        return columns

    def features_from_table(self, table: Table) -> torch.Tensor:
        """The training feature columns of `table`, scaled with the training statistics."""
        self._built_splits()
        columns = [table.numbers(name) for name in self.feature_names]
        features = torch.from_numpy(np.stack(columns, axis=1))
        if "features_mean" in self.statistics:
            features = (features - self.statistics["features_mean"]) / self.statistics[
                "features_std"
            ]
        return features

    def build_splits(self) -> dict[str, TensorPairDataset]:
        table = read_table(self.path, names=self.names, sep=self.sep, text_columns=(self.target,))
        self.feature_names, x, y = self.read_columns(table)
        del table  # the columns now live in x and y only
        train_rows, valid_rows = self.split_rows(len(x))
        if self.standardize:
            x = self._standardize(x, train_rows, "features")
        if self.standardize_target and self._task == "regression":
            y = self._standardize(y, train_rows, "target")
        return {
            "train": TensorPairDataset(x[train_rows], y[train_rows]),
            "valid": TensorPairDataset(x[valid_rows], y[valid_rows]),
        }

    def read_columns(self, table: Table) -> tuple[list[str], torch.Tensor, torch.Tensor]:
        """The feature names, features (float32, rows x columns) and encoded targets."""
        cells = table.cells(self.target)  # an unknown target is the first thing to report
        unique = pc.unique(cells)
        # Many numbers are a regression target: no need to list them in Python.
        many_numbers = len(unique) > self.max_classes and all_numbers(unique)
        regression = self.requested_task in (None, "regression")
        distinct = None if many_numbers and regression else unique.to_pylist()
        self.check_target(distinct)
        names = self.feature_columns(table.layout)
        features = np.stack([table.numbers(name) for name in names], axis=1)
        inferred = self.infer_task(distinct) if distinct is not None else "regression"
        self._task = self.requested_task or inferred
        return names, torch.from_numpy(features), self.encode_target(table, distinct)

    def check_target(self, distinct: list[str] | None) -> None:
        """Refuse a target with one value only (None: many values)."""
        if distinct is not None and len(distinct) < 2:
            raise UserError(
                f"column {self.target!r} of {self.path} holds one value only ({distinct[0]!r}): "
                "there is nothing to learn; check data.target."
            )

    def infer_task(self, distinct: list[str]) -> str:
        """Classes for text or few whole numbers, else regression."""
        numeric = all(is_number(cell) for cell in distinct)
        whole = numeric and all(float(cell).is_integer() for cell in distinct)
        if numeric and not (whole and len(distinct) <= self.max_classes):
            return "regression"
        return "binary" if len(distinct) == 2 else "multiclass"

    def encode_target(self, table: Table, distinct: list[str]) -> torch.Tensor:
        """Regression: float (N, 1). Binary: 0/1 float (N, 1). Multiclass: long class ids (N,)."""
        if self._task == "regression":
            return torch.tensor(table.numbers(self.target)).reshape(-1, 1)  # a writable copy
        by_value = self.class_order(distinct)
        ids = pc.index_in(table.cells(self.target), value_set=pa.array(by_value))
        ids = torch.from_numpy(ids.to_numpy().astype(np.int64))
        return ids.float().reshape(-1, 1) if self._task == "binary" else ids

    def class_order(self, distinct: list[str]) -> list[str]:
        """The target's values as classes: numbers first, in order, then text."""
        by_value = sorted(
            distinct, key=lambda c: (not is_number(c), float(c) if is_number(c) else c)
        )
        if self._task == "binary" and len(by_value) != 2:
            raise UserError(
                f"data.task=binary needs exactly 2 values in {self.target!r}, "
                f"found {len(by_value)}: use data.task=multiclass."
            )
        self.classes = by_value
        return by_value

    # Streaming (data.stream=true) ------------------------------------------------------------
    def prepare_data(self) -> None:
        if self.stream:
            self.streaming().prepare_data()

    def setup(self, stage: str | None = None) -> None:
        if not self.stream:
            return super().setup(stage)
        self.streaming().setup(stage)
        self.spec = self.streaming().spec
        self._task = self.spec.task

    def train_dataloader(self):
        return self.streaming().train_dataloader() if self.stream else super().train_dataloader()

    def val_dataloader(self):
        return self.streaming().val_dataloader() if self.stream else super().val_dataloader()

    def streaming(self) -> StreamingDataModule:
        """The shards of this table and these settings, streamed (written when first needed)."""
        if self.streamed is None:
            self.streamed = StreamingDataModule(
                str(self.shard_folder()), batch_size=self.batch_size,
                eval_batch_size=self.eval_batch_size, shuffle=self.shuffle,
                num_workers=self.num_workers, seed=self.seed,
                writer=self.write_shards,
            )  # fmt: skip
        return self.streamed

    def write_shards(self, root: Path) -> None:
        write_table_shards(root, self.table_plan())

    def shard_folder(self) -> Path:
        """A folder named by the file (its path, size and time) and every reading setting."""
        layout = read_layout(self.path, self.names, self.sep)  # a missing file says so
        stat = layout.path.stat()
        settings = [
            str(layout.path.resolve()), stat.st_size, stat.st_mtime_ns, self.target,
            self.features, self.drop_columns, self.requested_task, self.valid_fraction,
            self.split_seed, self.standardize, self.standardize_target, self.names, self.sep,
            self.max_classes, self.rows_per_item,
        ]  # fmt: skip
        digest = hashlib.sha256(json.dumps(settings).encode()).hexdigest()[:12]
        return self.shards_root / f"{self.path.stem}-{digest}"

    def table_plan(self) -> TablePlan:
        """Streaming's passes 1 and 2: the rows, the task, the split and the scaling."""
        layout = read_layout(self.path, self.names, self.sep)
        layout.require(self.target)
        limit = self.max_classes if self.requested_task in (None, "regression") else 10**6
        values = scan_target(layout, self.target, limit)
        if not values.rows:
            raise UserError(f"{layout.path} has a header but no rows of data.")
        distinct = None if values.distinct is None else sorted(values.distinct)
        self.check_target(distinct)
        features = self.feature_columns(layout)
        inferred = self.infer_task(distinct) if distinct is not None else "regression"
        self._task = self.requested_task or inferred
        if self._task != "regression" and distinct is None:
            raise UserError(f"column {self.target!r} of {self.path} has too many values to be "
                            "classes: use data.task=regression.")  # fmt: skip
        classes = self.class_order(distinct) if self._task != "regression" else []
        valid = np.zeros(values.rows, dtype=bool)
        valid[self.split_rows(values.rows)[1].numpy()] = True
        plan = TablePlan(layout, self.target, features, self._task, classes, valid,
                         self.rows_per_item, scale={})  # fmt: skip
        x, y = plan.train_moments()
        if self.standardize:
            plan.scale.update(features_mean=x.mean, features_std=x.std())
        if self.standardize_target and self._task == "regression":
            plan.scale.update(target_mean=y.mean, target_std=y.std())
        plan.scale = {name: np.asarray(v, dtype=np.float32) for name, v in plan.scale.items()}
        return plan

    def split_rows(self, count: int) -> tuple[torch.Tensor, torch.Tensor]:
        """A seeded random split; both parts must keep at least one row."""
        valid_count = round(count * self.valid_fraction)
        if valid_count < 1 or valid_count >= count:
            raise UserError(
                f"{self.path} has {count} rows: too few to hold out data.valid_fraction="
                f"{self.valid_fraction} for validation."
            )
        order = torch.randperm(count, generator=torch.Generator().manual_seed(self.split_seed))
        return order[valid_count:], order[:valid_count]

    def _standardize(
        self, values: torch.Tensor, train_rows: torch.Tensor, name: str
    ) -> torch.Tensor:
        train = values[train_rows]
        mean, std = train.mean(0), train.std(0).clamp_min(1e-12)
        del train
        self.statistics[f"{name}_mean"], self.statistics[f"{name}_std"] = mean, std
        return values.sub_(mean).div_(std)
