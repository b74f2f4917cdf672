"""How a run ended, in one line: still improving, converged, or stopped early at epoch N.

A run stopped while its validation metric still falls looks, in its final metrics, like one
that learnt all it can; the command line prints this verdict last, with what to try.
"""

from __future__ import annotations

import math

import lightning as L
import torch
from lightning.pytorch.callbacks import EarlyStopping
from rich.markup import escape

from minibatch.data.loader_batch_size import loader_batch_size
from minibatch.runs.fit_length import FitLength
from minibatch.runs.run_outcome import tell
from minibatch.speed.grouped_steps import minibatches_per_epoch

# Less than this relative improvement over the last fifth of the epochs is converged, and so
# is less than SMALLEST in the metric's own units (a loss near 0 still falls by crumbs).
TOLERANCE = 0.01
SMALLEST = 0.001


def improvement(values: list[float], mode: str) -> tuple[float, float, int]:
    """(relative and absolute improvement of the last fifth of `values` on the best before,
    the fifth's size)."""
    window = max(1, len(values) // 5)
    before, recent = values[:-window], values[-window:]
    pick = min if mode == "min" else max
    best_before, best_recent = pick(before), pick(recent)
    gain = best_before - best_recent if mode == "min" else best_recent - best_before
    return gain / max(abs(best_before), 1e-12), gain, window


class RunVerdict(L.Callback):
    """Say the run's plan when training starts and its verdict when it ends (`self.verdict`)."""

    def __init__(self) -> None:
        self.history: list[float] = []
        self.verdict: str | None = None
        self.plan: str | None = None
        self.batch_size: int | None = None

    def length_callback(self, trainer: L.Trainer) -> FitLength | None:
        return next((c for c in trainer.callbacks if isinstance(c, FitLength)), None)

    def watched(self, trainer: L.Trainer) -> tuple[str, str]:
        """The metric early stopping watches (val/loss, lower is better, when none does)."""
        for callback in trainer.callbacks:
            if isinstance(callback, EarlyStopping) and getattr(callback, "fitting", True):
                return callback.monitor, callback.mode
        return "val/loss", "min"

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.batch_size = loader_batch_size(trainer.train_dataloader)
        batches = minibatches_per_epoch(trainer)
        size = f"batches of {self.batch_size}" if self.batch_size else "batches"
        count = f" ({batches} an epoch)" if math.isfinite(batches) else ""
        length = self.length_callback(trainer)
        plan = length.plan() if length is not None else None
        epochs = plan or f"{trainer.max_epochs} epoch(s) (trainer.max_epochs)"
        self.plan = f"training in {size}{count}, {epochs}"
        if trainer.is_global_zero:
            tell(escape(self.plan))

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        value = trainer.callback_metrics.get(self.watched(trainer)[0])
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            self.history.append(float(value))

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.verdict = self.judge(trainer)

    def judge(self, trainer: L.Trainer) -> str:
        epochs = trainer.current_epoch
        name, mode = self.watched(trainer)
        values = [v for v in self.history if math.isfinite(v)]
        stopped = [c for c in trainer.callbacks if isinstance(c, EarlyStopping)
                   and getattr(c, "fitting", True) and c.stopped_epoch > 0]  # fmt: skip
        if not values:
            return f"trained {epochs} epoch(s); no {name} was logged to judge the run by"
        best = min(values) if mode == "min" else max(values)
        best_epoch = values.index(best) + 1
        if stopped:
            delta = abs(float(stopped[0].min_delta))
            by = f" by more than {delta:g}" if delta else ""
            return (
                f"early-stopped at epoch {epochs}: {name} had not improved{by} for "
                f"{stopped[0].patience} epochs (best {best:.4g} at epoch {best_epoch})"
            )
        if len(values) < 2:
            return (
                f"trained {epochs} epoch(s), too few to tell whether {name} still improves: "
                f"try trainer.max_epochs={max(10, 2 * epochs)}"
            )
        gain, absolute, window = improvement(values, mode)
        if gain > TOLERANCE and absolute > SMALLEST:
            smaller = (
                f", a smaller batch (batch_size={self.batch_size // 2}: more steps an epoch)"
                if self.batch_size and self.batch_size > 1
                else ""
            )
            return (
                f"still improving when training stopped at epoch {epochs} ({name} better by "
                f"{gain:.0%} over the last {window} epoch(s)): train longer "
                f"(trainer.max_epochs={2 * epochs}){smaller}, or another learning rate "
                "(tune=lr finds one)"
            )
        return (
            f"converged: {name} improved by less than {TOLERANCE:.0%} (or {SMALLEST:g}) over the "
            f"last {window} "
            f"epoch(s) of {epochs} (best {best:.4g} at epoch {best_epoch})"
        )
