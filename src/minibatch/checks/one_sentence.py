"""The one place a mistake becomes one red line on stderr and exit code 2, not a traceback.

In a sweep's job it becomes `JobFailed` instead, so that the sweep goes on with its other jobs;
`HYDRA_FULL_ERROR=1` prints the library error's traceback above the line.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from hydra.errors import CompactHydraException
from rich.console import Console
from rich.markup import escape

from minibatch.checks.library_errors import as_user_error

console = Console(stderr=True)


class JobFailed(CompactHydraException):
    """A job of a sweep that a `UserError` ended, its one sentence already said: Hydra marks
    the job failed and runs the others, then raises the first failure again at the end,
    which prints this one line (the sweep's summary follows, sweep_summary.py)."""

    @property
    def reason(self) -> str:
        return str(self.args[0])

    def __str__(self) -> str:
        return "a job of this sweep failed (the summary below lists every job)"


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
