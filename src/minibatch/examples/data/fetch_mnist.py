"""Fetch MNIST before a run needs it (CI does, in .ci/run), with `data=mnist`'s own code: the IDX
files over https, each checked against mnist.py's sha256; `python -m
minibatch.examples.data.fetch_mnist [folder]` (default: data/). Nothing is fetched when the
folder holds them or the notebook's pickle."""

from __future__ import annotations

import argparse
from pathlib import Path

from minibatch.checks.one_sentence import user_errors_exit
from minibatch.examples.data.mnist import MnistDataModule
from minibatch.runs.project_paths import project_root


def fetch_mnist(data_dir: Path) -> Path:
    """MNIST's converted splits in `data_dir`, fetched and converted when they are missing."""
    datamodule = MnistDataModule(data_dir=str(data_dir))
    datamodule.prepare_data()
    return datamodule.converted_file


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=project_root() / "data",
                        help="the folder runs read as paths.data_dir (default: data/)")  # fmt: skip
    args = parser.parse_args(argv)
    with user_errors_exit():
        converted = fetch_mnist(args.data_dir)
    print(f"MNIST is in {args.data_dir} (converted: {converted.name})")


if __name__ == "__main__":
    main()
