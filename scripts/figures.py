"""Draw the notebooks' batch-size lessons from real runs: one command per figure.

    python scripts/figures.py loss-curves        # 1. Boston: one big batch vs mini-batches, 5 seeds
    python scripts/figures.py batch-losses       # 2. linear: the loss of many random batches
    python scripts/figures.py sine-escape        # 3. sine: full batch stuck, small batches escape
    python scripts/figures.py perceptron-paths   # 4. perceptron: w and b after every step
    python scripts/figures.py loss-surfaces      # 5. perceptron: loss surfaces of mini-batches
    python scripts/figures.py all                # the five

Each writes `<name>.png` and `<name>.svg` to docs/figures/ (--out-dir to change). The
figures come from the template's own configs, data and Trainer (see
src/minibatch/examples/figures/). `loss-curves` runs the sweep
`python train.py -m experiment=boston_minibatch seed=0,1,2,3,4 batch_size=506,50` (10 runs)
into logs/figures/ and reads its event files; `--sweep <folder>` draws a sweep you already
ran instead (`python scripts/summarize_sweep.py <folder>` prints its table).
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time
from pathlib import Path

from minibatch.cli.entry import quiet_known_noise

ROOT = Path(__file__).resolve().parents[1]
BOSTON_SWEEP = ["experiment=boston_minibatch", "seed=0,1,2,3,4", "batch_size=506,50"]


def run_sweep(overrides: list[str]) -> Path:
    """`python train.py -m <overrides>` into a new folder of logs/figures/; return it."""
    sweep = ROOT / "logs" / "figures" / time.strftime("loss_curves_%Y-%m-%d_%H-%M-%S")
    command = [sys.executable, str(ROOT / "train.py"), "-m", *overrides,
               f"hydra.sweep.dir={sweep}", "trainer.enable_progress_bar=false"]  # fmt: skip
    print("running", " ".join(command[1:]))
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    if result.returncode:
        sys.exit(f"the sweep failed:\n{result.stderr[-3000:]}")
    return sweep


def loss_curves(out_dir: Path, sweep: Path | None) -> Path:
    from minibatch.examples.figures.loss_curves import loss_curves

    out = out_dir / "boston_loss_curves"
    title = "Boston housing (seed 004): one big batch (506 > 405 rows) vs mini-batches of 50"
    sweep = sweep or run_sweep(BOSTON_SWEEP)
    loss_curves(sweep, out, title=title)
    print(f"sweep folder: {sweep}")
    return out


def batch_losses(out_dir: Path) -> Path:
    from minibatch.examples.figures.batch_losses import batch_losses

    batch_losses(out_dir / "linear_batch_losses")
    return out_dir / "linear_batch_losses"


def sine_escape(out_dir: Path, seed: int) -> Path:
    from minibatch.examples.figures.sine_escape import sine_escape

    sine_escape(out_dir / "sine_escape", seed=seed)
    return out_dir / "sine_escape"


def perceptron_paths(out_dir: Path) -> Path:
    from minibatch.examples.figures.perceptron_paths import perceptron_paths

    perceptron_paths(out_dir / "perceptron_paths")
    return out_dir / "perceptron_paths"


def loss_surfaces(out_dir: Path) -> Path:
    from minibatch.examples.figures.loss_surfaces import loss_surfaces

    loss_surfaces(out_dir / "perceptron_loss_surfaces")
    return out_dir / "perceptron_loss_surfaces"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figure", choices=["loss-curves", "batch-losses", "sine-escape",
                                           "perceptron-paths", "loss-surfaces", "all"])  # fmt: skip
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs" / "figures")
    parser.add_argument("--sweep", type=Path, help="loss-curves: draw this sweep folder")
    parser.add_argument("--seed", type=int, default=1, help="sine-escape: the training seed")
    args = parser.parse_args(argv)
    quiet_known_noise()
    import lightning.pytorch  # noqa: F401  (sets its loggers' levels on import; ours come after)

    for name in ("lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)
    figures = {
        "loss-curves": lambda: loss_curves(args.out_dir, args.sweep),
        "batch-losses": lambda: batch_losses(args.out_dir),
        "sine-escape": lambda: sine_escape(args.out_dir, args.seed),
        "perceptron-paths": lambda: perceptron_paths(args.out_dir),
        "loss-surfaces": lambda: loss_surfaces(args.out_dir),
    }
    for name in figures if args.figure == "all" else [args.figure]:
        out = figures[name]()
        print(f"{name}: {out}.png and {out}.svg")


if __name__ == "__main__":
    main()
