"""A callback for the benchmark: writes the wall-clock time of the first training batch.

    python train.py +callbacks.clock._target_=first_batch_clock.FirstBatchClock \
        +callbacks.clock.path=/tmp/first_batch   # with scripts/ on PYTHONPATH
"""

from __future__ import annotations

import time
from pathlib import Path

from lightning.pytorch.callbacks import Callback


class FirstBatchClock(Callback):
    """Records when the first training batch starts: the end of start-up."""

    def __init__(self, path: str) -> None:
        self.path, self.written = Path(path), False

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
        if not self.written:
            self.path.write_text(str(time.time()))
            self.written = True
