"""Tiny LitData shards whose rows name themselves (x = y = the row's index).

Apart from `stream_probe.py` and light on purpose: `litdata.optimize` spawns its writer
processes, and each imports the module of the function it maps; this one imports no
Lightning.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minibatch.data.streaming.shards import write_spec, write_split
from minibatch.data_spec import DataSpec


def indexed_rows(part: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Rows `start..stop-1` of the probe data: x = y = the row index."""
    index = np.arange(*part, dtype=np.float32)[:, None]
    return index, index


def write_probe_shards(root: Path, size: int, rows_per_item: int = 1) -> None:
    """`size` indexed training rows in small chunks (many chunks to share out), 40 valid."""
    parts = [(start, min(start + 250, size)) for start in range(0, size, 250)]
    write_split(root / "train", indexed_rows, parts, rows_per_item, chunk_bytes="1kb")
    write_split(root / "valid", indexed_rows, [(0, 40)], rows_per_item)
    write_spec(root, DataSpec(task="regression", input_shape=(1,)), rows_per_item)
