"""Your own tabular data: `python train.py data=csv data.path=my.csv data.target=price`.

Features (and a regression target) are standardised with the training rows' statistics only,
so nothing of the validation rows leaks into training; metrics stay in the target's units.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from minibatch.checks.config_checks import check_choice, check_value
from minibatch.data.in_memory.datamodule import InMemoryDataModule
from minibatch.data.in_memory.tensor_dataset import TensorPairDataset
from minibatch.data.tables.table_file import Table, is_number, read_table
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

    def feature_columns(self, table: Table) -> list[str]:
        """The input columns, checked to exist."""
        columns = self.features or [c for c in table.columns if c != self.target]
        for name in [*columns, *self.drop_columns]:
            table.column(name)  # raises with the list of columns when it is not there
        columns = [c for c in columns if c not in self.drop_columns]
        if self.target in columns:  # the model would be handed the answer
            raise UserError(
                f"the target {self.target!r} is also listed in data.features: leave it out."
            )
        if not columns:
            raise UserError(f"no feature columns are left in {table.path}: check data.features.")
        return columns

    def features_from_table(self, table: Table) -> torch.Tensor:
        """The training feature columns of `table`, scaled with the training statistics."""
        self._built_splits()
        columns = [table.numbers(name) for name in self.feature_names]
        features = torch.tensor(np.stack(columns, axis=1), dtype=torch.float32)
        if "features_mean" in self.statistics:
            features = (features - self.statistics["features_mean"]) / self.statistics[
                "features_std"
            ]
        return features

    def build_splits(self) -> dict[str, TensorPairDataset]:
        table = read_table(self.path, names=self.names, sep=self.sep)
        target = table.column(self.target)  # an unknown target is the first thing to report
        if len(set(target)) < 2:
            raise UserError(
                f"column {self.target!r} of {self.path} holds one value only ({target[0]!r}): "
                "there is nothing to learn; check data.target."
            )
        self.feature_names = self.feature_columns(table)
        features = np.stack([table.numbers(name) for name in self.feature_names], axis=1)
        self._task = self.requested_task or self.infer_task(table.column(self.target))
        targets = self.encode_target(table)
        train_rows, valid_rows = self.split_rows(len(features))
        x = torch.tensor(features, dtype=torch.float32)
        y = targets
        if self.standardize:
            x = self._standardize(x, train_rows, "features")
        if self.standardize_target and self._task == "regression":
            y = self._standardize(y, train_rows, "target")
        return {
            "train": TensorPairDataset(x[train_rows], y[train_rows]),
            "valid": TensorPairDataset(x[valid_rows], y[valid_rows]),
        }

    def infer_task(self, cells: list[str]) -> str:
        """Classes for text or few whole numbers, else regression."""
        distinct = set(cells)
        numeric = all(is_number(cell) for cell in distinct)
        whole = numeric and all(float(cell).is_integer() for cell in distinct)
        if numeric and not (whole and len(distinct) <= self.max_classes):
            return "regression"
        return "binary" if len(distinct) == 2 else "multiclass"

    def encode_target(self, table: Table) -> torch.Tensor:
        """Regression: float (N, 1). Binary: 0/1 float (N, 1). Multiclass: long class ids (N,)."""
        if self._task == "regression":
            return torch.tensor(table.numbers(self.target), dtype=torch.float32).reshape(-1, 1)
        cells = table.column(self.target)
        by_value = sorted(
            set(cells), key=lambda c: (not is_number(c), float(c) if is_number(c) else c)
        )
        self.classes = by_value
        if self._task == "binary" and len(by_value) != 2:
            raise UserError(
                f"data.task=binary needs exactly 2 values in {self.target!r}, "
                f"found {len(by_value)}: use data.task=multiclass."
            )
        class_id = {value: i for i, value in enumerate(by_value)}
        ids = torch.tensor([class_id[cell] for cell in cells])
        return ids.float().reshape(-1, 1) if self._task == "binary" else ids

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
        mean = values[train_rows].mean(0)
        std = values[train_rows].std(0).clamp_min(1e-12)
        self.statistics[f"{name}_mean"], self.statistics[f"{name}_std"] = mean, std
        return (values - mean) / std
