"""Every command of the README's tour runs, as written, with small sizes appended.

Each runs as `python train.py ...` with that argv (forks of one warm process, as the
mistakes table runs its command lines: tests/core/command_lines.py).

The commands are parsed from the first bash block of `## A short tour`, so an example that
stops working fails here (and in CI) instead of in a reader's terminal.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.core.command_lines import run_all
from tests.examples.real_mnist import need_real_mnist, real_mnist_here

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


def extra_options(args: list[str], log_dir: Path) -> list[str]:
    """The small sizes and the test's log folder, after the command as written."""
    if args == ["--help"]:
        return []
    overrides = " ".join(a for a in args if not a.startswith("-"))
    small = [s for s in SMALL if s.lstrip("+").split("=")[0] not in overrides]
    return [f"paths.log_dir={log_dir}", *small]


def needs_mnist(args: list[str]) -> bool:
    return "mnist" in " ".join(args) and not real_mnist_here()


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> dict[str, tuple[int, str, str, Path]]:
    """Every tour command's (exit code, stdout, stderr, folder): `python train.py ...` as
    typed, in forks of one warm process (tests/core/command_lines.py), each in its folder."""
    root = tmp_path_factory.mktemp("tour")
    todo = [args for args in COMMANDS if not needs_mnist(args)]
    commands = []
    for number, args in enumerate(todo):
        folder = root / str(number)
        folder.mkdir()
        commands.append({"script": str(REPO_ROOT / "train.py"), "cwd": str(folder),
                         "args": [*args, *extra_options(args, folder)]})  # fmt: skip
    ended = run_all(commands)
    return {
        " ".join(args): (x["returncode"], x["stdout"], x["stderr"], Path(c["cwd"]))
        for args, c, x in zip(todo, commands, ended, strict=True)
    }


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_tour_command_runs(ran, args: list[str]):
    if needs_mnist(args):
        need_real_mnist()
    code, stdout, stderr, tmp_path = ran[" ".join(args)]
    flags = [a for a in args if a.startswith("-")]
    assert code == 0, stderr[-3000:]
    if flags == ["--help"]:
        assert "Datasets (data=)" in stdout and "experiment=" in stdout
        return
    runs = list(tmp_path.glob("*/runs/*/.hydra")) + list(tmp_path.glob("*/multiruns/*/*/.hydra"))
    assert len(runs) == (2 if "-m" in flags else 1), "one run folder per job"
