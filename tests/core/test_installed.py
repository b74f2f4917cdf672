"""`pip install .` (not editable), then `minibatch-train` from another folder."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from setuptools import find_packages

from tests.conftest import REPO_ROOT
from tests.core.fake_tables import write_csv

if sys.version_info >= (3, 11):
    import tomllib
else:  # the test extra installs tomli there
    import tomli as tomllib


def test_the_package_list_in_pyproject_is_complete():
    listed = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    plugins = find_packages(REPO_ROOT / "src" / "hydra_plugins")  # a namespace: no __init__
    found = set(find_packages(REPO_ROOT / "src")) | {f"hydra_plugins.{p}" for p in plugins}
    found |= {"minibatch.configs"}
    assert set(listed["packages"]) == found, "add new subpackages to pyproject.toml"


@pytest.mark.slow
def test_installed_console_script_trains_from_another_folder(tmp_path):
    target, work = tmp_path / "site", tmp_path / "elsewhere"
    work.mkdir()
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(REPO_ROOT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    assert (target / "minibatch" / "configs" / "train.yaml").is_file(), "configs shipped"
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import minibatch; print(minibatch.__file__)"],
                           capture_output=True, text=True, env=env, cwd=work)  # fmt: skip
    assert where.stdout.startswith(str(target)), "the installed copy, not the checkout"
    table = write_csv(work / "table.csv")
    run = subprocess.run(
        [str(target / "bin" / "minibatch-train"), "data=csv", "data.path=table.csv",
         "data.target=label", "trainer.max_epochs=2", "trainer.enable_progress_bar=false"],
        capture_output=True, text=True, timeout=300, env=env, cwd=work,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    (run_dir,) = (work / "logs" / "train" / "runs").iterdir()
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()
    assert table.is_file() and not (REPO_ROOT / "logs" / "train" / "runs" / run_dir.name).exists()
