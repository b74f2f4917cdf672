"""Project files: the CI workflow, the Makefile, pre-commit and the LICENSE agree with the rest."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO_ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # the test extra installs tomli there
    import tomli as tomllib

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())


# CI, Makefile, pre-commit, LICENSE ------------------------------------------------------------
def supported_pythons() -> list[str]:
    prefix = "Programming Language :: Python :: 3."
    classifiers = PYPROJECT["project"]["classifiers"]
    return [
        c.removeprefix("Programming Language :: Python :: ")
        for c in classifiers
        if c.startswith(prefix)
    ]


def test_ci_matrix_is_every_python_pyproject_claims():
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "ci.yml").read_text())
    (job,) = workflow["jobs"].values()
    assert job["runs-on"].startswith("ubuntu")
    matrix = job["strategy"]["matrix"]["python-version"]
    assert matrix == supported_pythons() == ["3.10", "3.11", "3.12"]
    minimum = re.fullmatch(r">=\s*(3\.\d+)", PYPROJECT["project"]["requires-python"]).group(1)
    assert matrix[0] == minimum, "the oldest Python that pyproject accepts is tested"
    versions = [tuple(map(int, v.split("."))) for v in matrix]
    assert versions == [(3, minor) for minor in range(versions[0][1], versions[-1][1] + 1)]


def test_ci_workflow_runs_the_commands_of_ci_run():
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "ci.yml").read_text())
    (job,) = workflow["jobs"].values()
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs == ["bash .ci/run"], "the workflow runs .ci/run itself: one list of commands"
    assert job["steps"][1]["with"]["python-version"] == "${{ matrix.python-version }}"
    ci_run = (REPO_ROOT / ".ci" / "run").read_text().splitlines()
    commands = [line for line in ci_run if line and not line.startswith(("#", " "))]
    assert commands[-1] == "python -m pytest", "ends with the README's test command"
    assert "python -m pytest" in (REPO_ROOT / "README.md").read_text()


def makefile_recipes() -> dict[str, list[str]]:
    recipes: dict[str, list[str]] = {}
    target = None
    for line in (REPO_ROOT / "Makefile").read_text().splitlines():
        if match := re.match(r"^([a-z-]+):", line):
            target = match.group(1)
            recipes[target] = []
        elif line.startswith("\t") and target:
            recipes[target].append(line.strip())
    return recipes


def test_makefile_targets_run_the_documented_commands():
    recipes = makefile_recipes()
    assert {"train", "test", "test-fast", "lint", "tensorboard"} <= set(recipes)
    assert recipes["train"] == ["$(PYTHON) train.py $(ARGS)"]
    assert recipes["test"] == ["$(PYTHON) -m pytest $(ARGS)"], "the test command of .ci/run"
    assert recipes["test-fast"] == ['$(PYTHON) -m pytest -m "not slow" $(ARGS)']
    assert recipes["lint"] == ["$(PYTHON) -m ruff check .", "$(PYTHON) -m ruff format --check ."]
    assert recipes["tensorboard"] == ["$(PYTHON) -m tensorboard.main --logdir logs $(ARGS)"]
    if shutil.which("make"):
        dry = subprocess.run(
            ["make", "-n", "test-fast", "PYTHON=py"], cwd=REPO_ROOT, capture_output=True, text=True
        )
        assert dry.stdout.strip() == 'py -m pytest -m "not slow"'


def test_pre_commit_runs_ruff_check_format_whitespace_and_yaml():
    config = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert set(hooks) == {"ruff-check", "ruff-format", "trailing-whitespace", "check-yaml"}
    assert hooks["ruff-check"]["entry"].startswith("ruff check")
    assert hooks["ruff-format"]["entry"].startswith("ruff format")
    assert hooks["trailing-whitespace"]["entry"] == "trailing-whitespace-fixer"
    assert hooks["check-yaml"]["entry"] == "check-yaml"
    pins = {dep for hook in hooks.values() for dep in hook.get("additional_dependencies", [])}
    assert all(re.fullmatch(r"[a-z-]+==[\d.]+", pin) for pin in pins), "pinned versions"


def test_license_is_mit_as_pyproject_says():
    text = (REPO_ROOT / "LICENSE").read_text()
    assert PYPROJECT["project"]["license"] == "MIT"
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the minibatch authors\n")
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]])
def test_the_whole_tree_is_ruff_clean(command):
    """What `make lint` and the pre-commit hooks check, checked in CI too."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_layout_names_every_module_of_the_core_and_its_wings():
    readme = (REPO_ROOT / "README.md").read_text()
    layout = re.search(r"## Layout\n(.*?)(?:\n## |\Z)", readme, re.S)  # its trees, examples' too
    core = REPO_ROOT / "src" / "minibatch"
    folders = [p for p in core.iterdir() if p.is_dir() and p.name != "__pycache__"]
    modules = [
        p.name for p in core.rglob("*.py")
        if p.name != "__init__.py" and "examples" not in p.relative_to(core).parts
    ]  # fmt: skip
    missing = [name for name in modules + [f"{p.name}/" for p in folders]
               if name not in layout.group(1)]  # fmt: skip
    assert missing == [], f"README's Layout does not name {missing}"
