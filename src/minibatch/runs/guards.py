"""What a command-line run adds around `minibatch.train.train`: its guards, as Lightning callbacks.

They read the Trainer and Lightning's hooks, not the module, so they work with any
LightningModule.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import lightning as L
from lightning.pytorch.utilities.exceptions import SIGTERMException
from omegaconf import DictConfig

from minibatch.checks.before_training import BeforeTraining
from minibatch.errors import UserError
from minibatch.runs.divergence import StopOnDivergence
from minibatch.runs.finished_run import RecordEarlyStop
from minibatch.runs.interruption import SaveOnInterrupt, preemption_signal
from minibatch.runs.random_state import KeepRandomState
from minibatch.runs.saved_config import current_choices


class RecordRun(L.Callback):
    """Keep the run's description in every checkpoint: its resolved config and the options
    of its config groups (data=csv, model=mlp...), plain data that evaluate.py and export.py
    read, never run (saved_config.py)."""

    def __init__(self, config: dict, choices: dict[str, str | None] | None) -> None:
        self.config, self.choices = config, choices

    def on_save_checkpoint(self, trainer, module, checkpoint: dict) -> None:
        checkpoint["run_config"] = self.config
        if self.choices is not None:
            checkpoint["run_choices"] = dict(self.choices)


def handled_signals() -> list[signal.Signals]:
    """The signals the guards handle while fitting."""
    signals = [signal.SIGTERM, signal.SIGHUP, signal.SIGINT]
    preemption = preemption_signal()
    return signals + ([preemption] if preemption is not None else [])


class RunGuards:
    """The callbacks that guard one command-line run, and the sentence each stop becomes."""

    def __init__(self, cfg: DictConfig, config: dict) -> None:
        self.cfg = cfg
        self.interrupt = SaveOnInterrupt(Path(cfg.paths.output_dir) / "checkpoints")
        self.callbacks: list[L.Callback] = [
            BeforeTraining(cfg.get("optimized_metric"), cfg.get("test", False)),
            StopOnDivergence(),
            self.interrupt,
            KeepRandomState(),
            RecordRun(config, current_choices()),
            RecordEarlyStop(),
        ]

    @contextmanager
    def fitting(self) -> Iterator[None]:
        """Turn a signal into `Interrupted`, and Lightning's refusals into one sentence; the
        signal handlers are as they were before, however the fit ends (Lightning puts back
        the ones it found, the guards' own, when a fit raises)."""
        handlers = {signum: signal.getsignal(signum) for signum in handled_signals()}
        try:
            with self.translating():
                yield
        finally:
            for signum, handler in handlers.items():
                if handler is not None:
                    signal.signal(signum, handler)

    @contextmanager
    def translating(self) -> Iterator[None]:
        try:
            yield
        except (SIGTERMException, SystemExit, KeyboardInterrupt):
            if self.interrupt.interrupted is None:
                raise
            raise self.interrupt.interrupted from None
        except ValueError as error:  # Lightning checks some settings only against the data
            refused = [key for key in self.cfg.trainer if f"`{key}`" in str(error)]
            trainer = self.interrupt.trainer
            if not refused or (trainer is not None and trainer.global_step):
                raise
            reason = str(error).strip().split(". ")[0]  # Lightning's first sentence says why
            raise UserError(
                f"Lightning refused trainer.{refused[0]} for this data ({reason}): fix that "
                "setting."
            ) from error
        except RuntimeError as error:
            if "state_dict" not in str(error) and "size mismatch" not in str(error):
                raise
            raise UserError(
                f"{self.cfg.ckpt_path} does not fit this data and model "
                f"({str(error).splitlines()[0][:100]}): resume with the same data=, model= and "
                "options as the run that wrote it."
            ) from None
        if self.interrupt.interrupted is not None:  # a signal during validation or teardown
            raise self.interrupt.interrupted

    def check_trained(self, trainer: L.Trainer) -> None:
        """A fit that found no training batch trained nothing: say so instead of exiting 0."""
        if trainer.num_training_batches == 0:
            raise UserError(
                "the training split gives no batch, so nothing was trained: check the data's "
                "size, trainer.limit_train_batches and data.drop_last with a batch_size larger "
                "than the training set."
            )
