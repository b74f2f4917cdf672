"""What a test needs that a machine may lack: an optional extra, a dataset, a tool.

Away from CI a missing one skips the test, saying what to install or fetch. Under CI
(`CI=true`: GitHub Actions and .ci/run set it, after installing every extra and fetching
the data) tests/conftest.py turns every skip into a failure that names what is missing,
except a skip for what a CI machine cannot give a test (`not_here`: root, a compiler).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

import pytest

NOT_HERE = "cannot run on this machine: "


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1"}


def extra(module: str, install: str) -> ModuleType:
    """`module` imported, else a skip: "needs <module>: <install>"."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        pytest.skip(f"needs {module} ({error}): {install}", allow_module_level=True)


def data_file(path: Path, fetch: str) -> Path:
    """`path`, else a skip that says how to get it."""
    if not path.is_file():
        pytest.skip(f"needs {path}: {fetch}", allow_module_level=True)
    return path


def not_here(reason: str) -> None:
    """Skip for what this machine cannot offer, extras and data aside (allowed under CI)."""
    pytest.skip(NOT_HERE + reason, allow_module_level=True)


def ci_failure(reason: str) -> str | None:
    """The failure a skip with `reason` becomes under CI, or None when it stays a skip."""
    if not under_ci() or reason.removeprefix("Skipped: ").startswith(NOT_HERE):
        return None
    return (
        f"skipped under CI=true, where every extra is installed and every dataset fetched "
        f"(.ci/run): {reason.removeprefix('Skipped: ')}"
    )
