"""`data=csv data.stream=true`: a table larger than memory, read in blocks into LitData shards.

Three passes hold one block at a time: rows and target values, the training rows' statistics,
then the shards; the split and the scaling are those of the in-memory path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minibatch.data.streaming.shards import start_method_kept, write_spec
from minibatch.data.tables.table_file import (
    Layout,
    column_numbers,
    float_column,
    is_number,
    unreadable,
)
from minibatch.data_spec import DataSpec
from minibatch.errors import UserError

BLOCK_BYTES = 16 << 20  # the text parsed at a time


def blocks(layout: Layout, columns: list[str], text: str) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(first row, block) of `columns`: the `text` column as text, the others float32."""
    types = {name: pa.string() if name == text else pa.float32() for name in columns}
    first = 0
    try:
        reader = layout.read(types, BLOCK_BYTES, columns)
        for batch in reader:
            yield first, batch
            first += batch.num_rows
    except pa.ArrowInvalid as error:
        name = float_column(error, layout)
        if name is None:
            raise unreadable(error, layout) from None
        line = re.search(r"Row #(\d+)", str(error))
        where = f"line {line.group(1)}" if line else f"a cell after row {first}"
        raise UserError(
            f"column {name!r} of {layout.path} is not numeric ({where}); "
            "fix the value or leave the column out with data.drop_columns."
        ) from None


class TargetValues:
    """The target's distinct cells while they may be classes; None once they are many numbers."""

    def __init__(self, limit: int) -> None:
        self.limit, self.rows = limit, 0
        self.distinct: set[str] | None = set()

    def add(self, cells: pa.Array) -> None:
        self.rows += len(cells)
        if self.distinct is None:
            return
        self.distinct.update(pc.unique(cells).to_pylist())
        if len(self.distinct) > self.limit and all(is_number(c) for c in self.distinct):
            self.distinct = None


def scan_target(layout: Layout, target: str, limit: int) -> TargetValues:
    """Pass 1: the number of rows and the target's values."""
    values = TargetValues(limit)
    for _, batch in blocks(layout, [target], target):
        values.add(pc.utf8_trim_whitespace(batch.column(target)))
    return values


class Moments:
    """Mean and (unbiased) standard deviation of rows added block by block (Chan's update)."""

    def __init__(self) -> None:
        self.count, self.mean, self.m2 = 0, 0.0, 0.0

    def add(self, values: np.ndarray) -> None:
        if not len(values):
            return
        mean = values.mean(0, dtype=np.float64)
        m2 = ((values - mean) ** 2).sum(0)
        total = self.count + len(values)
        delta = mean - self.mean
        self.m2 = self.m2 + m2 + delta**2 * self.count * len(values) / total
        self.mean, self.count = self.mean + delta * len(values) / total, total

    def std(self) -> np.ndarray:
        return np.maximum(np.sqrt(self.m2 / max(self.count - 1, 1)), 1e-12)


@dataclass
class TablePlan:
    """What writing the shards needs: the columns, the split, the encoding and the scaling."""

    layout: Layout
    target: str
    features: list[str]
    task: str
    classes: list[str]
    valid: np.ndarray  # one bool per row
    rows_per_item: int
    scale: dict[str, np.ndarray]  # features_mean, features_std (target_mean, target_std)

    def rows(self) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """(first row, features, targets) block by block, unscaled, as float32."""
        for first, batch in blocks(self.layout, [*self.features, self.target], self.target):
            features = [
                column_numbers(batch.column(n), n, self.layout, first) for n in self.features
            ]
            cells = pc.utf8_trim_whitespace(batch.column(self.target))
            if self.task == "regression":
                target = column_numbers(cells, self.target, self.layout, first)
            else:
                target = pc.index_in(cells, value_set=pa.array(self.classes)).to_numpy()
            yield first, np.stack(features, axis=1), target.astype(np.float32).reshape(-1, 1)

    def train_moments(self) -> tuple[Moments, Moments]:
        """Pass 2: the training rows' statistics of the features and the target."""
        features, target = Moments(), Moments()
        for first, x, y in self.rows():
            train = ~self.valid[first : first + len(x)]
            features.add(x[train])
            target.add(y[train])
        return features, target

    def scaled(self, values: np.ndarray, name: str) -> np.ndarray:
        if f"{name}_mean" not in self.scale:
            return values
        return (values - self.scale[f"{name}_mean"]) / self.scale[f"{name}_std"]

    def spec(self) -> DataSpec:
        target_mean = self.scale.get("target_mean")
        return DataSpec(
            task=self.task, input_shape=(len(self.features),),
            num_classes=len(self.classes) if self.task == "multiclass" else None,
            target_mean=None if target_mean is None else tuple(target_mean.tolist()),
            target_std=None if target_mean is None else tuple(self.scale["target_std"].tolist()),
        )  # fmt: skip


class SplitBlocks:
    """Pass 3, the function `litdata.optimize` runs: one split's rows in blocks of
    `rows_per_item`, each row the scaled features then the target (float32)."""

    def __init__(self, plan: TablePlan, split: str) -> None:
        self.plan, self.split = plan, split

    def __call__(self, _: object) -> Iterator[np.ndarray]:
        plan, size = self.plan, self.plan.rows_per_item
        waiting = np.empty((0, len(plan.features) + 1), dtype=np.float32)
        for first, x, y in plan.rows():
            keep = plan.valid[first : first + len(x)] == (self.split == "valid")
            rows = [plan.scaled(x[keep], "features"), plan.scaled(y[keep], "target")]
            waiting = np.concatenate([waiting, np.concatenate(rows, axis=1)]).astype(np.float32)
            whole = len(waiting) - len(waiting) % size
            yield from np.split(waiting[:whole], whole // size) if whole else []
            waiting = waiting[whole:]
        if len(waiting):
            yield waiting


def write_table_shards(root: Path, plan: TablePlan) -> None:
    """Both splits' shards under `root`, then the spec (written last: shards_written)."""
    import litdata

    for split in ("train", "valid"):
        with start_method_kept():
            litdata.optimize(
                fn=SplitBlocks(plan, split), inputs=[split], output_dir=str(root / split),
                chunk_bytes="64MB", num_workers=1, mode="overwrite", verbose=False,
            )  # fmt: skip
        if not json.loads((root / split / "index.json").read_text()).get("chunks"):
            raise UserError(f"writing the shards of {plan.layout.path} into {root} failed: "
                            "see the messages above, and run it again.")  # fmt: skip
    write_spec(root, plan.spec(), plan.rows_per_item)
