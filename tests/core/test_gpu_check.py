"""scripts/gpu_check.sh on a CPU: one line and a non-zero exit, or with --allow-cpu the steps.

The GPU steps themselves run only on a GPU; here `--allow-cpu --tiny` runs the same steps on the
core's tiny data, and the folder it writes is read back: the layout a GPU run writes too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tests.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "gpu_check.sh"
no_gpu_here = pytest.mark.skipif(
    torch.cuda.is_available() or shutil.which("nvidia-smi") is not None,
    reason="this machine has a GPU: the check would run for real",
)


def gpu_check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = env or dict(os.environ, GPU_CHECK_PYTHON=sys.executable)
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True,
                          env=env, timeout=600)  # fmt: skip


@no_gpu_here
def test_without_cuda_it_says_so_in_one_line_and_writes_nothing(tmp_path):
    bin_folder = tmp_path / "bin"  # no nvidia-smi, and a python3 whose torch sees no GPU
    bin_folder.mkdir()
    (bin_folder / "python3").symlink_to(sys.executable)
    plain = dict(os.environ, PATH=f"{bin_folder}:/usr/bin:/bin")
    plain.pop("GPU_CHECK_PYTHON", None)
    out = str(tmp_path / "out")
    helper = [sys.executable, str(REPO_ROOT / "scripts" / "gpu_check.py"), out]
    for result in (gpu_check(out, env=plain), gpu_check(out), subprocess.run(helper,
                   capture_output=True, text=True, timeout=300)):  # fmt: skip
        assert result.returncode == 2
        assert result.stderr.startswith("error: no CUDA GPU is visible to torch here")
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert not (tmp_path / "out").exists()


@no_gpu_here
def test_steps_left_out_or_out_of_time_are_skipped_and_the_summary_says_which(tmp_path):
    chosen = ("--steps", "mnist", "cooking", "cuda-tests")
    result = gpu_check(str(tmp_path / "out"), "--allow-cpu", "--tiny", *chosen, "--budget", "0")
    assert result.returncode == 1, "nothing was checked: not a success"
    summary = (tmp_path / "out" / "summary.md").read_text()
    for step in ("mnist", "cooking", "cuda-tests"):
        assert f"| {step} | skipped: the time budget was spent |" in summary
    assert "| benchmark | skipped: not among --steps |" in summary


def last_scalar(folder: Path, tag: str) -> float:
    (event_file,) = folder.rglob("events.out.tfevents.*")
    events = EventAccumulator(str(event_file.parent))
    events.Reload()
    return events.Scalars(tag)[-1].value


@no_gpu_here
@pytest.mark.slow
def test_a_cpu_try_out_writes_every_step_into_one_folder(tmp_path):
    out = tmp_path / "out"
    result = gpu_check(str(out), "--allow-cpu", "--tiny")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("summary.md", "machine.txt", "mnist/train.log", "cooking/train.log",
                 "cuda-tests.log", "cuda-tests.xml"):  # fmt: skip
        assert (out / name).is_file(), name
    assert "CPU only (--allow-cpu)" in (out / "machine.txt").read_text()
    summary = (out / "summary.md").read_text()
    for step in ("mnist", "cooking", "cuda-tests"):
        assert f"| {step} | ok |" in summary
    assert "| benchmark | skipped: no GPU" in summary and not (out / "benchmark.md").exists()
    accuracy = last_scalar(out / "mnist", "val/acc")
    assert 0.5 < accuracy <= 1 and f"- val/acc: {accuracy:.4f}" in summary
    assert f"- val/loss: {last_scalar(out / 'cooking', 'val/loss'):.4f}" in summary
    assert summary.count("epoch time (median, from one epoch's end to the next)") == 2
    # On a CPU every test marked cuda skips, with its reason; none fails.
    counts = dict(re.findall(r"^- (tests|failures|errors|skipped|passed): (\d+)$", summary, re.M))
    assert int(counts["tests"]) > 0 and counts["skipped"] == counts["tests"]
    assert counts["failures"] == counts["errors"] == counts["passed"] == "0"
    assert "cannot run on this machine: a CUDA GPU" in (out / "cuda-tests.log").read_text()
