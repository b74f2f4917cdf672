"""Start your own project: `python scripts/remove_examples.py` deletes the notebook examples.

What goes: the notebooks' datasets, nets and from-scratch pieces (src/minibatch/examples/),
their configs (data, model, recipe and experiment options), their tests and the scripts that
measure them. What stays is the core: train.py, evaluate.py, the in-memory base, data=csv,
data=image_folder, the MLP and the small conv net, and the core tests (tests/core/), which
import nothing from the examples and stay green. `configs/train.yaml` then asks for a
dataset (`data=...`) instead of defaulting to seed 000's cakes.

    python scripts/remove_examples.py            # delete
    python scripts/remove_examples.py --dry-run  # list what would go
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DATA = ["boston", "cooking", "cooking_stream", "linear", "logistic", "mnist",
                "sequences", "sine", "weather"]  # fmt: skip
EXAMPLE_NETS = ["affine", "linear", "perceptron", "regression", "sine"]
EXAMPLE_PATHS = [
    "src/minibatch/examples",
    "tests/examples",
    "configs/recipe",
    "configs/experiment",
    *(f"configs/data/{name}.yaml" for name in EXAMPLE_DATA),
    *(f"configs/model/{name}.yaml" for name in EXAMPLE_NETS),
    "configs/optimizer/scratch_sgd.yaml",
    "configs/hparams_search",
    "scripts/experiments.py",
    "scripts/benchmark.py",
    "scripts/streaming_memory.py",
    "scripts/streaming_memory_rows.py",
    "scripts/figures.py",
    "docs/figures",
]


def remove_paths(root: Path, dry_run: bool) -> list[Path]:
    """Delete every example path that exists under `root`; return them."""
    removed = [root / path for path in EXAMPLE_PATHS if (root / path).exists()]
    for path in removed if not dry_run else []:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return removed


def edit_configs(root: Path) -> None:
    """No default dataset any more; the package list loses the examples."""
    train = root / "configs" / "train.yaml"
    train.write_text(re.sub(r"(?m)^  - data: \w+$", "  - data: ???", train.read_text()))
    pyproject = root / "pyproject.toml"
    lines = pyproject.read_text().splitlines(keepends=True)
    pyproject.write_text("".join(line for line in lines if '"minibatch.examples' not in line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="list, delete nothing")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    for path in remove_paths(args.root, args.dry_run):
        print(("would remove " if args.dry_run else "removed ") + str(path.relative_to(args.root)))
    if not args.dry_run:
        edit_configs(args.root)
        print("configs/train.yaml now asks for data=...; pyproject.toml lists the core packages")


if __name__ == "__main__":
    main()
