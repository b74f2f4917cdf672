"""The DataLoader knobs every shipped DataModule takes (configs/loader/default.yaml), checked once.

The in-memory base serves them with its own fast loader; the image folder and the streaming
DataModule with torch's and LitData's loaders. Each checks the same values the same way, and
refuses in one sentence a knob its data cannot honour.
"""

from __future__ import annotations

from minibatch.checks.config_checks import check_choice, check_positive_int
from minibatch.data.in_memory.batch_sampler import ORDERS
from minibatch.data.in_memory.collate import COLLATES
from minibatch.errors import UserError

LOADERS: tuple[str, ...] = ("batched", "per_item")
SAMPLERS: tuple[str, ...] = ("auto", *ORDERS)


def check_loader_knobs(
    eval_batch_size: int | None, sampler: str, loader: str, collate: str, num_workers: object
) -> None:
    """Refuse, in one sentence, a knob value no loader takes."""
    if eval_batch_size is not None:
        check_positive_int("data.eval_batch_size", eval_batch_size)
    check_choice("data.sampler", sampler, SAMPLERS)
    check_choice("data.loader", loader, LOADERS)
    check_choice("data.collate", collate, tuple(COLLATES))
    if not isinstance(num_workers, int) or isinstance(num_workers, bool) or num_workers < 0:
        raise UserError(f"data.num_workers must be 0 or a positive integer, not {num_workers!r}.")


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
