"""Every module runs on the oldest Python that pyproject.toml accepts (`requires-python`).

Its syntax is parsed as that version's (ast's `feature_version`), and vermin checks the
standard library it uses (a module new in 3.11, such as `tomllib`, imported without a
fallback fails here on 3.11 already, not in the 3.10 job of CI).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from tests import needs
from tests.conftest import REPO_ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # the test extra installs tomli there
    import tomli as tomllib

REQUIRES = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
LOWEST = tuple(int(part) for part in re.fullmatch(r">=\s*(\d+)\.(\d+)", REQUIRES).groups())
FOLDERS = ["src", "tests", "scripts", "train.py"]
# torch's `tensor.long()` reads to vermin as Python 2's `long`.
VERMIN = ["--violations", "--eval-annotations", "--no-tips", "--exclude", "long"]


def python_files() -> list[Path]:
    files = [REPO_ROOT / "train.py"]
    for folder in FOLDERS[:-1]:
        files += sorted((REPO_ROOT / folder).rglob("*.py"))
    return files


def test_every_module_parses_as_the_lowest_python():
    refused = []
    for path in python_files():
        try:
            ast.parse(path.read_text(), str(path), feature_version=LOWEST)
        except SyntaxError as error:
            refused.append(f"{path.relative_to(REPO_ROOT)}:{error.lineno}: {error.msg}")
    assert LOWEST == (3, 10) and len(python_files()) > 200
    assert refused == [], refused


def test_every_module_uses_only_what_the_lowest_python_has():
    needs.extra("vermin", 'pip install -e ".[test]"')
    target = f"-t={LOWEST[0]}.{LOWEST[1]}-"
    code = "import sys; from vermin import main; sys.argv[0] = 'vermin'; sys.exit(main())"
    done = subprocess.run([sys.executable, "-c", code, target, *VERMIN, *FOLDERS],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Target versions not met" not in done.stdout, done.stdout
    assert f"Analyzing {len(python_files())} files" in done.stdout, done.stdout
