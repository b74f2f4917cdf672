"""The learning-rate finder's curve as a picture: a PNG in the run folder and an image in
TensorBoard's IMAGES tab (through the run's TensorBoard logger, when it has one).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lightning.pytorch.loggers import Logger, TensorBoardLogger
from matplotlib.figure import Figure

PLOT_FILE = Path("tune") / "lr_find.png"
IMAGE_TAG = "tune/lr_find"


def save_lr_plot(finder, lr: float, lightning_lr: float | None, run_dir: str,
                 loggers: Sequence[Logger]) -> Path:  # fmt: skip
    """Draw the finder's loss against the rate with both suggestions marked; return the
    file."""
    figure = Figure(figsize=(6, 4), layout="tight")
    axes = figure.subplots()
    finder.plot(suggest=False, ax=axes)
    axes.axvline(lr, color="red", label=f"suggested: {lr:.3g}")
    if lightning_lr is not None:
        axes.axvline(lightning_lr, color="grey", linestyle=":",
                     label=f"Lightning's suggestion: {lightning_lr:.3g}")  # fmt: skip
    axes.set_title("learning-rate finder: smoothed training loss")
    axes.legend()
    path = Path(run_dir) / PLOT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    for logger in loggers:
        if isinstance(logger, TensorBoardLogger):
            logger.experiment.add_figure(IMAGE_TAG, figure, global_step=0, close=False)
            logger.experiment.flush()
    return path
