"""Steps to a validation target against the batch size, from real runs (issue 25).

Trains each batch size (powers of two) at each learning rate of a small grid, with the
noise-scale callback on, until `val/loss` reaches the target; reads the optimizer steps to
the target from the runs' event files (`val/loss_by_step`), keeps each batch size's best rate,
fits S = S_min (1 + B_noise / B) and draws it on log-log axes with the measured noise scale.

    python scripts/steps_to_target.py                        # cooking, batches 16 ... 512
    python scripts/steps_to_target.py --dataset mnist        # MNIST, batches 16 ... 512
    python scripts/steps_to_target.py --rule sqrt            # lr_scaling's rule, no grid
    python scripts/steps_to_target.py --sweep <folder> --grid 8   # more rates into a sweep

The figure goes to docs/figures/steps_to_target_<dataset>.png and the sweep's TensorBoard
IMAGES tab (logs/steps_to_target/<dataset>_<time>/tensorboard); the script prints the table
and how long it took.
"""

from __future__ import annotations

import argparse
import logging
import math
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from hydra import compose, initialize_config_dir
from lightning.pytorch.callbacks import EarlyStopping
from omegaconf import open_dict
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from minibatch.cli.entry import quiet_known_noise, register_configs
from minibatch.runs.project_paths import CONFIG_DIR

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Study:
    """One dataset's sweep: its overrides, target, reference rate and validation spacing."""

    overrides: tuple[str, ...]
    target: float  # val/loss to reach
    lr: float  # the grid's centre at reference_batch
    reference_batch: int
    examples_between_validations: int
    max_examples: int  # a run that has not reached the target by then counts as not reaching it


STUDIES = {
    # Seed 000's cake ratings (best possible val/loss 0.81) on 50,000 points, AdamW; the
    # rate at 64 from a first sweep (the recipe's 0.005 is for batches of 10,000 and 100 epochs).
    "cooking": Study(
        ("data=cooking", "data.train_size=50000", "data.valid_size=4000"),
        target=1.0, lr=0.08, reference_batch=64, examples_between_validations=512,
        max_examples=1_000_000,
    ),
    # Seed 002's MLP 784-50-10, plain SGD.
    "mnist": Study(
        ("data=mnist", "data.eval_batch_size=5000"),
        target=0.2, lr=0.5, reference_batch=64, examples_between_validations=2048,
        max_examples=250_000,
    ),
}  # fmt: skip


@dataclass
class Run:
    batch: int
    lr: float
    steps: int | None  # optimizer steps to the target; None: not reached
    noise_scale: float  # the callback's B_simple at the last measurement before the target


def compose_run(study: Study, batch: int, lr: float, rule: str | None, max_steps: int, out: Path):
    """The config of one run: validation every few steps, stopped at the target."""
    every = max(1, round(study.examples_between_validations / batch))
    callbacks = "validation_by_step,noise_scale" + (",lr_scaling" if rule else "")
    overrides = [
        *study.overrides, f"batch_size={batch}", f"optimizer.lr={lr}", "logger=tensorboard",
        f"callbacks=[{callbacks}]", f"callbacks.noise_scale.every={every}",
        f"trainer.val_check_interval={every}", "trainer.check_val_every_n_epoch=null",
        f"trainer.max_steps={max_steps}", "trainer.max_epochs=null",
        "trainer.num_sanity_val_steps=0", "trainer.enable_progress_bar=false",
        "trainer.enable_model_summary=false", "print_config=false",
    ]  # fmt: skip
    if rule:
        overrides += [
            f"callbacks.lr_scaling.rule={rule}", "callbacks.lr_scaling.warmup_epochs=0",
            f"callbacks.lr_scaling.reference_batch_size={study.reference_batch}",
        ]  # fmt: skip
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    with open_dict(cfg):
        cfg.paths.output_dir = str(out)
    return cfg


def run_one(
    study: Study, batch: int, lr: float, rule: str | None, max_steps: int, out: Path
) -> Run:
    """Train until the target (Lightning's EarlyStopping threshold), a diverging loss or
    `max_steps`, and read the steps to the target from the event files."""
    from minibatch.train import train

    cfg = compose_run(study, batch, lr, rule, max_steps, out)
    stop = EarlyStopping("val/loss", stopping_threshold=study.target, patience=10**9,
                         divergence_threshold=1e3, check_on_train_epoch_end=False)  # fmt: skip
    train(cfg, callbacks=[stop])
    return read_run(out, study.target)


def read_run(folder: Path, target: float) -> Run:
    """A run's steps to the target and noise scale there, from its event files; its batch
    size and rate from its folder's name (b<batch>_lr<rate>)."""
    batch, lr = folder.name.removeprefix("b").split("_lr")
    events = EventAccumulator(str(folder / "tensorboard"), size_guidance={"scalars": 0}).Reload()
    losses = events.Scalars("val/loss_by_step")
    reached = [e.step for e in losses if e.value <= target]
    steps = reached[0] if reached else None
    scales = [e for e in events.Scalars("lesson/noise_scale") if steps is None or e.step <= steps]
    return Run(int(batch), float(lr), steps, scales[-1].value if scales else math.nan)


def fastest_per_batch(sweep: Path, target: float) -> list[Run]:
    """Each batch size's run that reached the target in the fewest steps (its best rate)."""
    best: dict[int, Run] = {}
    for folder in sweep.glob("b*_lr*"):
        run = read_run(folder, target)
        if run.steps is not None and (run.batch not in best or run.steps < best[run.batch].steps):
            best[run.batch] = run
    return [best[batch] for batch in sorted(best)]


def fit_noise_scale(batches: list[int], steps: list[int]) -> tuple[float, float]:
    """(S_min, B_noise) of S = S_min (1 + B_noise / B), least squares in log S (a fine grid
    over B_noise, S_min in closed form for each)."""
    log_s = [math.log(s) for s in steps]
    best = (math.inf, 0.0, 0.0)
    for i in range(-400, 801):
        b_noise = 10 ** (i / 100)
        shape = [math.log(1 + b_noise / b) for b in batches]
        log_s_min = statistics.fmean(s - f for s, f in zip(log_s, shape, strict=True))
        error = sum((s - log_s_min - f) ** 2 for s, f in zip(log_s, shape, strict=True))
        best = min(best, (error, math.exp(log_s_min), b_noise))
    return best[1], best[2]


def draw(runs: list[Run], s_min: float, b_noise: float, noise_scale: float, title: str, out: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 4.4))
    batches = [r.batch for r in runs]
    steps = [r.steps for r in runs]
    axes.loglog(batches, steps, "o", color="C0", label="steps to target (best lr)")
    grid = [2 ** (k / 10) for k in range(round(10 * math.log2(min(batches) / 2)),
                                         round(10 * math.log2(max(batches) * 2)) + 1)]  # fmt: skip
    axes.loglog(grid, [s_min * (1 + b_noise / b) for b in grid], "-", color="C0", alpha=0.6,
                label=f"fit S_min(1 + B_noise/B), S_min={s_min:.0f}")  # fmt: skip
    axes.axvline(b_noise, color="C0", linestyle=":", label=f"knee of the fit: B={b_noise:.0f}")
    axes.axvline(noise_scale, color="C3", linestyle="--",
                 label=f"measured noise scale B_simple={noise_scale:.0f}")  # fmt: skip
    axes.axhline(s_min, color="grey", linewidth=0.6)
    axes.set_xlabel("batch size B")
    axes.set_ylabel("optimizer steps to the target")
    axes.set_title(title, fontsize=10)
    axes.legend(fontsize=8)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    return figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(STUDIES), default="cooking")
    parser.add_argument("--batches", type=int, nargs="+", default=[2**k for k in range(4, 10)])
    parser.add_argument("--grid", type=float, nargs="+", default=[1.0, 2.0, 0.5, 4.0, 0.25],
                        help="rates per batch size: these x lr x sqrt(B / B_ref)")  # fmt: skip
    parser.add_argument("--rule", choices=["linear", "sqrt"], default=None,
                        help="one rate per batch size from callbacks=lr_scaling")  # fmt: skip
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs" / "figures")
    parser.add_argument(
        "--sweep",
        type=Path,
        default=None,
        help="a sweep this script ran: add the runs it lacks, draw it all",
    )
    parser.add_argument("--draw-only", action="store_true", help="with --sweep: no new runs")
    args = parser.parse_args()
    quiet_known_noise()
    register_configs()
    torch.set_num_threads(1)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    study = STUDIES[args.dataset]
    sweep = args.sweep or ROOT / "logs" / "steps_to_target" / time.strftime(
        f"{args.dataset}_%Y-%m-%d_%H-%M-%S"
    )
    if not args.draw_only:
        start = time.monotonic()
        run_sweep(study, args, sweep)
        seconds = sweep / "sweep_seconds.txt"
        before = float(seconds.read_text()) if seconds.exists() else 0.0
        seconds.write_text(f"{before + time.monotonic() - start:.0f}\n")
    report(study, args, sweep)


def run_sweep(study: Study, args: argparse.Namespace, sweep: Path) -> None:
    """Every batch size at every rate of the grid (or the rule's one rate)."""
    for batch in args.batches:
        if args.rule:
            rates = [study.lr]  # the callback scales it
        else:
            centre = study.lr * math.sqrt(batch / study.reference_batch)
            rates = [centre * g for g in args.grid]
        fastest = {run.batch: run for run in fastest_per_batch(sweep, study.target)}.get(batch)
        for lr in rates:  # a later rate gets only as many steps as the fastest so far took
            folder = sweep / f"b{batch}_lr{lr:.4g}"
            if folder.exists():
                continue
            cap = fastest.steps if fastest else math.ceil(study.max_examples / batch)
            run = run_one(study, batch, lr, args.rule, cap, folder)
            print(f"B={batch:5d} lr={run.lr:.4g}: steps to val/loss <= {study.target}: {run.steps} "
                  f"(of at most {cap}), noise scale {run.noise_scale:.1f}", flush=True)  # fmt: skip
            if run.steps is not None and (fastest is None or run.steps < fastest.steps):
                fastest = run


def report(study: Study, args: argparse.Namespace, sweep: Path) -> None:
    """Print the table, the fit and the noise scale; draw the figure into docs/ and the sweep."""
    best = fastest_per_batch(sweep, study.target)
    if len(best) < 2:
        raise SystemExit("error: fewer than two batch sizes reached the target: lower it.")
    s_min, b_noise = fit_noise_scale([r.batch for r in best], [r.steps for r in best])
    # Each run's estimate is noisy and drifts as training goes: the median over batch sizes.
    noise_scale = statistics.median(r.noise_scale for r in best if math.isfinite(r.noise_scale))
    if args.rule:
        print(f"\nlr: the rate at batch {study.reference_batch}, scaled by the {args.rule} rule")
    tried = {r.batch: [] for r in best}
    for folder in sweep.glob("b*_lr*"):
        batch, lr = folder.name.removeprefix("b").split("_lr")
        tried.setdefault(int(batch), []).append(float(lr))
    print(f"\n{'B':>6} {'lr':>8} {'steps':>7} {'examples':>9} {'B_simple':>9}  rates tried")
    for r in best:
        examples, rates = r.steps * r.batch, sorted(tried[r.batch])
        edge = "  (the largest rate tried)" if len(rates) > 1 and r.lr == rates[-1] else ""
        print(f"{r.batch:6d} {r.lr:8.4g} {r.steps:7d} {examples:9d} {r.noise_scale:9.1f}  "
              f"{', '.join(f'{lr:.4g}' for lr in rates)}{edge}")  # fmt: skip
    print(f"fit S = S_min (1 + B_noise / B): S_min = {s_min:.0f}, knee B_noise = {b_noise:.0f}")
    print(f"measured B_simple (at the target, median over batch sizes) = {noise_scale:.0f}")
    print(f"knee / B_simple = {b_noise / noise_scale:.2f}")
    how = f"lr rule {args.rule}" if args.rule else "the best rate of a grid per B"
    title = f"{args.dataset}: steps to val/loss <= {study.target} ({how})"
    name = f"steps_to_target_{args.dataset}" + (f"_{args.rule}" if args.rule else "")
    figure = draw(best, s_min, b_noise, noise_scale, title, args.out_dir / f"{name}.png")
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(sweep / "tensorboard")) as writer:
        writer.add_figure("lesson/steps_to_target", figure)
    print(f"figure: {args.out_dir / f'{name}.png'}; sweep: {sweep}")
    seconds = float((sweep / "sweep_seconds.txt").read_text())
    print(f"the sweep took {seconds / 60:.1f} minutes ({len(list(sweep.glob('b*_lr*')))} runs)")


if __name__ == "__main__":
    main()
