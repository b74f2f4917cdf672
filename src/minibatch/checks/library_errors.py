"""The libraries' own "your setting is wrong" (OmegaConf, Lightning, the operating system) as one
`UserError` that names the setting or the disk; any other exception is a bug and keeps its
traceback. Lightning is never imported here: an error raised before it cannot be Lightning's.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    MissingMandatoryValue,
    OmegaConfBaseException,
)

from minibatch.errors import UserError

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
# What a disk refuses a file with: full, over quota, or past the file-size limit.
WRITE_ERRNOS = (*DISK_FULL, errno.EFBIG)


class WriteFailed(UserError):
    """A file of the run could not be written (a full disk, a file-size limit): the run stops,
    what it saved is kept and named (run_outcome.py says which checkpoint to resume from)."""

    def __init__(self, what: str, todo: str, then: str = "run the same command again") -> None:
        super().__init__(f"{what}: {todo}, then {then}.")
        self.what, self.todo = what, todo

    def then(self, then: str) -> WriteFailed:
        """The same sentence, ending with what to do once the disk takes files again."""
        return WriteFailed(self.what, self.todo, then)


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def is_trainer_refusal(error: BaseException | None) -> bool:
    """Whether `error` is Lightning refusing a setting (its `MisconfigurationException`)."""
    exceptions = sys.modules.get("lightning.fabric.utilities.exceptions")
    return exceptions is not None and isinstance(error, exceptions.MisconfigurationException)


def config_error(error: OmegaConfBaseException) -> UserError:
    """An OmegaConf error, naming the key it is about."""
    key = getattr(error, "full_key", None) or "a config value"
    message = str(error).splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, MissingMandatoryValue):
        return UserError(f"{key} has no value: give it on the command line ({key}=...).")
    if isinstance(error, ConfigAttributeError | ConfigKeyError):
        return UserError(
            f"the config has no {key} ({message}): give it on the command line ({key}=...), "
            "or check its spelling."
        )
    return UserError(f"{key} cannot be read ({message}): fix its value on the command line.")


def os_errors(error: BaseException) -> Iterator[OSError]:
    """`error` and the errors it was raised from or while handling, the OSErrors among them."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError):
            yield error
        error = error.__cause__ or error.__context__


def mount_point(path: Path) -> Path:
    """The folder the disk that holds `path` is mounted on (`/` at most)."""
    path = Path(os.path.abspath(path))
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return path


def fullest_disk(folders: list[Path]) -> Path:
    """The mount point, among those of `folders`, with the least space left."""
    mounts = {mount_point(folder) for folder in folders}
    return min(mounts, key=lambda mount: shutil.disk_usage(mount).free)


def write_failed(error: OSError, where: Path | None) -> WriteFailed:
    """A full disk, a disk quota or the file-size limit, naming the file (the destination of
    a copy) and the disk. A write to a file already open names no file: the disk is then the
    fuller of the run folder's (`where`) and the temporary folder's."""
    named = [e.filename2 or e.filename for e in os_errors(error) if e.filename2 or e.filename]
    file = Path(os.fsdecode(named[0])) if named else None
    if error.errno == errno.EFBIG:
        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        return WriteFailed(
            f"{file or 'a file this run was writing'} reached the largest file size this "
            f"shell allows, {limit} bytes (ulimit -f)",
            "raise the limit (ulimit -f unlimited)",
        )
    folders = [file] if file else [f for f in (where, Path(tempfile.gettempdir())) if f]
    quota = ", your quota there" if error.errno == errno.EDQUOT else ""
    writing = f" (writing {file})" if file else ""
    return WriteFailed(
        f"the disk is full: no space left on {fullest_disk(folders)}{quota}{writing}",
        "free some space there",
    )


def as_user_error(error: BaseException, where: Path | None = None) -> UserError | None:
    """The one-sentence `UserError` a library error stands for, or None for a bug; `where`:
    the run's folder, which a write error that names no file was writing into."""
    if isinstance(error, UserError):
        return error
    if isinstance(error, OmegaConfBaseException):
        return config_error(error)
    if is_trainer_refusal(error):
        return UserError(
            f"the trainer refused its settings ({first_line(error)}): fix that trainer.* or "
            "callbacks.* setting."
        )
    if isinstance(error, OSError) and error.errno in WRITE_ERRNOS:
        return write_failed(error, where)
    if isinstance(error, OSError) and error.filename:
        return UserError(
            f"cannot use {error.filename} ({error.strerror}): check the path given for it "
            "(a file where a folder is expected, a folder that cannot be written?)."
        )
    return None
