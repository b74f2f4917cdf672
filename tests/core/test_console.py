"""What the console shows in every run, debug presets included: the layer summary, a bar
that draws each epoch once with a true rate, and the final line, also kept in train.log."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import redirect_stderr

import pytest

from minibatch.cli.train import run_training
from minibatch.display.progress_bar import (
    EpochProgressBar,
    MiniBatchRate,
    lightning_logs_through_the_display,
)
from minibatch.runs.project_paths import CONFIG_DIR
from tests.conftest import REPO_ROOT, SEARCH_PATH

DEBUG_PRESETS = sorted(p.stem for p in (CONFIG_DIR / "debug").glob("*.yaml"))


@pytest.mark.parametrize("preset", DEBUG_PRESETS)
def test_every_debug_preset_keeps_the_display_and_its_own_task_name(compose_config, preset):
    cfg = compose_config("data=tiny", f"debug={preset}")
    assert {"rich_progress_bar", "rich_model_summary"} <= set(cfg.callbacks)
    assert cfg.trainer.get("enable_progress_bar", True) is not False
    assert cfg.task_name == "debug", "debug runs go to logs/debug/, apart from real runs"


def test_lightnings_lines_are_written_to_the_stderr_of_the_moment():
    """While the bar is drawn, sys.stderr is the live display's: a line written past it
    would leave a copy of the bar above itself."""
    lightning_logs_through_the_display()
    captured = io.StringIO()
    with redirect_stderr(captured):
        logging.getLogger("lightning.pytorch").warning("a line while the bar is drawn")
    assert "a line while the bar is drawn" in captured.getvalue()


def test_the_bar_shows_mini_batches_per_second(compose_config):
    cfg = compose_config("data=tiny", "batch_size=100", "trainer.max_epochs=2", "logger=none",
                         "callbacks=[rich_progress_bar]")  # fmt: skip
    started = time.monotonic()
    result = run_training(cfg)
    took = time.monotonic() - started
    (bar,) = [c for c in result.trainer.callbacks if isinstance(c, EpochProgressBar)]
    task = bar.progress.tasks[bar.train_progress_bar_id]
    assert task.completed == 20, "the bar counts mini-batches, grouped or not"
    assert 20 / took < task.fields["rate"], "mini-batches per second of the epoch's training"
    assert MiniBatchRate("").render(task).plain.endswith(" batches/s")


def final_pairs(text: str) -> dict[str, str]:
    # the final line, wrapped or not, up to what follows it (the run's folder, how it ended)
    final = re.search(r"final, after \d+ epochs?:(.*?)(?=\n\S*.*(?:run directory|how it ended)|\Z)",
                      text, re.S)  # fmt: skip
    assert final, text[-2000:]
    return dict(re.findall(r"(\S+/\S+) (\S+)", final.group(1)))


@pytest.mark.slow
def test_fast_dev_run_shows_the_layers_and_ends_with_the_final_line(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "train.py"), SEARCH_PATH, f"paths.log_dir={tmp_path}",
         "data=tiny", "debug=fast_dev_run"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "COLUMNS": "80"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    console = result.stdout
    assert "Trainable parameters" in console and "MeanMetric" not in console, "our summary"
    assert "final, after 1 epoch:" in console
    (run,) = (tmp_path / "debug" / "runs").iterdir()
    log = (run / "train.log").read_text()
    assert final_pairs(log) == final_pairs(console), "train.log ends as the console does"


def screen_after(command: str, width: int = 100, limit: float = 240) -> str:
    """What a terminal of `width` columns shows once `command` has ended (tmux)."""
    session = f"minibatch-test-{os.getpid()}"
    # COLUMNS/LINES unset: readline, imported under pytest, exports the test's 80x24 into the
    # process's C environment, which tmux would hand on (os.environ does not hold them).
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(width), "-y", "60",
                    f"unset COLUMNS LINES; {command}; echo COMMAND-ENDED; sleep 600"],
                   check=True, env=dict(os.environ))  # fmt: skip
    try:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session, "-S", "-200"],
                                    capture_output=True, text=True).stdout  # fmt: skip
            if "COMMAND-ENDED" in screen:
                return screen
            time.sleep(1)
        raise AssertionError(f"still running after {limit} s:\n{screen}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="a real terminal needs tmux")
def test_a_terminal_shows_the_last_epoch_once_and_a_rate(tmp_path):
    screen = screen_after(
        f"cd {tmp_path} && {sys.executable} {REPO_ROOT / 'train.py'} {SEARCH_PATH}"
        f" paths.log_dir={tmp_path} data=tiny batch_size=100 trainer.max_epochs=3"
    )
    assert len(re.findall(r"(?m)^Epoch 2/2 ", screen)) == 1, screen
    assert "`Trainer.fit` stopped" in screen, "Lightning's line, above the bar"
    assert re.search(r"[1-9][\d,.]* batches/s", screen), screen
    assert "0.00it/s" not in screen
