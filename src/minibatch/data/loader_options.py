"""The loader options every DataModule of the template takes alike: batch sizes, workers, seed.

Checked with the rules of checks/config_checks.py (RANGES), so a DataModule built outside a
config (a notebook, a test) refuses a bad value in the words a command line would.
"""

from __future__ import annotations

import torch

from minibatch.checks.config_checks import check_choice, check_value
from minibatch.data.in_memory.batch_sampler import ORDERS
from minibatch.data.in_memory.collate import COLLATES
from minibatch.errors import UserError

LOADERS: tuple[str, ...] = ("batched", "per_item")
SAMPLERS: tuple[str, ...] = ("auto", *ORDERS)


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


def check_choices(sampler: str, loader: str, collate: str) -> None:
    """Refuse, in one sentence, a sampler, loader or collate that no DataModule takes."""
    check_choice("data.sampler", sampler, SAMPLERS)
    check_choice("data.loader", loader, LOADERS)
    check_choice("data.collate", collate, tuple(COLLATES))


def check_no_padding(collate: str, input_kind: str) -> None:
    """Padding joins token sequences of different lengths; other inputs have one shape."""
    if collate == "padding" and input_kind != "tokens":
        raise UserError(
            f"data.collate=padding pads token sequences of different lengths; this data's "
            f"inputs are {input_kind} of one shape: use data.collate=default."
        )


def batch_order(sampler: str, shuffle: bool) -> str:
    """The order of training batches: the sampler's, or for `auto` random when shuffling."""
    if sampler == "auto":
        return "random" if shuffle else "sequential"
    return sampler
