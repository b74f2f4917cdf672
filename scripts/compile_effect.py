"""What `compile=true` (torch.compile) does to training speed: `python scripts/compile_effect.py`

For each workload it trains twice with `train.py`'s own code, eager and compiled, each in a
fresh Python process with an empty inductor cache, so the compile pause a user pays on a
first run is counted. It reports per run:
  - run: the whole `train()` wall time: data, compilation (the validation graph's too, in
    the sanity check) and every epoch;
  - first epoch: training + validation of epoch 0, where the compilation happens;
  - later epochs: the median of the other epochs (the steady state);
  - the final val/loss (compiled and eager must agree; tests/core/test_compile.py checks it);
and the break-even point: how many epochs of the steady-state gain pay back the compile pause.

    python scripts/compile_effect.py                              # cooking and mnist, inductor
    python scripts/compile_effect.py --workloads cooking --epochs 5 --backend aot_eager
    python scripts/compile_effect.py --threads 1        # torch and OpenMP on one thread

Inductor's CPU kernels run OpenMP parallel regions even for tiny tensors; on a machine whose
cores are busy with other work, waiting for a descheduled thread can cost more than the
kernel, which `--threads 1` shows.

MNIST reads data/mnist.pkl.gz (see docs/datasets.md); without it that workload is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from clocks import EpochTimer

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = {
    # seed 000's net (Linear(1,10)-Sigmoid-Linear), 100,000 ratings in batches of 1,000
    "cooking": [
        "data=cooking",
        "data.train_size=100000",
        "data.valid_size=10000",
        "batch_size=1000",
    ],
    # seed 002's MLP 784-50-10, all 50,000 digits in batches of 50
    "mnist": ["data=mnist", "batch_size=50"],
}
QUIET = [
    "logger=none",
    "callbacks=none",
    "print_config=false",
    "trainer.enable_progress_bar=false",
    "trainer.enable_model_summary=false",
    "trainer.enable_checkpointing=false",
]


def one_run(workload: str, compiled: bool, backend: str, epochs: int) -> dict:
    """Train once in this process and return the timings (run in a child process)."""
    from hydra import compose, initialize_config_dir
    from omegaconf import open_dict

    from minibatch.cli.entry import register_configs
    from minibatch.cli.train import run_training  # compile=true is the command line's callback
    from minibatch.runs.project_paths import CONFIG_DIR

    register_configs()
    overrides = [
        *WORKLOADS[workload],
        *QUIET,
        f"trainer.max_epochs={epochs}",
        f"compile={str(compiled).lower()}",
        f"compile_backend={backend}",
    ]
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="train", overrides=overrides)
    with open_dict(cfg):
        cfg.paths.output_dir = tempfile.mkdtemp()
        cfg.callbacks = {"epoch_timer": {"_target_": "clocks.EpochTimer"}}
    start = time.perf_counter()
    result = run_training(cfg)
    total = time.perf_counter() - start
    (timer,) = [c for c in result.trainer.callbacks if isinstance(c, EpochTimer)]
    return {"total": total, "epochs": timer.times, "val_loss": result.metrics["val/loss"]}


def measure(workload: str, compiled: bool, backend: str, epochs: int, threads: int) -> dict:
    """`one_run` in a fresh process with an empty inductor cache (a user's first run)."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": cache, "PYTHONWARNINGS": "ignore"}
        if threads:
            env["OMP_NUM_THREADS"] = str(threads)
        command = [sys.executable, __file__, "--one", workload, str(compiled), backend, str(epochs)]
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO_ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{workload} (compiled={compiled}) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="cooking,mnist")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--backend", default="inductor")
    parser.add_argument("--threads", type=int, default=0, help="0: torch's default")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        workload, compiled, backend, epochs = args.one
        print(json.dumps(one_run(workload, compiled == "True", backend, int(epochs))))
        return

    import torch

    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
        f"{args.threads or torch.get_num_threads()} threads, backend {args.backend}, "
        f"{args.epochs} epochs, cold inductor cache, CPU; 1-minute load average at the start: "
        f"{os.getloadavg()[0]:.2f}.\n"
    )
    print(
        "| workload | mode | run (compile included) | first epoch | later epochs (median) "
        "| val/loss |"
    )
    print("|---|---|---|---|---|---|")
    summary = []
    for workload in args.workloads.split(","):
        if workload == "mnist" and not (REPO_ROOT / "data" / "mnist.pkl.gz").is_file():
            print(f"| mnist | skipped: no {REPO_ROOT / 'data' / 'mnist.pkl.gz'} | | | | |")
            continue
        runs = {}
        for compiled in (False, True):
            run = runs[compiled] = measure(
                workload, compiled, args.backend, args.epochs, args.threads
            )
            later = statistics.median(run["epochs"][1:]) if len(run["epochs"]) > 1 else float("nan")
            run["later"] = later
            mode = f"compiled ({args.backend})" if compiled else "eager"
            print(
                f"| {workload} | {mode} | {run['total']:.2f} s | {run['epochs'][0]:.2f} s | "
                f"{later:.3f} s | {run['val_loss']:.6f} |"
            )
        eager, compiled_run = runs[False], runs[True]
        # The compile pause: the compiled run's time beyond its steady-state epochs, less the
        # same start-up of the eager run (sanity check, warm-up, data preparation).
        epochs = len(eager["epochs"])
        pause = (compiled_run["total"] - epochs * compiled_run["later"]) - (
            eager["total"] - epochs * eager["later"]
        )
        gain = eager["later"] - compiled_run["later"]
        if pause <= 0:
            verdict = "shows no measurable compile pause"
        elif gain > 0:
            verdict = f"pays back its {pause:.1f} s compile pause after {pause / gain:.1f} epochs"
        else:
            verdict = f"never pays back its {pause:.1f} s compile pause"
        speed = eager["later"] / compiled_run["later"]
        difference = abs(eager["val_loss"] - compiled_run["val_loss"])
        summary.append(
            f"- {workload}: a steady-state compiled epoch runs at {speed:.2f}x eager's speed; "
            f"compiling {verdict}; |val/loss difference| = {difference:.1e}."
        )
    print("\n" + "\n".join(summary))
    print(f"\n1-minute load average at the end: {os.getloadavg()[0]:.2f}.")


if __name__ == "__main__":
    main()
