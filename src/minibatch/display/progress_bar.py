"""The console's progress bar and its last line: the values of the last epoch, never cut.

Lightning's RichProgressBar shows `train/loss` one epoch late and wraps a metric's name apart
from its value; this one shows one metric a line and counts mini-batches, grouped or not.
"""

from __future__ import annotations

from collections.abc import Mapping

import lightning as L
from lightning.pytorch.callbacks import RichProgressBar
from lightning.pytorch.callbacks.progress.rich_progress import (
    ProcessingSpeedColumn,
    RichProgressBarTheme,
)
from rich import get_console

from minibatch.adapters.private_api import refresh_bar_metrics

# Below this width the speed column goes, so that the metrics column holds `name: value`.
NARROW = 100


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

    def _grouped_loader(self):
        """The training loader when it hands out groups of mini-batches (grouped steps)."""
        loader = self.trainer.train_dataloader
        return loader if hasattr(loader, "group") and hasattr(loader, "num_batches") else None

    @property
    def total_train_batches(self) -> int | float:
        grouped = self._grouped_loader()
        return super().total_train_batches if grouped is None else grouped.num_batches

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        grouped = self._grouped_loader()
        if grouped is not None:  # mini-batches done so far, minus one (Lightning's indexing)
            batch_idx = min((batch_idx + 1) * grouped.group, grouped.num_batches) - 1
        super().on_train_batch_end(trainer, pl_module, outputs, batch, batch_idx)

    def configure_columns(self, trainer: L.Trainer) -> list:
        columns = super().configure_columns(trainer)
        if get_console().width < NARROW:
            columns = [c for c in columns if not isinstance(c, ProcessingSpeedColumn)]
        return columns

    def teardown(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        refresh_bar_metrics(self, trainer, pl_module)  # the last epoch's train/loss, logged late
        self.refresh()
        super().teardown(trainer, pl_module, stage)
        if stage == "fit" and self.is_enabled and trainer.is_global_zero:
            self.print_final_line(trainer)

    def print_final_line(self, trainer: L.Trainer) -> None:
        """`final, after N epochs: train/loss 0.8312  val/loss 0.828 ...`: the last values."""
        metrics = {
            name: float(value) for name, value in sorted(trainer.callback_metrics.items())
            if "/" in name and value.numel() == 1
        }  # fmt: skip
        if not metrics:
            return
        console = get_console()
        head = f"final, after {trainer.current_epoch} epochs:"
        for line in pair_lines(metrics, console.width, first=head):
            console.print(line, soft_wrap=True, highlight=False)
