"""How close to hand-written PyTorch does the template train? `python scripts/benchmark.py`

For each workload it times, in one process, round after round in alternating order:
  (a) hand: the notebooks' loop (randperm + slicing) on the same data, net and optimizer;
  (b) stock: a per-item Dataset + DataLoader(shuffle=True) + a plain LightningModule that
      logs its loss every step, with Lightning's default progress bar and logger;
  (c) template: the data, module and trainer built by `train.py`'s own code (minibatch.build)
      from the same configs, as configured by default (steps_per_call=auto) and with
      steps_per_call=1 (one Lightning step per mini-batch).
An epoch is timed from its start to the next epoch's start on every side (CUDA synchronised),
so it holds everything the epoch does: epoch-end logging, the logger's writes, validation.
Checkpointing is off on every side. The training rows validate on no side; the "whole epoch"
rows validate every epoch on both: the template as configured, the hand loop computing the
same loss and metrics over the same split and batches, each brought to the host. The first
epoch of every fit is a warm-up and is dropped. "data only" times pure iteration over an
in-memory dataset; "end-to-end" times whole processes (`python train.py data=mnist
batch_size=50` against scripts/hand_mnist.py) and the start-up to the first training batch.

    python scripts/benchmark.py --out docs/benchmark_cpu.json     # CPU, every workload
    python scripts/benchmark.py --device cuda --out benchmark_cuda.json
    python scripts/benchmark.py --workloads whole-epoch --rounds 5

Each time shows the median (min-max) of its samples; a ratio is that of the medians.
`--out FILE` writes every sample with the machine, versions, date, load and command as JSON
(`--markdown FILE` the printed table as Markdown): tests/examples/test_benchmark_table.py
holds the tables of docs/benchmark.md to the committed docs/benchmark_cpu.json.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import lightning as L
import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, open_dict
from rich.console import Console
from rich.table import Table
from torch import nn
from torch.utils.data import DataLoader, Dataset

from clocks import EpochClock, clock, intervals
from minibatch.build import build_datamodule, build_module, build_net, build_trainer, instantiate
from minibatch.cli.entry import quiet_known_noise, register_configs
from minibatch.runs.project_paths import CONFIG_DIR
from minibatch.tasks import get_task

register_configs()  # the resolvers the configs use

console = Console(width=160)
ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = ("cooking", "mnist", "whole-epoch", "data", "end-to-end")
# The workloads the training rows and the whole-epoch rows run on (the notebooks' recipes).
DATASETS = ("cooking", "mnist")
# No checkpoint on the template's side (the hand loop saves none): the configured callbacks
# and Lightning's own default one.
NO_CHECKPOINTS = (
    "~callbacks.model_checkpoint", "~callbacks.last_checkpoint",
    "trainer.enable_checkpointing=false", "trainer.enable_model_summary=false",
)  # fmt: skip
NO_VALIDATION = ("trainer.limit_val_batches=0", "trainer.num_sanity_val_steps=0")


# Workloads -------------------------------------------------------------------------------
def compose_train(overrides: list[str]) -> DictConfig:
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose("train", overrides=overrides)


class Workload:
    """One notebook recipe: its config, and the same data, net, optimizer and loss by hand."""

    def __init__(self, name: str, data_dir: Path, device: torch.device) -> None:
        self.name, self.device = name, device
        self.overrides = [f"data={name}", f"paths.data_dir={data_dir}",
                          f"trainer.accelerator={device.type}"]  # fmt: skip
        cfg = compose_train(self.overrides)
        self.cfg = cfg
        datamodule = build_datamodule(cfg)
        datamodule.prepare_data()
        datamodule.setup("fit")
        self.train, self.valid = datamodule.splits["train"], datamodule.splits["valid"]
        self.spec = datamodule.spec
        self.batch_size, self.eval_batch_size = datamodule.batch_size, datamodule.eval_batch_size
        self.task = get_task(self.spec.task)

    @property
    def label(self) -> str:
        return f"{self.name}, batch {self.batch_size}"

    def net(self) -> nn.Module:
        return build_net(self.cfg.model, self.spec).to(self.device)

    def optimizer(self, parameters) -> torch.optim.Optimizer:
        return instantiate(self.cfg.optimizer, "optimizer")(params=parameters)


# (a) the hand-written loop -----------------------------------------------------------------
def hand_epochs(w: Workload, epochs: int, validate: bool) -> list[float]:
    device = w.device
    x, y = w.train.features.to(device), w.train.targets.to(device)
    net = w.net()
    optimizer = w.optimizer(net.parameters())
    marks = []
    for _ in range(epochs):
        marks.append(clock(device))
        order = torch.randperm(len(x), device=device)
        total = torch.zeros((), device=device)
        for i in range(0, len(x), w.batch_size):
            batch = order[i : i + w.batch_size]
            loss = w.task.loss(net(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(batch)
        (total / len(x)).item()  # the epoch's mean loss reaches the host, as in the template
        if validate:
            hand_validation(w, net)
    marks.append(clock(device))
    return intervals(marks)


def hand_validation(w: Workload, net: nn.Module) -> dict[str, float]:
    """The loss and the task's metrics over the validation split, as the template reports."""
    x, y = w.valid.features.to(w.device), w.valid.targets.to(w.device)
    sums = torch.zeros(4, device=w.device)  # loss, |error| or hits, squared error, target
    net.eval()
    with torch.no_grad():
        for i in range(0, len(x), w.eval_batch_size):
            out, target = net(x[i : i + w.eval_batch_size]), y[i : i + w.eval_batch_size]
            sums[0] += w.task.loss(out, target) * len(target)
            if w.spec.task == "regression":
                sums[1] += (out - target).abs().sum()
                sums[2] += ((out - target) ** 2).sum()
            else:
                sums[1] += (out.argmax(-1) == target).sum()
        if w.spec.task == "regression":
            variance = ((y - y.mean()) ** 2).sum()
            metrics = {"mae": sums[1] / len(x), "r2": 1 - sums[2] / variance}
        else:
            metrics = {"acc": sums[1] / len(x)}
    net.train()
    return {"loss": (sums[0] / len(x)).item(), **{k: v.item() for k, v in metrics.items()}}


# (b) the stock Lightning path --------------------------------------------------------------
class ItemDataset(Dataset):
    """The seeds' Dataset: one example per `__getitem__`."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: int):
        return self.x[index], self.y[index]


class StockModule(L.LightningModule):
    """What a first Lightning port of the notebooks looks like: a `self.log` every step."""

    def __init__(self, net: nn.Module, opt: Callable, loss: Callable) -> None:
        super().__init__()
        self.net, self.opt, self.loss = net, opt, loss

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = self.loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return self.opt(self.parameters())


def stock_epochs(w: Workload, epochs: int, log_dir: str) -> list[float]:
    data = ItemDataset(w.train.features, w.train.targets)
    loader = DataLoader(data, batch_size=w.batch_size, shuffle=True)
    timer = EpochClock(w.device)
    trainer = L.Trainer(
        accelerator=w.device.type, devices=1, max_epochs=epochs, callbacks=[timer],
        default_root_dir=log_dir, enable_checkpointing=False, limit_val_batches=0,
        enable_model_summary=False,
    )  # fmt: skip
    trainer.fit(StockModule(w.net(), w.optimizer, w.task.loss), train_dataloaders=loader)
    return timer.times


# (c) the template's path ------------------------------------------------------------------
def template_epochs(
    w: Workload, epochs: int, log_dir: str, steps_per_call: int | str, validate: bool
) -> list[float]:
    overrides = [*w.overrides, f"trainer.max_epochs={epochs}", f"steps_per_call={steps_per_call}",
                 *NO_CHECKPOINTS, *(() if validate else NO_VALIDATION)]  # fmt: skip
    cfg = compose_train(overrides)
    with open_dict(cfg):
        cfg.paths.output_dir = log_dir
    timer = EpochClock(w.device)
    trainer = build_trainer(cfg, [timer])
    trainer.fit(build_module(cfg), datamodule=build_datamodule(cfg))
    return timer.times


# Whole processes ------------------------------------------------------------------------
def timed_process(command: list[str], clock_file: Path, env: dict | None = None) -> list[float]:
    """[wall time, time to the first training batch] of one process, in seconds."""
    clock_file.unlink(missing_ok=True)
    start = time.time()
    subprocess.run(command, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    return [time.time() - start, float(clock_file.read_text()) - start]


def end_to_end(rounds: int, log_dir: str) -> tuple[list, list]:
    """Alternating runs of train.py and the hand-written script: (template, hand) timings."""
    clock_file = Path(log_dir) / "first_batch"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    template = [sys.executable, "train.py", "data=mnist", "batch_size=50",
                f"paths.log_dir={log_dir}",
                "+callbacks.clock._target_=clocks.FirstBatchClock",
                f"+callbacks.clock.path={clock_file}"]  # fmt: skip
    hand = [sys.executable, "scripts/hand_mnist.py", f"--first-batch-file={clock_file}"]
    # One untimed run of each first: the files are in the page cache for both, and the
    # template's first run converts the MNIST pickle into the tensor file later runs load.
    timed_process(template, clock_file, env), timed_process(hand, clock_file)
    runs: tuple[list, list] = ([], [])
    for round_ in range(rounds):
        sides = [(0, template, env), (1, hand, None)]
        for side, command, side_env in sides[:: -1 if round_ % 2 else 1]:
            runs[side].append(timed_process(command, clock_file, side_env))
    return runs


# Pure data iteration ----------------------------------------------------------------------
def data_epochs(batch_size: int, device: torch.device, epochs: int) -> tuple[list, list]:
    """(hand slicing of a shuffled tensor, the template's DataModule loader) epoch times."""
    from minibatch.data.in_memory.datamodule import InMemoryDataModule
    from minibatch.data.in_memory.tensor_dataset import TensorPairDataset

    # Shapes of the notebooks: MNIST images for small batches, seed 000's cakes for 10,000.
    n, width = {1: (20_000, 784), 50: (50_000, 784)}.get(batch_size, (500_000, 1))
    x, y = torch.rand(n, width, device=device), torch.randint(0, 10, (n,), device=device)

    class Module(InMemoryDataModule):
        def build_splits(self):
            return {"train": TensorPairDataset(x, y), "valid": TensorPairDataset(x[:10], y[:10])}

    loader = Module(batch_size=batch_size).train_dataloader()

    def hand() -> None:
        order = torch.randperm(n, device=device)
        for i in range(0, n, batch_size):
            batch = order[i : i + batch_size]
            x[batch], y[batch]

    def template() -> None:
        for _ in loader:
            pass

    times: tuple[list, list] = ([], [])
    for epoch in range(epochs):
        loader.sampler.set_epoch(epoch)
        for side, run in [(0, hand), (1, template)][:: -1 if epoch % 2 else 1]:
            start = clock(device)
            run()
            times[side].append(clock(device) - start)
    return times


# Rows: samples per side --------------------------------------------------------------------
# A row: {"workload": name, "unit": "ms" or "s", "samples": {side: [seconds...]}} with sides
# "a" hand, "b" stock, "c" template, "k" template with steps_per_call=1.
SIDES = ("a", "b", "c", "k")
COLUMNS = ("workload", "(a) hand", "(b) stock", "(c) template", "(c) K=1",
           "(b)/(a)", "(c)/(a)", "(c) K=1 / (a)")  # fmt: skip
END_TO_END_ROWS = ("end-to-end mnist: whole process", "end-to-end mnist: start-up to first batch")
DATA_BATCH_SIZES = (1, 50, 10_000)
WHOLE_EPOCH = "whole epoch, validation included"


def row(name: str, samples: dict[str, list[float]], unit: str = "ms") -> dict:
    return {"workload": name, "unit": unit, "samples": samples}


def after_warmup(fits: list[list[float]]) -> list[float]:
    """Every epoch's time but the first of each fit."""
    return [t for fit in fits for t in fit[1:]]


def alternating(round_: int, sides: list[tuple[str, Callable[[], list[float]]]]):
    """The sides in their order on even rounds, reversed on odd ones."""
    return sides[:: -1 if round_ % 2 else 1]


def training_rows(name: str, args: argparse.Namespace, device: torch.device, log_dir: str) -> list:
    """One workload's training epochs (no validation anywhere): hand, stock, template, K=1."""
    w = Workload(name, args.data_dir, device)
    sides = [
        ("a", lambda: hand_epochs(w, args.epochs, validate=False)),
        ("b", lambda: stock_epochs(w, args.epochs, log_dir)),
        ("c", lambda: template_epochs(w, args.epochs, log_dir, "auto", validate=False)),
        ("k", lambda: template_epochs(w, args.epochs, log_dir, 1, validate=False)),
    ]
    fits: dict[str, list] = {side: [] for side, _ in sides}
    for round_ in range(args.rounds):
        for side, run in alternating(round_, sides):
            fits[side].append(run())
    return [row(w.label, {side: after_warmup(f) for side, f in fits.items()})]


def whole_epoch_rows(args: argparse.Namespace, device: torch.device, log_dir: str) -> list:
    """Train and validate every epoch, on both sides: the template as configured by default."""
    rows = []
    for name in DATASETS:
        w = Workload(name, args.data_dir, device)
        sides = [
            ("a", lambda w=w: hand_epochs(w, args.epochs, validate=True)),
            ("c", lambda w=w: template_epochs(w, args.epochs, log_dir, "auto", validate=True)),
        ]
        fits: dict[str, list] = {"a": [], "c": []}
        for round_ in range(args.rounds):
            for side, run in alternating(round_, sides):
                fits[side].append(run())
        rows.append(row(f"{w.label}, {WHOLE_EPOCH}", {s: after_warmup(f) for s, f in fits.items()}))
    return rows


def data_rows(args: argparse.Namespace, device: torch.device) -> list:
    rows = []
    for batch_size in DATA_BATCH_SIZES:
        hand, template = data_epochs(batch_size, device, args.epochs * args.rounds)
        rows.append(row(f"data only, batch {batch_size}", {"a": hand[1:], "c": template[1:]}))
    return rows


def end_to_end_rows(args: argparse.Namespace, log_dir: str) -> list:
    template, hand = end_to_end(args.rounds, log_dir)
    return [
        row(label, {"a": [run[i] for run in hand], "c": [run[i] for run in template]}, unit="s")
        for i, label in enumerate(END_TO_END_ROWS)
    ]


def workload_rows(name: str, args: argparse.Namespace, device: torch.device, log_dir: str) -> list:
    if name == "end-to-end":
        return end_to_end_rows(args, log_dir)
    if name == "data":
        return data_rows(args, device)
    if name == "whole-epoch":
        return whole_epoch_rows(args, device, log_dir)
    return training_rows(name, args, device, log_dir)


# Report ---------------------------------------------------------------------------------------
def time_cell(samples: list[float], unit: str) -> str:
    """median (min-max) of the samples, in ms with one decimal or in s with two."""
    scale, digits = (1e3, 1) if unit == "ms" else (1.0, 2)
    low, mid, high = (v * scale for v in (min(samples), statistics.median(samples), max(samples)))
    return f"{mid:.{digits}f} {unit} ({low:.{digits}f}-{high:.{digits}f})"


def table_row(r: dict) -> tuple[str, ...]:
    """The row's cells, in COLUMNS order: times per side, then ratios of medians to (a)."""
    samples, unit = r["samples"], r["unit"]
    cells = [time_cell(samples[s], unit) if samples.get(s) else "-" for s in SIDES]
    hand = statistics.median(samples["a"])
    ratios = [
        f"{statistics.median(samples[s]) / hand:.{1 if s == 'b' else 2}f}x"
        if samples.get(s) else "-"
        for s in SIDES[1:]
    ]  # fmt: skip
    return (r["workload"], *cells, *ratios)


def markdown_table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    return "\n".join([*lines, *("| " + " | ".join(table_row(r)) + " |" for r in rows)]) + "\n"


def markdown_report(report: dict) -> str:
    """The committed output: what was run, where and when, then the table."""
    return (
        f"# Benchmark on {report['device']}\n\n"
        f"    {report['command']}\n\n"
        f"{report['machine']}; {report['date']}; load average {report['load']:.1f} at start, "
        f"{report['load_end']:.1f} at the end. "
        f"Each time is the median (min-max) of its samples: {report['rounds']} rounds of "
        f"{report['epochs']} epochs a side, the first epoch of each dropped, sides in "
        "alternating order; whole processes: one sample a round. A ratio is that of the "
        "medians.\n\n" + markdown_table(report["rows"])
    )


def argument_parser() -> argparse.ArgumentParser:
    """The options (a test parses the docs' benchmark commands with it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the sides")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per fit (first dropped)")
    parser.add_argument("--data-dir", type=Path, default=CONFIG_DIR.parent / "data")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own)")
    parser.add_argument("--out", type=Path, help="also write the samples and machine as JSON")
    parser.add_argument("--markdown", type=Path, help="also write the report as Markdown")
    return parser


def machine_description(device: torch.device) -> str:
    gpu = f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""
    # With SciPy installed (the tooling extras' Optuna needs it) torchmetrics imports
    # scipy.signal when Lightning imports torchmetrics: the template's start-up grows.
    scipy = "scipy installed" if importlib.util.find_spec("scipy") else "no scipy"
    return (f"{cpu_model()} ({platform.machine()}), {len(os.sched_getaffinity(0))} CPUs, "
            f"{torch.get_num_threads()} torch threads, Python {platform.python_version()}, "
            f"torch {torch.__version__}, lightning {L.__version__}, {scipy}, "
            f"device {device}{gpu}")  # fmt: skip


def cpu_model() -> str:
    """The CPU's model name, as `lscpu` shows it (Linux), else what platform knows."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.is_file() else []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor() or "unknown CPU"


def main() -> None:
    args = argument_parser().parse_args()
    quiet_known_noise()
    import logging

    logging.getLogger("lightning").setLevel(logging.ERROR)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: no CUDA device is visible to torch.")
    report = {
        "device": args.device, "machine": machine_description(device),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load": os.getloadavg()[0],
        "rounds": args.rounds, "epochs": args.epochs,
        "command": shlex.join(["python", "scripts/benchmark.py", *sys.argv[1:]]),
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as log_dir:
        report["rows"] = [
            r for name in args.workloads for r in workload_rows(name, args, device, log_dir)
        ]
    report["load_end"] = os.getloadavg()[0]
    table = Table(title=f"Epoch times, median (min-max); {report['machine']}")
    for column in COLUMNS:
        table.add_column(column, justify="left" if column == "workload" else "right")
    for r in report["rows"]:
        table.add_row(*table_row(r))
    console.print(table)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n")
    if args.markdown:
        args.markdown.write_text(markdown_report(report))


if __name__ == "__main__":
    main()
