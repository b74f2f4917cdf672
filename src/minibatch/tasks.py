"""What "regression", "binary" and "multiclass" mean for training: a loss and some metrics.

The net produces raw outputs and the task turns them into a loss and torchmetrics: one table,
so any net trains on any dataset; its keys are the task names a `DataSpec` accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torchmetrics import MetricCollection
from torchmetrics.classification import BinaryAccuracy, MulticlassAccuracy
from torchmetrics.regression import MeanAbsoluteError, R2Score

from minibatch.errors import UserError


@dataclass(frozen=True)
class Task:
    """A loss on raw outputs, the metrics to report, and how outputs become predictions."""

    name: str
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    metrics: Callable[[int], MetricCollection]
    predict: Callable[[torch.Tensor], torch.Tensor]
    metric_target: Callable[[torch.Tensor], torch.Tensor] = lambda target: target


def _regression_metrics(num_outputs: int) -> MetricCollection:
    return MetricCollection(
        {"mae": MeanAbsoluteError(), "r2": R2Score(multioutput="uniform_average")}
    )


def _binary_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, target.reshape(logits.shape).float())


def _binary_metrics(num_outputs: int) -> MetricCollection:
    return MetricCollection({"acc": BinaryAccuracy()})


def _multiclass_metrics(num_classes: int) -> MetricCollection:
    return MetricCollection({"acc": MulticlassAccuracy(num_classes=num_classes, average="micro")})


TASKS: dict[str, Task] = {
    "regression": Task("regression", F.mse_loss, _regression_metrics, lambda out: out),
    "binary": Task(
        "binary", _binary_loss, _binary_metrics, torch.sigmoid, lambda target: target.long()
    ),
    "multiclass": Task(
        "multiclass", F.cross_entropy, _multiclass_metrics, lambda out: out.softmax(dim=-1)
    ),
}

# The metric names of every task, so that runs of different tasks share HPARAMS columns.
METRIC_NAMES: tuple[str, ...] = ("mae", "r2", "acc")


def _sigmoid_mse(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Seed 001's second and third runs: MSE between sigmoid(output) and the 0/1 label."""
    return F.mse_loss(torch.sigmoid(logits), target.reshape(logits.shape).float())


LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "mse": F.mse_loss,
    "bce_with_logits": _binary_loss,
    "sigmoid_mse": _sigmoid_mse,
    "cross_entropy": F.cross_entropy,
}


def get_loss(name: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """A loss by name, or a one-sentence error listing the known ones."""
    if name not in LOSSES:
        raise UserError(f"unknown loss {name!r}: use loss=null or one of {', '.join(LOSSES)}.")
    return LOSSES[name]


def get_task(name: str) -> Task:
    """The task called `name`, or a one-sentence error listing the known ones."""
    if name not in TASKS:
        raise UserError(f"unknown task {name!r}: use one of {', '.join(TASKS)}.")
    return TASKS[name]
