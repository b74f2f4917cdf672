"""A callback that sends its own process a real signal after a given optimizer step.

So a test interrupts a run at a known point (mid-epoch, between two steps of a group)
through the same signal handlers a `kill` goes through, instead of racing a timer.
Added from the command line: `+callbacks.signal._target_=tests.core.signal_at_step.SignalAtStep
+callbacks.signal.step=120`.
"""

from __future__ import annotations

import os
import signal

import lightning as L


class SignalAtStep(L.Callback):
    """Send `signal_name` (SIGTERM, SIGINT, SIGUSR2...) to this process after `step` steps."""

    def __init__(self, step: int, signal_name: str = "SIGTERM") -> None:
        self.step, self.signum = step, getattr(signal, signal_name)
        self.sent = False

    def on_train_minibatch_end(self, trainer: L.Trainer, module, loss, batch) -> None:
        if trainer.global_step == self.step and not self.sent:
            self.sent = True
            os.kill(os.getpid(), self.signum)
