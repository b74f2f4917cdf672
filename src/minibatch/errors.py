"""The exceptions that end a run before it finishes: a mistake, divergence, a signal.

`UserError` is the one type for mistakes a user can fix: `train.py` turns it into a single
line on stderr and a non-zero exit, instead of a traceback, so its message must be one
sentence that says what went wrong and what to do (`WriteFailed`: a disk that refused a
file, see library_errors.py). `Diverged` and `Interrupted` are raised by the callbacks of
`divergence.py` and `interruption.py` (a checkpoint that could not be written is a
`WriteFailed`, atomic_checkpoints.py); `run_outcome.py` decides what each leaves behind.
They live here, apart from their callbacks, so that the entry points can handle them
without importing Lightning first. `building` names the config entry whose option a
constructor refused.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hydra.errors import CompactHydraException, InstantiationException


class UserError(Exception):
    """A mistake in the user's command, config or data, explained in one sentence."""


class Diverged(UserError):
    """The training loss is not finite: the run stops, its last good checkpoint is kept."""


class WriteFailed(UserError):
    """A file of the run could not be written (a full disk, a file-size limit): the run stops,
    what it saved is kept and named (run_outcome.py says which checkpoint to resume from)."""

    def __init__(self, what: str, todo: str, then: str = "run the same command again") -> None:
        super().__init__(f"{what}: {todo}, then {then}.")
        self.what, self.todo = what, todo

    def then(self, then: str) -> WriteFailed:
        """The same sentence, ending with what to do once the disk takes files again."""
        return WriteFailed(self.what, self.todo, then)


class JobFailed(CompactHydraException):
    """A job of a sweep that a `UserError` ended, its one sentence already said: Hydra marks
    the job failed and runs the others, then raises the first failure again at the end,
    which prints this one line (the sweep's summary follows, sweep_summary.py)."""

    @property
    def reason(self) -> str:
        return str(self.args[0])

    def __str__(self) -> str:
        return "a job of this sweep failed (the summary below lists every job)"


# As a shell reports a process ended by the signal.
EXIT_CODES = {signal.SIGTERM: 143, signal.SIGINT: 130}


class Interrupted(Exception):
    """The run was stopped by a signal after saving `checkpoint` (None if nothing to save).

    `requeue`, for a job started by submitit and preempted or timed out: submitit's own
    handler of the signal, deferred until the checkpoint was saved; calling it requeues the
    job (which resumes from that checkpoint, see hydra_plugins/minibatch_submitit/) and exits.
    `finished`: the signal came once training had nothing left to do (during the last
    epoch's validation), so there is nothing to resume and nothing to requeue.
    """

    def __init__(self, signum: int, checkpoint: Path | None, epoch: int, step: int,
                 requeue: Callable[[], None] | None = None,
                 finished: bool = False) -> None:  # fmt: skip
        super().__init__(signal.Signals(signum).name)
        self.signum, self.checkpoint, self.epoch, self.step = signum, checkpoint, epoch, step
        self.requeue = None if finished else requeue
        self.finished = finished

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.signum, 128 + self.signum)


@contextmanager
def building(key: str) -> Iterator[None]:
    """Build config entry `key` (data, model, trainer, a logger...): whatever its constructor
    raises, from a dropout of 1.5 to a tracker's unknown URI, becomes one `UserError` naming
    the entry. Everything the constructor is given comes from the config; the original
    traceback is kept as the cause (HYDRA_FULL_ERROR=1 prints it)."""
    try:
        yield
    except UserError:
        raise
    except InstantiationException as error:  # Hydra's wrapper around the constructor's error
        cause = error.__cause__ or error
        if isinstance(cause, UserError):
            raise cause from None
        raise option_error(key, cause) from cause
    except Exception as error:
        raise option_error(key, error) from error


def option_error(key: str, error: BaseException) -> UserError:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return UserError(f"{key} cannot be built from its settings ({reason}): fix that {key} setting.")
