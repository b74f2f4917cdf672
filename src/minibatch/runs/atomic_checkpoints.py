"""Every checkpoint (and downloaded file) is written whole or not at all, beside what it replaces.

A kill at any moment leaves the previous file or the new one, never a partial one; a checkpoint
that cannot be written stops the run in one sentence instead of being skipped.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
from pathlib import Path
from typing import Any

import torch
from lightning.pytorch.plugins.io import TorchCheckpointIO

from minibatch.checks.library_errors import WRITE_ERRNOS, WriteFailed, write_failed
from minibatch.runs.checkpoint_paths import confine_checkpoint_paths

PARTIAL = ".partial"  # a hidden `.<name>.<id>.partial` beside the file while it is written


def partial_path(path: Path) -> Path:
    """A hidden file beside `path`, its own for each write (two writers never share one)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}{PARTIAL}")


def remove_partials(folder: Path) -> None:
    """Remove what a save killed in this folder left (this run's own hidden files)."""
    for partial in folder.glob(f".*{PARTIAL}"):
        partial.unlink(missing_ok=True)


def write_file(path: Path, data: memoryview | bytes) -> None:
    """Write `data` to the new file `path` and wait until the disk holds it."""
    with open(path, "xb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def sync_folder(folder: Path) -> None:
    """Wait until the disk holds the folder's entries (a rename in it)."""
    with contextlib.suppress(OSError):  # a filesystem that cannot sync a folder
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_atomically(path: Path, data: memoryview | bytes) -> None:
    """Replace `path` by `data` in one step: written to a hidden file beside it, then renamed."""
    partial = partial_path(path)
    try:
        write_file(partial, data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


def not_saved(path: Path, error: OSError) -> WriteFailed:
    """The one sentence for a checkpoint that could not be written: a disk that refused it is
    named as for any file (library_errors.py); run_outcome.py adds what was kept."""
    if error.errno in WRITE_ERRNOS:
        error.filename = str(path)  # the file being replaced, not its hidden partial
        return write_failed(error, path.parent)
    reason = error.strerror or type(error).__name__
    return WriteFailed(f"could not write the checkpoint {path} ({reason})", "fix its folder")


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning's checkpoint writer (`trainer.plugins`), writing each file atomically."""

    def __init__(self) -> None:
        super().__init__()
        self.folders: set[Path] = set()  # made (or found) by this run's first save into each

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None
    ) -> None:
        if "://" in str(path):  # remote storage: Lightning's own transaction
            super().save_checkpoint(checkpoint, path, storage_options)
            return
        if storage_options is not None:
            raise TypeError(f"{type(self).__name__} takes no storage_options.")
        path = Path(path)
        buffer = io.BytesIO()
        torch.save(checkpoint, buffer)
        try:
            self.prepare(path.parent)
            write_atomically(path, buffer.getbuffer())
        except OSError as error:
            raise not_saved(path, error) from error

    def load_checkpoint(self, path: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Lightning's read, with the callbacks' recorded paths kept to their own folders."""
        checkpoint = super().load_checkpoint(path, *args, **kwargs)
        confine_checkpoint_paths(checkpoint)
        return checkpoint

    def remove_checkpoint(self, path: Any) -> None:
        """Remove a `.ckpt` file this run saved into its folder; nothing else, never a folder."""
        if "://" in str(path):
            super().remove_checkpoint(path)
            return
        path = Path(path)
        ours = {os.path.realpath(folder) for folder in self.folders}
        if path.suffix != ".ckpt" or os.path.realpath(path.parent) not in ours:
            return
        if path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)

    def prepare(self, folder: Path) -> None:
        """Make the folder at this run's first save into it, and remove what a killed save
        left there; a folder removed later is an error, not made again."""
        if folder in self.folders:
            return
        folder.mkdir(parents=True, exist_ok=True)
        remove_partials(folder)
        self.folders.add(folder)
