"""What the command-line entry points (train, evaluate) share.

- Known noise is silenced: Lightning's advertisements and two warnings that say nothing to
  a user of this template.
- A `UserError` (raised directly, or inside a Hydra `instantiate`) becomes one red line on
  stderr and exit code 2, not a 40-line traceback.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from hydra.errors import InstantiationException
from rich.console import Console

from minibatch.errors import UserError

IGNORED_WARNINGS = (
    r".*isinstance\(treespec, LeafSpec\).*",  # a deprecation inside Lightning itself
    r".*smaller than the logging interval.*",  # the template logs per epoch, on purpose
    # Under DDP: the logged values come from torchmetrics, which already synchronise ranks.
    r".*when logging on epoch level in distributed setting.*",
)
console = Console(stderr=True)


# Lines Lightning logs at every start that teach nothing: tips for its cloud products, the
# accelerators that are absent, and a note that our model summary replaced its own.
NOISE_PREFIXES = (
    "💡 Tip",
    "GPU available: False",
    "TPU available: False",
    "HPU available: False",
    "Trainer already configured with model summary",
)


def drop_advertisements(record: logging.LogRecord) -> bool:
    """False for the lines of NOISE_PREFIXES, which a learner does not need."""
    return not str(record.msg).startswith(NOISE_PREFIXES)


def quiet_known_noise() -> None:
    for message in IGNORED_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(drop_advertisements)


def say(message: str) -> None:
    """One line on stderr, never wrapped (paths stay copy-pasteable)."""
    console.print(message, soft_wrap=True)


@contextmanager
def user_errors_exit() -> Iterator[None]:
    """Turn a `UserError` into one line on stderr and exit code 2."""
    try:
        yield
    except UserError as error:
        say(f"[bold red]error:[/] {error}")
        sys.exit(2)
    except InstantiationException as error:  # raised outside `unwrapped_user_errors`
        if not isinstance(error.__cause__, UserError):
            raise
        say(f"[bold red]error:[/] {error.__cause__}")
        sys.exit(2)
