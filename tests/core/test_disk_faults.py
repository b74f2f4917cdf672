"""A disk that refuses a file mid-run ends in one sentence, exit 2, what was saved kept: a full
disk names the disk and the command that resumes from the kept checkpoint; a file-size limit
(`ulimit -f`, a real one) names the limit; a run folder removed while it runs says so.

The faults come at a known step (tests/core/faults_at.py); the full disk is the error a
write to one raises (no disk is filled), the file-size limit is the kernel's own.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.conftest import REPO_ROOT, SEARCH_PATH
from tests.core.command_lines import run_all

# 4 steps an epoch; the fault comes at step 6, in the second epoch, after a last.ckpt.
RUN = ("data=tiny", "batch_size=500", "trainer.max_epochs=2", "print_config=false",
       "trainer.enable_progress_bar=false", "trainer.enable_model_summary=false")  # fmt: skip
FAULT = "+callbacks.fault._target_=tests.core.faults_at."


def mount_of(path: Path) -> Path:
    path = path.resolve()
    return next(p for p in [path, *path.parents] if os.path.ismount(p))


def one_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    (line,) = [x for x in stderr.splitlines() if x.startswith("error:")]
    assert line.rstrip().endswith("."), line
    return line


@pytest.mark.slow
def test_a_full_disk_or_a_removed_folder_ends_in_one_sentence(tmp_path):
    cases = {
        "full": [f"{FAULT}DiskFullAt", "+callbacks.fault.at=6",
                 "+callbacks.fault.path=${paths.output_dir}/checkpoints/epoch_001.ckpt"],
        "removed": [f"{FAULT}RemoveFolderAt", "+callbacks.fault.at=6",
                    "+callbacks.fault.folder=${paths.output_dir}"],
    }  # fmt: skip
    commands = []
    for name, fault in cases.items():
        (tmp_path / name).mkdir()
        commands.append({"script": str(REPO_ROOT / "train.py"), "cwd": str(tmp_path / name),
                         "args": [SEARCH_PATH, f"paths.log_dir={tmp_path / name}", *RUN,
                                  *fault]})  # fmt: skip
    full, removed = run_all(commands)

    assert full["returncode"] == 2
    (run,) = (tmp_path / "full" / "train" / "runs").iterdir()
    kept = run / "checkpoints" / "last.ckpt"
    line = one_error(full["stderr"])
    assert line.startswith(f"error: the disk is full: no space left on {mount_of(tmp_path)} "
                           f"(writing {run / 'checkpoints' / 'epoch_001.ckpt'}): free some "
                           "space there, then resume from the last checkpoint it kept: "
                           f"python {REPO_ROOT / 'train.py'} ")  # fmt: skip
    assert line.endswith(f" ckpt_path={kept}.")
    assert torch.load(kept, weights_only=True)["global_step"] == 4, "epoch 0's, kept"
    assert (run / "FAILED").read_text().startswith("the disk is full")

    assert removed["returncode"] == 2
    assert list((tmp_path / "removed" / "train" / "runs").iterdir()) == []
    run = removed["stderr"].splitlines()[0].removeprefix("run directory: ")
    line = one_error(removed["stderr"])
    assert (
        line == f"error: the run folder {run} was removed while the run was going: start it again."
    )


def limit_file_size() -> None:  # in the child, before it runs train.py
    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))


@pytest.mark.slow
def test_the_file_size_limit_is_named_in_one_sentence(tmp_path):
    """A real `ulimit -f` of 100,000 bytes, under the size of this net's checkpoint."""
    args = [sys.executable, str(REPO_ROOT / "train.py"), SEARCH_PATH, f"paths.log_dir={tmp_path}",
            *RUN, "model.hidden=[200,200]"]  # fmt: skip
    ended = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                           preexec_fn=limit_file_size)  # fmt: skip
    assert ended.returncode == 2, ended.stderr
    line = one_error(ended.stderr)
    assert "reached the largest file size this shell allows, 100000 bytes (ulimit -f): raise " \
           "the limit (ulimit -f unlimited), then start the run again" in line  # fmt: skip
