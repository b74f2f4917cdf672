"""Own only what you made: a refused or failed command never removes, truncates or rewrites
what was there before it started, and a run folder has one writer at a time.

The command lines run as a user types them (command_lines.py); every file of a folder
given to them is compared by its bytes and its modification time, before and after.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.utils import instantiate
from omegaconf import open_dict

from minibatch.cli.train import run_training
from minibatch.errors import UserError
from minibatch.runs import run_folder
from minibatch.runs.project_paths import CONFIG_DIR
from minibatch.runs.run_lock import LOCK_FILE
from minibatch.runs.run_outcome import run_outcome
from tests.conftest import REPO_ROOT, SEARCH_PATH
from tests.core.command_lines import run_all

pytestmark = pytest.mark.slow

T, E, X = "train.py", "scripts/evaluate.py", "scripts/export.py"
TINY = ("data=tiny", "batch_size=500", "trainer.enable_progress_bar=false",
        "trainer.enable_model_summary=false")  # fmt: skip


def snapshot(folder: Path) -> dict[str, tuple[str, int] | None]:
    """Every path under `folder`: a file's (sha256, mtime), None for a folder."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_dir():
            found[name] = None
        else:
            found[name] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    return found


def someones_folder(folder: Path) -> Path:
    """A folder that holds a user's files, a subfolder included."""
    (folder / "notes").mkdir(parents=True)
    (folder / "results.csv").write_text("a,b\n1,2\n")
    (folder / "notes" / "todo.txt").write_text("do not lose this\n")
    (folder / "multirun.yaml").write_text("mine: true\n")  # Hydra's name for a sweep's file
    return folder


def checkout_copy(folder: Path) -> Path:
    """A copy of a few files of the checkout, `.git` included: what `hydra.run.dir=.` in a
    clone points at (never the real checkout)."""
    for name in ("README.md", "pyproject.toml", "train.py", "configs/train.yaml"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, folder / name)
    (folder / ".git" / "refs").mkdir(parents=True)
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return folder


def command(script: str, cwd: Path, *args: str) -> dict:
    """A command line for run_all: flags (-m) first, as a user types them."""
    cwd.mkdir(parents=True, exist_ok=True)
    flags = [a for a in args if a.startswith("-")]
    overrides = [a for a in args if not a.startswith("-")]
    return {"script": str(REPO_ROOT / script), "cwd": str(cwd),
            "args": [*flags, SEARCH_PATH, *overrides]}  # fmt: skip


def errors(ended: dict) -> list[str]:
    return [line for line in ended["stderr"].splitlines() if line.startswith("error:")]


def train_py(*args: str) -> list[str]:
    return [sys.executable, str(REPO_ROOT / T), SEARCH_PATH, *args]


# Folders given on the command line ---------------------------------------------------------
GIVEN = {  # name: (script, arguments), {folder} the folder given
    "train": (T, [*TINY, "hydra.run.dir={folder}", "batch_size=0"]),
    "train-would-train": (T, [*TINY, "hydra.run.dir={folder}", "trainer.max_epochs=1"]),
    "evaluate": (E, ["hydra.run.dir={folder}", "ckpt_path={folder}/none.ckpt"]),
    "export": (X, ["hydra.run.dir={folder}", "ckpt_path={folder}/none.ckpt"]),
    "sweep": (T, ["-m", *TINY, "hydra.sweep.dir={folder}", "batch_size=0,10"]),
}


@pytest.fixture(scope="module")
def given(tmp_path_factory) -> dict:
    """Each command of GIVEN on a folder that holds files, and `train` on an empty one:
    (the folder's snapshot before, after, how the command ended)."""
    root = tmp_path_factory.mktemp("given")
    folders, commands = {}, []
    for name, (script, args) in GIVEN.items():
        folder = folders[name] = someones_folder(root / name / "folder")
        cwd = root / name
        args = [arg.replace("{folder}", str(folder)) for arg in args]
        commands.append(command(script, cwd, f"paths.log_dir={root / name}", *args))
    (root / "empty" / "folder").mkdir(parents=True)
    folders["empty"] = root / "empty" / "folder"
    commands.append(command(T, root / "empty", f"paths.log_dir={root / 'empty'}", *TINY,
                            f"hydra.run.dir={folders['empty']}", "batch_size=0"))  # fmt: skip
    before = {name: snapshot(folder) for name, folder in folders.items()}
    ended = run_all(commands)
    return {name: (before[name], snapshot(folder), outcome, folder)
            for (name, folder), outcome in zip(folders.items(), ended, strict=True)}  # fmt: skip


@pytest.mark.parametrize("name", list(GIVEN))
def test_a_folder_that_holds_files_is_refused_and_left_as_it_was(given, name):
    before, after, ended, folder = given[name]
    assert ended["returncode"] == 2, ended["stderr"]
    (message,) = errors(ended)
    assert "already holds files: give a new or empty folder" in message
    assert after == before, f"{folder} changed"
    assert not any((folder.parent / "train").glob("runs/*")), "no run elsewhere either"


def test_run_dir_dot_in_a_clone_is_refused_and_the_clone_left_as_it_was(tmp_path):
    clone = checkout_copy(tmp_path / "clone")
    before = snapshot(clone)
    ended = subprocess.run(train_py(*TINY, "hydra.run.dir=.", "batch_size=0"), cwd=clone,
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert ended.returncode == 2, ended.stderr
    (message,) = [line for line in ended.stderr.splitlines() if line.startswith("error:")]
    assert f"hydra.run.dir={clone} already holds files" in message
    assert snapshot(clone) == before


def test_an_empty_folder_given_is_used_and_kept_empty_when_the_run_is_refused(given):
    before, after, ended, folder = given["empty"]
    assert ended["returncode"] == 2
    assert "batch_size must be a positive" in errors(ended)[0]
    assert folder.is_dir() and before == after == {}


# Resumed runs ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A real run folder: one epoch of `train.py`, its .hydra/, log, event file and lock."""
    root = tmp_path_factory.mktemp("trained")
    first = subprocess.run(train_py(f"paths.log_dir={root}", *TINY, "trainer.max_epochs=1"),
                           cwd=root, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert first.returncode == 0, first.stderr
    (run,) = (root / "train" / "runs").iterdir()
    return run


def copy_of(run: Path, folder: Path) -> Path:
    """The run copied into `folder`/train/runs/, times kept (a run of its own)."""
    copy = folder / "train" / "runs" / run.name
    shutil.copytree(run, copy)
    return copy


REFUSED_RESUMES = {  # name: (arguments, a fragment of the one error line)
    "finished": (["trainer.max_epochs=1"], "already trained 1 epoch"),
    "batch-zero": (["trainer.max_epochs=3", "batch_size=0"], "batch_size must be a positive"),
    "last-finished": (["ckpt_path=last", "trainer.max_epochs=1"], "already trained 1 epoch"),
    "locked": (["trainer.max_epochs=3"], "is in use by another command"),
    "locked-last": (["ckpt_path=last", "trainer.max_epochs=3"], "is in use by another command"),
}
READERS = {  # name: (script, arguments): commands that read a run's checkpoint
    "evaluate": (E, []),
    "export": (X, ["format=torchscript", "output_path=model.pt"]),
}
LATE = ["trainer.max_epochs=3", "model.hidden=[7]"]  # refused by Lightning: the net differs


@pytest.fixture(scope="module")
def on_a_run(trained, tmp_path_factory) -> dict:
    """Each command of REFUSED_RESUMES, READERS and LATE on its own copy of the trained run;
    for `locked*` the test holds the run's lock, as a run that is training holds it."""
    root = tmp_path_factory.mktemp("resumes")
    runs, commands, held = {}, [], []
    for name, (script, args) in {**{n: (T, a) for n, (a, _) in REFUSED_RESUMES.items()},
                                 **READERS, "late": (T, LATE)}.items():  # fmt: skip
        run = runs[name] = copy_of(trained, root / name)
        last = [] if "ckpt_path=last" in args else [f"ckpt_path={run}/checkpoints/last.ckpt"]
        options = TINY if script == T else ()
        commands.append(command(script, root / name, f"paths.log_dir={root / name}", *options,
                                *last, *args))  # fmt: skip
        if name.startswith("locked"):
            lock = open(run / LOCK_FILE, "a")  # noqa: SIM115  (held until run_all ends)
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held.append(lock)
    before = {name: snapshot(run) for name, run in runs.items()}
    try:
        ended = run_all(commands)
    finally:
        for lock in held:
            lock.close()
    return {name: (before[name], snapshot(run), outcome, run)
            for (name, run), outcome in zip(runs.items(), ended, strict=True)}  # fmt: skip


@pytest.mark.parametrize("name", list(READERS))
def test_evaluate_and_export_leave_the_run_they_read_as_it_was(on_a_run, name):
    before, after, ended, _ = on_a_run[name]
    assert ended["returncode"] == 0, ended["stderr"]
    assert after == before


@pytest.mark.parametrize("name", list(REFUSED_RESUMES))
def test_a_refused_resume_leaves_every_file_of_the_run_untouched(on_a_run, name):
    """Bytes and modification times of .hydra/, train.log, the event file, the checkpoints
    and the lock: as they were. A live run (the lock held) is refused before anything."""
    before, after, ended, _ = on_a_run[name]
    assert ended["returncode"] == 2, ended["stderr"]
    (message,) = errors(ended)
    assert REFUSED_RESUMES[name][1] in message and message.endswith("."), message
    assert after == before


def test_a_resume_refused_once_lightning_started_takes_back_only_what_it_wrote(on_a_run, trained):
    """A checkpoint that does not fit the net is found by Lightning: its new event file and
    its .hydra/resumed/ folder go; every file that was there stays, the log only grows."""
    before, after, ended, run = on_a_run["late"]
    assert ended["returncode"] == 2
    assert "does not fit this data and model" in errors(ended)[0]
    assert set(after) == set(before), "no new file or folder left"
    changed = [name for name in before if after[name] != before[name]]
    assert set(changed) <= {"train.log"}, changed  # the attempt's lines, if any were logged
    log = (run / "train.log").read_bytes()
    assert log.startswith((trained / "train.log").read_bytes()), "appended, never truncated"


def test_two_resumes_at_once_the_second_is_refused_and_the_first_finishes(tmp_path):
    """The first resume is stopped (SIGSTOP) once it holds the run, so the second surely
    comes while it is live; then the first goes on, alone, and keeps the run's configs."""
    first_part = subprocess.run(train_py(f"paths.log_dir={tmp_path}", *TINY,
                                         "trainer.max_epochs=1"), cwd=tmp_path,
                                capture_output=True, text=True, timeout=300)  # fmt: skip
    assert first_part.returncode == 0, first_part.stderr
    (run,) = (tmp_path / "train" / "runs").iterdir()  # not a copy: a moved run resumes
    configs = {p.name: p.read_bytes() for p in (run / ".hydra").glob("*.yaml")}  # into -v1
    steps = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)["global_step"]
    resume = train_py(f"paths.log_dir={tmp_path}", *TINY, "trainer.max_epochs=3", "ckpt_path=last")
    first = subprocess.Popen(resume, cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while not list(run.glob(".hydra/resumed/*/overrides.yaml")):  # past the lock
            assert first.poll() is None and time.monotonic() < deadline, "the first never began"
            time.sleep(0.05)
        first.send_signal(signal.SIGSTOP)
        before = snapshot(run)
        second = subprocess.run(resume, cwd=tmp_path, capture_output=True, text=True,
                                timeout=300)  # fmt: skip
        after = snapshot(run)
    finally:
        first.send_signal(signal.SIGCONT)
    _, first_stderr = first.communicate(timeout=300)
    assert second.returncode == 2, second.stderr
    (message,) = [line for line in second.stderr.splitlines() if line.startswith("error:")]
    assert f"{run} is in use by another command" in message and message.endswith(".")
    assert after == before, "the second resume touched the live run"
    assert first.returncode == 0, first_stderr
    saved = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)
    assert saved["global_step"] == 3 * steps
    assert not list(run.glob("checkpoints/*-v*.ckpt")), "one writer: no -v1 checkpoints"
    assert len(list(run.glob("tensorboard/events.*"))) == 2, "one event file per attempt"
    assert {p.name: p.read_bytes() for p in (run / ".hydra").glob("*.yaml")} == configs
    (attempt,) = (run / ".hydra" / "resumed").iterdir()
    assert (attempt / "overrides.yaml").read_text().splitlines()[-2:] == [
        "- trainer.max_epochs=3", "- ckpt_path=last"]  # fmt: skip


@pytest.fixture
def claims_of_this_test():
    """The run folders a test claims in-process are let go of afterwards."""
    known = set(getattr(run_folder, "claims", {}))
    yield
    for folder in set(getattr(run_folder, "claims", {})) - known:
        claimed = run_folder.claims.pop(folder)
        if claimed.lock is not None:
            claimed.lock.release()


def test_a_resumed_run_that_trained_then_hit_a_mistake_is_kept_and_marked(
    tmp_path, claims_of_this_test
):
    """The resume in-process, through the same Hydra callback and outcome as train.py: the
    resumed epochs' checkpoints and event file stay, last.ckpt stays whole, FAILED says why."""
    first_part = subprocess.run(train_py(f"paths.log_dir={tmp_path}", *TINY,
                                         "trainer.max_epochs=1"), cwd=tmp_path,
                                capture_output=True, text=True, timeout=300)  # fmt: skip
    assert first_part.returncode == 0, first_part.stderr
    (run,) = (tmp_path / "train" / "runs").iterdir()
    steps = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)["global_step"]
    overrides = [SEARCH_PATH, f"paths.log_dir={tmp_path}", *TINY, "trainer.max_epochs=3",
                 "ckpt_path=last"]  # fmt: skip
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        config = compose(config_name="train", overrides=overrides, return_hydra_config=True)
    instantiate(config.hydra.callbacks.run_folder).on_run_start(config)
    HydraConfig.instance().set_config(config)
    cfg = copy.deepcopy(config)
    with open_dict(cfg):
        cfg.paths.output_dir = str(run)
        del cfg["hydra"]
    log = (run / "train.log").read_bytes()
    with pytest.raises(UserError, match="after training"), run_outcome(run):
        run_training(cfg)
        raise UserError("a mistake found after training.")
    saved = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)
    assert saved["global_step"] == 3 * steps, "the resumed epochs' last.ckpt, whole"
    assert [p.name for p in run.glob("checkpoints/epoch_*.ckpt")] == ["epoch_002.ckpt"], "best"
    assert len(list(run.glob("tensorboard/events.*"))) == 2
    assert (run / "FAILED").read_text() == "a mistake found after training.\n"
    assert (run / "train.log").read_bytes().startswith(log)
