"""Figure 5 (seed 001): the perceptron's loss over (w, b), whole set versus mini-batches.

Each batch has its own surface and minimum, yet a real run's path heads for the whole set's:
`python scripts/figures.py loss-surfaces`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minibatch.examples.figures.canvas import new_figure, save
from minibatch.examples.figures.landscape import loss_surface
from minibatch.examples.figures.runs import train_recorded, training_batches, untrained


def grid_minimum(w: np.ndarray, b: np.ndarray, surface: np.ndarray) -> tuple[float, float]:
    row, column = np.unravel_index(np.argmin(surface), surface.shape)
    return float(w[column]), float(b[row])


def loss_surfaces(
    out: str | Path, batch_size: int = 25, n_batches: int = 3, overrides: tuple[str, ...] = ()
) -> dict:
    """Draw the surfaces; save `<out>.png` and `<out>.svg`.

    Returns {"w", "b": the grid, "surfaces": {title: (len(b), len(w)) losses}, "minima":
    {title: (w, b)}, "path": {"w", "b"} of the run after every step}.
    """
    # The notebook's grid (w in [-4, 6], b in [-6, 4]) widened to hold the whole set's minimum.
    w, b = np.linspace(-4.0, 12.0, 161), np.linspace(-12.0, 4.0, 161)
    experiment = ("experiment=perceptron_minibatch", *overrides)
    module, datamodule = untrained(*experiment)
    train = datamodule.splits["train"]
    whole_set = loss_surface(module, train.features, train.targets, w, b)
    surfaces = {f"all {len(train)} points": whole_set}
    for i, (x, y) in enumerate(training_batches(datamodule, batch_size, n_batches), start=1):
        surfaces[f"batch {i} ({len(y)} points)"] = loss_surface(module, x, y, w, b)
    minima = {title: grid_minimum(w, b, surface) for title, surface in surfaces.items()}
    run = train_recorded(*experiment, f"batch_size={batch_size}")
    path = {"w": run.trajectory[0], "b": run.trajectory[1]}

    figure = new_figure(3.3 * len(surfaces) + 0.8, 3.6)
    axes = figure.subplots(1, len(surfaces), sharey=True)
    low = min(s.min() for s in surfaces.values())
    high = max(s.max() for s in surfaces.values())
    whole = next(iter(minima.values()))
    for ax, (title, surface) in zip(axes, surfaces.items(), strict=True):
        image = ax.pcolormesh(w, b, surface, cmap="RdYlGn_r", vmin=low, vmax=high, shading="auto",
                              rasterized=True)  # fmt: skip
        ax.plot(
            path["w"],
            path["b"],
            color="tab:blue",
            lw=1.5,
            label=f"(w, b) while training on shuffled batches of {batch_size}",
        )
        ax.plot(*whole, "o", mfc="none", mec="black", ms=9, mew=1.5, label="minimum, all points")
        ax.plot(*minima[title], "P", color="black", ms=9, clip_on=False,
                label="minimum of this surface (grid)")  # fmt: skip
        ax.set(xlabel="w", title=title)
    axes[0].set_ylabel("b")
    figure.colorbar(image, ax=axes, label="loss (MSE of sigmoid)", shrink=0.85)
    figure.legend(*axes[-1].get_legend_handles_labels(), loc="outside lower center", ncols=3)
    figure.suptitle("Every mini-batch has its own loss surface and its own minimum")
    save(figure, out)
    return {"w": w, "b": b, "surfaces": surfaces, "minima": minima, "path": path}
