"""How close to hand-written PyTorch does the template train? `python scripts/benchmark.py`

For each workload it times, in one process and interleaved (round after round):
  (a) hand: the notebooks' loop (randperm + slicing, same net, same optimizer);
  (b) stock: a per-item Dataset + DataLoader(shuffle=True) + a plain LightningModule that
      logs its loss every step, with Lightning's default progress bar and logger;
  (c) template: the model, data and trainer built by the same code as `train.py`
      (minibatch.build), from the same configs: as configured by default
      (steps_per_call=auto: up to 64 mini-batches per Lightning step, each still one
      optimizer step) and with steps_per_call=1 (one Lightning step per mini-batch).
Each number is the median training-epoch time over the measured epochs (the first epoch of
every fit is a warm-up and is dropped); validation is off in all three so the same work is
timed. A "data" workload times pure iteration over an in-memory dataset (no model).

The "end-to-end" workload times whole processes, interleaved: `python train.py data=mnist
batch_size=50` exactly as a user runs it (3 epochs, validation, checkpoints, TensorBoard,
progress bar) against `python scripts/hand_mnist.py` (the same training written by hand),
and, separately, the start-up: from launching the process to its first training batch.

    python scripts/benchmark.py                     # CPU, every workload
    python scripts/benchmark.py --device cuda       # on a GPU
    python scripts/benchmark.py --workloads mnist end-to-end --rounds 5

The fast path keeps the results: tests/core/test_grouped_steps.py checks that the losses
and weights are those of one step per call and of the hand loop. `--markdown FILE` also
writes the table as Markdown, the form docs/benchmark.md shows (a test holds the
page's tables to these columns and rows).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import os
import pickle
import platform
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
from omegaconf import open_dict
from rich.console import Console
from rich.table import Table
from torch import nn
from torch.utils.data import DataLoader, Dataset

from clocks import EpochTimer
from minibatch.build import build_datamodule, build_loggers, build_module, build_trainer
from minibatch.cli.entry import quiet_known_noise, register_configs
from minibatch.data_spec import DataSpec
from minibatch.examples.data.mnist import verified_pickle_bytes
from minibatch.examples.nets.regression_network import RegressionNetwork
from minibatch.nets.mlp import MLP
from minibatch.runs.project_paths import CONFIG_DIR

register_configs()  # the resolvers the configs use

console = Console(width=150)
ROOT = Path(__file__).resolve().parents[1]
COOKING_SPEC = DataSpec(task="regression", input_shape=(1,))
MNIST_SPEC = DataSpec(task="multiclass", input_shape=(784,), num_classes=10)


# Workloads -------------------------------------------------------------------------------
def workload(name: str, data_dir: Path) -> dict:
    """Tensors, net factory, optimizer factory, loss, batch size and the template's overrides."""
    if name == "cooking":
        from minibatch.examples.data.cooking import generate_cooking_data

        x, y = generate_cooking_data(500_000, 0.9, torch.Generator().manual_seed(1337))
        return dict(
            x=x, y=y, batch_size=10_000, loss=nn.functional.mse_loss,
            net=lambda: RegressionNetwork(COOKING_SPEC),
            opt=lambda p: torch.optim.AdamW(p, lr=0.005),
            overrides=["data=cooking"],
        )  # fmt: skip
    if name == "mnist":
        x, y, source = mnist_tensors(data_dir)
        return dict(
            x=x, y=y, batch_size=50, loss=nn.functional.cross_entropy,
            net=lambda: MLP(MNIST_SPEC, hidden=[50]), opt=lambda p: torch.optim.SGD(p, lr=0.5),
            overrides=["data=mnist", f"paths.data_dir={data_dir}"] if source == "real" else None,
            source=source,
        )  # fmt: skip
    raise ValueError(name)


def mnist_tensors(data_dir: Path) -> tuple[torch.Tensor, torch.Tensor, str]:
    """The real training images when data/mnist.pkl.gz is there, else random ones alike."""
    path = data_dir / "mnist.pkl.gz"
    if path.is_file():
        data = gzip.decompress(verified_pickle_bytes(path))  # sha256 checked before unpickling
        (x, y), _, _ = pickle.loads(data, encoding="latin-1")
        return torch.as_tensor(x), torch.as_tensor(y).long(), "real"
    generator = torch.Generator().manual_seed(0)
    return torch.rand(50_000, 784, generator=generator), torch.randint(0, 10, (50_000,)), "random"


# (a) the hand-written loop -----------------------------------------------------------------
def hand_epochs(w: dict, device: torch.device, epochs: int) -> list[float]:
    x, y = w["x"].to(device), w["y"].to(device)
    net = w["net"]().to(device)
    optimizer = w["opt"](net.parameters())
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(x), device=device)
        total = torch.zeros((), device=device)
        for i in range(0, len(x), w["batch_size"]):
            batch = order[i : i + w["batch_size"]]
            loss = w["loss"](net(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach()
        total.item()  # the epoch's mean loss reaches the host once, as in the template
        times.append(time.perf_counter() - start)
    return times


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


def stock_epochs(w: dict, device: torch.device, epochs: int, log_dir: str) -> list[float]:
    loader = DataLoader(ItemDataset(w["x"], w["y"]), batch_size=w["batch_size"], shuffle=True)
    timer = EpochTimer()
    trainer = L.Trainer(
        accelerator=device.type, devices=1, max_epochs=epochs, callbacks=[timer],
        default_root_dir=log_dir, enable_checkpointing=False, limit_val_batches=0,
        enable_model_summary=False,
    )  # fmt: skip
    trainer.fit(StockModule(w["net"](), w["opt"], w["loss"]), train_dataloaders=loader)
    return timer.times


# (c) the template's path ------------------------------------------------------------------
def template_epochs(
    w: dict, device: torch.device, epochs: int, log_dir: str, steps_per_call: int | str
) -> list[float]:
    overrides = [
        *w["overrides"], f"trainer.max_epochs={epochs}", f"trainer.accelerator={device.type}",
        f"steps_per_call={steps_per_call}", "trainer.limit_val_batches=0",
        "trainer.num_sanity_val_steps=0", "~callbacks.model_checkpoint",
        "~callbacks.last_checkpoint", "trainer.enable_model_summary=false",
    ]  # fmt: skip
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    with open_dict(cfg):
        cfg.paths.output_dir = log_dir
    datamodule = build_datamodule(cfg)
    model = build_module(cfg)
    trainer = build_trainer(cfg, build_loggers(cfg.logger))
    timer = EpochTimer()
    trainer.callbacks.append(timer)
    trainer.fit(model, datamodule=datamodule)
    return timer.times


# Whole processes ------------------------------------------------------------------------
def timed_process(command: list[str], clock: Path, env: dict | None = None) -> tuple[float, float]:
    """(wall time, time to the first training batch) of one process, in seconds."""
    clock.unlink(missing_ok=True)
    start = time.time()
    subprocess.run(command, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    return time.time() - start, float(clock.read_text()) - start


def end_to_end(rounds: int, log_dir: str) -> tuple[list, list]:
    """Interleaved runs of train.py and the hand-written script: (template, hand) timings."""
    clock = Path(log_dir) / "first_batch"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    template = [sys.executable, "train.py", "data=mnist", "batch_size=50",
                f"paths.log_dir={log_dir}",
                "+callbacks.clock._target_=clocks.FirstBatchClock",
                f"+callbacks.clock.path={clock}"]  # fmt: skip
    hand = [sys.executable, "scripts/hand_mnist.py", f"--first-batch-file={clock}"]
    # One untimed run of each first: the files are in the page cache for both, and the
    # template's first run converts the MNIST pickle into the tensor file later runs load.
    timed_process(template, clock, env), timed_process(hand, clock)
    runs: tuple[list, list] = ([], [])
    for _ in range(rounds):
        runs[0].append(timed_process(template, clock, env))
        runs[1].append(timed_process(hand, clock))
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
    hand, template = [], []
    for epoch in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n, device=device)
        for i in range(0, n, batch_size):
            batch = order[i : i + batch_size]
            x[batch], y[batch]
        hand.append(time.perf_counter() - start)
        loader.sampler.set_epoch(epoch)
        start = time.perf_counter()
        for _ in loader:
            pass
        template.append(time.perf_counter() - start)
    return hand, template


# Report ---------------------------------------------------------------------------------------
def median_after_warmup(runs: list[list[float]]) -> float:
    times = [t for run in runs for t in run[1:]]
    return statistics.median(times) if times else float("nan")


COLUMNS = ("workload", "(a) hand", "(b) stock", "(c) template", "(c) K=1",
           "(b)/(a)", "(c)/(a)", "(c) K=1 / (a)")  # fmt: skip
END_TO_END_ROWS = ("end-to-end mnist: whole process", "end-to-end mnist: start-up to first batch")
DATA_BATCH_SIZES = (1, 50, 10_000)
WORKLOADS = ("cooking", "mnist", "data", "end-to-end")


def argument_parser() -> argparse.ArgumentParser:
    """The options (a test parses the documented benchmark commands with it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of a, b, c")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per fit (first dropped)")
    parser.add_argument("--data-dir", type=Path, default=CONFIG_DIR.parent / "data")
    parser.add_argument("--markdown", type=Path, help="also write the table here, as Markdown")
    return parser


def main() -> None:
    args = argument_parser().parse_args()
    quiet_known_noise()
    import logging

    logging.getLogger("lightning").setLevel(logging.ERROR)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: no CUDA device is visible to torch.")
    title = (f"Training-epoch time, median of {args.rounds} rounds x {args.epochs - 1} epochs; "
             f"{machine_description(device)}")  # fmt: skip
    with tempfile.TemporaryDirectory() as log_dir:
        rows = [
            row for name in args.workloads for row in workload_rows(name, args, device, log_dir)
        ]
    table = Table(title=title)
    for column in COLUMNS:
        table.add_column(column, justify="left" if column == "workload" else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if args.markdown:
        args.markdown.write_text(markdown_table(title, rows))


def workload_rows(name: str, args: argparse.Namespace, device: torch.device, log_dir: str) -> list:
    """The table rows of one workload, one tuple of COLUMNS each."""
    if name == "end-to-end":
        template, hand = end_to_end(args.rounds, log_dir)
        (tw, tf), (hw, hf) = ([statistics.median(t) for t in zip(*r, strict=True)]
                              for r in (template, hand))  # fmt: skip
        return [
            (label, f"{h:.2f} s", "-", f"{t:.2f} s", "-", "-", f"{t / h:.2f}x", "-")  # fmt: skip
            for label, h, t in zip(END_TO_END_ROWS, (hw, hf), (tw, tf), strict=True)
        ]
    if name == "data":
        rows = []
        for batch_size in DATA_BATCH_SIZES:
            hand, template = data_epochs(batch_size, device, args.epochs * args.rounds)
            a, c = statistics.median(hand[1:]), statistics.median(template[1:])
            rows.append((f"data only, batch {batch_size}", ms(a), "-", ms(c), "-", "-",
                         f"{c / a:.2f}x", "-"))  # fmt: skip
        return rows
    w = workload(name, args.data_dir)
    if w["overrides"] is None:
        console.print(f"[yellow]{name}: no data/mnist.pkl.gz, template path skipped[/]")
    runs = {"a": [], "b": [], "c": [], "k": []}
    for _ in range(args.rounds):
        runs["a"].append(hand_epochs(w, device, args.epochs))
        runs["b"].append(stock_epochs(w, device, args.epochs, log_dir))
        if w["overrides"] is not None:
            runs["c"].append(template_epochs(w, device, args.epochs, log_dir, "auto"))
            runs["k"].append(template_epochs(w, device, args.epochs, log_dir, 1))
    a, b, c, ck = (median_after_warmup(runs[key]) for key in "abck")
    return [(f"{name}, batch {w['batch_size']}", ms(a), ms(b), ms(c), ms(ck), f"{b / a:.1f}x",
             f"{c / a:.2f}x", f"{ck / a:.2f}x")]  # fmt: skip


def markdown_table(title: str, rows: list) -> str:
    """The table as docs/benchmark.md shows it: the title line, then a Markdown table."""
    lines = [f"`{title}`", "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)]) + "\n"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def machine_description(device: torch.device) -> str:
    gpu = f" ({torch.cuda.get_device_name()})" if device.type == "cuda" else ""
    # With SciPy installed (the tooling extras' Optuna needs it) torchmetrics imports
    # scipy.signal when Lightning imports torchmetrics: the template's start-up grows.
    scipy = "scipy installed" if importlib.util.find_spec("scipy") else "no scipy"
    return (f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPUs, "
            f"{torch.get_num_threads()} torch threads, torch {torch.__version__}, "
            f"lightning {L.__version__}, {scipy}, device {device}{gpu}")  # fmt: skip


if __name__ == "__main__":
    main()
