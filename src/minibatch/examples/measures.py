"""Numbers the experiments are judged by, measured on a trained model (tests and scripts).

On whole splits at once, not averaged over an epoch's steps.
"""

from __future__ import annotations

import torch

from minibatch.data.in_memory.datamodule import InMemoryDataModule
from minibatch.module import TaskModule


def split_loss(model: TaskModule, datamodule: InMemoryDataModule, split: str = "train") -> float:
    """The loss of the model on a whole split at once (not an average over an epoch's steps)."""
    data = datamodule.splits[split]
    with torch.no_grad():
        return model.loss_fn(model.net(data.features), data.targets).item()


def split_accuracy(
    model: TaskModule, datamodule: InMemoryDataModule, split: str = "train"
) -> float:
    """Share of a split's examples whose predicted class is right (binary or multiclass)."""
    data = datamodule.splits[split]
    with torch.no_grad():
        predictions = model.task.predict(model.net(data.features))
    if model.task.name == "binary":
        return ((predictions > 0.5).float() == data.targets).float().mean().item()
    return (predictions.argmax(1) == data.targets).float().mean().item()


def decision_boundary(layer: torch.nn.Linear) -> float:
    """Where a one-input logistic unit switches class: w x + b = 0, so x = -b / w."""
    return -layer.bias.item() / layer.weight.item()
