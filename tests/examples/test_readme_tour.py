"""Every command of the README's tour runs, as written, with small sizes appended.

The commands are parsed from the first bash block of `## A short tour`, so an example that
stops working fails here (and in CI) instead of in a reader's terminal.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

SECTION = re.search(r"## A short tour\n(.*?)\n## ", (REPO_ROOT / "README.md").read_text(), re.S)
BLOCK = re.search(r"```bash\n(.*?)```", SECTION.group(1), re.S).group(1)
COMMANDS = [line.split("#")[0].split()[2:] for line in BLOCK.splitlines()
            if line.startswith("python train.py")]  # fmt: skip
# One epoch of two batches: the command's own options are what is tested, not the training.
SMALL = ["trainer.max_epochs=1", "trainer.limit_train_batches=2", "trainer.limit_val_batches=2",
         "trainer.enable_progress_bar=false"]  # fmt: skip


def test_the_tour_has_its_commands():
    assert len(COMMANDS) >= 10
    assert ["--help"] in COMMANDS and any("-m" in c for c in COMMANDS)


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_tour_command_runs(tmp_path: Path, args: list[str]):
    if "mnist" in " ".join(args) and not (REPO_ROOT / "data" / "mnist.pkl.gz").is_file():
        pytest.skip("real MNIST not in data/mnist.pkl.gz (this machine has no internet)")
    flags = [a for a in args if a.startswith("-")]
    overrides = [a for a in args if not a.startswith("-")]
    if flags == ["--help"]:
        extra = []
    else:
        small = [s for s in SMALL if s.lstrip("+").split("=")[0] not in " ".join(overrides)]
        extra = [f"paths.log_dir={tmp_path}", *small]
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "train.py"), *flags, *overrides, *extra],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    if flags == ["--help"]:
        assert "Datasets (data=)" in result.stdout and "experiment=" in result.stdout
        return
    runs = list(tmp_path.glob("*/runs/*/.hydra")) + list(tmp_path.glob("*/multiruns/*/*/.hydra"))
    assert len(runs) == (2 if "-m" in flags else 1), "one run folder per job"
