"""What a DataModule tells the model about its data: the one handoff from data to model.

Building the net, the loss and the metrics reads this object and nothing else, so any
LightningDataModule that sets `self.spec = DataSpec(...)` in `setup` trains through train.py.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch

from minibatch.errors import UserError
from minibatch.tasks import get_task

INPUT_KINDS = ("features", "tokens", "images")
# The token id that pads sequences of different lengths (nets ignore it).
PAD = 0


@dataclass(frozen=True)
class DataSpec:
    """One example's input and what the net must predict.

    Args:
        task: "regression", "binary" or "multiclass"; picks the loss and the metrics.
        input_shape: the shape of one example's input, (features,) or (channels, height,
            width) for images; for tokens, (longest sequence,).
        num_classes: for "multiclass", the number of classes.
        num_targets: for "regression", the number of target columns.
        input_kind: "features" (float vectors), "images" (float channels x height x width)
            or "tokens" (integer ids with lengths, batches are `(ids, lengths)`).
        vocab_size: for "tokens", the number of distinct ids (the embedding's rows).
        target_mean: when the data standardised a regression target, its mean, so that
            metrics and predictions are reported in the target's units.
        target_std: the standard deviation that standardised the target, with target_mean.
    """

    task: str
    input_shape: tuple[int, ...]
    num_classes: int | None = None
    num_targets: int = 1
    input_kind: str = "features"
    vocab_size: int | None = None
    target_mean: tuple[float, ...] | None = None
    target_std: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        get_task(self.task)  # a name of the task table, or one sentence listing them
        if self.input_kind not in INPUT_KINDS:
            raise UserError(
                f"unknown input kind {self.input_kind!r}: use one of {', '.join(INPUT_KINDS)}."
            )
        object.__setattr__(self, "input_shape", tuple(int(n) for n in self.input_shape))
        if self.task == "multiclass" and not (self.num_classes and self.num_classes >= 2):
            raise UserError("a multiclass DataSpec needs num_classes of at least 2.")
        if self.input_kind == "tokens" and not self.vocab_size:
            raise UserError("a DataSpec of tokens needs its vocab_size.")

    @property
    def input_size(self) -> int:
        """Numbers in one example's input (a flat net's `in_features`)."""
        return math.prod(self.input_shape)

    @property
    def output_size(self) -> int:
        """Raw outputs the net produces: classes, 1 for binary, else the target columns."""
        if self.task == "multiclass":
            return int(self.num_classes)
        return 1 if self.task == "binary" else self.num_targets

    def example_input(self, batch: int = 2) -> Any:
        """A batch of zeros shaped like real inputs (for the model summary's shapes)."""
        if self.input_kind == "tokens":
            return (torch.ones(batch, 5, dtype=torch.long), torch.full((batch,), 5))
        return torch.zeros(batch, *self.input_shape)

    def unscale(self, values: torch.Tensor) -> torch.Tensor:
        """Regression outputs or targets back in the target's own units."""
        if self.target_mean is None:
            return values
        mean = torch.tensor(self.target_mean, dtype=values.dtype, device=values.device)
        std = torch.tensor(self.target_std, dtype=values.dtype, device=values.device)
        return values * std + mean

    def to_dict(self) -> dict:
        """Plain numbers and strings: what a checkpoint stores (never code)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> DataSpec:
        fields = {name: tuple(v) if isinstance(v, list) else v for name, v in values.items()}
        return cls(**fields)


def describe(datamodule: object) -> DataSpec:
    """The `spec` a set-up DataModule gives, or one sentence on how to provide it."""
    spec = getattr(datamodule, "spec", None)
    if isinstance(spec, DataSpec):
        return spec
    name = type(datamodule).__name__
    raise UserError(
        f"{name} does not describe its data: set self.spec = DataSpec(task=..., "
        "input_shape=..., ...) in its setup() (see minibatch/data_spec.py)."
    )
