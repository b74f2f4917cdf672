"""The exceptions that end a run before it finishes: a mistake, divergence, a signal.

`UserError` is the one type for mistakes a user can fix: `train.py` turns it into a single
line on stderr and a non-zero exit, instead of a traceback, so its message must be one
sentence that says what went wrong and what to do. `Diverged` and `Interrupted` are raised
by the callbacks of `divergence.py` and `interruption.py`; `run_outcome.py` decides what
each leaves behind. They live here, apart from their callbacks, so that the entry points
can handle them without importing Lightning first.
"""

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hydra.errors import InstantiationException


class UserError(Exception):
    """A mistake in the user's command, config or data, explained in one sentence."""


class Diverged(UserError):
    """The training loss is not finite: the run stops, its last good checkpoint is kept."""


# As a shell reports a process ended by the signal.
EXIT_CODES = {signal.SIGTERM: 143, signal.SIGINT: 130}


class Interrupted(Exception):
    """The run was stopped by a signal after saving `checkpoint` (None if nothing to save).

    `requeue`, for a job started by submitit and preempted or timed out: submitit's own
    handler of the signal, deferred until the checkpoint was saved; calling it requeues the
    job (which resumes from that checkpoint, see hydra_plugins/minibatch_submitit/) and exits.
    """

    def __init__(self, signum: int, checkpoint: Path | None, epoch: int, step: int,
                 requeue: Callable[[], None] | None = None) -> None:  # fmt: skip
        super().__init__(signal.Signals(signum).name)
        self.signum, self.checkpoint, self.epoch, self.step = signum, checkpoint, epoch, step
        self.requeue = requeue

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.signum, 128 + self.signum)


@contextmanager
def unwrapped_user_errors() -> Iterator[None]:
    """Re-raise a `UserError` that Hydra's `instantiate` wrapped, as itself."""
    try:
        yield
    except InstantiationException as error:
        if isinstance(error.__cause__, UserError):
            raise error.__cause__ from None
        raise
