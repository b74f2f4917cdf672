"""The two ways a run stops before its end that are not mistakes in the command: a loss gone
to NaN and a signal. Apart from their callbacks (divergence.py, interruption.py), so that the
command line handles them before Lightning is imported.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

from minibatch.errors import UserError


class Diverged(UserError):
    """The training loss is not finite: the run stops, its last good checkpoint is kept."""


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
