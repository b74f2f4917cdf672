"""The package's shape: the training path at the top, every other concern in a wing below it.

Imports run one way: the core (the top-level modules and nets/) imports no wing, and a wing
imports the core and the wings of lower rank only. The core names a wing only in configs
(`_target_`), never in an import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "src" / "minibatch"
# A wing may import wings of a lower rank (and its own); the core is below them all.
RANKS = {
    "core": 0,
    "adapters": 1,
    "checks": 2,
    "data": 3,
    "speed": 3,
    "runs": 4,
    "display": 4,
    "scaling": 4,  # the batch-size lesson's callbacks: they read the module's batches and steps
    "tooling": 5,
    "cli": 6,
    "examples": 7,  # the notebooks: deletable, so nothing depends on them
}
# The training path: what a reader follows for one run, and nothing else.
CORE_MODULES = {"__init__", "train", "build", "module", "tasks", "data_spec", "errors"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts).removesuffix(".__init__")


def wing_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in RANKS:
        return parts[1]
    return "core"


def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports, by name."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def imports_of(path: Path) -> set[str]:
    names = imported_modules(path)
    return {name for name in names if name == "minibatch" or name.startswith("minibatch.")}


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_down_the_layers(path):
    module = module_name(path)
    rank = RANKS[wing_of(module)]
    upward = [
        name for name in imports_of(path)
        if wing_of(name) != wing_of(module) and RANKS[wing_of(name)] >= rank
    ]  # fmt: skip
    assert not upward, f"{module} ({wing_of(module)}) imports {upward}"


def test_the_top_of_the_package_holds_the_training_path_alone():
    top = {path.stem for path in PACKAGE.glob("*.py")}
    assert top == CORE_MODULES
    folders = {
        path.name for path in PACKAGE.iterdir() if path.is_dir() and path.name != "__pycache__"
    }
    wings = {wing for wing in RANKS if wing != "core"}
    assert folders in ({"nets", *wings}, {"nets", *wings} - {"examples"}), "examples: removable"


@pytest.mark.parametrize("wing", [w for w in RANKS if (PACKAGE / w).is_dir()])
def test_each_wing_says_what_it_is_for_in_a_few_lines(wing):
    init = PACKAGE / wing / "__init__.py"
    docstring = ast.get_docstring(ast.parse(init.read_text()))
    assert docstring and 1 <= len(docstring.splitlines()) <= 5, wing


def test_every_module_says_why_in_two_to_four_lines():
    """A module's docstring says what it is for and why, in 2 to 4 lines; the history of a
    bug it fixed belongs in the commit message, details beside the code they explain."""
    offenders = {}
    for path in sorted((REPO_ROOT / "src").rglob("*.py")):
        docstring = ast.get_docstring(ast.parse(path.read_text()))
        lines = len(docstring.splitlines()) if docstring else 0
        if not 2 <= lines <= 4:
            offenders[str(path.relative_to(REPO_ROOT))] = lines
    assert offenders == {}, f"module docstrings of other than 2 to 4 lines: {offenders}"
