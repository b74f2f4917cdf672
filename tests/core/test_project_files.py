"""Project files: the CI workflow, the Makefile, pre-commit and the LICENSE agree with the rest."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.docs_text import bash_blocks, page, readme

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
    assert "python -m pytest" in readme()


def ci_commands() -> list[list[str]]:
    """The commands of .ci/run from its first `pip install`, as words, `--quiet` left out."""
    lines = [line for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()
             if line.startswith(("pip install", "python -m pytest"))]  # fmt: skip
    return [[w for w in shlex.split(line) if w != "--quiet"] for line in lines]


@pytest.mark.parametrize("text", [readme(), page("index.md")], ids=["README", "docs/index.md"])
def test_the_test_command_for_a_fresh_machine_is_what_ci_runs(text):
    """The second command for a fresh machine installs what .ci/run installs, then tests."""
    first, second = [block.strip() for block in bash_blocks(text)[:2]]
    start = "python3 -m venv .venv && . .venv/bin/activate && "
    assert first == start + "pip install torch==2.13.0 && pip install -e . && python train.py"
    assert second.startswith(start)
    steps = [shlex.split(step) for step in second.removeprefix(start).split(" && ")]
    assert steps == ci_commands()


def install_hints() -> list[tuple[str, str]]:
    """(file, hint) for every `pip install ...` the code, configs, tests and docs print."""
    files = [*(REPO_ROOT / "src").rglob("*.py"), *(REPO_ROOT / "configs").rglob("*.yaml"),
             *(REPO_ROOT / "tests").rglob("*.py"), *(REPO_ROOT / "docs").rglob("*.md"),
             REPO_ROOT / "README.md", REPO_ROOT / ".env.example"]  # fmt: skip
    return [(str(path.relative_to(REPO_ROOT)), hint) for path in files
            for hint in re.findall(r"pip install [^\n`'\"]*(?:\"[^\"\n]*\")?[^\n`'\"]*",
                                   path.read_text())]  # fmt: skip


def test_every_install_hint_names_the_pins_and_extras_ci_installs():
    ci_run = (REPO_ROOT / ".ci" / "run").read_text()
    pins = dict(re.findall(r"\b([a-z]+)==([\d.]+)", ci_run))
    extras = set(PYPROJECT["project"]["optional-dependencies"])
    hints = install_hints()
    assert any("litdata" in hint for _, hint in hints)
    for where, hint in hints:
        for package, version in pins.items():
            if re.search(rf"\b{package}\b(?![-\w])", hint):  # torch, not torch-foo
                assert f"{package}=={version}" in hint, f"{where}: {hint!r} without the pin"
        for extra in re.findall(r"\.\[([\w,]+)\]", hint):
            assert set(extra.split(",")) <= extras, f"{where}: {hint!r} names no extra"


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
    assert {"train", "test", "test-fast", "lint", "tensorboard", "docs"} <= set(recipes)
    assert recipes["train"] == ["$(PYTHON) train.py $(ARGS)"]
    assert recipes["test"] == ["$(PYTHON) -m pytest $(ARGS)"], "the test command of .ci/run"
    assert recipes["test-fast"] == ['$(PYTHON) -m pytest -m "not slow" $(ARGS)']
    assert recipes["lint"] == ["$(PYTHON) -m ruff check .", "$(PYTHON) -m ruff format --check ."]
    assert recipes["tensorboard"] == ["$(PYTHON) -m tensorboard.main --logdir logs $(ARGS)"]
    assert recipes["docs"] == ["$(PYTHON) -m mkdocs serve $(ARGS)"], "the site, served locally"
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


def test_the_documented_layout_names_every_module_of_the_core_and_its_wings():
    trees = "".join(re.findall(r"(?m)^```\n(.*?)^```", page("layout.md"), re.S))  # examples' too
    core = REPO_ROOT / "src" / "minibatch"
    folders = [p for p in core.iterdir() if p.is_dir() and p.name != "__pycache__"]
    modules = [
        p.name for p in core.rglob("*.py")
        if p.name != "__init__.py" and "examples" not in p.relative_to(core).parts
    ]  # fmt: skip
    missing = [name for name in modules + [f"{p.name}/" for p in folders]
               if name not in trees]  # fmt: skip
    assert missing == [], f"docs/layout.md does not name {missing}"
