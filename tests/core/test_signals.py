"""A signal outside training ends the run at once in one sentence, exit 128 + its number; a
closed terminal (a dropped ssh session) during training stops at a step and saves, as `kill`.

Every signal here is real and comes at a known point (tests/core/signal_at.py, an import
hook, a terminal the test closes once the run says it is at step 300), never after a sleep.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest

from tests.conftest import QUIET, REPO_ROOT, SEARCH_PATH
from tests.core.command_lines import run_all
from tests.core.signal_at import HANG_UP_NOW

RUN = ("data=tiny", "trainer.max_epochs=2", "print_config=false", *QUIET)
NOTHING_TRAINED = "before training started: nothing was trained; start again with the same command."


def signal_at(point: str, name: str) -> list[str]:
    return ["+callbacks.signal_at._target_=tests.core.signal_at.SignalAt",
            f"+callbacks.signal_at.at={point}", f"+callbacks.signal_at.signal={name}"]  # fmt: skip


# (where the signal comes, which, the exit code, what the one line says after its name)
OUTSIDE_TRAINING = [
    ("built", "SIGTERM", 143, NOTHING_TRAINED),  # the trainer being built, Lightning imported
    ("setup", "SIGHUP", 129, NOTHING_TRAINED),  # inside trainer.fit: the data being set up
    ("sanity_check", "SIGINT", 130, NOTHING_TRAINED),  # Lightning already listens to SIGTERM
    ("sanity_check", "SIGTERM", 143, NOTHING_TRAINED),
    ("train_end", "SIGTERM", 143, "after training had finished (its checkpoints are kept)"),
]


@pytest.mark.slow
def test_a_signal_outside_training_stops_at_once_in_one_sentence(tmp_path):
    commands = []
    for index, (point, name, _, _) in enumerate(OUTSIDE_TRAINING):
        (tmp_path / str(index)).mkdir()
        args = [SEARCH_PATH, f"paths.log_dir={tmp_path / str(index)}", *RUN, "callbacks=default",
                *signal_at(point, name)]  # fmt: skip
        commands.append({"script": str(REPO_ROOT / "train.py"), "args": args,
                         "cwd": str(tmp_path / str(index))})  # fmt: skip
    for (point, name, code, says), ended in zip(OUTSIDE_TRAINING, run_all(commands), strict=True):
        stderr = ended["stderr"]
        assert ended["returncode"] == code, (point, name, stderr)
        assert "Traceback" not in stderr, stderr
        (line,) = [x for x in stderr.splitlines() if x.startswith("interrupted")]
        assert line.startswith(f"interrupted ({name}) {says}"), stderr
    trained = list((tmp_path / "4").rglob("last.ckpt"))
    assert len(trained) == 1, "a signal after training keeps what it trained"


def test_a_signal_during_the_imports_says_nothing_was_trained(tmp_path):
    """SIGTERM as train.py imports Hydra, a second into `python train.py`."""
    probe = (
        "import os, runpy, signal, sys\n"
        "class SignalOnImport:\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'hydra':\n"
        "            os.kill(os.getpid(), signal.SIGTERM)\n"
        "sys.meta_path.insert(0, SignalOnImport())\n"
        f"sys.argv = [{str(REPO_ROOT / 'train.py')!r}, *{json.dumps(list(RUN))}]\n"
        f"runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    ended = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           cwd=tmp_path, timeout=120)  # fmt: skip
    assert ended.returncode == 143, ended.stderr
    assert ended.stderr == f"interrupted (SIGTERM) {NOTHING_TRAINED}\n"
    assert not (tmp_path / "logs").exists(), "no run folder: Hydra never started"


def read_until(fd: int, text: str, deadline: float) -> str:
    seen = ""
    while text not in seen:
        assert time.monotonic() < deadline, seen[-2000:]
        if select.select([fd], [], [], 1)[0]:
            seen += os.read(fd, 4096).decode(errors="replace")
    return seen


def wait(pid: int, deadline: float) -> int:
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.1)
    os.kill(pid, 9)
    raise AssertionError("the run did not stop after its terminal closed")


@pytest.mark.slow
def test_a_dropped_ssh_session_saves_and_logs_the_resume_command(tmp_path):
    """The run's terminal closes at step 300 (SIGHUP, then every write to it fails): it
    stops at the next step boundary, saves, and its log says how to resume (exit 129)."""
    args = [sys.executable, str(REPO_ROOT / "train.py"), SEARCH_PATH, f"paths.log_dir={tmp_path}",
            "data=tiny", "batch_size=10", "trainer.max_epochs=3", "print_config=false",
            "+callbacks.hang_up._target_=tests.core.signal_at.HangUpAt",
            "+callbacks.hang_up.at=300"]  # fmt: skip
    pid, terminal = pty.fork()
    if pid == 0:  # the run, in a new session whose terminal is `terminal`
        os.chdir(tmp_path)
        os.environ["OMP_NUM_THREADS"] = "1"
        os.execv(args[0], args)
    deadline = time.monotonic() + 300
    try:
        read_until(terminal, HANG_UP_NOW, deadline)
    finally:
        os.close(terminal)  # the ssh session drops
    assert wait(pid, deadline) == 129
    (run,) = (tmp_path / "train" / "runs").iterdir()
    checkpoint = run / "checkpoints" / "interrupted.ckpt"
    assert checkpoint.is_file()
    log = (run / "train.log").read_text()
    assert "interrupted (SIGHUP) at epoch 1" in log
    assert f"resume (from where it stopped) with: python {REPO_ROOT / 'train.py'}" in log
    assert log.rstrip().endswith(f"ckpt_path={checkpoint}")
    assert not (run / "FAILED").exists()
