"""The Boston sweep summary of docs/lessons.md, recomputed: the sweep command the page names,
run as written and read back as scripts/summarize_sweep.py reads it, gives every cell of its
table (deterministic on CPU: fixed seeds)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from minibatch.tooling.sweeps import read_sweep, summarize
from tests.conftest import REPO_ROOT
from tests.examples.docs_numbers import BOSTON_SWEEP, stated, tables

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from summarize_sweep import mean_std, runs  # noqa: E402

SWEEP = r"(python train\.py -m experiment=boston_minibatch seed=[\d,]+ batch_size=[\d,]+)"


@pytest.mark.slow
def test_the_boston_sweep_summary_is_what_its_command_gives(tmp_path):
    (command,) = stated(SWEEP)
    sweep = tmp_path / "sweep"
    done = subprocess.run([sys.executable, str(REPO_ROOT / "train.py"), *command.split()[2:],
                           f"hydra.sweep.dir={sweep}", "trainer.enable_progress_bar=false"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    header = [cell.strip() for cell in BOSTON_SWEEP.strip("|").split("|")]
    metrics = header[2:]  # after the swept key and the runs
    rows = summarize(read_sweep(sweep), metrics, over="seed")
    cells = [[*map(str, row.values.values()), runs(row), *(mean_std(row, m) for m in metrics)]
             for row in rows]  # fmt: skip
    for page, table in tables(BOSTON_SWEEP).items():
        assert table == cells, f"{page}: the sweep gives {cells}"
