"""One writer per run folder: a second command that would write into a live run is refused.

An exclusive `flock` on `<run>/.run.lock`, which the operating system lets go of however the
process ends; the file stays empty, so locking never changes the run.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

from minibatch.errors import UserError

LOCK_FILE = ".run.lock"
# Filesystems that cannot lock (some network mounts): the run goes on unguarded.
NO_LOCKS = {errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL}


class RunLock:
    """The lock this process holds on one run folder, and whether it created the file."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_FILE
        self.fd, self.created = take(self.path, folder)

    def release(self, remove_file: bool = False) -> None:
        """Let go; remove the lock file first when this process created it (still held, so
        no other process can have taken it)."""
        if self.fd is None:
            return
        if remove_file and self.created:
            self.path.unlink(missing_ok=True)
        os.close(self.fd)
        self.fd = None


def take(path: Path, folder: Path) -> tuple[int, bool]:
    """(fd, created) of `path`, locked; refused in one sentence when another process has it."""
    while True:
        try:
            fd, created = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL), True
        except FileExistsError:
            try:
                fd, created = os.open(path, os.O_RDWR), False
            except FileNotFoundError:  # removed by its creator in between: make it again
                continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UserError(
                f"{folder} is in use by another command that is training or resuming that run: "
                "wait for it to end, or start a new run."
            ) from None
        except OSError as error:
            if error.errno not in NO_LOCKS:
                os.close(fd)
                raise
        if is_still(path, fd):
            return fd, created
        os.close(fd)  # its creator removed it while this process waited: lock the new one


def is_still(path: Path, fd: int) -> bool:
    """Whether `path` still names the file open as `fd`."""
    try:
        here = path.stat()
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (opened.st_dev, opened.st_ino)
