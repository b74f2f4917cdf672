"""What the command-line entry points (train, evaluate, export) share.

- Known noise is silenced: Lightning's advertisements, two warnings that say nothing to
  a user of this template, and the traceback of a background writer that a full disk or a
  removed folder stopped (it goes to the log; the main thread says it in one sentence).
- A `UserError` (raised directly, or a library error that stands for one: see
  library_errors.py) becomes one red line on stderr and exit code 2, not a 40-line
  traceback. `HYDRA_FULL_ERROR=1` prints the traceback of the library error first, as it
  does for Hydra's own errors.
- The process ends without Python's last garbage collections (`end_quickly`).
"""

from __future__ import annotations

import atexit
import errno
import gc
import logging
import os
import sys
import threading
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape

from minibatch.errors import JobFailed
from minibatch.library_errors import as_user_error

IGNORED_WARNINGS = (
    r".*isinstance\(treespec, LeafSpec\).*",  # a deprecation inside Lightning itself
    r".*smaller than the logging interval.*",  # the template logs per epoch, on purpose
    # Under DDP: the logged values come from torchmetrics, which already synchronise ranks.
    r".*when logging on epoch level in distributed setting.*",
)
console = Console(stderr=True)
# A full disk, a quota, the file-size limit, a folder removed under a file being written.
WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.ENOENT)


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
    threading.excepthook = log_write_errors_of_threads


def log_write_errors_of_threads(args: threading.ExceptHookArgs) -> None:
    """A background thread that cannot write (TensorBoard's event writer on a full disk or in
    a removed folder) logs its traceback instead of printing it: the writer hands the error
    on to the main thread, which says it in one sentence (library_errors.py)."""
    if isinstance(args.exc_value, OSError) and args.exc_value.errno in WRITE_ERRNOS:
        logging.getLogger(__name__).error(
            "in thread %s",
            args.thread,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
        return
    threading.__excepthook__(args)


def say(message: str) -> None:
    """One line on stderr, never wrapped (paths stay copy-pasteable)."""
    console.print(message, soft_wrap=True)


@contextmanager
def user_errors_exit(in_a_sweep: bool = False) -> Iterator[None]:
    """Turn a `UserError` (or a library error that stands for one) into one line, exit 2; in
    a sweep's job, into `JobFailed`, so that the sweep goes on with its other jobs."""
    try:
        yield
    except Exception as error:
        mistake = as_user_error(error)
        if mistake is None:
            raise
        cause = error if mistake is not error else error.__cause__
        if os.environ.get("HYDRA_FULL_ERROR") == "1" and cause is not None:
            traceback.print_exception(cause)
        say(f"[bold red]error:[/] {escape(str(mistake))}")
        if in_a_sweep:
            raise JobFailed(str(mistake)) from None
        sys.exit(2)


def end_quickly() -> None:
    """Skip the garbage collections Python runs as the process ends.

    They walk every object the imports made (Lightning's alone make some 400,000, torch's
    compiler and SymPy among them) to find cycles that the operating system frees anyway:
    about a second of every run. Frozen as the last exit handler, the objects are skipped;
    everything else about the exit (other exit handlers, closed files, the exit code) is
    as before.
    """
    atexit.register(gc.freeze)
