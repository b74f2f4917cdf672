"""Record a model's parameters after every optimizer step of a real Trainer run.

An optimizer step hook, so it sees every real step whatever drives them (grouped steps,
accumulation), without a host sync.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback


@dataclass(frozen=True)
class Trajectory:
    """`values[t]` holds every parameter after step t (row 0: before the first step)."""

    names: tuple[str, ...]
    values: np.ndarray  # (steps + 1, number of parameters)

    @property
    def steps(self) -> np.ndarray:
        return np.arange(len(self.values))

    def __getitem__(self, index: int) -> np.ndarray:
        """One parameter's path, by its position among the model's parameters."""
        return self.values[:, index]


def flat_parameters(parameters: list[torch.Tensor]) -> torch.Tensor:
    """The parameters as one new detached vector (`cat` copies: later steps don't change it)."""
    return torch.cat([p.detach().reshape(-1) for p in parameters])


class ParameterTrajectory(Callback):
    """Keeps `trajectory` (a `Trajectory`) of the LightningModule's parameters.

    Args:
        max_parameters: record only models with at most this many numbers in their
            parameters (a trajectory of a big net is a lot of memory for no picture).
    """

    def __init__(self, max_parameters: int = 100) -> None:
        self.max_parameters = max_parameters
        self.recording = False
        self._names: tuple[str, ...] = ()
        self._rows: list[torch.Tensor] = []
        self._hooks: list = []
        self._parameters: list[torch.Tensor] = []

    def should_record(self, trainer: L.Trainer, pl_module: L.LightningModule) -> bool:
        """Whether to record this run; subclasses add their own conditions."""
        count = sum(p.numel() for p in pl_module.parameters())
        return 0 < count <= self.max_parameters

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.recording = self.should_record(trainer, pl_module)
        if not self.recording:
            return
        self._parameters = list(pl_module.parameters())
        self._names = tuple(
            f"{name.removeprefix('net.')}[{i}]" if p.numel() > 1 else name.removeprefix("net.")
            for name, p in pl_module.named_parameters()
            for i in range(p.numel())
        )
        self._rows = [flat_parameters(self._parameters)]  # where training starts (or resumes)
        self._hooks = [
            optimizer.register_step_post_hook(self._record) for optimizer in trainer.optimizers
        ]

    def _record(self, optimizer, args, kwargs) -> None:
        self._rows.append(flat_parameters(self._parameters))

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._remove_hooks()

    def on_exception(self, trainer, pl_module, exception: BaseException) -> None:
        self._remove_hooks()

    def _remove_hooks(self) -> None:
        for hook in self._hooks:
            hook.remove()
        self._hooks = []

    @property
    def trajectory(self) -> Trajectory:
        """The parameters recorded so far, on the host."""
        if not self._rows:
            return Trajectory(self._names, np.zeros((0, len(self._names))))
        return Trajectory(self._names, torch.stack(self._rows).cpu().double().numpy())
