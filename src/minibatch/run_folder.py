"""The run's folder, checked and made before Hydra writes into it; removed again if refused.

Hydra makes `hydra.run.dir` (a sweep: `hydra.sweep.dir`) before any code of the run is
called, so a `paths.log_dir` that is a file, a folder nobody can write, an empty path or a
`task_name` that does not resolve ended in Hydra's own traceback. `RunFolder` is a Hydra
callback (configs/hydra/default.yaml) that runs first: it checks where the folder goes,
makes it, and answers a mistake in one sentence (exit 2); Hydra then finds the folder made.

It remembers the folders it had to make, so that a run refused before it trained removes
them all again (`discard`, called by run_outcome.py), not only the last one: a misspelt
`paths.log_dir=` leaves no empty `<typo>/train/runs/` behind. A folder that was there (a
resumed run) is put back as it was (`restore`): Hydra has already written the refused
command's config into its `.hydra/`.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from minibatch.entry import user_errors_exit
from minibatch.errors import UserError

# One folder name: no separator, not `.` or `..`, nothing a shell needs quoted.
PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
# What Hydra writes into a sweep folder before its first job: not a result worth keeping.
SWEEP_BOOKKEEPING = {"multirun.yaml"}

made_here: list[Path] = []  # the outermost folder each RunFolder made, in this process
# A folder that was there already (a resumed run): its files' sizes, and its .hydra/ files,
# which Hydra overwrites with the new command's config before the run can be refused.
found_here: dict[Path, tuple[dict[Path, int], dict[Path, bytes]]] = {}


class RunFolder(Callback):
    """Hydra callback: check and make the run (or sweep) folder before the job starts."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        with user_errors_exit():
            make_folder(config, "hydra.run.dir")

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        with user_errors_exit():
            sweep = make_folder(config, "hydra.sweep.dir")
        # A sweep whose jobs were all refused (in this process or a launcher's) leaves none.
        atexit.register(prune, sweep)


def check_names(config: DictConfig) -> None:
    """`task_name` is one plain folder name and every `paths.*` a non-empty path."""
    task_name = config.get("task_name")
    if task_name is not None and not PLAIN_NAME.fullmatch(str(task_name)):
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


def make_folder(config: DictConfig, key: str) -> Path:
    """Resolve `key` (hydra.run.dir / hydra.sweep.dir) and make that folder, or refuse."""
    try:
        check_names(config)
        folder = Path(str(OmegaConf.select(config, key))).absolute()
    except OmegaConfBaseException as error:
        raise UserError(
            f"the run folder's name cannot be resolved ({str(error).splitlines()[0]}): check "
            "task_name, paths.* and hydra.run.dir on the command line."
        ) from error
    missing = [p for p in [folder, *folder.parents] if not p.exists()]
    if folder.is_dir():
        paths = list(folder.rglob("*"))
        configs = {p: p.read_bytes() for p in paths if p.parent.name == ".hydra" and p.is_file()}
        found_here[folder] = ({p: p.stat().st_size for p in paths}, configs)
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
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"cannot write in {folder}: point paths.log_dir at a folder you can write.")
    if missing:
        made_here.append(missing[-1])
    return folder


def discard(run: Path) -> None:
    """Remove a refused run's folder and the now-empty folders this process made for it."""
    shutil.rmtree(run, ignore_errors=True)
    prune(run.parent)


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


def restore(run: Path) -> None:
    """Put a resumed run's folder back as it was before a refused command: its .hydra/
    config, no new event file, its log without the refused command's lines."""
    if run not in found_here:
        return
    sizes, configs = found_here[run]
    for path in sorted(run.rglob("*"), reverse=True):  # a folder's files before the folder
        if path not in sizes and path.is_dir():
            shutil.rmtree(path)
        elif path not in sizes:
            path.unlink()
        elif path.is_file() and path.stat().st_size > sizes[path]:
            with path.open("r+b") as file:
                file.truncate(sizes[path])
    for path, content in configs.items():
        path.write_bytes(content)
