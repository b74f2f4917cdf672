"""What a run shows in TensorBoard beyond its scalars: the lesson's charts first, and itself.

Training and validation loss in one chart (the gap is the lesson), and the command, tags and
config that made the run, so a curve can always be traced back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import lightning as L
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import TensorBoardLogger


def layout(metric_names: Iterable[str]) -> dict[str, dict[str, list]]:
    """The custom-scalars layout: losses first, then one chart per validation metric."""
    losses = {
        "train/loss and val/loss (per epoch)": ["Multiline", [r"^train/loss$", r"^val/loss$"]],
        "train/loss_step (one mini-batch)": ["Multiline", [r"^train/loss_step$"]],
        "val/loss_best": ["Multiline", [r"^val/loss_best$"]],
    }
    metrics = {name: ["Multiline", [f"^{name}$"]] for name in metric_names}
    return {"1. loss": losses, "2. validation metrics": metrics}


def command_line() -> str:
    """The command that reruns this job (a sweep job's own values), if Hydra runs it."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return "(composed in Python, not from the command line)"
    return " ".join(["python train.py", *HydraConfig.get().overrides.task])


class RunPage(Callback):
    """Write the custom-scalars layout and the run's command and config, once, at the start."""

    def __init__(self, config_file: str | None = None, tags: Sequence[str] = ()) -> None:
        self.config_file = config_file
        self.tags = [str(tag) for tag in tags or ()]

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        metrics = [name for name in getattr(pl_module, "val_metrics", {}) if name != "val/loss"]
        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger):
                writer = logger.experiment
                writer.add_custom_scalars(layout(metrics))
                writer.add_text("run/command", f"    {command_line()}", 0)
                if self.tags:
                    writer.add_text("run/tags", ", ".join(self.tags), 0)
                text = self.config_text()
                writer.add_text("run/config", "    " + text.replace("\n", "\n    "), 0)

    def config_text(self) -> str:
        """The config Hydra saved for this run (as composed, before interpolation)."""
        if self.config_file is None or not Path(self.config_file).is_file():
            return "(composed in Python, not from the command line)"
        return Path(self.config_file).read_text()
