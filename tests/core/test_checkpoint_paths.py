"""A checkpoint's recorded ModelCheckpoint paths never choose what a resume deletes or loads.

Lightning restores best, last and top-k paths from a checkpoint whose folder is the run's own,
then removes the old ones and tests on "best": a crafted path leaving that folder must reach
nothing (a checkpoint is data).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from omegaconf import open_dict

from minibatch.cli.train import run_training
from minibatch.runs.atomic_checkpoints import AtomicCheckpointIO
from minibatch.runs.checkpoint_paths import confine_checkpoint_paths, inside
from tests.conftest import tiny
from tests.core.test_last_checkpoint import run_in

pytestmark = pytest.mark.usefixtures("one_thread")


def victims(tmp_path: Path) -> tuple[Path, Path]:
    """A file and a folder of the user's, outside the run: what a crafted path aims at."""
    (tmp_path / "mine" / "sub").mkdir(parents=True)
    (tmp_path / "mine" / "sub" / "b.txt").write_text("user data")
    victim = tmp_path / "victim.ckpt"
    torch.save({"mine": 1}, victim)
    return victim, tmp_path / "mine"


def craft(last: Path, aims: list[Path]) -> None:
    """Point every ModelCheckpoint state of `last` at `aims`, through `..` from its own folder."""
    checkpoint = torch.load(last, weights_only=True)
    for state in checkpoint["callbacks"].values():
        if "dirpath" in state:
            escaping = [f"{state['dirpath']}/../../../../{aim.name}" for aim in aims]
            state.update(best_model_path=escaping[0], kth_best_model_path=escaping[-1],
                         last_model_path=escaping[-1], best_model_score=torch.tensor(1e9),
                         kth_value=torch.tensor(1e9),
                         best_k_models={p: torch.tensor(1e9) for p in escaping})  # fmt: skip
    torch.save(checkpoint, last)


def test_a_resume_from_a_crafted_checkpoint_deletes_and_loads_nothing_outside_the_run(
    compose_config, tmp_path
):
    folder = tmp_path / "logs" / "train" / "runs" / "run"
    run_in(folder, compose_config, "callbacks=default")
    victim, victim_folder = victims(tmp_path / "logs")  # ../../../../ of the checkpoints
    assert (folder / "checkpoints" / "../../../../victim.ckpt").resolve() == victim.resolve()
    craft(folder / "checkpoints" / "last.ckpt", [victim, victim_folder])
    cfg = compose_config(*tiny("callbacks=default", "trainer.max_epochs=5", "ckpt_path=last"))
    with open_dict(cfg):
        cfg.paths.output_dir = str(folder)
        cfg.paths.log_dir = str(tmp_path / "logs")
    result = run_training(cfg)
    assert result.trainer.current_epoch == 5
    assert torch.load(victim, weights_only=True) == {"mine": 1}
    assert (victim_folder / "sub" / "b.txt").read_text() == "user data"
    for callback in result.trainer.checkpoint_callbacks:  # best is the run's own again
        assert Path(callback.best_model_path).parent == folder / "checkpoints"


def test_recorded_paths_outside_their_folder_are_dropped(tmp_path):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", folder / "link")
    own = str(folder / "epoch=1.ckpt")
    out, linked = f"{folder}/../x.ckpt", f"{folder}/link/y.ckpt"
    state = {
        "dirpath": str(folder),
        "best_model_path": own,
        "kth_best_model_path": out,
        "last_model_path": linked,
        "best_k_models": {own: 1.0, out: 2.0, str(folder): 3.0},
    }
    checkpoint = {"callbacks": {"ModelCheckpoint{}": state, "Other": {"x": 1}}}
    confine_checkpoint_paths(checkpoint)
    assert state["best_model_path"] == own
    assert state["kth_best_model_path"] == state["last_model_path"] == ""
    assert state["best_k_models"] == {own: 1.0}
    assert checkpoint["callbacks"]["Other"] == {"x": 1}
    assert inside("s3://b/run/checkpoints/a.ckpt", "s3://b/run/checkpoints")
    assert not inside("s3://b/run/checkpoints/../a.ckpt", "s3://b/run/checkpoints")


def test_the_writer_removes_only_checkpoint_files_of_the_folders_it_saved_into(tmp_path):
    io = AtomicCheckpointIO()
    folder = tmp_path / "checkpoints"
    io.save_checkpoint({"a": 1}, folder / "old.ckpt")
    io.remove_checkpoint(folder / "old.ckpt")
    assert not (folder / "old.ckpt").exists()
    (tmp_path / "user.ckpt").write_text("user")
    (folder / "notes.txt").write_text("user")
    (folder / "dir.ckpt").mkdir()
    for path in (tmp_path / "user.ckpt", folder / "../user.ckpt", folder / "notes.txt",
                 folder / "dir.ckpt"):  # fmt: skip
        io.remove_checkpoint(path)
    assert (tmp_path / "user.ckpt").read_text() == "user"
    assert (folder / "notes.txt").read_text() == "user" and (folder / "dir.ckpt").is_dir()
