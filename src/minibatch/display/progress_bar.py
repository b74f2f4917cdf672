"""The console's progress bar and its last line: the values of the last epoch, never cut.

Lightning's RichProgressBar shows `train/loss` one epoch late and wraps a name apart from its
value; this one shows a metric a line, counts mini-batches and ends on one final line.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Mapping

import lightning as L
from lightning.pytorch.callbacks import RichProgressBar
from lightning.pytorch.callbacks.progress.rich_progress import (
    ProcessingSpeedColumn,
    RichProgressBarTheme,
)
from rich import get_console
from rich.progress import ProgressColumn, Task
from rich.text import Text

from minibatch.adapters.private_api import refresh_bar_metrics

# Below this width the speed column goes, so that the metrics column holds `name: value`.
NARROW = 100
# The loggers whose console lines Lightning writes while the bar is drawn.
LIGHTNING_LOGGERS = ("lightning.pytorch", "lightning.fabric", "lightning")
log = logging.getLogger(__name__)  # to the run's train.log (configs/hydra/default.yaml)


class CurrentStderr:
    """A stream that writes to whatever `sys.stderr` is now: the live display's redirection
    while the bar is drawn (a handler made at import keeps the terminal's own stream)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def lightning_logs_through_the_display() -> None:
    """Point Lightning's console handlers at CurrentStderr; idempotent."""
    for name in LIGHTNING_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if type(handler) is logging.StreamHandler and handler.stream in (
                sys.__stderr__,
                sys.stderr,
            ):
                handler.setStream(CurrentStderr())


class MiniBatchRate(ProgressColumn):
    """Mini-batches per second of the epoch so far, from the bar's `rate` field."""

    def __init__(self, style: str) -> None:
        self.style = style
        super().__init__()

    def render(self, task: Task) -> Text:
        rate = task.fields.get("rate")
        text = "-- batches/s" if rate is None else f"{rate:,.{2 if rate < 10 else 0}f} batches/s"
        return Text(text, style=self.style)


def epochs_text(epochs: int) -> str:
    return f"{epochs} epoch" + ("" if epochs == 1 else "s")


def metrics_text(metrics: Mapping[str, float]) -> str:
    return "  ".join(f"{name} {value_text(value)}" for name, value in metrics.items())


def value_text(value: float) -> str:
    """Four significant digits: the precision of a loss worth reading."""
    return f"{value:.4g}"


def pair_lines(pairs: Mapping[str, float], width: int, first: str = "") -> list[str]:
    """`name value` pairs, two spaces apart, in lines of at most `width` characters.

    A line breaks only between pairs (a pair longer than the width gets a line of its own).
    """
    lines, line = [], first
    for name, value in pairs.items():
        pair = f"{name} {value_text(value)}"
        if line and len(line) + 2 + len(pair) > width:
            lines.append(line)
            line = pair
        else:
            line = f"{line}  {pair}" if line else pair
    return [*lines, line] if line else lines


class EpochProgressBar(RichProgressBar):
    """RichProgressBar with metrics one per line and a final line of the last epoch's values."""

    def __init__(self, refresh_rate: int = 1, leave: bool = False, **kwargs) -> None:
        theme = RichProgressBarTheme(metrics_text_delimiter="\n", metrics_format=".4g")
        super().__init__(refresh_rate=refresh_rate, leave=leave, theme=theme, **kwargs)
        self.epoch_started = time.monotonic()
        self.epoch_ended = False  # in this process: the log gets its values at the next start

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        super().setup(trainer, pl_module, stage)
        lightning_logs_through_the_display()

    def _grouped_loader(self):
        """The training loader when it hands out groups of mini-batches (grouped steps)."""
        loader = self.trainer.train_dataloader
        return loader if hasattr(loader, "group") and hasattr(loader, "num_batches") else None

    @property
    def total_train_batches(self) -> int | float:
        grouped = self._grouped_loader()
        return super().total_train_batches if grouped is None else grouped.num_batches

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        super().on_train_epoch_start(trainer, pl_module)
        if self.epoch_ended and trainer.is_global_zero:  # its train/loss is logged by now
            log.info("after %s: %s", epochs_text(trainer.current_epoch), metrics_text(
                last_values(trainer)))  # fmt: skip
        self.epoch_started = time.monotonic()
        self.show_rate(None)

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        super().on_train_epoch_end(trainer, pl_module)
        self.epoch_ended = True

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        grouped = self._grouped_loader()
        if grouped is not None:  # mini-batches done so far, minus one (Lightning's indexing)
            batch_idx = min((batch_idx + 1) * grouped.group, grouped.num_batches) - 1
        elapsed = time.monotonic() - self.epoch_started
        self.show_rate((batch_idx + 1) / elapsed if elapsed > 0 else None)
        super().on_train_batch_end(trainer, pl_module, outputs, batch, batch_idx)

    def show_rate(self, rate: float | None) -> None:
        if self.progress is not None and self.train_progress_bar_id is not None:
            self.progress.update(self.train_progress_bar_id, rate=rate)

    def configure_columns(self, trainer: L.Trainer) -> list:
        columns = [
            MiniBatchRate(self.theme.processing_speed) if isinstance(c, ProcessingSpeedColumn)
            else c for c in super().configure_columns(trainer)
        ]  # fmt: skip
        if get_console().width < NARROW:
            columns = [c for c in columns if not isinstance(c, MiniBatchRate)]
        return columns

    def teardown(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        refresh_bar_metrics(self, trainer, pl_module)  # the last epoch's train/loss, logged late
        self.refresh()
        super().teardown(trainer, pl_module, stage)
        if stage == "fit" and self.is_enabled and trainer.is_global_zero:
            self.print_final_line(trainer)

    def print_final_line(self, trainer: L.Trainer) -> None:
        """`final, after N epochs: train/loss 0.8312  val/loss 0.828 ...`: the last values,
        on the console and in the run's log file."""
        metrics = last_values(trainer)
        if not metrics:
            return
        console = get_console()
        head = f"final, after {epochs_text(trainer.current_epoch)}:"
        for line in pair_lines(metrics, console.width, first=head):
            console.print(line, soft_wrap=True, highlight=False)
        log.info("%s  %s", head, metrics_text(metrics))


def last_values(trainer: L.Trainer) -> dict[str, float]:
    """The run's metrics (`train/loss`, `val/...`) as last logged, by name."""
    return {
        name: float(value) for name, value in sorted(trainer.callback_metrics.items())
        if "/" in name and value.numel() == 1
    }  # fmt: skip
