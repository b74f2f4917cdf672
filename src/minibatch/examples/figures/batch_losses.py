"""Figure 2 (seed 000): each mini-batch has its own loss, the noisier the smaller the batch.

The batches are the ones training draws, from the DataModule's own loader, and the loss is the
run's own through the real net: `python scripts/figures.py batch-losses`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minibatch.examples.figures.canvas import new_figure, save
from minibatch.examples.figures.landscape import loss_curve
from minibatch.examples.figures.runs import training_batches, untrained


def batch_losses(
    out: str | Path,
    batch_sizes: tuple[int, ...] = (1, 16, 32, 256),
    n_batches: int = 50,
    w: np.ndarray | None = None,
    overrides: tuple[str, ...] = (),
) -> dict:
    """Draw the figure; save `<out>.png` and `<out>.svg`.

    Returns {"w": grid, "full": loss on the whole set, "batches": {k: (n_batches, len(w))}}.
    """
    w = np.linspace(-4.0, 8.0, 241) if w is None else np.asarray(w)
    module, datamodule = untrained("data=linear", *overrides)
    train = datamodule.splits["train"]
    full = loss_curve(module, train.features, train.targets, w)
    batches = {}
    for k in batch_sizes:
        drawn = training_batches(datamodule, k, n_batches)
        batches[k] = np.stack([loss_curve(module, x, y, w) for x, y in drawn])

    figure = new_figure(3.4 * len(batch_sizes), 3.4)
    axes = figure.subplots(1, len(batch_sizes), sharey=True)
    for ax, (k, curves) in zip(np.atleast_1d(axes), batches.items(), strict=True):
        ax.plot(w, curves.T, color="grey", lw=0.6, alpha=0.35)
        ax.plot(w, full, color="red", ls="--", lw=1.8, label=f"all {len(train)} points")
        best = w[np.argmin(full)]
        ax.axvline(best, color="red", lw=0.6, alpha=0.5, label=f"its minimum, w = {best:.2f}")
        ax.set(xlabel="w", title=f"{n_batches} batches of {k}", ylim=(0, 2000), xlim=(w[0], w[-1]))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("MSE loss of y = w x")
    axes[0].legend(loc="upper center")
    figure.suptitle("The loss of a mini-batch (grey) scatters around the loss of the whole set")
    save(figure, out)
    return {"w": w, "full": full, "batches": batches}
