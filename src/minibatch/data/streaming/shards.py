"""Write a dataset as LitData shards: blocks of `rows_per_item` float32 rows, the `DataSpec` beside.

A stream pays a fixed cost per item, so blocks of a thousand rows stream about as fast as the
disk reads; shuffling whole blocks is as good as rows when rows were written in random order.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from minibatch.data_spec import DataSpec

SPEC_FILE = "spec.json"
Rows = tuple[np.ndarray, np.ndarray]  # (features, targets), each (rows, columns)


def as_blocks(
    features: np.ndarray, targets: np.ndarray, rows_per_item: int
) -> Iterator[np.ndarray]:
    """Rows as float32 blocks of `rows_per_item` rows, each row features then targets."""
    table = np.concatenate(
        [features.reshape(len(features), -1), targets.reshape(len(targets), -1)], axis=1
    ).astype(np.float32)
    for start in range(0, len(table), rows_per_item):
        yield table[start : start + rows_per_item]


class BlockWriter:
    """The function `litdata.optimize` maps over its inputs: one input -> its blocks.

    A class, not a closure, so that LitData's worker processes can pickle it.
    """

    def __init__(self, make_rows: Callable[[Any], Rows], rows_per_item: int) -> None:
        self.make_rows, self.rows_per_item = make_rows, rows_per_item

    def __call__(self, part: Any) -> Iterator[np.ndarray]:
        yield from as_blocks(*self.make_rows(part), self.rows_per_item)


def write_split(
    folder: Path, make_rows: Callable[[Any], Rows], parts: list, rows_per_item: int,
    num_workers: int = 1, chunk_bytes: str = "64MB",
) -> None:  # fmt: skip
    """Shards of one split: `make_rows(part)` gives the rows of each part of `parts`.

    Parts are made in parallel by `num_workers` processes, so a split never needs to
    fit in memory: only one part per worker does.
    """
    import litdata

    with start_method_kept():
        litdata.optimize(
            fn=BlockWriter(make_rows, rows_per_item), inputs=parts, output_dir=str(folder),
            chunk_bytes=chunk_bytes, num_workers=num_workers, mode="overwrite", verbose=False,
        )  # fmt: skip


@contextmanager
def start_method_kept() -> Iterator[None]:
    """Undo the process-wide start method `litdata.optimize` sets ("spawn").

    Left set, every DataLoader the process makes afterwards (the training run that just
    wrote its shards) would spawn its workers, each re-importing torch at every epoch,
    instead of forking them.
    """
    before = multiprocessing.get_start_method(allow_none=True)
    try:
        yield
    finally:
        multiprocessing.set_start_method(before, force=True)


def write_spec(root: Path, spec: DataSpec, rows_per_item: int) -> None:
    """The spec the model is built from, and the block size the reader needs."""
    record = {"spec": spec.to_dict(), "rows_per_item": rows_per_item}
    (root / SPEC_FILE).write_text(json.dumps(record, indent=2))


def read_spec(root: Path) -> tuple[DataSpec, int]:
    """The `DataSpec` and `rows_per_item` written by `write_spec`."""
    record = json.loads((root / SPEC_FILE).read_text())
    return DataSpec.from_dict(record["spec"]), int(record["rows_per_item"])


def shards_written(root: Path) -> bool:
    """Whether `root` holds a complete shard set (the spec is written last)."""
    return (root / SPEC_FILE).is_file() and all(
        (root / split / "index.json").is_file() for split in ("train", "valid")
    )
