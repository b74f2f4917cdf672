"""The run's folder, checked, made and locked before Hydra writes into it; owned only as made.

A refused run takes back only what it wrote (a folder it made, a file that was not there):
nothing that was there is ever removed, truncated or rewritten.
"""

from __future__ import annotations

import atexit
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from minibatch.adapters.ranks import is_rank_zero
from minibatch.checks.one_sentence import user_errors_exit
from minibatch.checks.plain_names import is_plain_name
from minibatch.errors import UserError
from minibatch.runs.resume import checkpoint_to_resume, resumed_run
from minibatch.runs.run_lock import LOCK_FILE, RunLock

# What Hydra writes into a sweep folder before its first job: not a result worth keeping.
SWEEP_BOOKKEEPING = {"multirun.yaml"}

made_here: list[Path] = []  # the outermost folder each RunFolder made, in this process


@dataclass
class Claim:
    """A run folder this process writes: whether it made it, what it held before, its lock."""

    folder: Path
    made: bool
    before: dict[Path, tuple[int, int]] = field(default_factory=dict)  # (size, mtime) by path
    lock: RunLock | None = None


claims: dict[Path, Claim] = {}


class RunFolder(Callback):
    """Hydra callback: check, make and lock the run (or sweep) folder before the job starts.

    `resumes`: the config's `ckpt_path` continues a run (train.yaml), not a checkpoint read.
    """

    def __init__(self, resumes: bool = False) -> None:
        self.resumes = resumes

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        with user_errors_exit():
            folder = folder_of(config, "hydra.run.dir")
            if not is_rank_zero():  # DDP: the extra ranks join the run rank 0 holds
                return
            resuming = self.resumes and config.get("ckpt_path") is not None
            resumed = resuming and is_resumed(config, folder)
            if resuming and not resumed:
                checkpoint_to_resume(config)  # from elsewhere, into a new folder
            claim(folder, "hydra.run.dir", resumed)
            if resumed:  # read once this process holds the run
                try:
                    checkpoint_to_resume(config)
                except UserError:
                    forget(folder)
                    raise

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        """A sweep's job: its folder, which Hydra made, is locked before the job runs."""
        folder = Path(config.hydra.runtime.output_dir)
        if folder in claims or not is_rank_zero():
            return
        with user_errors_exit():
            claim_job(config, folder, self.resumes and is_resumed(config, folder))

    def on_job_end(self, config: DictConfig, **kwargs: Any) -> None:
        done = claims.get(Path(config.hydra.runtime.output_dir))
        if done is not None and done.lock is not None:
            done.lock.release()  # a long sweep keeps no file open per job

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        with user_errors_exit():
            sweep = folder_of(config, "hydra.sweep.dir")
            refuse_if_taken(sweep, "hydra.sweep.dir")
            make_folder(sweep)
        # A sweep whose jobs were all refused (in this process or a launcher's) leaves none.
        atexit.register(prune, sweep)


def check_names(config: DictConfig) -> None:
    """`task_name` is one plain folder name and every `paths.*` a non-empty path."""
    task_name = config.get("task_name")
    if task_name is not None and not is_plain_name(str(task_name)):
        raise UserError(
            f"task_name={task_name!r} must be one plain folder name (letters, digits, _ . + -), "
            "for example task_name=mnist_bs50."
        )
    for key in config.get("paths") or {}:
        if key == "output_dir":  # Hydra's own, known only once the folder exists
            continue
        path = OmegaConf.select(config, f"paths.{key}")
        if not isinstance(path, str) or not path.strip():
            raise UserError(f"paths.{key} is empty: give a folder, for example paths.{key}=logs.")


def folder_of(config: DictConfig, key: str) -> Path:
    """The absolute folder `key` (hydra.run.dir / hydra.sweep.dir) names, as Hydra makes it."""
    try:
        check_names(config)
        return Path(os.path.abspath(str(OmegaConf.select(config, key))))
    except OmegaConfBaseException as error:
        raise UserError(
            f"the run folder's name cannot be resolved ({str(error).splitlines()[0]}): check "
            "task_name, paths.* and hydra.run.dir on the command line."
        ) from error


def is_resumed(config: DictConfig, folder: Path) -> bool:
    """Whether `ckpt_path` continues the run in `folder` (resume.py chose it)."""
    runs_dir = Path(str(config.paths.log_dir)) / str(config.task_name) / "runs"
    run = resumed_run(config.get("ckpt_path"), runs_dir)
    return run is not None and run == folder.resolve()


def refuse_if_taken(folder: Path, key: str) -> None:
    """A folder that already holds anything is someone's: never written into, never removed."""
    if folder.is_dir() and any(folder.iterdir()):
        raise UserError(
            f"{key}={folder} already holds files: give a new or empty folder, or leave {key} "
            "out (every run gets a new folder under paths.log_dir)."
        )


def claim(folder: Path, key: str, resumed: bool) -> None:
    """Make (or take) the run folder and lock it; what it holds then stays as it is."""
    if not resumed:
        refuse_if_taken(folder, key)
    made = make_folder(folder)
    lock_and_record(folder, made, resumed)


def claim_job(config: DictConfig, folder: Path, resumed: bool) -> None:
    """Lock a sweep job's folder, which Hydra has made and written its start into: a job
    that is not resumed made it when it holds nothing else."""
    written_now = {".hydra", f"{config.hydra.job.name}.log", LOCK_FILE}
    made = not resumed and {entry.name for entry in folder.iterdir()} <= written_now
    attempt = folder / str(config.hydra.output_subdir) if resumed else None
    lock_and_record(folder, made, not made, skip=attempt)


def lock_and_record(folder: Path, made: bool, keep: bool, skip: Path | None = None) -> None:
    """Lock `folder`, then remember what it holds (`keep`: all of it is someone's, but
    `skip`, which this process wrote) for `forget`. Locked first: a live run's files are
    never counted as this process's."""
    try:
        lock = RunLock(folder)
    except UserError:
        prune(folder)  # only folders this process made, and only while empty
        raise
    before = contents(folder) if keep else {}
    if skip is not None:
        before = {path: stat for path, stat in before.items() if not path.is_relative_to(skip)}
    claims[folder] = Claim(folder, made, before, lock)


def make_folder(folder: Path) -> bool:
    """Make `folder` (and its parents), or refuse; whether this process made it."""
    missing = [p for p in [folder, *folder.parents] if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        blocker = next((p for p in [folder, *folder.parents] if p.exists()), None)
        reason = (
            f"{blocker} is not a folder" if blocker and not blocker.is_dir() else error.strerror
        )
        raise UserError(
            f"cannot make the run folder {folder} ({reason}): point paths.log_dir at a folder "
            "you can write."
        ) from error
    if missing:
        made_here.append(missing[-1])
    if not os.access(folder, os.W_OK | os.X_OK):
        prune(folder)
        raise UserError(f"cannot write in {folder}: point paths.log_dir at a folder you can write.")
    return bool(missing)


def contents(folder: Path) -> dict[Path, tuple[int, int]]:
    """Every file and folder under `folder` (links not followed), with size and mtime."""
    found = {}
    for parent, folders, files in os.walk(folder):
        for name in [*folders, *files]:
            path = Path(parent, name)
            stat = path.lstat()
            found[path] = (stat.st_size, stat.st_mtime_ns)
    return found


def claim_of(run: Path) -> Claim | None:
    """This process's claim on `run`; None for a run it only joined (a DDP rank) or one
    trained in-process without Hydra."""
    return claims.get(Path(os.path.abspath(run)))


def trained_here(claimed: Claim) -> bool:
    """Whether this process saved a checkpoint in its run (a new or a changed one)."""
    for checkpoint in claimed.folder.glob("checkpoints/*.ckpt"):
        stat = checkpoint.lstat()
        if claimed.before.get(checkpoint) != (stat.st_size, stat.st_mtime_ns):
            return True
    return False


def forget(run: Path) -> None:
    """Take back what this process wrote into `run`, for a run refused before it trained:
    the folder itself when it made it, else only the paths that were not there."""
    claimed = claims.pop(Path(os.path.abspath(run)), None)
    if claimed is None:  # not this process's run (a DDP rank that joined it)
        return
    if claimed.made:
        shutil.rmtree(claimed.folder, ignore_errors=True)
        prune(claimed.folder.parent)
    else:
        for path in sorted(contents(claimed.folder), reverse=True):  # a folder's files first
            if path in claimed.before or path == claimed.folder / LOCK_FILE:
                continue  # the lock file goes last, while still held
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    if claimed.lock is not None:
        claimed.lock.release(remove_file=not claimed.made)


def prune(folder: Path) -> None:
    """Remove `folder` and its parents while they hold nothing (a sweep's bookkeeping aside)
    and were made by this process."""
    top = next((top for top in made_here if top == folder or top in folder.parents), None)
    if top is None:
        return
    for candidate in [folder, *folder.parents]:
        if not candidate.is_dir() or {e.name for e in candidate.iterdir()} - SWEEP_BOOKKEEPING:
            return  # holds a run (or anything else): kept
        shutil.rmtree(candidate, ignore_errors=True)
        if candidate == top:
            return
