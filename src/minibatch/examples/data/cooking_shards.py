"""Seed 000's cooking data as LitData shards, any size: the cakes that do not fit in memory.

Drawn in parts of `part_size`, each from its own seed: writing takes one part's memory per
worker, and the same arguments always write the same cakes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from minibatch.data.streaming.shards import write_spec, write_split
from minibatch.data_spec import DataSpec
from minibatch.examples.data.cooking import generate_cooking_data

SPLIT_SEEDS = {"train": 0, "valid": 1}


class CookingPart:
    """The rows of one part: (split seed, part number, size) -> (times, ratings)."""

    def __init__(self, noise_scale: float, data_seed: int) -> None:
        self.noise_scale, self.data_seed = noise_scale, data_seed

    def __call__(self, part: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
        split_seed, number, size = part
        seed = (self.data_seed * 2 + split_seed) * 10**6 + number  # one stream per part
        generator = torch.Generator().manual_seed(seed)
        times, ratings = generate_cooking_data(size, self.noise_scale, generator)
        return times.numpy(), ratings.numpy()


def parts(split_seed: int, size: int, part_size: int) -> list[tuple[int, int, int]]:
    """`size` rows cut into parts of at most `part_size`."""
    return [(split_seed, n, min(part_size, size - start))
            for n, start in enumerate(range(0, size, part_size))]  # fmt: skip


def write_cooking_shards(
    root: str | Path, train_size: int = 2_000_000, valid_size: int = 18_000,
    noise_scale: float = 0.9, data_seed: int = 1337, rows_per_item: int = 1000,
    part_size: int = 1_000_000, num_workers: int = 1,
) -> Path:  # fmt: skip
    """Write the shards and the spec under `root`; returns `root`."""
    root = Path(root)
    make_rows = CookingPart(noise_scale, data_seed)
    for split, size in (("train", train_size), ("valid", valid_size)):
        write_split(root / split, make_rows, parts(SPLIT_SEEDS[split], size, part_size),
                    rows_per_item, num_workers=num_workers)  # fmt: skip
    write_spec(root, DataSpec(task="regression", input_shape=(1,)), rows_per_item)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="folder to write train/, valid/, spec.json")
    parser.add_argument("--train-size", type=int, default=2_000_000)
    parser.add_argument("--valid-size", type=int, default=18_000)
    parser.add_argument("--rows-per-item", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="processes that write parts")
    args = parser.parse_args()
    write_cooking_shards(args.root, args.train_size, args.valid_size,
                         rows_per_item=args.rows_per_item, num_workers=args.workers)  # fmt: skip
    print(f"wrote {args.train_size:,} training cakes to {args.root}")


if __name__ == "__main__":
    main()
