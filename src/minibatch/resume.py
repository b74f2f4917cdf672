"""One run, one folder: where a resumed run writes, and which checkpoint `ckpt_path=last` means.

`ckpt_path=last` is the `last.ckpt` of the newest run of the same `task_name` that has one:
the end of its last finished epoch. A run stopped by a signal also saves
`interrupted.ckpt` (the weights at the signal, to evaluate), but it resumes from the epoch
boundary: Lightning cannot replay the rest of an epoch exactly from a plain sampler, and
the epoch boundary gives the same final weights as a run never interrupted.

A run resumed from a checkpoint inside a run folder
writes into that folder again: the same `checkpoints/` (Lightning sees no new dirpath) and
the same `tensorboard/` (its steps continue the curves of the first part).
`configs/hydra/default.yaml` picks the folder through the `${resume_dir:...}` resolver.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from minibatch.errors import UserError


def newest_checkpoint(run: Path) -> Path | None:
    """The checkpoint to continue a run folder from: its `last.ckpt`, if it has one."""
    path = run / "checkpoints" / "last.ckpt"
    return path if path.is_file() else None


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


def resume_command(checkpoint: Path | None) -> str:
    """The exact command line that continues this run from `checkpoint` (None: start over):
    the same arguments, Hydra's own (`hydra.searchpath`) included, with the new `ckpt_path`."""
    from hydra.core.hydra_config import HydraConfig

    if HydraConfig.initialized():
        given = HydraConfig.get().overrides
        args = [*(a for a in given.hydra if not a.startswith("hydra.mode=")), *given.task]
    else:
        args = sys.argv[1:]
    args = [a for a in args if not a.startswith("ckpt_path=")]
    program = sys.argv[0] if sys.argv and sys.argv[0].endswith(".py") else "minibatch-train"
    resume = [f"ckpt_path={checkpoint}"] if checkpoint is not None else []
    return shlex.join(["python", program, *args, *resume] if program.endswith(".py")
                      else [program, *args, *resume])  # fmt: skip
