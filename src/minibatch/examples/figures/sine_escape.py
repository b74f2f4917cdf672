"""Figure 3 (seed 000): full batches stay in a local minimum, small batches escape it.

Each panel is a real run's (w, loss) after every step on the loss over w:
`python scripts/figures.py sine-escape`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minibatch.examples.figures.canvas import batch_label, new_figure, save
from minibatch.examples.figures.landscape import local_minima, loss_curve, nearest_minimum
from minibatch.examples.figures.runs import train_recorded, untrained
from minibatch.speed.grouped_steps import minibatches_per_epoch


def draw_path_on_curve(ax, w, loss, minima, path_w, path_loss, epochs, title: str):
    """The loss curve with its minima, and the steps of one run as points along it."""
    ax.plot(w, loss, color="black", lw=1.2, zorder=1)
    best = min(minima, key=lambda m: m[1]) if minima else None
    for minimum in minima:
        is_best = minimum == best
        ax.axvline(minimum[0], color="tab:green" if is_best else "grey", ls=":", lw=1.2,
                   label="global minimum" if is_best else "local minimum")  # fmt: skip
    points = ax.scatter(path_w, path_loss, c=epochs, cmap="viridis", s=14, zorder=3,
                        vmin=0, vmax=max(epochs[-1], 1))  # fmt: skip
    ax.plot(path_w[0], path_loss[0], "o", mfc="none", mec="red", ms=10, mew=1.5, zorder=4,
            label="start")  # fmt: skip
    ax.plot(path_w[-1], path_loss[-1], "X", color="red", ms=10, zorder=4, label="end")
    ax.set(xlabel="w", title=title, xlim=(w[0], w[-1]))
    ax.grid(alpha=0.3)
    return points


def sine_escape(
    out: str | Path,
    batch_sizes: tuple[int, ...] = (500, 128, 32, 8),
    seed: int = 1,
    overrides: tuple[str, ...] = (),
) -> dict:
    """Train one run per batch size, draw them; save `<out>.png` and `<out>.svg`.

    Returns {"w", "loss": the whole-set loss over w, "minima": [(w, loss)], "global":
    (w, loss), "paths": {batch size: {"w", "loss"} after every step, "ends_in": (w, loss)
    of the minimum nearest the last w}}.
    """
    w = np.linspace(-0.5, 3.5, 801)
    module, datamodule = untrained("experiment=sine_escape", *overrides)
    train = datamodule.splits["train"]
    loss = loss_curve(module, train.features, train.targets, w)
    minima = local_minima(w, loss)
    paths = {}
    for batch_size in batch_sizes:
        run = train_recorded(
            "experiment=sine_escape", f"batch_size={batch_size}", f"seed={seed}", *overrides
        )
        path_w = run.trajectory[0]
        path_loss = loss_curve(module, train.features, train.targets, path_w)
        paths[batch_size] = {
            "w": path_w, "loss": path_loss, "ends_in": nearest_minimum(path_w[-1], minima),
            "steps_per_epoch": minibatches_per_epoch(run.result.trainer),
        }  # fmt: skip

    figure = new_figure(3.5 * len(batch_sizes), 3.7)
    axes = np.atleast_1d(figure.subplots(1, len(batch_sizes), sharey=True))
    for ax, (batch_size, path) in zip(axes, paths.items(), strict=True):
        steps = len(path["w"]) - 1
        label = batch_label(batch_size, len(train))
        title = f"{label}: {steps} steps\nends at w = {path['w'][-1]:.2f}"
        epochs = np.arange(steps + 1) / path["steps_per_epoch"]
        points = draw_path_on_curve(ax, w, loss, minima, path["w"], path["loss"], epochs, title)
    axes[0].set_ylabel("MSE loss of y = sin(w x), whole set")
    handles, labels = axes[0].get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    figure.legend(unique.values(), unique.keys(), loc="outside lower center", ncols=len(unique))
    figure.colorbar(points, ax=axes, label="epoch", shrink=0.8)
    figure.suptitle(f"y = sin(w x) trained from w = 1.0 with SGD, seed {seed}: the path of w")
    save(figure, out)
    best = min(minima, key=lambda m: m[1])
    return {"w": w, "loss": loss, "minima": minima, "global": best, "paths": paths}
