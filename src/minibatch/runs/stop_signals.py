"""A stop signal outside training ends the process at once, in one sentence that says what was lost.

Before training and after it there is nothing to save by waiting; a handler that something else
installed (`nohup`'s, submitit's) is left alone.
"""

from __future__ import annotations

import contextlib
import os
import signal
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
NOTHING_TRAINED = "before training started: nothing was trained; start again with the same command"
TRAINING_DONE = (
    "after training had finished (its checkpoints are kept): what came after it (the test "
    "split with test=true, the summary) did not run"
)
NOT_FINISHED = "before it finished: run the same command again"


class StopAtOnce:
    """A signal handler: one line on stderr saying `what` was lost, then exit 128 + signum.
    A process forked from the one that installed it (a DataLoader worker, which a Ctrl-C
    reaches too) leaves the signal to that one, which ends it."""

    def __init__(self, what: str) -> None:
        self.what, self.owner = what, os.getpid()

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() == self.owner:
            stop_at_once(signum, self.what)


def stop_at_once(signum: int, what: str) -> None:
    """End the process now (`SystemExit`, so that `finally` blocks and exit handlers run).

    The line is written straight to the file descriptor: the signal may have come in the
    middle of a print to stderr, which Python's buffered stream refuses to re-enter. A
    terminal that hung up (SIGHUP) cannot be written to at all; the exit code still says why.
    """
    message = f"interrupted ({signal.Signals(signum).name}) {what}.\n"
    with contextlib.suppress(OSError):
        os.write(2, message.encode())
    raise SystemExit(128 + signum)


def let_go_of_a_closed_terminal() -> None:
    """Point stdout and stderr at /dev/null if they were a terminal that hung up (SIGHUP of a
    dropped ssh session): every write to it fails, and the next progress bar or print would
    crash the run before it reached the step boundary where it saves."""
    for fd in (1, 2):
        try:
            os.write(fd, b"")
        except OSError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fd)
            os.close(devnull)


def is_free(signum: int) -> bool:
    """Whether the signal has only Python's default handling (or ours), so we may take it."""
    handler = signal.getsignal(signum)
    return handler in (signal.SIG_DFL, signal.default_int_handler) or isinstance(
        handler, StopAtOnce
    )


def stop_at_once_on_signals(what: str = NOTHING_TRAINED) -> None:
    """Install `StopAtOnce(what)` for each stop signal that nothing else handles."""
    for signum in STOP_SIGNALS:
        try:
            if is_free(signum):
                signal.signal(signum, StopAtOnce(what))
        except ValueError:  # not the main thread (a launcher's worker): left as they are
            return


def stopping_now_loses(what: str) -> None:
    """The installed `StopAtOnce` handlers say `what` from now on (TRAINING_DONE after fit)."""
    for signum in STOP_SIGNALS:
        handler = signal.getsignal(signum)
        if isinstance(handler, StopAtOnce):
            handler.what = what
