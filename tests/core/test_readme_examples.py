"""The "Make it yours" examples (docs/make-it-yours.md), written to disk as a user would, and
trained.

Every fenced block that starts with `# file: <path>` is written to that path in a fresh
folder; every `python train.py ...` line of that page then runs there (with the folder's
configs on Hydra's search path and its code importable; in forks of one warm process, as
tests/core/command_lines.py runs command lines), so an example that drifts from the code
fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tests.conftest import REPO_ROOT
from tests.core.command_lines import run_all
from tests.docs_text import page

pytestmark = pytest.mark.slow

PAGE = page("make-it-yours.md")
BLOCK = re.compile(r"```(?:python|yaml)\n# file: (\S+)\n(.*?)```", re.S)
COMMAND = re.compile(r"^python train\.py (.+)$", re.M)


def written_examples(folder: Path) -> list[Path]:
    paths = []
    for name, body in BLOCK.findall(PAGE):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
        paths.append(path)
    for package in {p.parent for p in paths if p.suffix == ".py"}:
        (package / "__init__.py").touch()
    return paths


def test_the_section_has_an_example_for_each_way_in():
    names = [name for name, _ in BLOCK.findall(PAGE)]
    assert any(n.startswith("configs/data/") for n in names)
    assert any(n.startswith("configs/model/") for n in names)
    assert any(n.startswith("configs/experiment/") for n in names)
    assert "(L.LightningModule)" in PAGE, "a LightningModule of your own"
    assert len(COMMAND.findall(PAGE)) >= 5


COMMANDS = COMMAND.findall(PAGE)


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> dict[str, tuple[int, str, Path]]:
    """Each command's (exit code, stderr, folder): `python train.py ...` in a folder holding
    the written examples, in forks of one warm process (tests/core/command_lines.py)."""
    commands = []
    for command in COMMANDS:
        folder = tmp_path_factory.mktemp("example")
        written_examples(folder)
        args = [*command.split(), f"hydra.searchpath=[file://{folder / 'configs'}]",
                f"paths.log_dir={folder / 'logs'}",
                "trainer.enable_progress_bar=false"]  # fmt: skip
        commands.append({"script": str(REPO_ROOT / "train.py"), "cwd": str(folder),
                         "args": args, "env": {"PYTHONPATH": str(folder)}})  # fmt: skip
    ended = run_all(commands)
    return {
        command: (x["returncode"], x["stderr"], Path(c["cwd"]))
        for command, c, x in zip(COMMANDS, commands, ended, strict=True)
    }


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_example_trains(ran, command):
    code, stderr, folder = ran[command]
    assert code == 0, stderr[-3000:]
    (run,) = (folder / "logs").glob("*/runs/*")
    events = EventAccumulator(str(run / "tensorboard"))
    events.Reload()
    losses = [event.value for event in events.Scalars("val/loss")]
    assert losses[-1] < losses[0], "the example learns"
