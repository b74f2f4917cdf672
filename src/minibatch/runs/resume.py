"""One run, one folder: which checkpoint a resumed run continues from, and where it writes.

The newest of `interrupted.ckpt` (when it continues exactly) and `last.ckpt`; a run resumed
from its own folder writes into it again, Hydra's record of the attempt under `.hydra/resumed/`.
"""

from __future__ import annotations

import functools
import os
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig

from minibatch.errors import UserError
from minibatch.runs.project_paths import CHECKOUT_DIR, is_checkout
from minibatch.runs.run_dir import new_run_id


def progress(checkpoint: Path) -> tuple[int, bool]:
    """(global step, whether it continues exactly) of a checkpoint file, read without its
    tensors (memory-mapped); a file that cannot be read counts as step -1."""
    from minibatch.runs.checkpoint_file import read_checkpoint

    try:
        saved = read_checkpoint(checkpoint, mmap=True)
    except UserError:  # never preferred; resuming from it names the problem
        return -1, False
    if not isinstance(saved, dict):
        return -1, False
    return int(saved.get("global_step", -1)), bool(saved.get("resumes_exactly", True))


def newest_checkpoint(run: Path) -> Path | None:
    """The checkpoint to continue a run folder from, if any: `interrupted.ckpt` when it is
    further on than `last.ckpt` and continues exactly (not saved mid-epoch by a training
    loader that cannot say where it stopped), else `last.ckpt`."""
    folder = run / "checkpoints"
    last, interrupted = folder / "last.ckpt", folder / "interrupted.ckpt"
    if not interrupted.is_file():
        return last if last.is_file() else None
    step, exact = progress(interrupted)
    if exact and (not last.is_file() or step > progress(last)[0]):
        return interrupted
    return last if last.is_file() else None


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


def resumed_run(ckpt_path: str | None, runs_dir: str | Path) -> Path | None:
    """The run folder that `ckpt_path` continues, when it names a checkpoint inside one."""
    try:
        checkpoint = resolve_checkpoint(ckpt_path, Path(runs_dir))
    except UserError:
        return None
    if checkpoint is None or not checkpoint.is_file():
        return None
    return run_folder_of(checkpoint)


def resume_dir(ckpt_path: str | None, runs_dir: str, fresh_dir: str) -> str:
    """Resolver: the resumed run's own folder, else a fresh one (errors are reported later)."""
    run = resumed_run(ckpt_path, runs_dir)
    return str(run) if run is not None else fresh_dir


def config_subdir(ckpt_path: str | None, runs_dir: str, output_dir: str | None) -> str:
    """Resolver for `hydra.output_subdir`: `.hydra` for a new run; in the folder of the run
    it continues, a resumed run's own `.hydra/resumed/<time>_<id>`."""
    run = resumed_run(ckpt_path, runs_dir)
    if run is None or output_dir is None or run != Path(output_dir).resolve():
        return ".hydra"
    return f".hydra/resumed/{attempt_name()}"


@functools.cache
def attempt_name() -> str:
    """This process's attempt at a run: when it started, and an id for two in one second."""
    return f"{time.strftime('%Y-%m-%d_%H-%M-%S')}_{new_run_id()}"


def checkpoint_to_resume(cfg: DictConfig) -> Path | None:
    """`cfg.ckpt_path` as a file checked to be a readable checkpoint of this template, one
    that continues exactly (see `newest_checkpoint`), with training left to do."""
    from minibatch.runs.checkpoint_file import load_checkpoint

    runs_dir = Path(cfg.paths.log_dir) / cfg.task_name / "runs"
    checkpoint = resolve_checkpoint(cfg.get("ckpt_path"), runs_dir)
    if checkpoint is None:
        return None
    saved = load_checkpoint(checkpoint)
    if saved.get("resumes_exactly") is False:
        boundary = checkpoint.parent / "last.ckpt"
        raise UserError(
            f"{checkpoint} was saved in the middle of an epoch, and this data's training "
            "loader cannot resume there (it has no state_dict): resume from the end of the "
            f"last finished epoch, ckpt_path={boundary}, or evaluate this one."
        )
    refuse_finished(checkpoint, saved, cfg)
    return checkpoint


def limit_reached(steps: int, epochs: int, max_steps: object, max_epochs: object) -> str | None:
    """The trainer limit ("max_steps" or "max_epochs") a run with `steps` taken and `epochs`
    finished has reached, as Lightning's fit loop counts them (-1: no limit), else None."""
    if isinstance(max_steps, int) and max_steps != -1 and steps >= max_steps:
        return "max_steps"
    if isinstance(max_epochs, int) and max_epochs != -1 and epochs >= max_epochs:
        return "max_epochs"
    return None


def refuse_finished(path: Path, contents: dict, cfg: DictConfig) -> None:
    """A checkpoint of a finished run (a trainer limit reached, or early stopping ended it)
    would resume into no training at all and exit 0: say so instead, and how to train on."""
    trainer = cfg.trainer
    max_steps, max_epochs = trainer.get("max_steps", -1), trainer.get("max_epochs")
    steps = contents.get("global_step", 0)
    progress = contents.get("loops", {}).get("fit_loop", {}).get("epoch_progress", {})
    done = progress.get("current", {}).get("processed", contents.get("epoch", -1) + 1)
    limit = limit_reached(steps, done, max_steps, max_epochs)
    if limit == "max_steps":
        raise UserError(
            f"{path} has already taken {steps} steps, trainer.max_steps={max_steps}: give a "
            "larger trainer.max_steps to train on."
        )
    if limit == "max_epochs":
        raise UserError(
            f"{path} has already trained {done} epoch(s), trainer.max_epochs={max_epochs}, so its "
            "run is finished: give a larger trainer.max_epochs (for example "
            f"trainer.max_epochs={done + max_epochs}) to train on."
        )
    fitted = contents.get("fitted_epochs")  # the epochs fit_length chose (fit_length.py)
    by_data = max_steps in (-1, None) and max_epochs is None
    if by_data and isinstance(fitted, int) and done >= fitted:
        raise UserError(
            f"{path} has already trained all {done} epoch(s) its run's length was fitted to, so "
            f"its run is finished: give trainer.max_epochs (for example trainer.max_epochs="
            f"{2 * done}) to train on."
        )
    if contents.get("stopped_early") is True:
        from minibatch.runs.finished_run import has_early_stopping  # Lightning: only if it matters

        if has_early_stopping(cfg.get("callbacks")):
            raise UserError(
                f"{path} is the end of a run that early stopping finished after {done} "
                "epoch(s): to train it further anyway, resume without early stopping "
                "(~callbacks.early_stopping; a run whose length was fitted to the data: "
                "trainer.max_epochs=N), up to trainer.max_epochs."
            )


# Hydra overrides that belong to the sweep, not to the one job a resume (or a DDP rank) runs.
SWEEP_ONLY = ("hydra.mode=", "hydra/launcher=", "hydra.launcher.", "hydra/sweeper=",
              "hydra.sweeper.", "hydra.sweep.")  # fmt: skip


def job_overrides(hydra_overrides: Sequence[str], task_overrides: Sequence[str]) -> list[str]:
    """What makes the current job: its own overrides, less the sweep's settings."""
    hydra_kept = [o for o in hydra_overrides if not o.lstrip("+~").startswith(SWEEP_ONLY)]
    return [*hydra_kept, *task_overrides]


def entry_script() -> str | None:
    """The `.py` script training was started with, if any. A job that submitit started runs
    submitit's own entry point: its command is the clone's train.py (installed: none)."""
    if os.environ.get("SUBMITIT_EXECUTOR"):
        script = CHECKOUT_DIR / "train.py"
        return str(script) if is_checkout() else None
    return sys.argv[0] if sys.argv and sys.argv[0].endswith(".py") else None


def resume_command(checkpoint: Path | None) -> str:
    """The exact command line that continues this run from `checkpoint` (None: start over):
    the same arguments, Hydra's own (`hydra.searchpath`) included, with the new `ckpt_path`;
    a sweep's job continues as a single run (into its own folder)."""
    from hydra.core.hydra_config import HydraConfig

    if HydraConfig.initialized():
        given = HydraConfig.get().overrides
        args = job_overrides(given.hydra, given.task)
    else:
        args = sys.argv[1:]
    args = [a for a in args if not a.startswith("ckpt_path=")]
    script = entry_script()
    program = script if script is not None else "minibatch-train"
    resume = [f"ckpt_path={checkpoint}"] if checkpoint is not None else []
    return shlex.join(["python", program, *args, *resume] if program.endswith(".py")
                      else [program, *args, *resume])  # fmt: skip


def after_the_newest_event_file(run: Path) -> None:
    """Wait, when needed, until the clock's second is past that of the run's newest TensorBoard
    event file. TensorBoard reads a folder's event files in name order, and the name starts
    with the second the file was made: a resumed part made in the same second could sort
    before the part it continues, and its curves would be read backwards."""
    stamps = [int(p.name.split(".")[3]) for p in run.glob("tensorboard/events.out.tfevents.*")
              if p.name.split(".")[3].isdigit()]  # fmt: skip
    while stamps and time.time() < max(stamps) + 1:
        time.sleep(0.05)
