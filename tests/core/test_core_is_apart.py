"""The core imports nothing from the examples, and removing the examples leaves it green."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from remove_examples import EXAMPLE_PATHS  # noqa: E402

EXAMPLE_MODULES = ("minibatch.examples", "tests.examples")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def core_files(folder: str, suffix: str) -> list[Path]:
    examples = [REPO_ROOT / path for path in EXAMPLE_PATHS]
    return [
        path for path in (REPO_ROOT / folder).rglob(f"*{suffix}")
        if not any(path == e or e in path.parents for e in examples)
    ]  # fmt: skip


@pytest.mark.parametrize("folder", ["src", "tests/core", "scripts"])
def test_core_code_imports_nothing_from_the_examples(folder):
    for path in core_files(folder, ".py"):
        if path.name == "remove_examples.py":
            continue
        bad = {name for name in imported_modules(path) if name.startswith(EXAMPLE_MODULES)}
        assert not bad, f"{path.relative_to(REPO_ROOT)} imports {bad}"


def test_core_configs_name_no_example():
    for path in core_files("configs", ".yaml"):
        text = path.read_text()
        assert "minibatch.examples" not in text and "- /recipe" not in text, path


@pytest.mark.slow
def test_removing_the_examples_leaves_the_core_green(tmp_path):
    copy = tmp_path / "project"
    tracked = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                             cwd=REPO_ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    for name in tracked.stdout.splitlines():
        if (REPO_ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, copy / name)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)  # a clone is a repository
    removed = subprocess.run([sys.executable, "scripts/remove_examples.py"], cwd=copy,
                             capture_output=True, text=True)  # fmt: skip
    assert removed.returncode == 0, removed.stderr
    assert not (copy / "src" / "minibatch" / "examples").exists()
    env = {**os.environ, "PYTHONPATH": str(copy / "src")}
    core = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/core", "-q", "-x", "-m", "not slow", "-p",
         "no:cacheprovider"],
        cwd=copy, capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    assert core.returncode == 0, core.stdout[-3000:]
    assert " passed" in core.stdout.splitlines()[-1]
    no_data = subprocess.run([sys.executable, "train.py"], cwd=copy, capture_output=True,
                             text=True, env=env, timeout=120)  # fmt: skip
    assert no_data.returncode != 0 and "You must specify 'data'" in no_data.stderr
    assert "csv" in no_data.stderr and "image_folder" in no_data.stderr
