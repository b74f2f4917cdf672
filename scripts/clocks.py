"""The benchmarks' clocks, as Lightning callbacks: each epoch's wall time, the first batch's time.

Lightning's own `Timer` measures whole stages (fit, validate), not each epoch, and not when
the first batch starts, which is where a process's start-up ends:

    python train.py +callbacks.clock._target_=clocks.FirstBatchClock \
        +callbacks.clock.path=/tmp/first_batch   # with scripts/ on PYTHONPATH
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
from lightning.pytorch.callbacks import Callback


class EpochTimer(Callback):
    """Wall time of each epoch, from its start to `on_train_epoch_end` (which Lightning calls
    after the epoch's validation, when there is one)."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def on_train_epoch_start(self, trainer, module) -> None:
        self.start = time.perf_counter()

    def on_train_epoch_end(self, trainer, module) -> None:
        self.times.append(time.perf_counter() - self.start)


def clock(device: torch.device) -> float:
    """Now, once the device has finished the work queued so far."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter()


def intervals(marks: list[float]) -> list[float]:
    return [end - start for start, end in zip(marks[:-1], marks[1:], strict=True)]


class EpochClock(Callback):
    """Marks every training epoch's start and the fit's end, so an epoch runs to the next mark:
    its validation, epoch-end logging and logger writes included, on a synchronised device."""

    def __init__(self, device: torch.device) -> None:
        self.device, self.marks = device, []

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.marks.append(clock(self.device))

    def on_train_end(self, trainer, pl_module) -> None:
        self.marks.append(clock(self.device))

    @property
    def times(self) -> list[float]:
        return intervals(self.marks)


class FirstBatchClock(Callback):
    """Records when the first training batch starts: the end of start-up."""

    def __init__(self, path: str) -> None:
        self.path, self.written = Path(path), False

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
        if not self.written:
            self.path.write_text(str(time.time()))
            self.written = True
