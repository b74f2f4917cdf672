"""One run, one folder: where a resumed run writes, and which checkpoint `ckpt_path=last` means.

`ckpt_path=last` is the newest run of the same `task_name` that has a `last.ckpt` (or an
`interrupted.ckpt` newer than it). A run resumed from a checkpoint inside a run folder
writes into that folder again: the same `checkpoints/` (Lightning sees no new dirpath) and
the same `tensorboard/` (its steps continue the curves of the first part).
`configs/hydra/default.yaml` picks the folder through the `${resume_dir:...}` resolver.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from minibatch.errors import UserError

CHECKPOINT_NAMES = ("interrupted.ckpt", "last.ckpt")


def newest_checkpoint(run: Path) -> Path | None:
    """The checkpoint to continue a run folder from: the most recently written one."""
    found = [run / "checkpoints" / name for name in CHECKPOINT_NAMES]
    found = [path for path in found if path.is_file()]
    return max(found, key=lambda path: path.stat().st_mtime_ns) if found else None


def find_last(runs_dir: Path) -> Path:
    """The newest checkpoint of the newest run under `runs_dir` that has one."""
    runs = sorted(runs_dir.iterdir(), reverse=True) if runs_dir.is_dir() else []
    for run in runs:
        checkpoint = newest_checkpoint(run)
        if checkpoint is not None:
            return checkpoint
    raise UserError(
        f"ckpt_path=last found no run with a checkpoint in {runs_dir}: train first, or give "
        "the task_name of the run to resume (task_name=...)."
    )


def resolve_checkpoint(ckpt_path: str | None, runs_dir: Path) -> Path | None:
    """The checkpoint file that `ckpt_path` names (`last`: see `find_last`)."""
    if ckpt_path is None:
        return None
    return find_last(runs_dir) if str(ckpt_path) == "last" else Path(ckpt_path)


def run_folder_of(checkpoint: Path) -> Path | None:
    """The run folder holding `checkpoint` (`<run>/checkpoints/x.ckpt`), if it is in one."""
    run = checkpoint.resolve().parent.parent
    if checkpoint.resolve().parent.name == "checkpoints" and (run / ".hydra").is_dir():
        return run
    return None


def resume_dir(ckpt_path: str | None, runs_dir: str, fresh_dir: str) -> str:
    """Resolver: the resumed run's own folder, else a fresh one (errors are reported later)."""
    try:
        checkpoint = resolve_checkpoint(ckpt_path, Path(runs_dir))
    except UserError:
        return fresh_dir
    run = run_folder_of(checkpoint) if checkpoint is not None and checkpoint.is_file() else None
    return str(run) if run is not None else fresh_dir


def resume_command(overrides: list[str] | None, checkpoint: Path) -> str:
    """The exact command line that continues this run from `checkpoint`."""
    args = [a for a in (overrides if overrides is not None else sys.argv[1:])
            if not a.startswith("ckpt_path=")]  # fmt: skip
    program = sys.argv[0] if sys.argv and sys.argv[0].endswith(".py") else "train.py"
    return shlex.join(["python", program, *args, f"ckpt_path={checkpoint}"])
