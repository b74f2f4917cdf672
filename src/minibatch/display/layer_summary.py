"""The model summary as a learner reads it: the net's layers and their parameter counts.

Lightning's summary lists the loss and metric modules as layers, with FLOPs and mode columns;
this one leaves them out and fits the totals on one line.
"""

from __future__ import annotations

from typing import Any

import lightning as L
from lightning.pytorch.callbacks import RichModelSummary
from torchmetrics import Metric, MetricCollection


class LayerSummary(RichModelSummary):
    """RichModelSummary without the metric objects, the FLOPs and the mode columns."""

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._metric_names = {
            name for name, module in pl_module.named_modules()
            if isinstance(module, Metric | MetricCollection)
        }  # fmt: skip
        super().on_fit_start(trainer, pl_module)

    def summarize(self, summary_data: list[tuple[str, list[str]]], total_parameters: int,
                  trainable_parameters: int, *args: Any, **kwargs: Any) -> None:  # fmt: skip
        """One row per layer (name, type, parameters, in and out sizes), then the totals."""
        from rich import get_console
        from rich.table import Table

        columns = dict(summary_data)
        keep = [i for i, name in enumerate(columns["Name"]) if not self._is_metric(name)]
        table = Table(header_style="bold magenta")
        shown = [h for h in ("Name", "Type", "Params", "In sizes", "Out sizes") if h in columns]
        for header in shown:
            table.add_column(header, justify="left" if header in ("Name", "Type") else "right")
        for i in keep:
            table.add_row(*(columns[h][i] for h in shown))
        console = get_console()
        console.print(table)
        frozen = total_parameters - trainable_parameters
        console.print(f"[bold]Trainable parameters:[/] {trainable_parameters:,}"
                      + (f"   [bold]frozen:[/] {frozen:,}" if frozen else ""))  # fmt: skip

    def _is_metric(self, name: str) -> bool:
        return any(name == m or name.startswith(f"{m}.") for m in self._metric_names)
