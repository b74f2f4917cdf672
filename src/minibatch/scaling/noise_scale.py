"""The gradient noise scale B_simple, measured while training, shown as `lesson/noise_scale`.

Slices of one step's batch at that step's parameters are the small batches, the whole batch
the big one: gradients of consecutive steps would mix in how the parameters moved.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import TensorBoardLogger
from lightning.pytorch.utilities import rank_zero_warn
from lightning.pytorch.utilities.data import extract_batch_size
from lightning_utilities.core.apply_func import apply_to_collection

from minibatch.errors import UserError
from minibatch.module import TaskModule, step_loss
from minibatch.scaling.two_batch_estimator import SmoothedNoiseScale, two_batch_estimates
from minibatch.speed.grouped_steps import GroupedStepsModule

TAGS = {
    "noise_scale": "lesson/noise_scale",
    "gradient_sq": "lesson/gradient_norm_sq",
    "trace": "lesson/gradient_noise_trace",
}
BatchLoss = Callable[[Any], torch.Tensor]


def squared_norm(grads: list[torch.Tensor]) -> torch.Tensor:
    return torch.nn.utils.get_total_norm(grads, norm_type=2.0).square()


def examples(batch: Any, size: int, start: int, stop: int) -> Any:
    """Examples start..stop of a batch of `size`: every tensor with `size` rows, cut."""
    return apply_to_collection(
        batch, torch.Tensor, lambda t: t[start:stop] if t.ndim and len(t) == size else t
    )


def batch_loss_of(module: L.LightningModule) -> BatchLoss | None:
    """How to get the loss of a batch without training on it: the template's module's own
    `batch_loss`; a module with automatic optimization: its `training_step`, its logging
    muted; None for a module that steps its optimizer in `training_step` itself."""
    if isinstance(module, TaskModule):
        return module.batch_loss
    if not module.automatic_optimization:
        return None

    def loss(batch: Any) -> torch.Tensor:
        with muted_logging(module):
            return step_loss(module.training_step(batch, 0))

    return loss


@contextlib.contextmanager
def muted_logging(module: L.LightningModule) -> Iterator[None]:
    """`self.log` and `self.log_dict` do nothing inside: a slice's loss is no result."""
    module.log, module.log_dict = (lambda *args, **kwargs: None,) * 2
    try:
        yield
    finally:
        del module.log, module.log_dict  # the class's methods again


@contextlib.contextmanager
def buffers_kept(module: torch.nn.Module) -> Iterator[None]:
    """Buffers (batch norm's running statistics) as they were before: the slice's extra
    forward pass must not change the model."""
    saved = [(buffer, buffer.clone()) for buffer in module.buffers()]
    try:
        yield
    finally:
        with torch.no_grad():
            for buffer, value in saved:
                buffer.copy_(value)


class GradientNoiseScale(Callback):
    """Estimate B_simple = tr(Σ) / |G|² while training and log it with its two ingredients.

    Args:
        every: measure before the first optimizer step of every `every` (the template's
            grouped steps: before the first step of a group once `every` steps have passed);
            each measurement updates the moving averages and logs `lesson/noise_scale`,
            `lesson/gradient_norm_sq` (|G|²) and `lesson/gradient_noise_trace` (tr(Σ)).
        slices: the small batches a batch is cut into (at most one example each).
        beta: the moving averages' weight of the past, per measurement.
    """

    def __init__(self, every: int = 50, slices: int = 4, beta: float = 0.9) -> None:
        if not (every >= 1 and slices >= 2 and 0 <= beta < 1):
            raise UserError(
                f"callbacks.noise_scale needs every >= 1, slices >= 2 and beta in [0, 1), got "
                f"every={every}, slices={slices}, beta={beta}."
            )
        self.every, self.slices = every, slices
        self.smoothed = SmoothedNoiseScale(beta)
        self.history: list[tuple[int, float]] = []  # (step, B_simple) after each measurement
        self._params: list[torch.Tensor] = []
        self._batch_loss: BatchLoss | None = None
        self._next = 0  # the first optimizer step that may be measured

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._params = [p for p in pl_module.parameters() if p.requires_grad]
        self._batch_loss = batch_loss_of(pl_module)
        self._grouped = isinstance(pl_module, GroupedStepsModule) and pl_module.group > 1
        self._next = trainer.global_step
        if self._batch_loss is None:
            rank_zero_warn(
                "callbacks.noise_scale is off: this module steps its optimizer in training_step "
                "(manual optimization), so no loss of a batch slice can be had without a step."
            )

    def on_train_batch_start(self, trainer: L.Trainer, pl_module: L.LightningModule,
                             batch: Any, batch_idx: int) -> None:  # fmt: skip
        step = trainer.global_step
        first_of_step = batch_idx % trainer.accumulate_grad_batches == 0
        if self._batch_loss is None or step < self._next or not first_of_step:
            return
        minibatch = batch[0] if self._grouped else batch  # the group's first is trained first
        estimates = self.measure(pl_module, minibatch)
        if estimates is None:
            return
        gradient_sq, trace = torch.stack(estimates).tolist()  # one host sync
        self.smoothed.update(gradient_sq, trace)
        self._next = step + self.every
        self.history.append((step, self.smoothed.noise_scale))
        self.log_values(trainer, step)

    def measure(self, pl_module: L.LightningModule, batch: Any) -> tuple | None:
        """Unbiased (|G|², tr(Σ)) from the batch's slices (small) and their mean (big), at the
        current parameters; None for a batch of one example."""
        size = extract_batch_size(batch)
        count = min(self.slices, size)
        if count < 2:
            return None
        small = size // count
        total: list[torch.Tensor] = []
        small_sq = torch.zeros(())
        with torch.enable_grad(), buffers_kept(pl_module):
            for start in range(0, count * small, small):
                loss = self._batch_loss(examples(batch, size, start, start + small))
                grads = torch.autograd.grad(loss, self._params, allow_unused=True,
                                            materialize_grads=True)  # fmt: skip
                small_sq = small_sq.to(loss.device) + squared_norm(grads)
                if total:
                    grads = [t.add_(g) for t, g in zip(total, grads, strict=True)]
                total = list(grads)
        big_sq = squared_norm(total) / count**2
        return two_batch_estimates(small_sq / count, big_sq, small, small * count)

    def log_values(self, trainer: L.Trainer, step: int) -> None:
        values = {
            TAGS["noise_scale"]: self.smoothed.noise_scale,
            TAGS["gradient_sq"]: self.smoothed.mean_gradient_sq,
            TAGS["trace"]: self.smoothed.mean_trace,
        }
        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger) and trainer.is_global_zero:
                for tag, value in values.items():
                    logger.experiment.add_scalar(tag, value, step)

    # Checkpoints: the averages go on in a resumed run ----------------------------------------
    def state_dict(self) -> dict[str, Any]:
        s = self.smoothed
        return {"gradient_sq": s.gradient_sq, "trace": s.trace, "updates": s.updates}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.smoothed.gradient_sq = float(state_dict["gradient_sq"])
        self.smoothed.trace = float(state_dict["trace"])
        self.smoothed.updates = int(state_dict["updates"])
