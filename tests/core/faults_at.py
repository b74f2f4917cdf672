"""Faults of the machine at a known step of a run, added from the command line.

    python train.py ... +callbacks.fault._target_=tests.core.faults_at.DiskFullAt \
        +callbacks.fault.at=300 '+callbacks.fault.path=${paths.output_dir}/checkpoints/x.ckpt'

`DiskFullAt` raises the error a write to a full disk raises (the errno is the operating
system's; no disk is filled); `RemoveFolderAt` removes the run's folder, as a user cleaning
up logs/ while it runs would, and the run goes on until it next writes a file.
"""

from __future__ import annotations

import errno
import os
import shutil

import lightning as L


class DiskFullAt(L.Callback):
    """After step `at`, fail as writing `path` to a full disk does (ENOSPC)."""

    def __init__(self, at: int, path: str) -> None:
        self.at, self.path = at, path

    def on_train_minibatch_end(self, trainer: L.Trainer, module, loss, batch) -> None:
        if trainer.global_step == self.at:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.path)


class RemoveFolderAt(L.Callback):
    """After step `at`, remove `folder` (the run's own) and everything in it."""

    def __init__(self, at: int, folder: str) -> None:
        self.at, self.folder = at, folder

    def on_train_minibatch_end(self, trainer: L.Trainer, module, loss, batch) -> None:
        if trainer.global_step == self.at:
            shutil.rmtree(self.folder)
