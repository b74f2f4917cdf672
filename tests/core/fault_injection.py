"""Faults for a real training process, added by config to a run (test_checkpoint_faults.py).

`KillAt` SIGKILLs its own process at a chosen point: a mini-batch, a moment, or inside a
checkpoint write, caught at the calls any writer makes (opening a file in the checkpoint or
temp folder to write it, renaming one into the checkpoint folder), so the points are the
same whoever writes. It notes in a file what it found at the start (last.ckpt's epoch, the
partial files) and each epoch that finished. `FileSizeLimit` is a full disk for one process.
"""

from __future__ import annotations

import builtins
import json
import logging
import os
import resource
import signal
import tempfile
import threading
from pathlib import Path

import lightning as L
import torch

WRITES = ("opened", "half-written")  # the at-th file opened for writing: empty, half written
RENAMES = ("before-rename", "after-rename")  # the at-th rename into the checkpoint folder
STAGES = ("minibatch", "milliseconds", *WRITES, *RENAMES, "none")  # none: notes only


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def note(notes: Path, **entry: object) -> None:
    with notes.open("a") as file:
        file.write(json.dumps(entry) + "\n")


def last_epoch(folder: Path) -> int | str | None:
    """The epoch of `folder/last.ckpt` read as data, None if there is none, or why not."""
    try:
        return int(torch.load(folder / "last.ckpt", weights_only=True)["epoch"])
    except FileNotFoundError:
        return None
    except Exception as error:
        return f"unreadable: {type(error).__name__}: {error}"


class HalfThenDie:
    """A file whose first write writes half of what it is given, then kills the process."""

    def __init__(self, file) -> None:
        self.file = file

    def write(self, data) -> None:
        self.file.write(memoryview(data).cast("B")[: len(data) // 2])
        self.file.flush()
        die()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.file.__exit__(*exc)

    def __getattr__(self, name: str):
        return getattr(self.file, name)


class KillAt(L.Callback):
    """SIGKILL this process at `stage` (one of STAGES) the `at`-th time it comes in this
    process (milliseconds: `at` ms after training starts, or 2 epochs on if that comes
    first); notes go to `notes`."""

    def __init__(self, stage: str, at: int, notes: str) -> None:
        assert stage in STAGES, stage
        self.stage, self.at, self.notes = stage, at, Path(notes)
        self.count = self.epochs = 0

    def setup(self, trainer: L.Trainer, module, stage: str) -> None:
        self.folder = Path(trainer.default_root_dir) / "checkpoints"
        self.temp = Path(tempfile.gettempdir())
        partials = sorted(p.name for p in self.folder.glob(".*")) if self.folder.is_dir() else []
        note(self.notes, pid=os.getpid(), stage=self.stage, at=self.at,
             last=last_epoch(self.folder), partials=partials,
             temp=sorted(p.name for p in self.temp.iterdir()))  # fmt: skip
        if self.stage in WRITES:
            self.patch_open()
        if self.stage in RENAMES:
            self.patch_renames()

    def on_train_start(self, trainer: L.Trainer, module) -> None:
        if self.stage == "milliseconds":
            timer = threading.Timer(self.at / 1000, die)
            timer.daemon = True
            timer.start()

    def on_train_minibatch_end(self, trainer: L.Trainer, module, loss, batch) -> None:
        self.count += self.stage == "minibatch"
        if self.stage == "minibatch" and self.count == self.at:
            die()

    def on_train_epoch_start(self, trainer: L.Trainer, module) -> None:
        self.note_finished(trainer)
        self.epochs += 1
        if self.stage == "milliseconds" and self.epochs > 2:  # at the latest: 2 epochs on
            die()

    def on_train_end(self, trainer: L.Trainer, module) -> None:
        self.note_finished(trainer)

    def note_finished(self, trainer: L.Trainer) -> None:
        """The epochs whose every hook, checkpoints included, has run."""
        completed = trainer.fit_loop.epoch_progress.current.completed
        if completed > 0:
            note(self.notes, finished=completed - 1)

    def is_checkpoint_write(self, file: object) -> bool:
        if not isinstance(file, str | os.PathLike):
            return False
        return Path(os.path.abspath(file)).parent in (self.folder, self.temp)

    def patch_open(self) -> None:
        real_open = builtins.open

        def open_then_die(file, mode="r", *args, **kwargs):
            opened = real_open(file, mode, *args, **kwargs)
            if not any(x in mode for x in "wax+") or not self.is_checkpoint_write(file):
                return opened
            self.count += 1
            if self.count != self.at:
                return opened
            if self.stage == "opened":
                die()
            return HalfThenDie(opened)

        builtins.open = open_then_die

    def patch_renames(self) -> None:
        for name in ("rename", "replace"):
            real = getattr(os, name)

            def rename_then_die(source, target, *args, real=real, **kwargs):
                into = Path(os.path.abspath(target)).parent == self.folder
                self.count += into
                if into and self.count == self.at and self.stage == "before-rename":
                    die()
                real(source, target, *args, **kwargs)
                if into and self.count == self.at:
                    die()

            setattr(os, name, rename_then_die)


class LogEpochs(L.Callback):
    """Log (to the run's train.log) each epoch as it starts."""

    def on_train_epoch_start(self, trainer: L.Trainer, module) -> None:
        logging.getLogger(__name__).info("epoch %d starts", trainer.current_epoch)


class FileSizeLimit(LogEpochs):
    """From epoch `epoch` on, no file of this process may grow past `bytes` (RLIMIT_FSIZE:
    a write beyond it fails with EFBIG, as on a full disk; Python ignores SIGXFSZ)."""

    def __init__(self, bytes: int, epoch: int) -> None:
        self.bytes, self.epoch = bytes, epoch

    def on_train_epoch_start(self, trainer: L.Trainer, module) -> None:
        super().on_train_epoch_start(trainer, module)
        if trainer.current_epoch == self.epoch:
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.bytes, self.bytes))
