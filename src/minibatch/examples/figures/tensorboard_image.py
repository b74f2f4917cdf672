"""The run's own lesson in TensorBoard's IMAGES tab: its path on its loss landscape.

For models of one or two parameters with a TensorBoard logger; otherwise it switches itself off
at the start of training and costs nothing.
"""

from __future__ import annotations

import lightning as L
import numpy as np
import torch
from lightning.pytorch.loggers import TensorBoardLogger
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from minibatch.examples.figures.canvas import COLORS, batch_label, new_figure, to_pixels
from minibatch.examples.figures.landscape import local_minima, loss_curve, loss_surface
from minibatch.examples.figures.sine_escape import draw_path_on_curve
from minibatch.examples.figures.trajectory import ParameterTrajectory, Trajectory
from minibatch.speed.grouped_steps import minibatches_per_epoch


class LossLandscapeImage(ParameterTrajectory):
    """Draw the run's parameter path on its loss landscape into TensorBoard's IMAGES tab.

    Args:
        w_range: the range of w (the first parameter) to draw.
        b_range: the range of b (the second parameter), for two-parameter models.
        batch_curves: random batches whose loss is drawn in grey (one-parameter models).
        tag: the image's name in TensorBoard.
    """

    def __init__(
        self,
        w_range: tuple[float, float] = (-4.0, 8.0),
        b_range: tuple[float, float] = (-6.0, 4.0),
        batch_curves: int = 20,
        tag: str = "lesson/loss_landscape",
    ) -> None:
        super().__init__(max_parameters=2)
        self.w_range, self.b_range = tuple(w_range), tuple(b_range)
        self.batch_curves, self.tag = batch_curves, tag
        self.figure: Figure | None = None  # the last figure drawn, for tests and notebooks

    def should_record(self, trainer: L.Trainer, pl_module: L.LightningModule) -> bool:
        splits = getattr(trainer.datamodule, "splits", None) or {}
        return (
            super().should_record(trainer, pl_module)
            and any(isinstance(logger, TensorBoardLogger) for logger in trainer.loggers)
            and "train" in splits and hasattr(pl_module, "loss_fn")
        )  # fmt: skip

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        super().on_train_end(trainer, pl_module)
        if not (self.recording and trainer.is_global_zero):
            return
        self.figure = self.draw(trainer, pl_module, self.trajectory)
        pixels = to_pixels(self.figure)
        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger):
                logger.experiment.add_image(
                    self.tag, pixels, trainer.global_step, dataformats="HWC"
                )

    def draw(self, trainer: L.Trainer, pl_module, trajectory: Trajectory) -> Figure:
        datamodule = trainer.datamodule
        train = datamodule.splits["train"]
        x, y = train.features, train.targets
        steps_per_epoch = max(minibatches_per_epoch(trainer), 1)
        steps = len(trajectory.values) - 1
        label = batch_label(datamodule.batch_size, len(train))
        names = [short if short == name else f"{short} ({name})"
                 for short, name in zip("wb", trajectory.names, strict=False)]  # fmt: skip
        figure = new_figure(10.5, 4.3)
        figure.get_layout_engine().set(wspace=0.06)
        left, right = figure.subplots(1, 2, width_ratios=(1.3, 1))
        epochs = trajectory.steps / steps_per_epoch
        if trajectory.values.shape[1] == 1:
            self._draw_curve(left, pl_module, x, y, trajectory[0], epochs, datamodule.batch_size)
        else:
            self._draw_surface(figure, left, pl_module, x, y, trajectory, names)
        for index, name in enumerate(names):
            right.plot(trajectory.steps, trajectory[index], color=COLORS[index], label=name)
        right.set(xlabel="optimizer step", ylabel="parameter value",
                  title=f"after every step ({steps_per_epoch} per epoch)")  # fmt: skip
        right.grid(alpha=0.3)
        right.legend()
        last = trajectory.values[-1]
        ends = ", ".join(f"{n} = {v:.3g}" for n, v in zip("wb", last, strict=False))
        figure.suptitle(f"{label}, {steps} steps: ends at {ends}")
        return figure

    def _draw_curve(self, ax, pl_module, x, y, path, epochs, batch_size: int) -> None:
        w = np.linspace(*self.w_range, 401)
        if batch_size < len(y):
            order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
            for i in range(min(self.batch_curves, len(y) // batch_size)):
                index = order[i * batch_size : (i + 1) * batch_size].to(y.device)
                batch_loss = loss_curve(pl_module, x[index], y[index], w)
                ax.plot(w, batch_loss, color="grey", lw=0.5, alpha=0.4,
                        label=f"random batches of {batch_size}")  # fmt: skip
        loss = loss_curve(pl_module, x, y, w)
        path_loss = loss_curve(pl_module, x, y, path)
        draw_path_on_curve(ax, w, loss, local_minima(w, loss), path, path_loss, epochs,
                           "loss on the whole training set")  # fmt: skip
        ax.set(ylabel="loss", ylim=(0, 1.1 * max(loss.max(), path_loss.max())))
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles, strict=True))
        ax.figure.legend(unique.values(), unique.keys(), loc="outside lower center",
                         ncols=len(unique))  # fmt: skip

    def _draw_surface(self, figure, ax, pl_module, x, y, trajectory: Trajectory, names) -> None:
        w, b = np.linspace(*self.w_range, 121), np.linspace(*self.b_range, 121)
        surface = loss_surface(pl_module, x, y, w, b)
        # Log colours: a cross entropy spans decades, and the valley is what matters.
        image = ax.pcolormesh(w, b, surface, cmap="RdYlGn_r", shading="auto",
                              norm=LogNorm(surface.min(), surface.max()))  # fmt: skip
        row, column = np.unravel_index(np.argmin(surface), surface.shape)
        ax.plot(w[column], b[row], "*", color="black", ms=11)
        ax.plot(trajectory[0], trajectory[1], color="tab:blue", lw=1.5)
        ax.plot(trajectory[0][0], trajectory[1][0], "o", mfc="none", mec="red", ms=9, mew=1.5)
        ax.plot(trajectory[0][-1], trajectory[1][-1], "X", color="red", ms=9)
        ax.set(xlabel=names[0], ylabel=names[1],
               title="loss on the whole set: path o -> X, minimum *")  # fmt: skip
        figure.colorbar(image, ax=ax, label="loss (log scale)")
