"""What the noise-scale callback costs per training step: `python scripts/noise_scale_overhead.py`

Trains the same run with and without `callbacks=[default,noise_scale]`, interleaved round
after round in one process, on the default path (`python train.py data=mnist`: grouped
steps, the default callbacks, TensorBoard), and prints the training-epoch time per optimizer
step of each (the median over the measured epochs; each fit's first epoch is a warm-up and
validation is off) and the difference, for each `--every` (the callback's interval). The
time is the process's CPU time, on one torch thread: other processes sharing the machine
change the wall time of a step several-fold, not the work it does.

    python scripts/noise_scale_overhead.py                         # MNIST, batch 50, every=50
    python scripts/noise_scale_overhead.py --every 10 50 200 --rounds 5
    python scripts/noise_scale_overhead.py --overrides data=cooking batch_size=1000
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

import lightning as L
import torch
from hydra import compose, initialize_config_dir
from omegaconf import open_dict

from minibatch.cli.entry import quiet_known_noise, register_configs
from minibatch.runs.project_paths import CONFIG_DIR


class EpochClock(L.Callback):
    """The CPU time of each training epoch (without validation) and the steps it took."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.steps: list[int] = []

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.start, self.first_step = time.process_time(), trainer.global_step

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.seconds.append(time.process_time() - self.start)
        self.steps.append(trainer.global_step - self.first_step)


def seconds_per_step(overrides: list[str], epochs: int, log_dir: Path) -> tuple[float, int]:
    """Median training-epoch time per optimizer step of one fit (first epoch dropped)."""
    from minibatch.train import train

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=[
            "trainer.limit_val_batches=0", "trainer.num_sanity_val_steps=0",
            "trainer.enable_progress_bar=false", "print_config=false",
            f"trainer.max_epochs={epochs}", *overrides,
        ])  # fmt: skip
    with open_dict(cfg):
        cfg.paths.output_dir = str(log_dir / f"run{time.monotonic_ns()}")
    clock = EpochClock()
    train(cfg, callbacks=[clock])
    per_step = [s / n for s, n in zip(clock.seconds[1:], clock.steps[1:], strict=True)]
    return statistics.median(per_step), clock.steps[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, nargs="+", default=[50],
                        help="callbacks.noise_scale.every values to time")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3, help="per fit; the first is a warm-up")
    parser.add_argument("--overrides", nargs="*", default=["data=mnist"])
    args = parser.parse_args()
    quiet_known_noise()
    register_configs()
    torch.set_num_threads(1)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    print(f"CPU time on one torch thread; overrides: {' '.join(args.overrides)}")
    variants = {"without": ["callbacks=default"]}
    for every in args.every:
        variants[f"every={every}"] = [
            "callbacks=[default,noise_scale]",
            f"callbacks.noise_scale.every={every}",
        ]
    times: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as log_dir:
        for _ in range(args.rounds):
            for name, overrides in variants.items():
                seconds, steps = seconds_per_step(
                    [*args.overrides, *overrides], args.epochs, Path(log_dir)
                )
                times[name].append(seconds)
    base = statistics.median(times["without"])
    print(f"{steps} optimizer steps an epoch; median of {args.rounds} rounds:")
    print(f"  without the callback: {base * 1e3:.3f} ms/step")
    for name in variants:
        if name != "without":
            cost = statistics.median(times[name])
            extra = f"{(cost - base) * 1e6:+.1f} us/step = {(cost / base - 1) * 100:+.1f}%"
            print(f"  noise_scale {name}: {cost * 1e3:.3f} ms/step, overhead {extra}")


if __name__ == "__main__":
    main()
