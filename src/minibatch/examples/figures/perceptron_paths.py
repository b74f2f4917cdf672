"""Figure 4 (seed 001): w and b of the perceptron after every step, three ways of batching.

Sequential batches repeat the same four moves every epoch (the notebook's "systematic
oscillation"), shuffled ones do not: `python scripts/figures.py perceptron-paths`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minibatch.examples.figures.canvas import COLORS, new_figure, save
from minibatch.examples.figures.runs import train_recorded
from minibatch.speed.grouped_steps import minibatches_per_epoch

RUNS = {
    "full batch (100)": ("batch_size=100", "trainer.max_epochs=200"),
    "sequential batches of 25": ("batch_size=25", "data.shuffle=false", "trainer.max_epochs=50"),
    "shuffled batches of 25": ("batch_size=25", "data.shuffle=true", "trainer.max_epochs=50"),
}


def epoch_correlation(values: np.ndarray, period: int, lag: int | None = None) -> float:
    """How alike the steps' moves are `lag` steps apart (default: one epoch), in the second
    half of training: the correlation of the changes per step, less their running mean
    over an epoch (the slow trend). Near 1 at lag `period` and negative at `period - 1`:
    the moves repeat every epoch and are not merely smooth."""
    moves = np.diff(values)
    trend = np.convolve(moves, np.ones(period) / period, mode="valid")
    wiggle = moves[period // 2 : period // 2 + len(trend)] - trend
    wiggle = wiggle[len(wiggle) // 2 :]
    lag = lag or period
    return float(np.corrcoef(wiggle[:-lag], wiggle[lag:])[0, 1])


def perceptron_paths(
    out: str | Path, runs: dict[str, tuple[str, ...]] | None = None,
    overrides: tuple[str, ...] = (), zoom_epochs: int = 6,
) -> dict:  # fmt: skip
    """Train the three runs, draw their paths; save `<out>.png` and `<out>.svg`.

    Returns {label: {"w", "b": after every step (index 0: the start), "steps_per_epoch"}}.
    """
    paths = {}
    for label, run_overrides in (runs or RUNS).items():
        run = train_recorded("experiment=perceptron_minibatch", *run_overrides, *overrides)
        paths[label] = {"w": run.trajectory[0], "b": run.trajectory[1],
                        "steps_per_epoch": minibatches_per_epoch(run.result.trainer)}  # fmt: skip

    period = max(path["steps_per_epoch"] for path in paths.values())  # the mini-batch epoch
    figure = new_figure(13.5, 5.2)
    grid = figure.add_gridspec(2, 2, width_ratios=(1.6, 1))
    for row, name in enumerate(("w", "b")):
        ax, zoom = figure.add_subplot(grid[row, 0]), figure.add_subplot(grid[row, 1])
        for color, (label, path) in zip(COLORS[::-1][-3:], paths.items(), strict=False):
            values = path[name]
            ax.plot(np.arange(len(values)), values, color=color, lw=1.2, label=label)
            last = np.arange(len(values) - zoom_epochs * period, len(values))
            zoom.plot(last, values[last] - values[last - 1], color=color, lw=1.2, marker=".")
        ax.set(ylabel=f"parameter: {name}")
        zoom.set(ylabel=f"change of {name} at the step")
        for axis in (ax, zoom):
            axis.grid(alpha=0.3)
        if row == 0:
            ax.set_title("after every optimizer step (200 steps each)")
            zoom.set_title(f"the last {zoom_epochs} epochs of {period} steps: each step's move")
            ax.legend(loc="lower right")
        else:
            ax.set_xlabel("optimizer step")
            zoom.set_xlabel("optimizer step")
        for edge in range(len(values) - zoom_epochs * period, len(values) + 1, period):
            zoom.axvline(edge - 0.5, color="grey", lw=0.6, alpha=0.6)
    figure.suptitle("Perceptron (seed 001): sequential batches repeat a pattern every epoch")
    save(figure, out)
    return paths
