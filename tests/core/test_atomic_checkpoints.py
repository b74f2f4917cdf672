"""The checkpoint writer: whole files or none, in the checkpoint folder, and every checkpoint
of a run through it (the kills of a real process are in test_checkpoint_faults.py)."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest
import torch

from minibatch.build import build_trainer
from minibatch.checks.library_errors import WriteFailed
from minibatch.runs import atomic_checkpoints
from minibatch.runs.atomic_checkpoints import AtomicCheckpointIO
from tests.core.interrupted_runs import interrupted


def test_a_failed_write_keeps_the_previous_checkpoint_and_leaves_no_partial(tmp_path, monkeypatch):
    writer, last = AtomicCheckpointIO(), tmp_path / "last.ckpt"
    writer.save_checkpoint({"epoch": 3, "weights": torch.ones(4)}, last)
    before = last.read_bytes()

    def disk_full(path: Path, data: memoryview) -> None:
        path.write_bytes(bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(atomic_checkpoints, "write_file", disk_full)
    with pytest.raises(WriteFailed) as stopped:
        writer.save_checkpoint({"epoch": 4, "weights": torch.zeros(4)}, last)
    assert str(stopped.value).startswith("the disk is full: no space left on ")
    assert f"(writing {last}): free some space there, then " in str(stopped.value)
    assert last.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.ckpt"]


def test_the_new_checkpoint_is_on_disk_before_it_replaces_the_old_one(tmp_path, monkeypatch):
    """Synced, renamed over the old one, then the folder synced: a power cut at any moment
    leaves the old file or the whole new one (what a kill -9 cannot show)."""
    events, fsync, replace = [], os.fsync, os.replace

    def synced(descriptor: int) -> None:
        events.append(("synced", os.fstat(descriptor).st_ino))
        fsync(descriptor)

    def renamed(source, target) -> None:
        events.append(("renamed", Path(source).name, Path(target).name))
        replace(source, target)

    monkeypatch.setattr(os, "fsync", synced)
    monkeypatch.setattr(os, "replace", renamed)
    AtomicCheckpointIO().save_checkpoint({"epoch": 1}, tmp_path / "last.ckpt")
    file, folder = (tmp_path / "last.ckpt").stat().st_ino, tmp_path.stat().st_ino
    partial = events[1][1] if len(events) == 3 else None
    assert events == [("synced", file), ("renamed", partial, "last.ckpt"), ("synced", folder)]
    assert re.fullmatch(r"\.last\.ckpt\.[0-9a-f]{8}\.partial", partial), "a hidden file beside it"


def test_what_a_killed_save_left_is_removed_by_the_next_save_and_nothing_else(tmp_path):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    for name in (".last.ckpt.partial", ".epoch_004.ckpt.partial", ".keep", "notes.txt"):
        (folder / name).write_text("x")
    AtomicCheckpointIO().save_checkpoint({"epoch": 5}, folder / "last.ckpt")
    assert sorted(p.name for p in folder.iterdir()) == [".keep", "last.ckpt", "notes.txt"]
    assert torch.load(folder / "last.ckpt", weights_only=True) == {"epoch": 5}


@pytest.mark.parametrize("trainer", ["default", "cpu", "ddp"])
def test_every_trainer_config_writes_through_the_atomic_writer(compose_config, trainer):
    cfg = compose_config("data=tiny", f"trainer={trainer}", "trainer.accelerator=cpu")
    assert isinstance(build_trainer(cfg, []).strategy.checkpoint_io, AtomicCheckpointIO)


def test_every_checkpoint_of_a_run_is_written_atomically(tmp_path, monkeypatch):
    """The best and the last at each epoch, and interrupted.ckpt at a signal."""
    written, real = [], atomic_checkpoints.write_atomically

    def recorded(path: Path, data: memoryview) -> None:
        written.append(path.name)
        real(path, data)

    monkeypatch.setattr(atomic_checkpoints, "write_atomically", recorded)
    stop = interrupted(tmp_path, 150)
    assert stop.checkpoint.name == "interrupted.ckpt"
    assert written[-1] == "interrupted.ckpt" and "last.ckpt" in written
    assert any(name.startswith("epoch_") for name in written)
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == sorted(set(written))


def test_two_writers_of_one_file_never_share_a_partial_file(tmp_path, monkeypatch):
    """A second write that starts while the first is under way (two runs downloading the same
    data file): each writes its own hidden file, and the target is one of the two, whole."""
    target, real = tmp_path / "mnist.pt", atomic_checkpoints.write_file

    def meanwhile_another_writer(path: Path, data: memoryview | bytes) -> None:
        real(path, data)  # written, not yet renamed: another writer starts and finishes
        monkeypatch.setattr(atomic_checkpoints, "write_file", real)
        atomic_checkpoints.write_atomically(target, b"second writer")

    monkeypatch.setattr(atomic_checkpoints, "write_file", meanwhile_another_writer)
    atomic_checkpoints.write_atomically(target, b"first writer")
    assert target.read_bytes() == b"first writer", "the last rename wins, whole"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist.pt"]
