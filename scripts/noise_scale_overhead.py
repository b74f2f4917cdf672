"""What the noise-scale callback costs per training step: `python scripts/noise_scale_overhead.py`

Trains on the default path (`python train.py data=mnist`: grouped steps, the default callbacks,
TensorBoard) with the callback added, and times, in the same epochs of the same run, the
callback's own hook and the whole training epoch (process CPU time on one torch thread, so
other processes sharing the machine do not count): the ratio is the callback's share of the
step time. Each fit's first epoch is a warm-up; validation is off.

    python scripts/noise_scale_overhead.py                         # MNIST, batch 50, every=64
    python scripts/noise_scale_overhead.py --every 64 256 1024
    python scripts/noise_scale_overhead.py --overrides data=cooking batch_size=1000
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import lightning as L
import torch
from hydra import compose, initialize_config_dir
from omegaconf import open_dict

from minibatch.cli.entry import quiet_known_noise, register_configs
from minibatch.runs.project_paths import CONFIG_DIR
from minibatch.scaling.noise_scale import GradientNoiseScale


class TimedNoiseScale(GradientNoiseScale):
    """The callback, with the CPU time its measurements took, per epoch."""

    def __init__(self, every: int) -> None:
        super().__init__(every=every)
        self.seconds = 0.0

    def on_train_batch_start(self, trainer: L.Trainer, pl_module: L.LightningModule,
                             batch: Any, batch_idx: int) -> None:  # fmt: skip
        start = time.process_time()
        super().on_train_batch_start(trainer, pl_module, batch, batch_idx)
        self.seconds += time.process_time() - start


class EpochClock(L.Callback):
    """CPU time of the training epochs after the first, and the callback's share of it."""

    def __init__(self, timed: TimedNoiseScale) -> None:
        self.timed = timed
        self.epoch_seconds = self.callback_seconds = 0.0
        self.steps = self.measurements = 0

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.start, self.first_step = time.process_time(), trainer.global_step
        self.callback_start, self.first_measurement = self.timed.seconds, len(self.timed.history)

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.current_epoch == 0:
            return  # warm-up
        self.epoch_seconds += time.process_time() - self.start
        self.callback_seconds += self.timed.seconds - self.callback_start
        self.steps += trainer.global_step - self.first_step
        self.measurements += len(self.timed.history) - self.first_measurement


def measure(overrides: list[str], every: int, epochs: int, log_dir: Path) -> EpochClock:
    from minibatch.train import train

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=[
            "trainer.limit_val_batches=0", "trainer.num_sanity_val_steps=0",
            "trainer.enable_progress_bar=false", "print_config=false",
            f"trainer.max_epochs={epochs}", *overrides,
        ])  # fmt: skip
    with open_dict(cfg):
        cfg.paths.output_dir = str(log_dir / f"every{every}")
    timed = TimedNoiseScale(every)
    clock = EpochClock(timed)
    train(cfg, callbacks=[timed, clock])
    return clock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, nargs="+", default=[64],
                        help="the callback's interval in optimizer steps")  # fmt: skip
    parser.add_argument("--epochs", type=int, default=3, help="per fit; the first is a warm-up")
    parser.add_argument("--overrides", nargs="*", default=["data=mnist"])
    args = parser.parse_args()
    quiet_known_noise()
    register_configs()
    torch.set_num_threads(1)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    print(f"CPU time on one torch thread; overrides: {' '.join(args.overrides)}")
    with tempfile.TemporaryDirectory() as log_dir:
        for every in args.every:
            clock = measure(args.overrides, every, args.epochs, Path(log_dir))
            without = clock.epoch_seconds - clock.callback_seconds
            print(
                f"every={every}: {clock.measurements} measurements in {clock.steps} steps; "
                f"{without / clock.steps * 1e3:.3f} ms/step without the callback, "
                f"{clock.callback_seconds / clock.measurements * 1e3:.2f} ms a measurement: "
                f"overhead {clock.callback_seconds / without * 100:.1f}% of the step time"
            )


if __name__ == "__main__":
    main()
