"""Every command of the tours (the README's and docs/tour.md's) runs, as written, with small
sizes appended.

Each runs as `python train.py ...` with that argv (forks of one warm process, as the
mistakes table runs its command lines: tests/core/command_lines.py).

The commands are parsed from the first bash block of `## A short tour` in both, so an example
that stops working fails here (and in CI) instead of in a reader's terminal. The README's
`data.path=houses.csv` is a table this test writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.core.command_lines import run_all
from tests.core.fake_tables import write_regression_csv
from tests.docs_text import bash_blocks, page, readme, section
from tests.examples.real_mnist import need_real_mnist, real_mnist_here

pytestmark = pytest.mark.slow


def tour_commands(text: str) -> list[list[str]]:
    """The `python train.py` lines of the first bash block of `## A short tour`, as argv."""
    block = bash_blocks(section(text, "## A short tour"))[0]
    return [line.split("#")[0].split()[2:] for line in block.splitlines()
            if line.startswith("python train.py")]  # fmt: skip


README_COMMANDS = tour_commands(readme())
DOCS_COMMANDS = tour_commands(page("tour.md"))
COMMANDS = [c for n, c in enumerate(README_COMMANDS + DOCS_COMMANDS)
            if c not in (README_COMMANDS + DOCS_COMMANDS)[:n]]  # fmt: skip
# One epoch of two batches: the command's own options are what is tested, not the training.
SMALL = ["trainer.max_epochs=1", "trainer.limit_train_batches=2", "trainer.limit_val_batches=2",
         "trainer.enable_progress_bar=false"]  # fmt: skip


def test_the_tours_have_their_commands():
    for commands in (README_COMMANDS, DOCS_COMMANDS):
        assert len(commands) >= 10
        assert ["--help"] in commands and any("-m" in c for c in commands)
    assert len(README_COMMANDS) <= 10, "the README's tour stays ten lines"


def extra_options(args: list[str], log_dir: Path) -> list[str]:
    """The small sizes and the test's log folder, after the command as written."""
    if args == ["--help"]:
        return []
    overrides = " ".join(a for a in args if not a.startswith("-"))
    small = [s for s in SMALL if s.lstrip("+").split("=")[0] not in overrides]
    return [f"paths.log_dir={log_dir}", *small]


def write_houses(path: Path) -> None:
    """A small table with a `price` column, as `data=csv data.path=houses.csv` expects."""
    write_regression_csv(path, rows=300)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(["rooms,area,age,price", *lines[1:]]) + "\n")


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
        if "data.path=houses.csv" in args:  # the reader's own table, written here
            write_houses(folder / "houses.csv")
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
