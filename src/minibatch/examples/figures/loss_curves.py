"""Figure 1 (seed 004): loss versus epoch for every run of a sweep, one line per batch size.

Read from the runs' event files with TensorBoard's own reader, so the figure shows what
TensorBoard shows; runs that differ only by seed share a colour: their mean and range.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minibatch.examples.figures.canvas import COLORS, new_figure, save
from minibatch.tooling.sweeps import Job, read_sweep, sort_key, swept_keys


def job_label(job: Job, keys: list[str]) -> str:
    """ "batch size 50" for a batch-size sweep, else "key=value, ..."."""
    parts = [
        f"batch size {job.value(key)}" if key == "batch_size" else f"{key}={job.value(key)}"
        for key in keys
    ]
    return ", ".join(parts) or job.folder.name


def loss_curves(
    sweep_dir: str | Path,
    out: str | Path,
    metrics: tuple[str, ...] = ("train/loss", "val/loss"),
    title: str | None = None,
) -> dict[str, dict[str, list[np.ndarray]]]:
    """Draw every run of the sweep in `sweep_dir`; save `<out>.png` and `<out>.svg`.

    Returns {metric: {line label: [values of each run, epoch 1 first]}}: the plotted numbers.
    """
    jobs = read_sweep(sweep_dir)
    keys = swept_keys(jobs)
    lines: dict[str, dict[str, list[np.ndarray]]] = {metric: {} for metric in metrics}
    ordered = sorted(jobs, key=lambda job: [sort_key(job.value(k)) for k in keys], reverse=True)
    for job in ordered:
        for metric in metrics:
            series = job.scalars.get(metric)
            if series is not None:
                values = np.asarray(series.values)
                lines[metric].setdefault(job_label(job, keys), []).append(values)

    figure = new_figure(5.2 * len(metrics), 3.8)
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics, strict=True):
        for color, (label, runs) in zip(COLORS * 4, lines[metric].items(), strict=False):
            length = min(len(run) for run in runs)
            stacked = np.stack([run[:length] for run in runs])
            epochs = np.arange(1, length + 1)
            suffix = f": mean of {len(runs)} runs, band min-max" if len(runs) > 1 else ""
            ax.plot(epochs, stacked.mean(0), color=color, label=label + suffix, lw=1.8)
            if len(runs) > 1:
                ax.fill_between(epochs, stacked.min(0), stacked.max(0), color=color, alpha=0.2)
        ax.set(xlabel="number of epochs", ylabel=metric, title=metric)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right")
    if title:
        figure.suptitle(title)
    save(figure, out)
    return lines
