"""The README's "Make it yours" examples, written to disk as a user would, and trained.

Every fenced block that starts with `# file: <path>` is written to that path in a fresh
folder; every `python train.py ...` line of that section then runs there (with the folder's
configs on Hydra's search path and its code importable), so an example that drifts from
the code fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

SECTION = re.search(r"## Make it yours\n(.*?)\n## ", (REPO_ROOT / "README.md").read_text(), re.S)
BLOCK = re.compile(r"```(?:python|yaml)\n# file: (\S+)\n(.*?)```", re.S)
COMMAND = re.compile(r"^python train\.py (.+)$", re.M)


def written_examples(folder: Path) -> list[Path]:
    paths = []
    for name, body in BLOCK.findall(SECTION.group(1)):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
        paths.append(path)
    for package in {p.parent for p in paths if p.suffix == ".py"}:
        (package / "__init__.py").touch()
    return paths


def test_the_section_has_an_example_for_each_way_in():
    names = [name for name, _ in BLOCK.findall(SECTION.group(1))]
    assert any(n.startswith("configs/data/") for n in names)
    assert any(n.startswith("configs/model/") for n in names)
    assert any(n.startswith("configs/experiment/") for n in names)
    assert len(COMMAND.findall(SECTION.group(1))) >= 4


@pytest.mark.parametrize("command", COMMAND.findall(SECTION.group(1)))
def test_readme_example_trains(tmp_path, command):
    written_examples(tmp_path)
    args = command.split()
    if not any(arg.startswith("data=") or arg.startswith("experiment=") for arg in args):
        pytest.skip("uses the user's own files (data=csv is tested in test_scaled_target.py)")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "train.py"), *args,
         f"hydra.searchpath=[file://{tmp_path / 'configs'}]", f"paths.log_dir={tmp_path / 'logs'}",
         "trainer.enable_progress_bar=false"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (run,) = (tmp_path / "logs").glob("*/runs/*")
    events = EventAccumulator(str(run / "tensorboard"))
    events.Reload()
    losses = [event.value for event in events.Scalars("val/loss")]
    assert losses[-1] < losses[0], "the example learns"
