"""Checkpoints under faults: a training process SIGKILLed at many points, and a full disk.

Every kill (after a mini-batch, at a moment, inside a checkpoint write: the file opened,
half written, before or after its rename; fault_injection.py) must leave a last.ckpt that
loads as data and is not older than the last finished epoch, and nothing in the temp
folder; `ckpt_path=last` then resumes, and the run finishes with the weights of a run
never killed. A disk that fills ends the run in one sentence and loses nothing saved before.
The runs are real command lines, in forks of one warm process (command_lines.py).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tests import needs
from tests.conftest import REPO_ROOT, SEARCH_PATH
from tests.core.command_lines import run_all
from tests.core.fault_injection import RENAMES, WRITES

pytestmark = pytest.mark.slow

TRAIN = str(REPO_ROOT / "train.py")
# 500 examples in batches of 100: 5 mini-batches an epoch.
RUN = (SEARCH_PATH, "data=tiny", "data.train_size=500", "data.valid_size=100",
       "batch_size=100", "trainer.enable_progress_bar=false",
       "trainer.enable_model_summary=false", "print_config=false")  # fmt: skip
CHAINS, KILLS = 2, 15
EPOCHS = 2 + 2 * KILLS  # each kill comes within 2 epochs: the last resume still trains
FAULTS = "tests.core.fault_injection"


def kill_plan(rng: random.Random) -> tuple[str, int]:
    """A random kill point: (stage, at), within the next two epochs (a checkpoint write or
    two an epoch: last.ckpt, and the best one when val/loss improved)."""
    stage = rng.choice(["minibatch", "milliseconds", *WRITES, *RENAMES])
    at = {"minibatch": rng.randint(1, 10), "milliseconds": rng.randint(0, 100)}
    return stage, at.get(stage, rng.randint(1, 2))


def kill_args(stage: str, at: int, notes: Path) -> list[str]:
    return [f"+callbacks.kill._target_={FAULTS}.KillAt", f"+callbacks.kill.stage={stage}",
            f"+callbacks.kill.at={at}", f"+callbacks.kill.notes={notes}"]  # fmt: skip


def chain(folder: Path, first: int, rng: random.Random) -> list[dict]:
    """Commands (indices from `first` on): one epoch, then KILLS resumes each killed at a
    random point, then a resume that runs to the end; one run folder, one temp folder."""
    logs, temp, notes = folder / "logs", folder / "tmp", folder / "notes.jsonl"
    temp.mkdir(parents=True)
    plans = [kill_plan(rng) for _ in range(KILLS)] + [("none", 0)]
    commands = [[*RUN, f"paths.log_dir={logs}", "trainer.max_epochs=1"]]
    for stage, at in plans:
        commands.append([*RUN, f"paths.log_dir={logs}", f"trainer.max_epochs={EPOCHS}",
                         "ckpt_path=last", *kill_args(stage, at, notes)])  # fmt: skip
    made = []
    for step, args in enumerate(commands):
        (folder / str(step)).mkdir()
        made.append({"script": TRAIN, "args": args, "cwd": str(folder / str(step)),
                     "env": {"TMPDIR": str(temp)}})  # fmt: skip
        if step:
            made[-1]["after"] = first + step - 1
    return made


def the_run(logs: Path) -> Path:
    (run,) = (logs / "train" / "runs").iterdir()
    return run


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def weights(checkpoint: Path) -> dict[str, torch.Tensor]:
    saved = torch.load(checkpoint, weights_only=True)
    return {k: v for k, v in saved["state_dict"].items() if k.startswith("net.")}


def test_runs_killed_at_many_points_keep_last_ckpt_and_resume_to_the_same_weights(tmp_path):
    rng = random.Random(20)
    straight = tmp_path / "straight"
    straight.mkdir()
    args = [*RUN, f"paths.log_dir={straight}", f"trainer.max_epochs={EPOCHS}"]
    commands = [{"script": TRAIN, "cwd": str(straight), "args": args}]
    for c in range(CHAINS):
        commands += chain(tmp_path / f"chain{c}", len(commands), rng)
    results = run_all(commands)
    assert results[0]["returncode"] == 0, results[0]["stderr"]
    expected = weights(the_run(straight) / "checkpoints" / "last.ckpt")
    kills = 0
    for c in range(CHAINS):
        folder = tmp_path / f"chain{c}"
        ended = results[1 + c * (KILLS + 2) : 1 + (c + 1) * (KILLS + 2)]
        assert ended[0]["returncode"] == 0 and ended[-1]["returncode"] == 0, ended[-1]["stderr"]
        assert all(x["returncode"] in (0, -9) for x in ended), [x["stderr"] for x in ended]
        kills += sum(x["returncode"] == -9 for x in ended)
        finished = 0  # the first command trained epoch 0
        for line in (folder / "notes.jsonl").read_text().splitlines():
            entry = json.loads(line)
            if "finished" in entry:
                finished = max(finished, entry["finished"])
                continue
            # What the kill before left, read when the next command started.
            assert isinstance(entry["last"], int), entry
            assert entry["last"] >= finished, f"last.ckpt older than epoch {finished}: {entry}"
            assert entry["temp"] == [], f"left in the temp folder: {entry}"
            assert all(p.endswith(".partial") for p in entry["partials"]), entry
        checkpoints = the_run(folder / "logs") / "checkpoints"
        assert torch.load(checkpoints / "last.ckpt", weights_only=True)["epoch"] == EPOCHS - 1
        assert names(checkpoints) == names(the_run(straight) / "checkpoints"), "a stale one kept"
        assert list((folder / "tmp").iterdir()) == []
        resumed = weights(checkpoints / "last.ckpt")
        for name, value in expected.items():
            torch.testing.assert_close(resumed[name], value, rtol=0, atol=1e-6)
    assert kills >= 30


def assert_stopped_in_one_sentence(ended: dict, run: Path, reason: str) -> None:
    """Exit 2 with one `error:` sentence naming the checkpoint, why, and the command that
    resumes from last.ckpt; nothing saved before is lost: last.ckpt of epoch 0 loads, the
    log and the event file read."""
    stderr = ended["stderr"]
    assert ended["returncode"] == 2, stderr
    assert "Traceback" not in stderr, stderr
    (error,) = [line for line in stderr.splitlines() if line.startswith("error:")]
    checkpoints = run / "checkpoints"
    assert f"{checkpoints}/" in error and reason in error, error
    assert "resume from the last checkpoint it kept: python " in error, error
    assert error.endswith(f"ckpt_path={checkpoints / 'last.ckpt'}."), error
    assert torch.load(checkpoints / "last.ckpt", weights_only=True)["epoch"] == 0
    assert [p.name for p in checkpoints.glob(".*")] == [], "the partial file was kept"
    assert reason in (run / "FAILED").read_text()
    assert "epoch 0 starts" in (run / "train.log").read_text()
    events = EventAccumulator(str(run / "tensorboard"))
    events.Reload()
    assert [e.step for e in events.Scalars("val/loss")][:1] == [1], "epoch 0's (x: epochs done)"


# 90,000 weights (a 1.1 MB checkpoint with Adam's state) while the logs stay small.
LARGE = ("model.hidden=[300,300]", "trainer.max_epochs=3", "logger=tensorboard")


def test_a_file_size_limit_stops_the_run_in_one_sentence_and_keeps_last_ckpt(tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    limit = [f"+callbacks.limit._target_={FAULTS}.FileSizeLimit", "+callbacks.limit.bytes=300000",
             "+callbacks.limit.epoch=1"]  # fmt: skip
    (ended,) = run_all([{"script": TRAIN, "cwd": str(tmp_path), "env": {"TMPDIR": str(temp)},
                         "args": [*RUN, *LARGE, f"paths.log_dir={tmp_path}", *limit]}])  # fmt: skip
    assert_stopped_in_one_sentence(ended, the_run(tmp_path), "reached the largest file size")
    assert list(temp.iterdir()) == []


@pytest.fixture
def small_disk(tmp_path):
    """A 2.8 MB filesystem (tmpfs): room for two of LARGE's checkpoints, not for a third.
    Mounting needs root (CAP_SYS_ADMIN); elsewhere the file-size limit above stands in."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if shutil.which("mount") is None:
        needs.not_here("no mount command")
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2800k", "tmpfs", str(disk)],
                           capture_output=True, text=True)  # fmt: skip
    if mount.returncode != 0:
        needs.not_here(f"mounting a small tmpfs needs root ({mount.stderr.strip()})")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def test_a_full_disk_stops_the_run_in_one_sentence_and_keeps_last_ckpt(small_disk):
    temp = small_disk / "tmp"
    temp.mkdir()
    log = f"+callbacks.log._target_={FAULTS}.LogEpochs"
    (ended,) = run_all([{"script": TRAIN, "cwd": str(small_disk), "env": {"TMPDIR": str(temp)},
                         "args": [*RUN, *LARGE, f"paths.log_dir={small_disk}", log]}])  # fmt: skip
    assert_stopped_in_one_sentence(ended, the_run(small_disk), "the disk is full: no space left")
    assert list(temp.iterdir()) == []
