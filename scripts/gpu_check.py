"""The template on a GPU in one prepared run: trainings, CUDA tests and benchmark, one folder.

scripts/gpu_check.sh sets up and calls this; every step runs as its own process under one time
budget. `--allow-cpu --tiny` runs the same steps briefly on a CPU (tests/core/test_gpu_check.py).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
NO_CUDA = (
    "error: no CUDA GPU is visible to torch here: run scripts/gpu_check.sh on a machine with an "
    "NVIDIA GPU (or add --allow-cpu for a short try-out of the steps on this CPU)."
)
# --tiny checks the script itself: the core tests' tiny data (not MNIST, not the 500,000
# cooking points), two short epochs, the CUDA tests of two files (they skip on a CPU).
TINY_DATA = (f"hydra.searchpath=[file://{REPO_ROOT / 'tests' / 'core' / 'configs'}]", "data=tiny")
TINY_TRAINING = ("trainer.max_epochs=2",)
TINY_TEST_FILES = ("tests/core/test_compile.py", "tests/core/test_data_on_device.py")
STEPS = ("mnist", "cooking", "cuda-tests", "benchmark")
NOT_ASKED_FOR = ("skipped: no GPU", "skipped: not among")  # statuses that fail no check
LEAST_USEFUL_SECONDS = 10  # a step with less time than this left is not started


@dataclass
class Step:
    """One process of the check: its command, its share of time, and what became of it."""

    name: str
    argv: list[str]
    cap_seconds: float
    stdout_file: str
    status: str = "not run"
    seconds: float = 0.0
    facts: dict[str, str] = field(default_factory=dict)


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d_%H-%M-%S")
    folder = REPO_ROOT / "logs" / "gpu_check" / stamp
    parser.add_argument("output", nargs="?", type=Path, default=folder,
                        help="the folder for everything (logs/gpu_check/<UTC time>)")  # fmt: skip
    parser.add_argument("--budget", type=float, default=480, help="seconds for all the steps")
    parser.add_argument("--allow-cpu", action="store_true",
                        help="without a GPU, run the steps on the CPU (no benchmark)")  # fmt: skip
    parser.add_argument("--tiny", action="store_true", help="short trainings, two test files")
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS),
                        help="the steps to run, in their order (default: all)")  # fmt: skip
    return parser


def cuda_visible() -> bool:
    import torch

    return torch.cuda.is_available()


def build_steps(output: Path, on_gpu: bool, tiny: bool) -> list[Step]:
    """The check's steps, most telling first: a budget that runs out cuts the last ones."""
    python, trainer = sys.executable, "trainer=gpu" if on_gpu else "trainer=cpu"
    mnist, cooking = ["data=mnist"], []
    if tiny:
        mnist, cooking = [*TINY_DATA, "data.task=multiclass"], [*TINY_DATA]
    shorter = list(TINY_TRAINING) if tiny else []
    tests = list(TINY_TEST_FILES) if tiny else ["tests"]
    return [
        Step("mnist", [python, "train.py", *mnist, "batch_size=50", trainer,
                       f"paths.log_dir={output / 'mnist'}", *shorter], 150, "mnist/train.log"),
        Step("cooking", [python, "train.py", *cooking, trainer,
                         f"paths.log_dir={output / 'cooking'}", *shorter], 120,
             "cooking/train.log"),
        # A test file that cannot be imported there (an optional package) stops no other.
        Step("cuda-tests", [python, "-m", "pytest", "-m", "cuda", "-p", "no:cacheprovider",
                            "-n", "0", "-q", "-rs", "--continue-on-collection-errors",
                            f"--junitxml={output / 'cuda-tests.xml'}", *tests], 180,
             "cuda-tests.log"),
        Step("benchmark", [python, "scripts/benchmark.py", "--device", "cuda"], 420,
             "benchmark.md"),
    ]  # fmt: skip


def run_step(step: Step, output: Path, deadline: float, on_gpu: bool, chosen: list[str]) -> None:
    """Run one step as a process, its stdout into its file, within the time left."""
    if step.name not in chosen:
        step.status = "skipped: not among --steps"
        return
    if step.name == "benchmark" and not on_gpu:
        step.status = "skipped: no GPU (scripts/benchmark.py --device cuda needs one)"
        return
    seconds_left = min(step.cap_seconds, deadline - time.monotonic())
    if seconds_left < LEAST_USEFUL_SECONDS:
        step.status = "skipped: the time budget was spent"
        return
    stdout = output / step.stdout_file
    stdout.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with stdout.open("w") as out, stdout.with_suffix(".err").open("w") as err:
        try:
            code = subprocess.run(step.argv, cwd=REPO_ROOT, stdout=out, stderr=err,
                                  timeout=seconds_left).returncode  # fmt: skip
            step.status = "ok" if code == 0 else f"failed (exit {code})"
        except subprocess.TimeoutExpired:
            step.status = f"stopped after {seconds_left:.0f} s (its share of the budget)"
    step.seconds = time.monotonic() - started


def event_scalars(folder: Path) -> dict[str, list[tuple[float, float]]]:
    """(wall time, value) of every scalar of the one run under `folder`, by tag."""
    event_files = sorted(folder.rglob("events.out.tfevents.*"))
    if not event_files:
        return {}
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(event_files[0].parent))
    events.Reload()
    return {tag: [(e.wall_time, e.value) for e in events.Scalars(tag)]
            for tag in events.Tags()["scalars"]}  # fmt: skip


def training_facts(folder: Path) -> dict[str, str]:
    """Last validation values and the epoch times (between successive epochs' train/loss)."""
    scalars = event_scalars(folder)
    facts = {tag: f"{points[-1][1]:.4f}" for tag, points in scalars.items()
             if tag in ("val/acc", "val/loss", "train/loss")}  # fmt: skip
    times = [wall for wall, _ in scalars.get("train/loss", [])]
    epochs = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    if epochs:
        facts["epoch time (median, from one epoch's end to the next)"] = (
            f"{statistics.median(epochs):.3f} s over {len(epochs)} epochs"
        )
    return facts


def test_facts(junit_xml: Path) -> dict[str, str]:
    """Counts from pytest's JUnit XML report."""
    if not junit_xml.is_file():
        return {}
    suite = ElementTree.parse(junit_xml).getroot().find("testsuite")
    counts = {name: int(suite.get(name, 0)) for name in ("tests", "failures", "errors", "skipped")}
    counts["passed"] = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    facts = {name: str(count) for name, count in counts.items()}
    failed = [f"{case.get('classname')}.{case.get('name')}" for case in suite.iter("testcase")
              if case.find("failure") is not None or case.find("error") is not None]  # fmt: skip
    if failed:
        facts["failed"] = ", ".join(failed)
    return facts


def machine_description(on_gpu: bool) -> str:
    import torch

    device = torch.cuda.get_device_name() if on_gpu else "CPU only (--allow-cpu)"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                            capture_output=True, text=True).stdout.strip() or "unknown"  # fmt: skip
    versions = (f"torch {torch.__version__} (CUDA {torch.version.cuda}), lightning "
                f"{version('lightning')}, Python {sys.version.split()[0]}")  # fmt: skip
    return f"{device}; {versions}; commit {commit}"


def summary(steps: list[Step], output: Path, machine: str) -> str:
    lines = [f"# GPU check, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"Machine: {machine}", "", "| step | status | wall time | command |",
             "|---|---|---|---|"]  # fmt: skip
    for step in steps:
        command = " ".join(["python", *step.argv[1:]])
        lines.append(f"| {step.name} | {step.status} | {step.seconds:.1f} s | `{command}` |")
    for step in steps:
        if step.facts:
            lines += ["", f"## {step.name}", "", *(f"- {k}: {v}" for k, v in step.facts.items())]
    benchmark = output / "benchmark.md"
    if benchmark.is_file():
        lines += ["", "## benchmark (stdout of scripts/benchmark.py --device cuda)", "",
                  benchmark.read_text()]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> int:
    args = argument_parser().parse_args()
    on_gpu = cuda_visible()
    if not on_gpu and not args.allow_cpu:
        print(NO_CUDA, file=sys.stderr)
        return 2
    output = args.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    (output / "machine.txt").write_text(machine_description(on_gpu) + "\n")
    if on_gpu and shutil.which("nvidia-smi"):
        (output / "nvidia-smi.txt").write_text(subprocess.run(["nvidia-smi"], capture_output=True,
                                                              text=True).stdout)  # fmt: skip
    steps = build_steps(output, on_gpu, args.tiny)
    deadline = time.monotonic() + args.budget
    for step in steps:
        run_step(step, output, deadline, on_gpu, args.steps)
        print(f"{step.name}: {step.status} ({step.seconds:.1f} s)", flush=True)
    for step in steps[:2]:
        step.facts = training_facts(output / step.name)
    steps[2].facts = test_facts(output / "cuda-tests.xml")
    (output / "summary.md").write_text(summary(steps, output, machine_description(on_gpu)))
    print(f"summary: {output / 'summary.md'}")
    ran = [step for step in steps if not step.status.startswith(NOT_ASKED_FOR)]
    return 0 if all(step.status == "ok" for step in ran) else 1


if __name__ == "__main__":
    sys.exit(main())
