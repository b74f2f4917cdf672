"""Train on tiny LitData shards and record which examples each rank saw, in which order.

The shards (probe_shards.py) hold rows (x, y) with x = the row's index, so the recorded
inputs name the examples. Run as a script for DDP (Lightning starts the other rank by
running it again):

    python -m tests.core.stream_probe <shard root> <out dir> <epochs> <devices> <workers>

Each rank writes `<out dir>/rank<r>.json`: {epoch: [indices in the order trained]}.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import lightning as L
import torch
from torch import nn

from minibatch.data.streaming.datamodule import StreamingDataModule


class Recorder(L.LightningModule):
    """A one-weight regression that records the inputs of every training batch."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Linear(1, 1)
        self.seen: dict[int, list[int]] = defaultdict(list)

    def training_step(self, batch, batch_idx):
        x, y = batch
        self.seen[self.current_epoch] += x[:, 0].long().tolist()
        return nn.functional.mse_loss(self.net(x / 1000), y / 1000)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val/loss", nn.functional.mse_loss(self.net(x / 1000), y / 1000))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


class SaveAtStep(L.Callback):
    """Save a checkpoint in the middle of training, as ModelCheckpoint or a preemption does."""

    def __init__(self, step: int, path: Path) -> None:
        self.step, self.path = step, path

    def on_train_batch_end(self, trainer, *args) -> None:
        if trainer.global_step == self.step:
            trainer.save_checkpoint(self.path)


def trainer(**options) -> L.Trainer:
    return L.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False,
                     enable_model_summary=False, enable_checkpointing=False,
                     num_sanity_val_steps=0, **options)  # fmt: skip


def main(root: str, out: str, epochs: str, devices: str, workers: str) -> None:
    data = StreamingDataModule(root, batch_size=20, num_workers=int(workers), seed=3)
    model = Recorder()
    strategy = "ddp" if int(devices) > 1 else "auto"
    trainer(max_epochs=int(epochs), devices=int(devices), strategy=strategy).fit(model, data)
    path = Path(out) / f"rank{model.global_rank}.json"
    path.write_text(json.dumps(model.seen))


if __name__ == "__main__":
    main(*sys.argv[1:])
