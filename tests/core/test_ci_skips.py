"""No silent skip in CI: under CI=true a test that lacks an extra or a dataset fails, naming
it; away from CI it is skipped; a skip for what the machine cannot offer stays a skip.

A small test folder, run by pytest with the suite's own hooks (tests/conftest.py), once
with CI=true and once without.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

TESTS = """
from pathlib import Path

from tests import needs


def test_extra():
    needs.extra("no_such_extra_module", 'pip install -e ".[test]"')


def test_data():
    needs.data_file(Path("/no/such/folder/mnist.pkl.gz"), "fetch it with ...")


def test_machine():
    needs.not_here("no mount command")


def test_runs():
    assert True
"""
MODULE_LEVEL = """
from tests import needs

needs.extra("no_such_extra_module", "pip install it")


def test_never_collected():
    pass
"""


def outcomes(folder: Path, ci: str) -> tuple[dict[str, str], str, str]:
    """Each test's outcome ({"test_extra": "FAILED", ...}), pytest's tally and its output."""
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run([sys.executable, "-m", "pytest", "-v", "-rA", "-p", "no:cacheprovider",
                           "-p", "no:xdist", "--continue-on-collection-errors", str(folder)],
                          cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    seen = dict(re.findall(r"^test_needs\.py::(\w+) (PASSED|FAILED|SKIPPED)", done.stdout, re.M))
    tally = done.stdout.strip().splitlines()[-1].strip("= ").split(" in ")[0]
    return seen, tally, done.stdout


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ci")
    (folder / "conftest.py").write_text(
        "from tests.conftest import pytest_make_collect_report, pytest_runtest_makereport  "
        "# noqa: F401\n"
    )
    (folder / "test_needs.py").write_text(TESTS)
    (folder / "test_module_level.py").write_text(MODULE_LEVEL)
    return folder


def test_under_ci_a_missing_extra_or_dataset_is_a_failure_that_names_it(folder):
    seen, tally, output = outcomes(folder, "true")
    assert seen == {"test_extra": "FAILED", "test_data": "FAILED", "test_machine": "SKIPPED",
                    "test_runs": "PASSED"}, output  # fmt: skip
    assert tally == "2 failed, 1 passed, 1 skipped, 1 error", output
    assert "ERROR test_module_level.py" in output, "the module that imports a missing extra"
    assert "skipped under CI=true" in output
    assert "needs no_such_extra_module (No module named" in output
    assert 'pip install -e ".[test]"' in output
    assert "needs /no/such/folder/mnist.pkl.gz: fetch it with ..." in output
    assert "cannot run on this machine: no mount command" in output


def test_away_from_ci_they_are_skipped_with_what_to_install(folder):
    seen, tally, output = outcomes(folder, "")
    assert seen == {"test_extra": "SKIPPED", "test_data": "SKIPPED", "test_machine": "SKIPPED",
                    "test_runs": "PASSED"}, output  # fmt: skip
    assert tally == "1 passed, 4 skipped", output
    assert "needs no_such_extra_module (No module named" in output
