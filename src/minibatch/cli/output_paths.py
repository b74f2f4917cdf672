"""Outputs are new files: what evaluate and export write never replaces what they read.

An output that exists, is or lies inside an input, or lies in the checkpoint's run folder is
refused in one sentence before any work.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from minibatch.errors import UserError


def run_folder_holding(checkpoint: Path) -> Path | None:
    """The run folder a checkpoint is in (`<run>/checkpoints/x.ckpt`), if it is in one."""
    folder = checkpoint.resolve().parent
    return folder.parent if folder.name == "checkpoints" else None


def check_new_output(
    key: str, path: str | Path, inputs: Iterable[Path] = (), run_folder: Path | None = None
) -> Path:
    """`path`, once checked to name a new file away from `inputs` and `run_folder`."""
    target = Path(path)
    if target.is_dir():
        raise UserError(f"{key}={path} is a folder: give a file name, for example {path}/out.csv.")
    blocker = next((p for p in target.parents if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise UserError(f"{key}={path} cannot be written: {blocker} is not a folder.")
    if target.exists() or target.is_symlink():
        raise UserError(
            f"{key}={path} already exists: give the name of a new file (an output never "
            "replaces a file)."
        )
    where = target.resolve()
    for source in inputs:
        if where == source.resolve() or where.is_relative_to(source.resolve()):
            raise UserError(
                f"{key}={path} lies inside {source}, which this command reads: give a path "
                "elsewhere."
            )
    if run_folder is not None and where.is_relative_to(run_folder.resolve()):
        raise UserError(
            f"{key}={path} lies inside {run_folder}, the run folder of the checkpoint: give a "
            "path outside it (a run's folder is its own)."
        )
    return target
