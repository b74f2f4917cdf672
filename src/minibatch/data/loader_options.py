"""The loader options every DataModule of the template takes alike: batch sizes, workers, seed.

Checked with the rules of checks/config_checks.py (RANGES), so a DataModule built outside a
config (a notebook, a test) refuses a bad value in the words a command line would.
"""

from __future__ import annotations

import torch

from minibatch.checks.config_checks import check_value


def eval_batch_size(batch_size: int, eval_batch_size: int | None) -> int:
    """The validation/test batch size: `eval_batch_size` checked, or `batch_size`."""
    check_value("data.eval_batch_size", eval_batch_size)
    return eval_batch_size or batch_size


def workers(num_workers: int) -> int:
    """`num_workers` checked (0: batches are made in the training process)."""
    check_value("data.num_workers", num_workers)
    return num_workers


def order_seed(seed: int | None) -> int:
    """The seed of the batch order; null draws one (from torch's seeded generator)."""
    return int(torch.randint(0, 2**31 - 1, ()).item()) if seed is None else seed
