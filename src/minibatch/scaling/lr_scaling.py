"""Move the learning rate with the batch size: the linear rule with a gradual warmup (Goyal et
al., 2017) or the square-root rule, from the rate tuned at a reference batch size; a factor
on the optimizer's own rate, so an epoch scheduler (configs/scheduler/) still applies.
"""

from __future__ import annotations

import math
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import TensorBoardLogger

from minibatch.errors import UserError
from minibatch.module import TaskModule
from minibatch.speed.grouped_steps import minibatches_per_epoch

RULES = ("linear", "sqrt", "none")


def rule_factor(rule: str, batch_size: int, reference_batch_size: int) -> float:
    """How much larger the learning rate is at `batch_size` than at `reference_batch_size`."""
    ratio = batch_size / reference_batch_size
    return {"linear": ratio, "sqrt": math.sqrt(ratio), "none": 1.0}[rule]


def lr_factor(factor: float, step: int, warmup_steps: int) -> float:
    """The factor at optimizer step `step`: from 1 (the reference rate) up to `factor` in equal
    increments over `warmup_steps` steps; a factor of 1 or less applies at once."""
    if factor <= 1 or step >= warmup_steps:
        return factor
    return 1 + (factor - 1) * step / warmup_steps


class LearningRateScaling(Callback):
    """Scale the optimizer's learning rate by `rule` for the batch size, after a warmup.

    Args:
        rule: linear (lr x B / B_ref), sqrt (lr x sqrt(B / B_ref)) or none.
        batch_size: examples per optimizer step on one device (accumulated batches and
            devices multiply it).
        reference_batch_size: the batch size at which the optimizer's `lr` was tuned.
        warmup_epochs: epochs over which the rate climbs from `lr` to the scaled rate.
        every: log the rate used as `train/lr_step` every this many optimizer steps.
    """

    def __init__(self, rule: str = "linear", batch_size: int = 64, reference_batch_size: int = 64,
                 warmup_epochs: float = 1.0, every: int = 10) -> None:  # fmt: skip
        if rule not in RULES:
            raise UserError(f"callbacks.lr_scaling.rule={rule!r} is unknown: use one of "
                            f"{', '.join(RULES)}.")  # fmt: skip
        if not (batch_size > 0 and reference_batch_size > 0 and warmup_epochs >= 0):
            raise UserError(
                "callbacks.lr_scaling needs batch_size and reference_batch_size above 0 and "
                f"warmup_epochs of 0 or more, got {batch_size}, {reference_batch_size} and "
                f"{warmup_epochs}."
            )
        self.rule, self.batch_size = rule, batch_size
        self.reference_batch_size, self.warmup_epochs = reference_batch_size, warmup_epochs
        self.every = every
        self.factor = 1.0  # the factor the optimizer's rates carry now
        self.target, self.warmup_steps = 1.0, 0
        self._seen_step = -1

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        examples = self.batch_size * trainer.world_size * trainer.accumulate_grad_batches
        self.target = rule_factor(self.rule, examples, self.reference_batch_size)
        steps_per_epoch = minibatches_per_epoch(trainer) / trainer.accumulate_grad_batches
        if self.warmup_epochs and not math.isfinite(steps_per_epoch):
            raise UserError(
                "callbacks.lr_scaling.warmup_epochs needs epochs of known length, which this "
                "data's loader has not: set callbacks.lr_scaling.warmup_epochs=0."
            )
        self.warmup_steps = math.ceil(self.warmup_epochs * steps_per_epoch)
        self.set_factor(trainer, lr_factor(self.target, trainer.global_step, self.warmup_steps))

    def set_factor(self, trainer: L.Trainer, factor: float) -> None:
        """Multiply every rate by `factor / self.factor`: the optimizer's rate times `factor`."""
        for optimizer in trainer.optimizers:
            for group in optimizer.param_groups:
                group["lr"] = group["lr"] * factor / self.factor
        self.factor = factor

    def on_train_minibatch_end(self, trainer: L.Trainer, pl_module: L.LightningModule,
                               loss: torch.Tensor, batch: Any) -> None:  # fmt: skip
        """The template's module: after each optimizer step (see TaskModule.minibatch_end)."""
        self.after_step(trainer)

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs,
                           batch: Any, batch_idx: int) -> None:  # fmt: skip
        if not isinstance(pl_module, TaskModule):
            self.after_step(trainer)

    def after_step(self, trainer: L.Trainer) -> None:
        """Log the rate of the step just taken; set the next step's."""
        step = trainer.global_step
        if step == self._seen_step:  # no optimizer step (accumulating gradients)
            return
        self._seen_step = step
        if (step - 1) % self.every == 0 and trainer.is_global_zero:
            lr = trainer.optimizers[0].param_groups[0]["lr"]
            for logger in trainer.loggers:
                if isinstance(logger, TensorBoardLogger):
                    logger.experiment.add_scalar("train/lr_step", lr, step - 1)
        if step <= self.warmup_steps:
            self.set_factor(trainer, lr_factor(self.target, step, self.warmup_steps))

    def state_dict(self) -> dict[str, Any]:
        return {"factor": self.factor}  # what the optimizer's saved rates carry

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.factor = float(state_dict["factor"])
